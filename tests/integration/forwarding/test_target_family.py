# SPDX-License-Identifier: GPL-3.0-or-later
"""A rule's target is asked from one of its endpoint's source addresses
of the target's family (docs/api.md, Forwarding rules): a target of a
family the endpoint has no source of is refused (400 `targets[i]`),
also when the rule moves to such an endpoint, and an endpoint cannot
drop the last source of a family its rules' targets need (400
`sources`)."""

import pytest

from zgtest import addrs as A
from zgtest.check import expect


def assert_invalid(r, field, *words):
    assert r.status == 400, r
    err = r.body["error"]
    assert (err["code"], err["field"]) == ("invalid", field), r
    for word in words:
        assert word in err["message"], r


@pytest.fixture
def world(baseline, op1):
    op1.add_suffix("onprem.example.", "A", 60, "192.0.2.81")
    baseline.make_endpoint("ob-6", "a", A.OB1_SOURCES6)
    baseline.make_endpoint("ob-mix", "a", A.OB1_SOURCES[:1] +
                           A.OB1_SOURCES6[:1])
    return baseline


def test_ipv6_target_on_ipv4_only_endpoint_refused(world, api):
    before = api.get("/v1/rules?limit=1000").body
    r = api.post("/v1/rules", {"name": "r6", "domain": "onprem.example.",
                               "endpoint": world.ep["ob-1"],
                               "targets": [A.OP1, "[%s]:53" % A.OP1_6]})
    assert_invalid(r, "targets[1]", "IPv6", world.ep["ob-1"])
    r = api.post("/v1/rules", {"name": "r4", "domain": "onprem.example.",
                               "endpoint": world.ep["ob-6"],
                               "targets": [A.OP1]})
    assert_invalid(r, "targets[0]", "IPv4", world.ep["ob-6"])
    assert api.get("/v1/rules?limit=1000").body == before


def test_rule_moved_to_an_endpoint_without_the_family_refused(world, api):
    rule = api.ok("POST", "/v1/rules", {
        "name": "rmix", "domain": "onprem.example.",
        "endpoint": world.ep["ob-mix"],
        "targets": [A.OP1, "[%s]:53" % A.OP1_6]})
    r = api.patch("/v1/rules/%s" % rule["id"],
                  {"endpoint": world.ep["ob-1"]})
    assert_invalid(r, "targets[1]", "IPv6")
    r = api.patch("/v1/rules/%s" % rule["id"],
                  {"targets": ["[%s]:53" % A.OP1_6]})
    assert r.status == 200, r


def test_endpoint_keeps_a_source_of_each_family_its_rules_need(world, api,
                                                               cli, query):
    rule = api.ok("POST", "/v1/rules", {
        "name": "rmix", "domain": "onprem.example.",
        "endpoint": world.ep["ob-mix"],
        "targets": ["[%s]:53" % A.OP1_6]})
    cli("rule", "bind", rule["id"], "--vpc", world.vpc["a"])
    r = api.patch("/v1/endpoints/%s" % world.ep["ob-mix"],
                  {"sources": [A.OB1_SOURCES[0]]})
    assert_invalid(r, "sources", rule["id"], "IPv6")
    expect(query("h.onprem.example."), aa=False,
           answer=["h.onprem.example. <=60 A 192.0.2.81"])
    r = api.patch("/v1/endpoints/%s" % world.ep["ob-mix"],
                  {"sources": [A.OB1_SOURCES6[1]]})
    assert r.status == 200, r
