# SPDX-License-Identifier: GPL-3.0-or-later
"""`zonegate doctor RULE|VPC` and POST /v1/doctor on the suite's own
namespace: each check of a forwarding rule's path (source, loop,
security group, route, tunnel, health, SOA from each source over UDP and
TCP) with its exact status, and a fix naming the command to run when it
fails. The VPN and tunnel side is checked in tests/integration/lab/."""

import json
import time

import pytest

from zgtest import addrs as A
from zgtest.cli import Cli
from zgtest.daemon import Zonegated

SOA = "ns1.corp.example. hostmaster.corp.example. 7 3600 600 604800 300"


@pytest.fixture
def corp(baseline, op1):
    op1.add("corp.example.", "SOA", 3600, SOA)
    baseline.make_rule("to-op1", "corp.example.", [A.OP1])
    return baseline


def rows(rule):
    """(check, status, target, source, protocol) per check, in order."""
    return [(c["check"], c["status"], c["target"], c["source"],
             c["protocol"]) for c in rule["checks"]]


def only(rule, check):
    return [c for c in rule["checks"] if c["check"] == check]


S1, S2 = A.OB1_SOURCES
OP1_T = "192.0.2.53:53"


def test_doctor_rule_every_check_passes(corp, cli, op1):
    out = cli("doctor", corp.rule["to-op1"])
    assert (out["ok"], out["status"], out["timeout_ms"]) == (True, "ok",
                                                             2000)
    [rule] = out["rules"]
    assert rule["rule"] == corp.rule["to-op1"]
    assert (rule["name"], rule["domain"]) == ("to-op1", "corp.example.")
    assert (rule["endpoint"], rule["endpoint_name"]) == (corp.ep["ob-1"],
                                                         "ob-1")
    assert rule["targets"] == [OP1_T]
    assert rule["sources"] == [S1, S2]
    assert rule["vpcs"] == [corp.vpc["a"]]
    assert rule["status"] == "ok"
    assert rows(rule) == [
        ("source", "ok", None, S1, None),
        ("source", "ok", None, S2, None),
        ("loop", "ok", OP1_T, None, None),
        ("egress", "ok", OP1_T, None, None),
        ("route", "ok", OP1_T, S1, None),
        ("route", "ok", OP1_T, S2, None),
        ("tunnel", "skip", OP1_T, None, None),
        ("health", "ok", OP1_T, None, None),
        ("soa", "ok", OP1_T, S1, "udp"),
        ("soa", "ok", OP1_T, S1, "tcp"),
        ("soa", "ok", OP1_T, S2, "udp"),
        ("soa", "ok", OP1_T, S2, "tcp"),
    ]
    assert all(c["fix"] is None for c in rule["checks"])
    # 192.0.2.53 is on lo of the test namespace.
    assert only(rule, "route")[0]["detail"].startswith(
        "192.0.2.53 from 10.0.255.10: local dev lo table ")
    assert only(rule, "loop")[0]["detail"] == (
        "192.0.2.53:53 is an address of this host, but no zonegate "
        "listener")
    for c in only(rule, "soa"):
        assert ("192.0.2.53:53 answered the SOA of corp.example. over %s "
                "from %s: serial 7, " % (c["protocol"], c["source"])) \
            in c["detail"], c
    # One SOA query per source and protocol, RD set, from the sources.
    got = sorted((e.src, e.transport, e.rd) for e in
                 op1.queries(name="corp.example.", qtype="SOA"))
    assert got == [(S1, "tcp", True), (S1, "udp", True),
                   (S2, "tcp", True), (S2, "udp", True)]


def test_doctor_cli_by_name_prints_a_line_per_check(corp, cli):
    rc, out, err = cli.raw("doctor", "to-op1", json_out=False)
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0] == ("rule to-op1 (%s): corp.example. from endpoint "
                        "ob-1 (%s)" % (corp.rule["to-op1"], corp.ep["ob-1"]))
    assert lines[1] == "  ok    source  10.0.255.10 is an address of this host"
    assert lines[-1] == "doctor: 1 rule, no check failed"
    assert len(lines) == 14


