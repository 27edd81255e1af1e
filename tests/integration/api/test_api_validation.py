# SPDX-License-Identifier: GPL-3.0-or-later
"""Management API contract (docs/api.md): a bad request gets 400 with
{"error": {"code": "invalid", "field", "message"}} and changes nothing;
404 for missing resources; 409 for conflicts; If-Match versions."""

import pytest

from zgtest import addrs as A


def snapshot(api):
    """Everything the API lists, to show that a failed request changed
    nothing (change log included)."""
    out = {}
    for coll in ("vpcs", "zones", "endpoints", "rules", "upstreams",
                 "changes"):
        r = api.get("/v1/%s?limit=1000" % coll)
        assert r.status == 200, (coll, r)
        out[coll] = r.body
    for z in out["zones"]["items"]:
        r = api.get("/v1/zones/%s/records?limit=1000" % z["id"])
        out["records " + z["id"]] = r.body
    return out


def assert_invalid(r, field):
    assert r.status == 400, r
    err = r.body["error"]
    assert err["code"] == "invalid", r
    assert err["field"] == field, r
    assert err["message"], r


@pytest.fixture
def world(baseline):
    baseline.make_zone("corp.example.", ["www.corp.example. 300 A 10.1.2.3"])
    baseline.make_rule("rop", "onprem.example.", [A.OP1])
    return baseline


VPC_CASES = [
    ({"cidrs": ["10.5.0.0/16"]}, "name"),
    ({"name": "v"}, "cidrs"),
    ({"name": "v", "cidrs": []}, "cidrs"),
    ({"name": "v", "cidrs": ["10.5.0.0/16", "10.6.0.0/33"]}, "cidrs[1]"),
    ({"name": "v", "cidrs": ["10.5.0.0/16", "banana"]}, "cidrs[1]"),
    ({"name": "v", "cidrs": ["10.5.0.0/16"], "listen": ["10.0.0.9:99999"]},
     "listen[0]"),
    ({"name": "v", "cidrs": ["10.5.0.0/16"], "listen": ["nope"]},
     "listen[0]"),
    ({"name": "v", "cidrs": ["10.5.0.0/16"], "builtin_zones": "yes"},
     "builtin_zones"),
]


@pytest.mark.parametrize("body,field", VPC_CASES)
def test_vpc_create_invalid(world, api, body, field):
    before = snapshot(api)
    assert_invalid(api.post("/v1/vpcs", body), field)
    assert snapshot(api) == before


def test_malformed_json_is_400(world, api):
    before = snapshot(api)
    r = api.post("/v1/vpcs", b"{not json")
    assert r.status == 400 and r.body["error"]["code"] == "invalid", r
    assert snapshot(api) == before


RECORD_CASES = [
    ({"name": "x", "type": "A", "value": "10.1.2.300"}, "value"),
    ({"name": "x", "type": "A", "value": "fd00::1"}, "value"),
    ({"name": "x", "type": "AAAA", "value": "10.1.2.3"}, "value"),
    ({"name": "x", "type": "MX", "value": "mail.corp.example."}, "value"),
    ({"name": "x", "type": "SRV", "value": "10 5 host."}, "value"),
    ({"name": "x", "type": "DNAME", "value": "a.example."}, "type"),
    ({"name": "x", "type": "DNSKEY", "value": "256 3 13 AAAA"}, "type"),
    ({"name": "x", "type": "TLSA", "value": "3 1 1 0g"}, "value"),
    ({"name": "@", "type": "SOA",
      "value": "a. b. 1 2 3 4 5"}, "type"),
    ({"name": "x", "type": "A", "ttl": -1, "value": "10.1.2.3"}, "ttl"),
    ({"name": "x", "type": "A", "ttl": 2 ** 31, "value": "10.1.2.3"}, "ttl"),
    ({"name": "www.other.example.", "type": "A", "value": "10.1.2.3"},
     "name"),
    ({"name": "bad..name", "type": "A", "value": "10.1.2.3"}, "name"),
    ({"name": "x" * 64, "type": "A", "value": "10.1.2.3"}, "name"),
]


@pytest.mark.parametrize("body,field", RECORD_CASES)
def test_record_invalid(world, api, body, field):
    zid = world.zone["corp.example."]
    before = snapshot(api)
    assert_invalid(api.post("/v1/zones/%s/records" % zid, body), field)
    assert snapshot(api) == before


