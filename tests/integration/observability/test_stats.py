# SPDX-License-Identifier: GPL-3.0-or-later
"""Counters per step, rule, zone and target after known queries:
GET /v1/stats, GET /v1/rules/{id}/stats and `zonegate stats`."""

import pytest

from zgtest import addrs as A
from zgtest.check import expect


@pytest.fixture
def world(baseline, op1):
    baseline.make_zone("corp.example.", [
        "www.corp.example. 300 A 10.1.2.3",
    ])
    baseline.make_rule("rop", "onprem.example.", [A.OP1])
    op1.add("h.onprem.example.", "A", 300, "10.10.0.5")
    return baseline


def by_key(items, key, value):
    found = [i for i in items if i[key] == value]
    assert len(found) == 1, (value, items)
    return found[0]


def histogram_total(entry):
    return sum(b["count"] for b in entry["latency"]["buckets"])


def test_counters_follow_known_queries(world, zonegated, api, query):
    before = api.ok("GET", "/v1/stats")
    expect(query("www.corp.example.", "A"), "NOERROR")
    expect(query("www.corp.example.", "A"), "NOERROR")
    expect(query("nope.corp.example.", "A"), "NXDOMAIN")
    expect(query("h.onprem.example.", "A"), "NOERROR")
    expect(query("h.onprem.example.", "A"), "NOERROR")
    expect(query("www.corp.example.", "A", source=A.CLIENT_NOVPC),
           "REFUSED")
    after = api.ok("GET", "/v1/stats")

    delta = {k: after["steps"][k] - before["steps"][k]
             for k in after["steps"]}
    assert delta == {"zone": 3, "builtin": 0, "rule": 1, "default": 0,
                     "cache": 1, "none": 1}

    zone = by_key(after["zones"], "id", world.zone["corp.example."])
    assert (zone["queries"], zone["timeouts"], zone["failures"],
            zone["rcodes"]) == (3, 0, 0, {"NOERROR": 2, "NXDOMAIN": 1})
    assert histogram_total(zone) == 3

    # The rule counts what its cache answered too.
    rule = by_key(after["rules"], "id", world.rule["rop"])
    assert (rule["queries"], rule["timeouts"], rule["failures"],
            rule["rcodes"]) == (2, 0, 0, {"NOERROR": 2})
    assert histogram_total(rule) == 2
    assert rule["latency"]["sum_us"] > 0
    buckets = rule["latency"]["buckets"]
    assert len(buckets) == 18
    assert buckets[0]["lt_us"] == 64 and buckets[16]["lt_us"] == 1 << 22
    assert buckets[17]["lt_us"] is None

    target = by_key(after["targets"], "target", "192.0.2.53:53")
    assert (target["queries"], target["rcodes"]) == (1, {"NOERROR": 1})
    assert after["query_log"]["enabled"] is True
    assert after["query_log"]["dropped"] == 0
    assert after["uncounted"] == 0


def test_rule_stats_show_its_targets_health(world, zonegated, api, cli,
                                            query):
    expect(query("h.onprem.example.", "A"), "NOERROR")
    out = api.ok("GET", "/v1/rules/%s/stats" % world.rule["rop"])
    assert out["rule"]["id"] == world.rule["rop"]
    assert out["rule"]["queries"] == 1
    [t] = out["targets"]
    assert t["target"] == "192.0.2.53:53"
    assert t["queries"] == 1
    health = t["health"]
    assert health["state"] == "up" and health["known"] is True
    assert health["sent"] >= 1 and health["answered"] >= 1
    assert health["timeouts"] == 0
    assert isinstance(health["srtt_ms"], float)

    text = cli.raw("stats", "--rule", "rop", json_out=False)
    assert text[0] == 0, text
    assert "192.0.2.53:53  up" in text[1]

    r = api.get("/v1/rules/rule-999/stats")
    assert r.status == 404, r
    r = api.post("/v1/stats", {})
    assert r.status == 405, r


def test_failures_are_counted_per_rule_and_timeouts_per_target(
        baseline, zonegated, api, query, fake_upstream):
    refusing = fake_upstream("REFUSING", [A.REFLECTOR])
    refusing.mode = "refused"
    baseline.make_rule("rref", "refused.example.", [A.REFLECTOR])
    silent = fake_upstream("SILENT", [A.PRI])
    silent.mode = "drop"
    baseline.make_rule("rdrop", "silent.example.", [A.PRI])

    # Every target refuses: SERVFAIL at once, then from the failure
    # cache (RFC 9520).
    expect(query("x.refused.example.", "A"), "SERVFAIL")
    expect(query("x.refused.example.", "A"), "SERVFAIL")
    # The only target never answers: SERVFAIL once its tries are over
    # (a failure), or when the 6 s of the whole resolution are (a
    # timeout), whichever comes first.
    expect(query("x.silent.example.", "A"), "SERVFAIL")

    out = api.ok("GET", "/v1/stats")
    rref = by_key(out["rules"], "id", baseline.rule["rref"])
    assert (rref["queries"], rref["failures"], rref["timeouts"],
            rref["rcodes"]) == (2, 2, 0, {"SERVFAIL": 2})
    rdrop = by_key(out["rules"], "id", baseline.rule["rdrop"])
    assert (rdrop["queries"], rdrop["failures"] + rdrop["timeouts"],
            rdrop["rcodes"]) == (1, 1, {"SERVFAIL": 1})
    # Not before the first try's 800 ms: in a bucket from 524 ms up.
    assert sum(b["count"] for b in rdrop["latency"]["buckets"][14:]) == 1

    stats = api.ok("GET", "/v1/rules/%s/stats" % baseline.rule["rdrop"])
    [t] = stats["targets"]
    assert t["queries"] == 0
    # Its tries that timed out are the target's.
    assert t["health"]["timeouts"] >= 1
