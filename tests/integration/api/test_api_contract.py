# SPDX-License-Identifier: GPL-3.0-or-later
"""More of the API contract (docs/api.md): unknown fields refused,
ETag, DELETE replies, duplicates and conflicts (409 with the field),
listener conflicts, change sets with $N references and bindings."""

import pytest

from zgtest import addrs as A

from test_api_validation import assert_invalid, snapshot


@pytest.fixture
def world(baseline):
    baseline.make_zone("corp.example.", ["www.corp.example. 300 A 10.1.2.3"])
    baseline.make_rule("rop", "onprem.example.", [A.OP1])
    return baseline


def assert_conflict(r, field):
    assert r.status == 409, r
    assert r.body["error"]["code"] == "conflict", r
    assert r.body["error"]["field"] == field, r


def test_unknown_field_refused(world, api):
    before = snapshot(api)
    assert_invalid(api.post("/v1/vpcs", {"name": "v", "cidrs":
                                         ["10.5.0.0/16"], "cidr": "x"}),
                   "cidr")
    assert_invalid(api.patch("/v1/rules/%s" % world.rule["rop"],
                             {"target": ["192.0.2.54:53"]}), "target")
    assert snapshot(api) == before


def test_etag_is_the_version(world, api):
    r = api.get("/v1/vpcs/%s" % world.vpc["a"])
    assert r.status == 200
    etag = {k.lower(): v for k, v in r.headers.items()}["etag"]
    assert etag.strip('"') == str(r.body["version"])
    r2 = api.patch("/v1/vpcs/%s" % world.vpc["a"], {"name": "vpc-a2"},
                   headers={"If-Match": etag})
    assert r2.status == 200, r2


def test_delete_replies_with_deleted_ids(world, api):
    zid = world.zone["corp.example."]
    rec = api.ok("POST", "/v1/zones/%s/records" % zid,
                 {"name": "tmp", "type": "A", "value": "10.1.2.7"})
    r = api.delete("/v1/zones/%s/records/%s" % (zid, rec["id"]))
    assert r.status == 200 and r.body == {"deleted": [rec["id"]]}, r


def test_duplicate_names_and_values_409(world, api):
    before = snapshot(api)
    assert_conflict(api.post("/v1/vpcs", {"name": "vpc-a",
                                          "cidrs": ["10.5.0.0/16"]}), "name")
    assert_conflict(api.post("/v1/rules", {
        "name": "rop", "domain": "x.example", "endpoint": world.ep["ob-1"],
        "targets": ["192.0.2.53:53"]}), "name")
    assert_conflict(api.post("/v1/zones/%s/records"
                             % world.zone["corp.example."],
                             {"name": "www", "type": "A",
                              "value": "10.1.2.3"}), "value")
    assert snapshot(api) == before


def test_names_of_id_form_refused(world, api):
    before = snapshot(api)
    assert_invalid(api.post("/v1/vpcs", {"name": "vpc-12",
                                         "cidrs": ["10.5.0.0/16"]}), "name")
    assert snapshot(api) == before


def test_cidr_with_host_bits_refused(world, api):
    before = snapshot(api)
    assert_invalid(api.post("/v1/vpcs", {"name": "v",
                                         "cidrs": ["10.5.0.1/16"]}),
                   "cidrs[0]")
    assert snapshot(api) == before


def test_two_rules_same_domain_one_vpc_409(world, api):
    other = api.ok("POST", "/v1/rules", {
        "name": "rop2", "domain": "onprem.example",
        "endpoint": world.ep["ob-1"], "targets": ["192.0.2.54:53"]})
    before = snapshot(api)
    assert_conflict(api.post("/v1/rules/%s/vpcs" % other["id"],
                             {"vpc": world.vpc["a"]}), "vpc")
    assert snapshot(api) == before
    r = api.post("/v1/rules/%s/vpcs" % other["id"], {"vpc": world.vpc["b"]})
    assert r.status == 200, r


def test_listener_conflicts_409(world, api):
    api.ok("PATCH", "/v1/vpcs/%s" % world.vpc["b"],
           {"listen": [A.hostport(A.ZG2)]})
    before = snapshot(api)
    # Another VPC's listener.
    assert_conflict(api.patch("/v1/vpcs/%s" % world.vpc["c"],
                              {"listen": [A.hostport(A.ZG2)]}), "listen[0]")
    # An address a rule forwards to.
    assert_conflict(api.patch("/v1/vpcs/%s" % world.vpc["c"],
                              {"listen": [A.hostport(A.ZG3),
                                          A.hostport(A.OP1)]}), "listen[1]")
    assert snapshot(api) == before
    assert_invalid(api.patch("/v1/vpcs/%s" % world.vpc["c"],
                             {"listen": ["224.0.0.1:53"]}), "listen[0]")


def test_endpoint_in_use_cannot_be_deleted(world, api):
    before = snapshot(api)
    r = api.delete("/v1/endpoints/%s" % world.ep["ob-1"])
    assert r.status == 409 and r.body["error"]["code"] == "conflict", r
    assert snapshot(api) == before


def test_change_set_with_references_and_bindings(world, api, query):
    r = api.post("/v1/changes", {"changes": [
        {"op": "create", "kind": "zone", "data": {"name": "new.example"}},
        {"op": "create", "kind": "record", "zone": "$0",
         "data": {"name": "www", "type": "A", "value": "10.1.4.4"}},
        {"op": "create", "kind": "record", "zone": "$0",
         "data": {"name": "www", "type": "AAAA", "value": "fd00:1::4"}},
        {"op": "bind", "kind": "zone", "id": "$0",
         "data": {"vpc": world.vpc["a"]}},
    ]})
    assert r.status == 200, r
    zone = r.body["results"][0]
    assert zone["name"] == "new.example."
    from zgtest.check import expect
    expect(query("www.new.example.", "A"), aa=True,
           answer=["www.new.example. 300 A 10.1.4.4"])
    shown = api.get("/v1/zones/%s" % zone["id"]).body
    assert shown["vpcs"] == [world.vpc["a"]]
    log = api.get("/v1/changes?limit=1000").body["items"]
    assert len({e["version"] for e in log if e["version"] == r.body[
        "version"]}) == 1
    assert sum(1 for e in log if e["version"] == r.body["version"]) == 4


def test_change_set_error_outside_data(world, api):
    before = snapshot(api)
    r = api.post("/v1/changes", {"changes": [
        {"op": "create", "kind": "record", "zone": world.zone[
            "corp.example."], "data": {"name": "a", "type": "A",
                                       "value": "10.1.4.5"}},
        {"op": "frobnicate", "kind": "record", "data": {}},
    ]})
    assert_invalid(r, "changes[1].op")
    r = api.post("/v1/changes", {"changes": [
        {"op": "create", "kind": "record", "zone": "zone-9999",
         "data": {"name": "a", "type": "A", "value": "10.1.4.5"}}]})
    assert r.status == 404 and r.body["error"]["field"] == \
        "changes[0].zone", r
    assert snapshot(api) == before
