# SPDX-License-Identifier: GPL-3.0-or-later
"""POST /v1/explain and `zonegate explain`: a dry run of the resolution
order naming the step, the resource and why; it sends nothing."""

import pytest

from zgtest import addrs as A
from zgtest.check import assert_silent


@pytest.fixture
def world(baseline):
    baseline.make_zone("corp.example.", [
        "www.corp.example. 300 A 10.1.2.3",
        "alias.corp.example. 300 CNAME svc.onprem.example.",
    ])
    baseline.make_zone("rec.example.", ["a.rec.example. 300 A 10.1.2.4"],
                       proxy="record")
    baseline.make_rule("rop", "onprem.example.", [A.OP1])
    return baseline


def steps(out):
    return [s["step"] for s in out["steps"]]


def test_explain_zone(world, cli, pub, op1):
    out = cli("explain", "--vpc", world.vpc["a"], "www.corp.example", "A")
    assert out["vpc"] == world.vpc["a"]
    last = out["steps"][-1]
    assert last["step"] == "zone"
    assert last["resource"] == world.zone["corp.example."]
    assert last["matched"] == "corp.example."
    assert last["reason"]
    assert_silent(pub, op1)


def test_explain_rule_with_targets(world, cli, pub, op1):
    out = cli("explain", "--vpc", world.vpc["a"], "h.onprem.example", "A")
    last = out["steps"][-1]
    assert last["step"] == "rule"
    assert last["resource"] == world.rule["rop"]
    assert last["targets"] == ["192.0.2.53:53"]
    assert_silent(pub, op1)


def test_explain_cname_into_rule(world, cli, op1):
    out = cli("explain", "--vpc", world.vpc["a"], "alias.corp.example", "A")
    assert steps(out) == ["zone", "cname", "rule"] or \
        steps(out) == ["cname", "rule"], out
    assert out["steps"][-1]["resource"] == world.rule["rop"]
    assert_silent(op1)


def test_explain_fallthrough_to_upstream(world, cli, pub):
    out = cli("explain", "--vpc", world.vpc["a"], "nope.rec.example", "A")
    assert "zone-fallthrough" in steps(out), out
    assert steps(out)[-1] == "upstream"
    assert out["steps"][-1]["targets"] == ["198.51.100.53:53"]
    assert_silent(pub)


def test_explain_builtin(world, cli):
    out = cli("explain", "--vpc", world.vpc["a"], "1.0.0.10.in-addr.arpa",
              "PTR")
    assert steps(out)[-1] == "builtin"
    assert out["steps"][-1]["matched"] == "10.in-addr.arpa."


def test_explain_upstream_and_refused(world, cli, api, pub):
    out = cli("explain", "--vpc", world.vpc["b"], "www.corp.example", "A")
    assert steps(out)[-1] == "upstream"
    assert out["steps"][-1]["resource"] == "upstream-global"
    cli("upstream", "unset")
    out = cli("explain", "--vpc", world.vpc["b"], "www.corp.example", "A")
    assert steps(out)[-1] == "refused-no-upstream"
    r = api.post("/v1/explain", {"vpc": "vpc-9999", "name": "x.example",
                                 "type": "A"})
    assert r.status == 404, r
    r = api.post("/v1/explain", {"vpc": world.vpc["a"], "name": "bad..name",
                                 "type": "A"})
    assert r.status == 400 and r.body["error"]["field"] == "name", r
    assert_silent(pub)
