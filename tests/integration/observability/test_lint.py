# SPDX-License-Identifier: GPL-3.0-or-later
"""GET /v1/lint and `zonegate lint` on a crafted configuration: each
finding names its resources and says what to fix, and goes away once
the configuration is fixed."""

import sqlite3

import pytest

from zgtest import addrs as A


def findings(api, code):
    out = api.ok("GET", "/v1/lint")
    assert set(out["counts"]) == {"error", "warning", "info"}
    return [f for f in out["findings"] if f["code"] == code]


def one(api, code, resources):
    found = [f for f in findings(api, code) if f["resources"] == resources]
    assert len(found) == 1, (code, resources, findings(api, code))
    f = found[0]
    assert f["message"] and f["fix"], f
    return f


@pytest.fixture
def crafted(baseline):
    baseline.make_zone("corp.example.", ["www.corp.example. 300 A 10.1.2.3"])
    baseline.make_rule("rcorp", "corp.example.", [A.OP1])
    baseline.make_rule("rfree", "free.example.", [A.OP1], vpcs=())
    baseline.make_rule("rdc", "dc.example.", ["172.28.1.53"])
    baseline.make_zone("example.com.", [], vpcs=("b",))
    return baseline


def test_zone_hiding_a_rule_and_rules_never_reached(crafted, api, cli):
    vpc = crafted.vpc["a"]
    zone = crafted.zone["corp.example."]
    rcorp = crafted.rule["rcorp"]
    f = one(api, "zone-hides-rule", [zone, rcorp, vpc])
    assert f["severity"] == "warning"
    assert "proxy pattern to record" in f["fix"]
    one(api, "rule-never-reached", [rcorp, vpc])
    f = one(api, "rule-never-reached", [crafted.rule["rfree"]])
    assert "bind it" in f["fix"]

    # Proxy pattern record lets the rule answer what the zone lacks.
    cli("zone", "set", zone, "--proxy-pattern", "record")
    assert findings(api, "zone-hides-rule") == []
    one(api, "zone-before-rule", [zone, rcorp, vpc])
    assert [f["resources"] for f in findings(api, "rule-never-reached")] \
        == [[crafted.rule["rfree"]]]


def test_builtin_zone_hiding_a_reached_network(crafted, api, cli):
    vpc = crafted.vpc["a"]
    rdc = crafted.rule["rdc"]
    f = one(api, "builtin-hides-reverse",
            [vpc, rdc, "builtin-28.172.in-addr.arpa"])
    assert f["severity"] == "warning"
    assert "172.28.1.53 (target of %s)" % rdc in f["message"]
    assert f["fix"].startswith(
        "add a rule for 28.172.in-addr.arpa. bound to %s" % vpc)

    crafted.make_rule("rrev", "28.172.in-addr.arpa.", ["172.28.1.53"])
    assert [x for x in findings(api, "builtin-hides-reverse")
            if rdc in x["resources"]] == []


def test_signed_tld_and_missing_upstream(crafted, api, cli):
    f = one(api, "zone-shadows-signed",
            [crafted.zone["example.com."], crafted.vpc["b"]])
    assert "com." in f["message"] and "heuristic" in f["message"]
    assert findings(api, "no-default-upstream") == []

    cli("upstream", "unset")
    for key in ("a", "b", "c"):
        f = one(api, "no-default-upstream", [crafted.vpc[key]])
        assert "REFUSED" in f["message"]


def test_target_of_a_family_the_endpoint_cannot_send(baseline, api, cli,
                                                     tmp_path):
    # The API refuses such a rule; a restored backup (or a state of an
    # older version) can still hold one.
    baseline.make_rule("r6", "v6.example.", [A.OP1])
    backup = str(tmp_path / "r6.db")
    cli("backup", backup)
    db = sqlite3.connect(backup)
    with db:
        db.execute("UPDATE rule_target SET addr = ? WHERE rule_id = ?",
                   ("[%s]:53" % A.OP1_6, baseline.rule["r6"]))
    db.close()
    cli("restore", backup)
    f = one(api, "target-without-source",
            [baseline.rule["r6"], baseline.ep["ob-1"]])
    assert f["severity"] == "error"
    out = api.ok("GET", "/v1/lint")
    # Errors come first.
    assert out["findings"][0]["severity"] == "error"
    assert out["counts"]["error"] == 1


def test_cli_prints_findings_with_their_fix(crafted, cli):
    rc, text, err = cli.raw("lint", json_out=False)
    assert rc == 0, err
    assert "warning zone-hides-rule  %s %s %s" % (
        crafted.zone["corp.example."], crafted.rule["rcorp"],
        crafted.vpc["a"]) in text
    assert "\n  fix: " in text
    assert text.rstrip().splitlines()[-1].endswith(" info")
