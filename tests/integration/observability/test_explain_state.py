# SPDX-License-Identifier: GPL-3.0-or-later
"""POST /v1/explain for a rule: what the cache holds for the question
(absent, fresh with the TTL left, a failure cached) and which target
would be asked, with each target's health."""

import socket

import dns.exception
import dns.message
import pytest

from zgtest import addrs as A
from zgtest.check import expect
from zgtest.util import scaled


@pytest.fixture
def world(baseline, op1):
    baseline.make_zone("corp.example.", ["www.corp.example. 300 A 10.1.2.3"])
    baseline.make_rule("rop", "onprem.example.", [A.OP1])
    op1.add("h.onprem.example.", "A", 300, "10.10.0.5")
    return baseline


def explain(api, vpc, name, qtype="A"):
    return api.ok("POST", "/v1/explain", {"vpc": vpc, "name": name,
                                          "type": qtype})


def test_cache_goes_from_absent_to_fresh(world, api, query):
    vpc = world.vpc["a"]
    last = explain(api, vpc, "h.onprem.example.")["steps"][-1]
    assert last["step"] == "rule"
    assert last["cache"] == {"state": "absent", "ttl_left_s": None,
                             "rcode": None, "failure_cached": False}
    assert last["targets_health"] == [{
        "address": "192.0.2.53:53", "state": "unknown", "srtt_ms": None,
        "failures_in_a_row": 0}]
    assert last["target"]["address"] == "192.0.2.53:53"
    assert last["all_targets_down"] is False

    expect(query("h.onprem.example.", "A"), "NOERROR")
    last = explain(api, vpc, "H.onprem.example.")["steps"][-1]
    cache = last["cache"]
    assert cache["state"] == "fresh" and cache["rcode"] == "NOERROR"
    assert 0 < cache["ttl_left_s"] <= 300
    assert cache["failure_cached"] is False
    assert last["target"]["state"] == "up"
    assert isinstance(last["target"]["srtt_ms"], float)
    # Another type is another question.
    last = explain(api, vpc, "h.onprem.example.", "AAAA")["steps"][-1]
    assert last["cache"]["state"] == "absent"


def test_local_steps_have_no_cache_or_target(world, api):
    last = explain(api, world.vpc["a"], "www.corp.example.")["steps"][-1]
    assert last["step"] == "zone"
    assert "cache" not in last and "target" not in last


def test_upstream_step_reports_its_target(world, api, pub):
    last = explain(api, world.vpc["b"], "www.example.org.")["steps"][-1]
    assert last["step"] == "upstream"
    assert last["cache"]["state"] == "absent"
    assert last["target"]["address"] == "198.51.100.53:53"


def test_failure_cached_then_every_target_down(baseline, api, query,
                                               fake_upstream):
    silent = fake_upstream("SILENT", [A.PRI])
    silent.mode = "drop"
    baseline.make_rule("rdrop", "silent.example.", [A.PRI])
    vpc = baseline.vpc["a"]

    expect(query("a.silent.example.", "A"), "SERVFAIL")
    last = explain(api, vpc, "a.silent.example.")["steps"][-1]
    assert last["cache"]["failure_cached"] is True
    assert last["cache"]["state"] == "absent"

    # Tries keep failing until the target is marked down: then nothing
    # is asked and the explanation says so.
    for i in range(4):
        last = explain(api, vpc, "b.silent.example.")["steps"][-1]
        if last["all_targets_down"]:
            break
        expect(query("n%d.silent.example." % i, "A"), "SERVFAIL")
    last = explain(api, vpc, "b.silent.example.")["steps"][-1]
    assert last["all_targets_down"] is True
    assert last["target"] is None
    [health] = last["targets_health"]
    assert health["state"] == "down"
    assert health["failures_in_a_row"] >= 3


def test_cli_explain_prints_cache_and_target(world, cli, query):
    expect(query("h.onprem.example.", "A"), "NOERROR")
    rc, text, err = cli.raw("explain", "--vpc", world.vpc["a"],
                            "h.onprem.example", json_out=False)
    assert rc == 0, err
    lines = text.splitlines()
    assert any(ln.startswith("     cache:    fresh NOERROR, ")
               for ln in lines), text
    assert any(ln.startswith("     asks:     192.0.2.53:53 up")
               for ln in lines), text
    assert any(ln.startswith("     health:   192.0.2.53:53 up")
               for ln in lines), text


def test_quarantined_rule_is_explained_and_counted(baseline, api, cli,
                                                  fake_upstream, query):
    """BC-11 B's set-up: a target that sends every question back to
    zonegate. Once the loop is found, explain says that the rule asks
    nobody, and its counters say it is quarantined."""
    def reflect(q, entry):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind((A.REFLECTOR, 0))
            s.settimeout(scaled(3))
            s.sendto(q.to_wire(), (A.ZG, 53))
            try:
                reply = dns.message.from_wire(s.recv(4096))
            except (socket.timeout, OSError, dns.exception.DNSException):
                return "drop"
        reply.id = q.id
        return reply
    refl = fake_upstream("REFLECTOR", [A.REFLECTOR])
    refl.set_handler(reflect)
    cli("vpc", "update", baseline.vpc["a"], "--add-cidr",
        A.REFLECTOR + "/32")
    rule = baseline.make_rule("rrefl", "loop.example.", [A.REFLECTOR])["id"]
    vpc = baseline.vpc["a"]
    last = explain(api, vpc, "y.loop.example.")["steps"][-1]
    assert last["quarantined"] is False

    # EDE 0 when the loop is found before the reflector relays our own
    # SERVFAIL back to the leader's exchange, else 22; the quarantine
    # starts either way.
    expect(query("x.loop.example.", timeout=10), "SERVFAIL")
    last = explain(api, vpc, "y.loop.example.")["steps"][-1]
    assert last["quarantined"] is True
    assert api.ok("GET", "/v1/rules/%s/stats" % rule)["rule"][
        "quarantined"] is True
    rc, text, err = cli.raw("explain", "--vpc", vpc, "y.loop.example",
                            json_out=False)
    assert rc == 0, err
    assert "     asks:     nobody: the rule is quarantined after a " \
        "forwarding loop, SERVFAIL (EDE 0)\n" in text
