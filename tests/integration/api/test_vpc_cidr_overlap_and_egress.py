# SPDX-License-Identifier: GPL-3.0-or-later
"""One VPC's CIDRs may not overlap each other (400 `cidrs[i]`, naming the
other entry), and one endpoint's egress rules may not repeat (400
`egress[i]`); nothing changes."""


def assert_invalid(r, field, *words):
    assert r.status == 400, r
    err = r.body["error"]
    assert (err["code"], err["field"]) == ("invalid", field), r
    for word in words:
        assert word in err["message"], r


def test_overlapping_cidrs_of_one_vpc_refused(baseline, api):
    before = api.get("/v1/vpcs?limit=1000").body
    r = api.post("/v1/vpcs", {"name": "x", "cidrs": ["10.5.0.0/16",
                                                     "10.5.1.0/24"]})
    assert_invalid(r, "cidrs[1]", "10.5.0.0/16", "cidrs[0]")
    r = api.post("/v1/vpcs", {"name": "x", "cidrs": [
        "10.6.0.0/16", "fd00:5::/48", "fd00:5:0:1::/64"]})
    assert_invalid(r, "cidrs[2]", "fd00:5::/48")
    r = api.patch("/v1/vpcs/%s" % baseline.vpc["c"],
                  {"cidrs": ["10.3.0.0/16", "10.0.0.0/8"]})
    assert_invalid(r, "cidrs[1]", "10.3.0.0/16")
    assert api.get("/v1/vpcs?limit=1000").body == before
    # Disjoint ones, of both families, are fine.
    r = api.post("/v1/vpcs", {"name": "x", "cidrs": [
        "10.5.0.0/24", "10.5.1.0/24", "fd00:5::/64", "fd00:5:0:1::/64"]})
    assert r.status == 201, r


def test_repeated_egress_rules_refused(baseline, api):
    vpc = baseline.vpc["a"]
    before = api.get("/v1/endpoints?limit=1000").body
    r = api.post("/v1/endpoints", {
        "name": "e", "vpc": vpc, "sources": ["10.0.255.12"],
        "egress": [{"prefix": "10.0.0.0/8"}, {"prefix": "10.0.0.0/8"}]})
    assert_invalid(r, "egress[1]", "egress[0]")
    r = api.patch("/v1/endpoints/%s" % baseline.ep["ob-1"], {"egress": [
        {"protocol": "udp", "port": 53, "prefix": "0.0.0.0/0"},
        {"protocol": "tcp", "port": 53, "prefix": "0.0.0.0/0"},
        {"protocol": "udp", "port": 53, "prefix": "0.0.0.0/0"}]})
    assert_invalid(r, "egress[2]", "egress[0]")
    assert api.get("/v1/endpoints?limit=1000").body == before
    # Rules that differ in protocol, port or prefix are not repeats.
    r = api.post("/v1/endpoints", {
        "name": "e", "vpc": vpc, "sources": ["10.0.255.12"],
        "egress": [{"prefix": "10.0.0.0/8"},
                   {"protocol": "udp", "prefix": "10.0.0.0/8"},
                   {"protocol": "udp", "port": 53, "prefix": "10.0.0.0/8"},
                   {"protocol": "udp", "port": 53, "prefix": "0.0.0.0/0"}]})
    assert r.status == 201, r