def test_cname_cannot_share_a_name(world, api):
    zid = world.zone["corp.example."]
    before = snapshot(api)
    r = api.post("/v1/zones/%s/records" % zid,
                 {"name": "www", "type": "CNAME", "value": "x.corp.example."})
    assert r.status == 400 and r.body["error"]["code"] == "invalid", r
    assert snapshot(api) == before
    api.ok("POST", "/v1/zones/%s/records" % zid,
           {"name": "al", "type": "CNAME", "value": "x.corp.example."})
    before = snapshot(api)
    for body in ({"name": "al", "type": "A", "value": "10.1.2.5"},
                 {"name": "al", "type": "CNAME", "value": "y.corp.example."}):
        r = api.post("/v1/zones/%s/records" % zid, body)
        assert r.status == 400 and r.body["error"]["code"] == "invalid", r
    assert snapshot(api) == before


def test_apex_ns_only_through_zone_field(world, api):
    zid = world.zone["corp.example."]
    before = snapshot(api)
    r = api.post("/v1/zones/%s/records" % zid,
                 {"name": "@", "type": "NS", "value": "ns9.corp.example."})
    assert r.status == 400, r
    assert snapshot(api) == before


ENDPOINT_CASES = [
    ({"name": "e", "sources": ["10.0.255.10"]}, "vpc"),
    ({"name": "e", "vpc": "A", "sources": []}, "sources"),
    ({"name": "e", "vpc": "A",
      "sources": ["10.0.255.%d" % i for i in range(20, 27)]}, "sources"),
    ({"name": "e", "vpc": "A", "sources": ["10.0.255.10", "x"]},
     "sources[1]"),
    ({"name": "e", "vpc": "A", "sources": ["10.0.255.10"],
      "egress": [{"protocol": "icmp", "port": 53, "prefix": "0.0.0.0/0"}]},
     "egress[0].protocol"),
    ({"name": "e", "vpc": "A", "sources": ["10.0.255.10"],
      "egress": [{"protocol": "udp", "port": 70000, "prefix": "0.0.0.0/0"}]},
     "egress[0].port"),
    ({"name": "e", "vpc": "A", "sources": ["10.0.255.10"],
      "egress": [{"protocol": "udp", "port": 53, "prefix": "0.0.0.0/40"}]},
     "egress[0].prefix"),
]


@pytest.mark.parametrize("body,field", ENDPOINT_CASES)
def test_endpoint_invalid(world, api, body, field):
    body = dict(body)
    if body.get("vpc") == "A":
        body["vpc"] = world.vpc["a"]
    before = snapshot(api)
    assert_invalid(api.post("/v1/endpoints", body), field)
    assert snapshot(api) == before


@pytest.mark.parametrize("targets,field,words", [
    ([A.hostport(A.ZG)], "targets[0]", "itself"),
    (["192.0.2.53:53", A.hostport(A.ZG6)], "targets[1]", "itself"),
    (["0.0.0.0:53"], "targets[0]", None),
    (["[::]:53"], "targets[0]", None),
    (["224.0.0.251:53"], "targets[0]", None),
    (["[ff02::fb]:53"], "targets[0]", None),
    (["255.255.255.255:53"], "targets[0]", None),
    (["192.0.2.53:0"], "targets[0]", None),
    (["banana"], "targets[0]", None),
    ([], "targets", None),
    (["192.0.2.%d:53" % i for i in range(1, 8)], "targets", None),
])
def test_rule_targets_refused(world, api, targets, field, words):
    before = snapshot(api)
    r = api.post("/v1/rules", {"name": "bad", "domain": "bad.example",
                               "endpoint": world.ep["ob-1"],
                               "targets": targets})
    assert_invalid(r, field)
    if words:
        assert words in r.body["error"]["message"], r
    assert snapshot(api) == before


def test_rule_target_on_vpc_listener_refused(world, api):
    world.make_vpc("x", ["10.8.0.0/16"], listen=[A.hostport(A.ZG2)])
    before = snapshot(api)
    r = api.post("/v1/rules", {"name": "loop", "domain": "loop.example",
                               "endpoint": world.ep["ob-1"],
                               "targets": [A.hostport(A.ZG2)]})
    assert_invalid(r, "targets[0]")
    assert "itself" in r.body["error"]["message"]
    assert snapshot(api) == before


@pytest.mark.parametrize("target", ["127.0.0.1:53", "100.64.0.1:53",
                                    "[::1]:53"])
def test_rule_targets_allowed(world, api, target):
    # A target is asked from a source of its family: [::1] needs an
    # endpoint with an IPv6 source.
    endpoint = world.ep["ob-1"]
    if target.startswith("["):
        endpoint = world.make_endpoint("ob-6", "a", A.OB1_SOURCES6)["id"]
    r = api.post("/v1/rules", {"name": "ok", "domain": "ok.example",
                               "endpoint": endpoint,
                               "targets": [target]})
    assert r.status in (200, 201), r


