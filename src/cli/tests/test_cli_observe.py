# SPDX-License-Identifier: GPL-3.0-or-later
"""`zonegate lint` and `zonegate stats` against the fake API of
test_cli_fake_api.py: the request sent and what is printed."""

import json
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from test_cli_fake_api import FakeAPI, page  # noqa: E402


@pytest.fixture
def api():
    fake = FakeAPI()
    yield fake
    fake.close()


RULE1 = {"id": "rule-1", "name": "to-idc", "domain": "corp.example.",
         "endpoint": "ep-1", "targets": ["192.0.2.53:53"], "vpcs": [],
         "version": 1}

FINDING = {
    "severity": "warning", "code": "zone-hides-rule",
    "resources": ["zone-1", "rule-1", "vpc-1"],
    "message": "in vpc-1, zone zone-1 and rule rule-1 are both for "
               "corp.example.",
    "fix": "unbind zone-1 or rule-1 from vpc-1"}


def buckets(counts):
    """18 log2 buckets from 64 us; counts maps bucket index to count."""
    out = []
    for b in range(18):
        out.append({"lt_us": 64 << b if b < 17 else None,
                    "count": counts.get(b, 0)})
    return out


def counters(key, value, queries, rcodes, hist, sum_us, timeouts=0,
             failures=0):
    return {key: value, "queries": queries, "timeouts": timeouts,
            "failures": failures, "rcodes": rcodes,
            "latency": {"sum_us": sum_us, "buckets": buckets(hist)}}


def test_lint_prints_each_finding_with_its_fix(api):
    api.route("GET", "/v1/lint", {
        "findings": [FINDING],
        "counts": {"error": 0, "warning": 1, "info": 0},
        "config_version": 7})
    r = api.run("lint")
    assert r.returncode == 0, r.stderr
    assert api.sent() == [("GET", "/v1/lint", None)]
    assert r.stdout == (
        "warning zone-hides-rule  zone-1 rule-1 vpc-1\n"
        "  in vpc-1, zone zone-1 and rule rule-1 are both for "
        "corp.example.\n"
        "  fix: unbind zone-1 or rule-1 from vpc-1\n"
        "0 error(s), 1 warning(s), 0 info\n")


def test_lint_without_findings_says_so(api):
    api.route("GET", "/v1/lint", {
        "findings": [], "counts": {"error": 0, "warning": 0, "info": 0},
        "config_version": 7})
    r = api.run("lint")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "no findings\n"


def test_lint_json_is_the_reply(api):
    reply = {"findings": [FINDING],
             "counts": {"error": 0, "warning": 1, "info": 0},
             "config_version": 7}
    api.route("GET", "/v1/lint", reply)
    r = api.run("--json", "lint")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == reply


def test_stats_prints_steps_and_a_table_per_kind(api):
    api.route("GET", "/v1/stats", {
        "steps": {"zone": 3, "builtin": 0, "rule": 2, "default": 0,
                  "cache": 1, "none": 0},
        "rules": [counters("id", "rule-1", 2, {"NOERROR": 1,
                                               "SERVFAIL": 1},
                           {4: 1, 17: 1}, 6000900, timeouts=1)],
        "upstreams": [], "zones": [],
        "targets": [counters("target", "192.0.2.53:53", 1,
                             {"NOERROR": 1}, {4: 1}, 900)],
        "query_log": {"enabled": True, "written": 6, "dropped": 0},
        "uncounted": 0})
    r = api.run("stats")
    assert r.returncode == 0, r.stderr
    assert api.sent() == [("GET", "/v1/stats", None)]
    # The p50 of two samples lies in the first one's bucket [512, 1024):
    # "<1.0ms"; the p99 in the unbounded last one: ">=4.19s". Mean is
    # 6000900 / 2 us.
    assert r.stdout == (
        "answered by step: zone=3 builtin=0 rule=2 default=0 cache=1 "
        "none=0\n"
        "query log: on, 6 lines written, 0 dropped\n"
        "\nRULES\n"
        "ID      QUERIES  TIMEOUTS  FAILURES  NOERROR  NXDOMAIN  SERVFAIL  "
        "REFUSED  P50     P99      MEAN\n"
        "rule-1  2        1         0         1        0         1         "
        "0        <1.0ms  >=4.19s  3.00s\n"
        "\nTARGETS (answers they gave)\n"
        "ID             QUERIES  TIMEOUTS  FAILURES  NOERROR  NXDOMAIN  "
        "SERVFAIL  REFUSED  P50     P99     MEAN\n"
        "192.0.2.53:53  1        0         0         1        0         "
        "0         0        <1.0ms  <1.0ms  900us\n")


