# SPDX-License-Identifier: GPL-3.0-or-later
"""The JSON query log (--query-log): one line per answered query with
exactly the fields time, vpc, client, name, type, step, id, target,
rcode and latency_us, for each step that can answer."""

import re

import pytest

from zgtest import addrs as A
from zgtest.check import expect
from zgtest.util import scaled

from obslib import query_log

FIELDS = ["time", "vpc", "client", "name", "type", "step", "id", "target",
          "rcode", "latency_us"]
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


@pytest.fixture
def world(baseline, op1, pub):
    baseline.make_zone("corp.example.", [
        "www.corp.example. 300 A 10.1.2.3",
    ])
    baseline.make_rule("rop", "onprem.example.", [A.OP1])
    op1.add("h.onprem.example.", "A", 300, "10.10.0.5")
    pub.add("www.example.org.", "A", 60, "203.0.113.80")
    return baseline


def test_every_step_logs_one_line_with_exact_fields(world, zonegated,
                                                    query):
    steps = [
        ("www.corp.example.", "A", A.CLIENT_A, "NOERROR"),
        ("nope.corp.example.", "A", A.CLIENT_A, "NXDOMAIN"),
        ("h.onprem.example.", "A", A.CLIENT_A, "NOERROR"),
        ("H.onprem.example.", "A", A.CLIENT_A, "NOERROR"),
        ("www.example.org.", "A", A.CLIENT_A, "NOERROR"),
        ("1.0.0.10.in-addr.arpa.", "PTR", A.CLIENT_A, "NXDOMAIN"),
        ("www.corp.example.", "AAAA", A.CLIENT_NOVPC, "REFUSED"),
    ]
    for i, (name, qtype, client, rcode) in enumerate(steps):
        expect(query(name, qtype, source=client), rcode)
        # One at a time, so that the lines come in this order.
        query_log(zonegated, i + 1)
    lines = query_log(zonegated, len(steps))

    vpc = world.vpc["a"]
    rule = world.rule["rop"]
    zone = world.zone["corp.example."]
    want = [
        (vpc, A.CLIENT_A, "www.corp.example.", "A", "zone", zone, None,
         "NOERROR"),
        (vpc, A.CLIENT_A, "nope.corp.example.", "A", "zone", zone, None,
         "NXDOMAIN"),
        (vpc, A.CLIENT_A, "h.onprem.example.", "A", "rule", rule,
         "192.0.2.53:53", "NOERROR"),
        # The second asks the same question: the cache answers (case
        # kept as the client sent it), no target.
        (vpc, A.CLIENT_A, "H.onprem.example.", "A", "cache", rule, None,
         "NOERROR"),
        (vpc, A.CLIENT_A, "www.example.org.", "A", "default",
         "upstream-global", "198.51.100.53:53", "NOERROR"),
        (vpc, A.CLIENT_A, "1.0.0.10.in-addr.arpa.", "PTR", "builtin",
         "builtin-10.in-addr.arpa", None, "NXDOMAIN"),
        (None, A.CLIENT_NOVPC, "www.corp.example.", "AAAA", "none", None,
         None, "REFUSED"),
    ]
    for line, (v, client, name, qtype, step, rid, target, rcode) in zip(
            lines, want):
        assert list(line.keys()) == FIELDS, line
        assert TIME_RE.match(line["time"]), line
        assert (line["vpc"], line["client"], line["name"], line["type"],
                line["step"], line["id"], line["target"],
                line["rcode"]) == (v, client, name, qtype, step, rid,
                                   target, rcode), line
        assert isinstance(line["latency_us"], int), line
        assert 0 <= line["latency_us"] < scaled(5) * 1e6, line


def test_failed_rule_logs_servfail_then_the_failure_cache(baseline,
                                                          zonegated, query,
                                                          fake_upstream):
    refusing = fake_upstream("REFUSING", [A.REFLECTOR])
    refusing.mode = "refused"
    baseline.make_rule("rdead", "dead.example.", [A.REFLECTOR])
    expect(query("x.dead.example.", "A"), "SERVFAIL")
    query_log(zonegated, 1)
    expect(query("x.dead.example.", "A"), "SERVFAIL")
    lines = query_log(zonegated, 2)
    rule = baseline.rule["rdead"]
    assert [(ln["step"], ln["id"], ln["target"], ln["rcode"])
            for ln in lines] == [("rule", rule, None, "SERVFAIL"),
                                 ("cache", rule, None, "SERVFAIL")]