def test_egress_blocks_rule_target(world, api):
    ep = api.ok("POST", "/v1/endpoints", {
        "name": "tight", "vpc": world.vpc["a"], "sources": ["10.0.255.10"],
        "egress": [{"protocol": "udp", "port": 53, "prefix": "192.0.2.0/24"},
                   {"protocol": "tcp", "port": 53,
                    "prefix": "192.0.2.0/24"}]})
    before = snapshot(api)
    r = api.post("/v1/rules", {"name": "out", "domain": "out.example",
                               "endpoint": ep["id"],
                               "targets": ["192.0.2.53:53",
                                           "198.51.100.53:53"]})
    assert_invalid(r, "targets[1]")
    assert "198.51.100.53" in r.body["error"]["message"], r
    assert snapshot(api) == before
    ok = api.post("/v1/rules", {"name": "inside", "domain": "in.example",
                                "endpoint": ep["id"],
                                "targets": ["192.0.2.53:53"]})
    assert ok.status in (200, 201), ok
    # Narrowing the group under a rule that uses it is refused.
    before = snapshot(api)
    r = api.patch("/v1/endpoints/%s" % ep["id"], {"egress": [
        {"protocol": "any", "port": 53, "prefix": "10.0.0.0/8"}]})
    assert r.status == 400, r
    msg = r.body["error"]["message"]
    assert ok.body["id"] in msg or "inside" in msg, r
    assert "192.0.2.53" in msg, r
    assert snapshot(api) == before


def test_rule_domain_and_endpoint_vpc_cannot_change(world, api):
    rid = world.rule["rop"]
    before = snapshot(api)
    assert_invalid(api.patch("/v1/rules/%s" % rid,
                             {"domain": "other.example"}), "domain")
    assert_invalid(api.patch("/v1/endpoints/%s" % world.ep["ob-1"],
                             {"vpc": world.vpc["b"]}), "vpc")
    assert snapshot(api) == before


def test_missing_resources_404(world, api):
    for path in ("/v1/vpcs/vpc-9999", "/v1/zones/zone-9999",
                 "/v1/zones/zone-9999/records", "/v1/endpoints/ep-9999",
                 "/v1/rules/rule-9999", "/v1/upstreams/vpc-9999"):
        r = api.get(path)
        assert r.status == 404, (path, r)
        assert r.body["error"]["code"] == "not_found", (path, r)
    r = api.delete("/v1/vpcs/vpc-9999")
    assert r.status == 404, r


def test_bind_to_missing_vpc_changes_nothing(world, api):
    before = snapshot(api)
    r = api.post("/v1/zones/%s/vpcs" % world.zone["corp.example."],
                 {"vpc": "vpc-9999"})
    assert r.status in (400, 404), r
    assert snapshot(api) == before


def test_if_match_stale_version_409(world, api):
    vid = world.vpc["c"]
    cur = api.get("/v1/vpcs/%s" % vid).body
    v = cur["version"]
    r = api.patch("/v1/vpcs/%s" % vid, {"name": "vpc-c2"},
                  headers={"If-Match": str(v)})
    assert r.status == 200, r
    assert r.body["version"] > v and r.body["name"] == "vpc-c2"
    before = snapshot(api)
    r = api.patch("/v1/vpcs/%s" % vid, {"name": "vpc-c3"},
                  headers={"If-Match": str(v)})
    assert r.status == 409 and r.body["error"]["code"] == "conflict", r
    r = api.delete("/v1/vpcs/%s" % vid, headers={"If-Match": str(v)})
    assert r.status == 409 and r.body["error"]["code"] == "conflict", r
    assert snapshot(api) == before
    assert api.get("/v1/vpcs/%s" % vid).body["name"] == "vpc-c2"


def test_if_match_on_zone_and_rule(world, api):
    zid = world.zone["corp.example."]
    z = api.get("/v1/zones/%s" % zid).body
    r = api.patch("/v1/zones/%s" % zid, {"soa": {"minimum": 60}},
                  headers={"If-Match": str(z["version"] + 5)})
    assert r.status == 409, r
    rid = world.rule["rop"]
    rule = api.get("/v1/rules/%s" % rid).body
    r = api.patch("/v1/rules/%s" % rid, {"targets": ["192.0.2.54:53"]},
                  headers={"If-Match": str(rule["version"])})
    assert r.status == 200 and r.body["targets"] == ["192.0.2.54:53"], r


def test_zone_of_same_name_bound_twice_409(world, api):
    dup = api.ok("POST", "/v1/zones", {"name": "corp.example"})
    assert dup["name"] == "corp.example."
    before = snapshot(api)
    r = api.post("/v1/zones/%s/vpcs" % dup["id"], {"vpc": world.vpc["a"]})
    assert r.status == 409 and r.body["error"]["code"] == "conflict", r
    assert snapshot(api) == before
    r = api.post("/v1/zones/%s/vpcs" % dup["id"], {"vpc": world.vpc["b"]})
    assert r.status in (200, 201, 204), r