def test_doctor_target_without_a_server_fails_with_a_fix(baseline, cli):
    # 192.0.2.99 is on lo, but nothing listens on its port 53.
    baseline.make_rule("dead", "dead.example.", [A.REFLECTOR])
    rid = baseline.rule["dead"]
    rc, text, _ = cli.raw("doctor", rid)
    assert rc == 1, text
    report = json.loads(text)
    assert (report["ok"], report["status"]) == (False, "fail")
    soa = only(report["rules"][0], "soa")
    assert [(c["status"], c["source"], c["protocol"]) for c in soa] == [
        ("fail", S1, "udp"), ("fail", S1, "tcp"),
        ("fail", S2, "udp"), ("fail", S2, "tcp")]
    assert soa[0]["detail"] == ("192.0.2.99:53 refused udp from "
                                "10.0.255.10: nothing listens on that port")
    assert soa[0]["fix"] == ("start the DNS server on 192.0.2.99:53 or "
                             "correct the rule's target: zonegate rule "
                             "update %s --target IP[:PORT]" % rid)


def test_doctor_silent_target_times_out_within_the_bound(baseline, cli,
                                                         api, op2):
    op2.mode = "drop"
    baseline.make_rule("mute", "mute.example.", [A.OP2])
    start = time.monotonic()
    r = api.post("/v1/doctor", {"rule": baseline.rule["mute"],
                                "timeout_ms": 300})
    elapsed = time.monotonic() - start
    assert r.status == 200, r
    assert elapsed < 3, elapsed
    soa = only(r.body["rules"][0], "soa")
    assert [c["status"] for c in soa] == ["fail"] * 4
    assert soa[0]["detail"] == ("no reply from 192.0.2.54:53 over udp from "
                                "10.0.255.10 within 300 ms")
    assert len(op2.queries(name="mute.example.", qtype="SOA",
                           transport="udp")) == 2


def test_doctor_names_the_tcp_egress_rule_to_add(baseline, cli, op1):
    op1.add("corp.example.", "SOA", 3600, SOA)
    baseline.make_endpoint("ob-u", "a", A.OB1_SOURCES,
                           allow=["udp:53:0.0.0.0/0"])
    baseline.make_rule("udp-only", "corp.example.", [A.OP1],
                       endpoint="ob-u")
    out = cli.raw("doctor", "udp-only")
    assert out[0] == 1
    report = json.loads(out[1])
    rule = report["rules"][0]
    [egress] = only(rule, "egress")
    assert (egress["status"], egress["protocol"]) == ("fail", "tcp")
    assert egress["detail"] == (
        "the security group of %s does not allow tcp to 192.0.2.53:53: "
        "truncated answers cannot be asked again over TCP"
        % baseline.ep["ob-u"])
    assert egress["fix"] == ("zonegate endpoint update %s --add-allow "
                             "tcp:53:192.0.2.53/32" % baseline.ep["ob-u"])
    # Only what the query path could send: UDP.
    assert [(c["status"], c["protocol"]) for c in only(rule, "soa")] == [
        ("ok", "udp"), ("ok", "udp")]
    assert {e.transport for e in op1.queries(name="corp.example.")} == \
        {"udp"}


def test_doctor_source_the_host_does_not_hold(baseline, cli, op1):
    baseline.make_endpoint("ob-x", "a", ["10.0.255.99"])
    baseline.make_rule("nosrc", "corp.example.", [A.OP1], endpoint="ob-x")
    rc, text, _ = cli.raw("doctor", "nosrc")
    assert rc == 1
    rule = json.loads(text)["rules"][0]
    assert rows(rule) == [
        ("source", "fail", None, "10.0.255.99", None),
        ("loop", "ok", OP1_T, None, None),
        ("egress", "ok", OP1_T, None, None),
        ("tunnel", "skip", OP1_T, None, None),
        ("health", "ok", OP1_T, None, None),
        ("soa", "skip", OP1_T, None, None),
    ]
    assert rule["checks"][0]["fix"] == (
        "add 10.0.255.99 to an interface of this host, or change the "
        "sources: zonegate endpoint update %s --source ADDR"
        % baseline.ep["ob-x"])
    assert op1.queries() == []


