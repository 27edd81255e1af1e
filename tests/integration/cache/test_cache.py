# SPDX-License-Identifier: GPL-3.0-or-later
"""The answer cache (resolution.md §4, issue 3 items 3, 6 and 7): TTLs
counting down, entries shared by the VPCs whose bindings lead to the same
rule or upstream and assembled per VPC, binding changes right at once
without a flush, concurrent identical misses sent once, DO and CD in the
key, serve-stale per rule (RFC 8767), flush and counters through the API
and CLI."""

import socket
import time

import dns.flags
import dns.message
import dns.rrset
import pytest

from zgtest import addrs as A, dnsq
from zgtest.check import expect
from zgtest.util import scaled


@pytest.fixture
def rop(baseline, op1):
    op1.add_suffix("onprem.example.", "A", 60, "192.0.2.81")
    baseline.make_rule("rop", "onprem.example.", [A.OP1])
    return baseline


def ttl_of(reply):
    return reply.msg.answer[0].ttl


def test_positive_answer_from_cache_counts_down(rop, op1, query):
    first = query("db.onprem.example.")
    expect(first, aa=False, answer=["db.onprem.example. 60 A 192.0.2.81"])
    time.sleep(1.2)
    again = query("db.onprem.example.")
    expect(again, aa=False, answer=["db.onprem.example. <=59 A 192.0.2.81"])
    assert len(op1.queries(name="db.onprem.example.")) == 1, op1.summary()


def test_ttl_zero_is_not_cached(baseline, op1, query):
    op1.add_suffix("onprem.example.", "A", 0, "192.0.2.82")
    baseline.make_rule("rop", "onprem.example.", [A.OP1])
    for _ in range(3):
        expect(query("zero.onprem.example."), aa=False,
               answer=["zero.onprem.example. 0 A 192.0.2.82"])
    assert len(op1.queries(name="zero.onprem.example.")) == 3


def test_do_and_cd_bits_are_part_of_the_key(rop, op1, query):
    expect(query("bits.onprem.example."), aa=False)
    expect(query("bits.onprem.example.", do=True), aa=False)
    expect(query("bits.onprem.example.", cd=True), aa=False, cd=True)
    expect(query("bits.onprem.example.", do=True), aa=False)
    got = op1.queries(name="bits.onprem.example.")
    assert sorted((e.do, e.cd) for e in got) == \
        [(False, False), (False, True), (True, False)], op1.summary()


def test_upstream_entry_shared_by_vpcs(baseline, pub, query):
    pub.add("www.example.net.", "A", 60, "203.0.113.7")
    for source in (A.CLIENT_A, A.CLIENT_B, A.CLIENT_C):
        expect(query("www.example.net.", source=source), aa=False,
               answer=["www.example.net. <=60 A 203.0.113.7"])
    assert len(pub.queries(name="www.example.net.")) == 1, pub.summary()


def test_cached_upstream_cname_reenters_per_vpc(baseline, pub, query):
    """One entry, two answers: vpc-a has a zone for the CNAME's target,
    vpc-c has not (resolution.md §4: re-entry from the default
    upstream)."""
    def chain(q, entry):
        if q.question[0].name.to_text().lower() != "www.example.net.":
            return None
        r = dns.message.make_response(q)
        r.flags |= dns.flags.RA
        r.answer.append(dns.rrset.from_text(
            "www.example.net.", 60, "IN", "CNAME", "app.corp.example."))
        r.answer.append(dns.rrset.from_text(
            "app.corp.example.", 60, "IN", "A", "203.0.113.9"))
        return r
    pub.set_handler(chain)
    baseline.make_zone("corp.example.", ["app.corp.example. 300 A 10.1.2.3"],
                       vpcs=("a",))

    expect(query("www.example.net.", source=A.CLIENT_C), aa=False, answer=[
        "www.example.net. <=60 CNAME app.corp.example.",
        "app.corp.example. <=60 A 203.0.113.9"])
    expect(query("www.example.net.", source=A.CLIENT_A), aa=False, answer=[
        "www.example.net. <=60 CNAME app.corp.example.",
        "app.corp.example. 300 A 10.1.2.3"])
    assert len(pub.queries(name="www.example.net.")) == 1, pub.summary()