def test_vpc_delete_refused_while_referenced(world, api):
    before = snapshot(api)
    r = api.delete("/v1/vpcs/%s" % world.vpc["a"])
    assert r.status == 409 and r.body["error"]["code"] == "conflict", r
    msg = r.body["error"]["message"]
    assert world.zone["corp.example."] in msg or "corp.example" in msg, r
    assert snapshot(api) == before


def test_names_absolute_and_lower_case(world, api):
    z = api.ok("POST", "/v1/zones", {"name": "MiXeD.Example"})
    assert z["name"] == "mixed.example."
    r = api.ok("POST", "/v1/rules", {"name": "m", "domain": "Up.Example",
                                     "endpoint": world.ep["ob-1"],
                                     "targets": ["192.0.2.53:53"]})
    assert r["domain"] == "up.example."


def test_resource_common_fields(world, api):
    v = api.get("/v1/vpcs/%s" % world.vpc["a"]).body
    for f in ("id", "name", "account", "version", "created_at",
              "updated_at"):
        assert f in v, (f, v)
    assert v["account"] == "default"
    assert v["id"].startswith("vpc-")
    assert v["created_at"].endswith("Z") and "T" in v["created_at"]


def test_pagination(world, api):
    for i in range(5):
        api.ok("POST", "/v1/vpcs", {"name": "page%d" % i,
                                    "cidrs": ["10.%d.0.0/16" % (100 + i)]})
    seen = []
    page = api.get("/v1/vpcs?limit=2").body
    pages = 0
    while True:
        pages += 1
        assert len(page["items"]) <= 2
        seen += [v["id"] for v in page["items"]]
        if page["next"] is None:
            break
        page = api.get("/v1/vpcs?limit=2&after=%s" % page["next"]).body
        assert pages < 10
    assert len(seen) == len(set(seen)) == 8     # vpc-a/b/c + 5
    assert pages in (4, 5)      # a cursor may end on an empty page
    assert_invalid(api.get("/v1/vpcs?limit=0"), "limit")
    assert_invalid(api.get("/v1/vpcs?limit=1001"), "limit")


def test_change_set_all_or_nothing(world, api):
    zid = world.zone["corp.example."]
    serial = api.get("/v1/zones/%s" % zid).body["serial"]
    before = snapshot(api)
    changes = [{"op": "create", "kind": "record", "zone": zid,
                "data": {"name": "c%d" % i, "type": "A",
                         "value": "10.1.3.%d" % i}} for i in range(2)]
    changes.append({"op": "create", "kind": "record", "zone": zid,
                    "data": {"name": "c2", "type": "A", "value": "bad"}})
    assert_invalid(api.post("/v1/changes", {"changes": changes}),
                   "changes[2].data.value")
    assert snapshot(api) == before
    changes[2]["data"]["value"] = "10.1.3.2"
    r = api.post("/v1/changes", {"changes": changes})
    assert r.status == 200, r
    assert len(r.body["results"]) == 3
    assert api.get("/v1/zones/%s" % zid).body["serial"] == serial + 1


def test_change_log_records_caller(world, api):
    log = api.get("/v1/changes?limit=1000").body["items"]
    assert log, "change log is empty"
    last = log[-1]
    for f in ("version", "time", "uid", "pid", "op", "kind", "resource",
              "summary"):
        assert f in last, (f, last)
    assert last["uid"] == 0
    versions = [e["version"] for e in log]
    assert versions == sorted(versions)
    status = api.get("/v1/status").body
    assert status["version"] >= versions[-1]


def test_status(world, api):
    r = api.get("/v1/status")
    assert r.status == 200
    for f in ("version", "config_version", "uptime_s"):
        assert isinstance(r.body[f], int), r


def test_upstream_set_show_unset(world, api):
    r = api.get("/v1/upstreams/global")
    assert r.status == 200 and r.body["targets"] == ["198.51.100.53:53"], r
    r = api.put("/v1/upstreams/%s" % world.vpc["b"],
                {"targets": ["192.0.2.54:53"], "source": None})
    assert r.status in (200, 201), r
    assert r.body["id"] == "upstream-%s" % world.vpc["b"]
    ids = {u["id"] for u in api.get("/v1/upstreams").body["items"]}
    assert ids == {"upstream-global", "upstream-%s" % world.vpc["b"]}
    assert api.delete("/v1/upstreams/%s" % world.vpc["b"]).status in (200,
                                                                      204)
    assert api.get("/v1/upstreams/%s" % world.vpc["b"]).status == 404
    assert_invalid(api.put("/v1/upstreams/global",
                           {"targets": ["224.0.0.1:53"]}), "targets[0]")