def test_stats_of_one_rule_names_it_and_shows_target_health(api):
    api.route("GET", "/v1/rules?limit=1000", page(RULE1))
    target = counters("target", "192.0.2.53:53", 1, {"NOERROR": 1},
                      {4: 1}, 900)
    target["health"] = {"state": "up", "known": True, "srtt_ms": 0.9,
                        "rttvar_ms": 0.45, "failures_in_a_row": 0,
                        "sent": 3, "answered": 2, "timeouts": 1,
                        "changed_unix_s": 0}
    rule = counters("id", "rule-1", 1, {"NOERROR": 1}, {4: 1}, 900)
    api.route("GET", "/v1/rules/rule-1/stats",
              {"rule": rule, "targets": [target]})
    r = api.run("stats", "--rule", "to-idc")
    assert r.returncode == 0, r.stderr
    assert api.sent()[-1] == ("GET", "/v1/rules/rule-1/stats", None)
    lines = r.stdout.splitlines()
    assert "id:       rule-1" in lines
    assert "queries:  1" in lines
    assert lines[-2] == (
        "TARGET         STATE  SRTT   SENT  ANSWERED  TIMEOUTS  ANSWERS  "
        "NOERROR  NXDOMAIN  P50     P99")
    assert lines[-1] == (
        "192.0.2.53:53  up     900us  3     2         1         1        "
        "1        0         <1.0ms  <1.0ms")


def test_stats_of_an_unknown_rule_fails(api):
    api.route("GET", "/v1/rules?limit=1000", page(RULE1))
    r = api.run("stats", "--rule", "nope")
    assert r.returncode == 1
    assert "nope" in r.stderr


def test_explain_prints_cache_and_target_health(api):
    health = [{"address": "192.0.2.53:53", "state": "down", "srtt_ms": None,
               "failures_in_a_row": 3},
              {"address": "192.0.2.54:53", "state": "up", "srtt_ms": 0.42,
               "failures_in_a_row": 0}]
    api.route("POST", "/v1/explain", {"vpc": "vpc-1", "steps": [{
        "step": "rule", "name": "h.corp.example.", "resource": "rule-1",
        "matched": "corp.example.",
        "targets": ["192.0.2.53:53", "192.0.2.54:53"],
        "reason": "rule-1 is the longest match",
        "cache": {"state": "fresh", "ttl_left_s": 287, "rcode": "NOERROR",
                  "failure_cached": False},
        "targets_health": health, "target": health[1], "explore": None,
        "all_targets_down": False}]})
    r = api.run("explain", "--vpc", "vpc-1", "h.corp.example")
    assert r.returncode == 0, r.stderr
    assert r.stdout.endswith(
        "     reason:   rule-1 is the longest match\n"
        "     cache:    fresh NOERROR, 287 s left\n"
        "     asks:     192.0.2.54:53 up, srtt 0.4 ms\n"
        "     health:   192.0.2.53:53 down, 3 failures in a row\n"
        "               192.0.2.54:53 up, srtt 0.4 ms\n")


def test_explain_says_when_every_target_is_down(api):
    health = [{"address": "192.0.2.53:53", "state": "down", "srtt_ms": 1.5,
               "failures_in_a_row": 4}]
    api.route("POST", "/v1/explain", {"vpc": "vpc-1", "steps": [{
        "step": "rule", "name": "h.corp.example.", "resource": "rule-1",
        "matched": "corp.example.", "targets": ["192.0.2.53:53"],
        "reason": "rule-1 is the longest match",
        "cache": {"state": "absent", "ttl_left_s": None, "rcode": None,
                  "failure_cached": True},
        "targets_health": health, "target": None, "explore": None,
        "all_targets_down": True}]})
    r = api.run("explain", "--vpc", "vpc-1", "h.corp.example")
    assert r.returncode == 0, r.stderr
    assert ("     cache:    absent; a failure is cached: SERVFAIL (EDE 13)\n"
            "     asks:     nobody: every target is down, SERVFAIL "
            "(EDE 22)\n") in r.stdout