def test_binding_change_applies_at_once_without_flush(baseline, cli, op1,
                                                      op2, pub, query):
    op1.add_suffix("corp.example.", "A", 60, "10.10.0.5")
    op2.add_suffix("corp.example.", "A", 60, "10.20.0.5")
    pub.add_suffix("corp.example.", "A", 60, "203.0.113.5")
    ra = baseline.make_rule("ra", "corp.example.", [A.OP1])["id"]
    rb = baseline.make_rule("rb", "corp.example.", [A.OP2], vpcs=())["id"]
    expect(query("db.corp.example."), aa=False,
           answer=["db.corp.example. <=60 A 10.10.0.5"])

    # Another rule for the domain: its own answer, not ra's entry.
    cli("rule", "unbind", ra, "--vpc", baseline.vpc["a"])
    cli("rule", "bind", rb, "--vpc", baseline.vpc["a"])
    expect(query("db.corp.example."), aa=False,
           answer=["db.corp.example. <=60 A 10.20.0.5"])

    # No rule: the default upstream.
    cli("rule", "unbind", rb, "--vpc", baseline.vpc["a"])
    expect(query("db.corp.example."), aa=False,
           answer=["db.corp.example. <=60 A 203.0.113.5"])

    # A private zone now: authoritative at once.
    baseline.make_zone("corp.example.", ["db.corp.example. 300 A 10.1.2.3"])
    expect(query("db.corp.example."), aa=True,
           answer=["db.corp.example. 300 A 10.1.2.3"])

    # Back to ra: its entry is still good and is used.
    cli("zone", "unbind", baseline.zone["corp.example."], "--vpc",
        baseline.vpc["a"])
    cli("rule", "bind", ra, "--vpc", baseline.vpc["a"])
    expect(query("db.corp.example."), aa=False,
           answer=["db.corp.example. <=60 A 10.10.0.5"])
    assert len(op1.queries(name="db.corp.example.")) == 1, op1.summary()


def send_from_many(wire, count, wait):
    """Sends wire from count sockets (each its own port) and
    returns the parsed replies (None for none)."""
    socks = []
    try:
        for i in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            socks.append(s)
            s.bind((A.CLIENT_A, 0))
            s.sendto(wire, (A.ZG, 53))
        out = []
        deadline = time.monotonic() + scaled(wait)
        for s in socks:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                out.append(dns.message.from_wire(s.recvfrom(4096)[0]))
            except socket.timeout:
                out.append(None)
        return out
    finally:
        for s in socks:
            s.close()


def test_concurrent_identical_misses_sent_once(rop, op1):
    op1.delay_s = 0.5
    wire = dnsq.make_query("many.onprem.example.", "A").to_wire()
    replies = send_from_many(wire, 10, wait=8)
    assert all(m is not None and m.answer for m in replies), replies
    assert len(op1.queries(name="many.onprem.example.")) == 1, op1.summary()


# ---- serve-stale ------------------------------------------------------

@pytest.fixture
def stale_rule(baseline, cli, op1):
    op1.add_suffix("onprem.example.", "A", 1, "192.0.2.83")
    op1.add_negative("gone.onprem.example.", "NXDOMAIN",
                     "onprem.example. 1 SOA ns.onprem.example."
                     " h.onprem.example. 9 3600 600 86400 1")
    rule = baseline.make_rule("rop", "onprem.example.", [A.OP1])

    def turn(on):
        cli("rule", "update", rule["id"], "--serve-stale",
            "yes" if on else "no")
    return turn


def test_serve_stale_when_targets_fail(stale_rule, op1, query):
    stale_rule(True)
    expect(query("old.onprem.example."), aa=False,
           answer=["old.onprem.example. 1 A 192.0.2.83"])
    time.sleep(1.5)
    op1.mode = "servfail"
    r = query("old.onprem.example.")
    # RFC 8767 4: TTL 30; RFC 8914: EDE 3 Stale Answer.
    expect(r, aa=False, answer=["old.onprem.example. 30 A 192.0.2.83"],
           ede=3)


def test_serve_stale_nxdomain(stale_rule, op1, query):
    stale_rule(True)
    expect(query("gone.onprem.example."), "NXDOMAIN", aa=False)
    time.sleep(1.5)
    op1.mode = "servfail"
    r = query("gone.onprem.example.")
    # The SOA's TTL is 30, trimmed to its MINIMUM as every negative
    # answer's is (RFC 2308 3).
    expect(r, "NXDOMAIN", aa=False, answer=[], ede=19, authority=[
        "onprem.example. 1 SOA ns.onprem.example. h.onprem.example. 9"
        " 3600 600 86400 1"])


def test_serve_stale_after_wait_while_target_is_silent(stale_rule, op1,
                                                      query):
    stale_rule(True)
    expect(query("slow.onprem.example."), aa=False)
    time.sleep(1.5)
    op1.mode = "drop"
    start = time.monotonic()
    r = query("slow.onprem.example.", timeout=scaled(10))
    expect(r, aa=False, answer=["slow.onprem.example. 30 A 192.0.2.83"],
           ede=3)
    # Served after the 1800 ms wait, before the 6 s limit.
    assert time.monotonic() - start <= scaled(5)


