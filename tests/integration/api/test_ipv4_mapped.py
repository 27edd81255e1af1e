# SPDX-License-Identifier: GPL-3.0-or-later
"""IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are refused everywhere an
address or CIDR is taken (docs/api.md, Conventions): 400 naming the
field, with a message giving the IPv4 form. Such an address never
matches the IPv4 packets it stands for."""

import pytest

from zgtest import addrs as A


def assert_mapped_refused(r, field, v4):
    assert r.status == 400, r
    err = r.body["error"]
    assert (err["code"], err["field"]) == ("invalid", field), r
    assert "IPv4-mapped" in err["message"] and v4 in err["message"], r


@pytest.fixture
def world(baseline):
    baseline.make_rule("rop", "onprem.example.", [A.OP1])
    return baseline


def test_vpc_cidr_and_listener(world, api):
    before = api.get("/v1/vpcs?limit=1000").body
    r = api.post("/v1/vpcs", {"name": "m", "cidrs": ["::ffff:10.6.0.0/112"]})
    assert_mapped_refused(r, "cidrs[0]", "10.6.0.0/16")
    r = api.post("/v1/vpcs", {"name": "m", "cidrs": ["10.6.0.0/16"],
                              "listen": ["[::ffff:10.0.0.9]:53"]})
    assert_mapped_refused(r, "listen[0]", "10.0.0.9")
    assert api.get("/v1/vpcs?limit=1000").body == before


def test_endpoint_sources_and_egress(world, api):
    vpc = world.vpc["a"]
    r = api.post("/v1/endpoints", {"name": "m", "vpc": vpc,
                                   "sources": ["::ffff:10.0.255.12"]})
    assert_mapped_refused(r, "sources[0]", "10.0.255.12")
    r = api.post("/v1/endpoints", {
        "name": "m", "vpc": vpc, "sources": ["10.0.255.12"],
        "egress": [{"prefix": "::ffff:0.0.0.0/96"}]})
    assert_mapped_refused(r, "egress[0].prefix", "0.0.0.0/0")


def test_rule_and_upstream_targets(world, api):
    r = api.post("/v1/rules", {"name": "m", "domain": "m.example.",
                               "endpoint": world.ep["ob-1"],
                               "targets": ["[::ffff:192.0.2.53]:53"]})
    assert_mapped_refused(r, "targets[0]", "192.0.2.53")
    r = api.patch("/v1/rules/%s" % world.rule["rop"],
                  {"targets": [A.OP1, "::ffff:192.0.2.54"]})
    assert_mapped_refused(r, "targets[1]", "192.0.2.54")
    r = api.put("/v1/upstreams/global",
                {"targets": ["[::ffff:198.51.100.53]:53"]})
    assert_mapped_refused(r, "targets[0]", "198.51.100.53")
    r = api.put("/v1/upstreams/global",
                {"targets": [A.PUB], "source": "::ffff:10.0.255.10"})
    assert_mapped_refused(r, "source", "10.0.255.10")