def test_doctor_vpc_checks_the_rules_bound_to_it(corp, cli, op1, op2):
    op2.add("other.example.", "SOA", 60, SOA.replace("corp", "other"))
    corp.make_rule("to-op2", "other.example.", [A.OP2])
    corp.make_rule("in-b", "b.example.", [A.OP2], vpcs=("b",))
    out = cli("doctor", corp.vpc["a"])
    assert [r["rule"] for r in out["rules"]] == [corp.rule["to-op1"],
                                                 corp.rule["to-op2"]]
    assert out["ok"] is True
    out = cli("doctor", "vpc-c")
    assert out["rules"] == [] and out["ok"] is True
    rc, text, _ = cli.raw("doctor", "vpc-c", json_out=False)
    assert (rc, text) == (0, "VPC %s has no forwarding rule bound: nothing "
                             "to check\n" % corp.vpc["c"])


def test_doctor_finds_a_loop_through_a_wildcard_listener(tmp_path, attach):
    # zonegated also listens on 0.0.0.0:5300: a rule to 10.0.0.3:5300, an
    # address of this host, would reach zonegate itself. The API cannot
    # refuse it (it is no loopback address); doctor says so.
    z = Zonegated(tmp_path / "zg", listens=["10.0.0.2:53", "0.0.0.0:5300"])
    attach("zonegated log", lambda: z.log_tail(100))
    z.start()
    try:
        cli = Cli(z.sock)
        cli("vpc", "create", "v", "--cidr", A.CIDR_A)
        cli("endpoint", "create", "ob", "--vpc", "v", "--source",
            ",".join(A.OB1_SOURCES), "--allow", "udp:5300:10.0.0.0/8",
            "--allow", "tcp:5300:10.0.0.0/8")
        cli("rule", "create", "loop", "--domain", "loop.example",
            "--endpoint", "ob", "--target", "10.0.0.3:5300")
        rc, text, _ = cli.raw("doctor", "loop")
        assert rc == 1
        rule = json.loads(text)["rules"][0]
        assert rows(rule) == [
            ("source", "ok", None, S1, None),
            ("source", "ok", None, S2, None),
            ("loop", "fail", "10.0.0.3:5300", None, None),
            ("soa", "skip", "10.0.0.3:5300", None, None),
        ]
        assert rule["checks"][2]["detail"] == (
            "10.0.0.3:5300 is zonegate itself (listener 0.0.0.0:5300 of "
            "--dns-listen): the rule's queries would come back to zonegate")
    finally:
        assert z.stop() == 0


@pytest.mark.parametrize("body,status,field", [
    ({}, 400, "rule"),
    ({"rule": "rule-1", "vpc": "vpc-1"}, 400, "vpc"),
    ({"rule": "rule-99"}, 404, "rule"),
    ({"vpc": "vpc-99"}, 404, "vpc"),
    ({"vpc": "vpc-1", "timeout_ms": 50}, 400, "timeout_ms"),
    ({"vpc": "vpc-1", "timeout_ms": 20000}, 400, "timeout_ms"),
    ({"vpc": "vpc-1", "probe": True}, 400, "probe"),
    ([], 400, None),
])
def test_doctor_api_refuses_bad_requests(baseline, api, body, status,
                                          field):
    r = api.post("/v1/doctor", body)
    assert r.status == status, r
    assert r.body["error"]["field"] == field, r


@pytest.mark.slow
def test_doctor_reports_a_target_health_marked_down(baseline, api, query,
                                                    op2):
    op2.mode = "drop"
    baseline.make_rule("mute", "mute.example.", [A.OP2])
    rid = baseline.rule["mute"]

    names = ("x%d.mute.example." % i for i in range(1000))

    def down():
        # A new name each time: the failure cache answers a name that
        # just failed without asking the target (RFC 9520).
        try:
            query(next(names), "A", timeout=4)
        except Exception:
            pass
        r = api.post("/v1/doctor", {"rule": rid, "timeout_ms": 100})
        [health] = only(r.body["rules"][0], "health")
        return health if health["status"] == "warn" else None
    deadline = time.monotonic() + 30
    health = None
    while health is None and time.monotonic() < deadline:
        health = down()
    assert health is not None, "the target was never marked down"
    assert health["detail"].startswith(
        "zonegate marks 192.0.2.54:53 down after ")
    assert health["fix"] == ("it comes back by itself once it answers 2 "
                             "probes; the soa check below says why it does "
                             "not")