def test_serve_stale_off_by_default(stale_rule, op1, query):
    expect(query("old.onprem.example."), aa=False)
    time.sleep(1.5)
    op1.mode = "servfail"
    expect(query("old.onprem.example.", timeout=scaled(10)), "SERVFAIL",
           aa=False, answer=[], ede=22)


def test_serve_stale_shown_on_the_rule(baseline, cli, op1):
    rule = baseline.make_rule("rop", "onprem.example.", [A.OP1])
    assert rule["serve_stale"] is False and rule["max_stale"] == 86400
    out = cli("rule", "update", rule["id"], "--serve-stale", "yes",
              "--max-stale", "3600")
    assert out["serve_stale"] is True and out["max_stale"] == 3600
    rc, _, err = cli.raw("rule", "update", rule["id"], "--max-stale", "0")
    assert rc != 0 and "max-stale" in err


# ---- flush and counters ----------------------------------------------

def test_flush_by_name_and_rule(rop, api, cli, op1, query):
    for name in ("a.onprem.example.", "b.onprem.example."):
        expect(query(name), aa=False)
    assert len(op1.queries()) == 2

    out = cli("cache", "flush", "--name", "A.onprem.example")
    assert out["flushed"] == 1
    expect(query("a.onprem.example."), aa=False)
    expect(query("b.onprem.example."), aa=False)
    assert len(op1.queries(name="a.onprem.example.")) == 2
    assert len(op1.queries(name="b.onprem.example.")) == 1

    out = api.ok("POST", "/v1/cache/flush", {"rule": rop.rule["rop"]})
    assert out["flushed"] == 2
    expect(query("b.onprem.example."), aa=False)
    assert len(op1.queries(name="b.onprem.example.")) == 2

    # The upstream's entries are not the rule's.
    assert api.ok("POST", "/v1/cache/flush",
                  {"upstream": "global"})["flushed"] == 0
    rc, text, _ = cli.raw("cache", "flush", json_out=False)
    assert rc == 0 and text.startswith("flushed "), text


def test_flush_errors(rop, api):
    r = api.request("POST", "/v1/cache/flush", {"rule": "rule-99"})
    assert r.status == 404 and r.body["error"]["field"] == "rule", r
    r = api.request("POST", "/v1/cache/flush",
                    {"rule": rop.rule["rop"], "upstream": "global"})
    assert r.status == 400, r
    r = api.request("POST", "/v1/cache/flush", {"name": "bad..name"})
    assert r.status == 400 and r.body["error"]["field"] == "name", r
    r = api.request("POST", "/v1/cache/flush", {"vpc": "vpc-1"})
    assert r.status == 400 and r.body["error"]["field"] == "vpc", r
    r = api.request("GET", "/v1/cache/flush")
    assert r.status == 405, r


def test_authoritative_option_is_part_of_the_key(rop, cli, op1, query):
    """A rule's targets asked as authoritative servers (RD=0) may answer
    otherwise than when asked to recurse: an entry made under one setting
    is not served under the other, with no flush and no TTL to wait."""
    rule = rop.rule["rop"]
    expect(query("auth.onprem.example."), aa=False,
           answer=["auth.onprem.example. 60 A 192.0.2.81"])
    cli("rule", "update", rule, "--authoritative", "yes")
    expect(query("auth.onprem.example."), aa=False,
           answer=["auth.onprem.example. 60 A 192.0.2.81"])
    # Options that change only how targets are reached keep the entry.
    cli("rule", "update", rule, "--tcp-only", "yes")
    expect(query("auth.onprem.example."), aa=False,
           answer=["auth.onprem.example. <=60 A 192.0.2.81"])
    got = op1.queries(name="auth.onprem.example.")
    assert [e.rd for e in got] == [True, False], op1.summary()


def test_explain_does_not_count_as_hit_or_miss(rop, api, query):
    vpc = rop.vpc["a"]
    expect(query("x.onprem.example."), aa=False)
    before = api.ok("GET", "/v1/cache/stats")
    for name in ("x.onprem.example.", "absent.onprem.example."):
        api.ok("POST", "/v1/explain", {"vpc": vpc, "name": name,
                                       "type": "A"})
    after = api.ok("GET", "/v1/cache/stats")
    assert (after["hits"], after["misses"]) == \
        (before["hits"], before["misses"]), (before, after)


def test_stats_count_hits_and_misses(rop, api, cli, query):
    before = cli("cache", "stats")
    for key in ("entries", "bytes", "max_bytes", "hits", "misses",
                "evictions"):
        assert key in before, before
    expect(query("s.onprem.example."), aa=False)
    expect(query("s.onprem.example."), aa=False)
    after = api.ok("GET", "/v1/cache/stats")
    assert after["hits"] == before["hits"] + 1, (before, after)
    assert after["misses"] == before["misses"] + 1, (before, after)
    assert after["entries"] >= 1 and after["bytes"] > 0
