# SPDX-License-Identifier: GPL-3.0-or-later
"""The bugcorpus cases the cache answers (issue 3): BC-02 d (an entry
belongs to the rule that produced it, never to a VPC), BC-11 B (a
forwarding loop through a reflector is contained), BC-14 (a failure is
cached, RFC 9520), BC-15 (TC to the client, TCP upstream, then the full
answer from the cache) and BC-23 d (a cached NODATA with its SOA TTL
counting down). Behaviour is asserted through the fake upstreams' query
logs, not through timings."""

import socket
import time

import dns.exception
import dns.message
import pytest

from zgtest import addrs as A
from zgtest.check import assert_silent, ede_list, expect
from zgtest.util import scaled


# ---- BC-02 d ----------------------------------------------------------

@pytest.fixture
def per_vpc_rules(baseline, op1, op2):
    op1.add_suffix("corp.example.", "A", 60, "10.10.0.5")
    op2.add_suffix("corp.example.", "A", 60, "10.20.0.5")
    baseline.make_rule("ra", "corp.example.", [A.OP1], vpcs=("a",))
    baseline.make_rule("rb", "corp.example.", [A.OP2], vpcs=("b",))
    return baseline


def test_bc02d_other_vpc_not_served_from_first_vpcs_entry(per_vpc_rules,
                                                          op1, op2, query):
    expect(query("db.corp.example.", source=A.CLIENT_A), aa=False,
           answer=["db.corp.example. <=60 A 10.10.0.5"])
    expect(query("db.corp.example.", source=A.CLIENT_B), aa=False,
           answer=["db.corp.example. <=60 A 10.20.0.5"])
    assert len(op1.queries(name="db.corp.example.")) == 1, op1.summary()
    assert len(op2.queries(name="db.corp.example.")) == 1, op2.summary()

    # Both are cached now, each under its own rule.
    expect(query("db.corp.example.", source=A.CLIENT_A), aa=False,
           answer=["db.corp.example. <=60 A 10.10.0.5"])
    expect(query("db.corp.example.", source=A.CLIENT_B), aa=False,
           answer=["db.corp.example. <=60 A 10.20.0.5"])
    assert len(op1.queries()) == 1 and len(op2.queries()) == 1


# ---- BC-14 ------------------------------------------------------------

def test_bc14_failure_cached_without_new_packets(baseline, pub, op1, op2,
                                                 query):
    pub.add_suffix(".", "A", 60, "203.0.113.5")
    op1.mode = op2.mode = "drop"
    baseline.make_rule("r", "corp.example.", [A.OP1, A.OP2])

    start = time.monotonic()
    r = query("secret.corp.example.", timeout=scaled(10))
    assert time.monotonic() - start <= scaled(6.5)
    expect(r, "SERVFAIL", aa=False, answer=[], ede=22)
    sent = len(op1.queries()) + len(op2.queries())
    assert sent >= 2, "both targets were asked"

    # Within 1 s: the cached failure, no new packet (RFC 9520 3.2).
    r = query("secret.corp.example.")
    expect(r, "SERVFAIL", aa=False, answer=[], ede=13)
    assert len(op1.queries()) + len(op2.queries()) == sent, \
        op1.summary() + "\n" + op2.summary()
    assert_silent(pub, under="corp.example.")


# ---- BC-15 ------------------------------------------------------------

# 3 TXT records of 900 octets each (four strings of 225), about 2.8 KB.
BIG_TXT = [" ".join('"%s"' % (c * 225) for _ in range(4)) for c in "xyz"]


@pytest.fixture
def truncating_op1(baseline, op1):
    op1.mode = "truncate"
    op1.add("big.onprem.example.", "TXT", 60, *BIG_TXT)
    baseline.make_rule("rop", "onprem.example.", [A.OP1])
    return op1


def test_bc15_tc_then_tcp_answer_from_cache(truncating_op1, query):
    op1 = truncating_op1

    # a: the client's UDP size is too small: TC, no partial RRset.
    r = query("big.onprem.example.", "TXT", payload=1232)
    expect(r, aa=False, tc=True, answer=[], opt=True)
    tcp_queries = op1.queries(name="big.onprem.example.", qtype="TXT",
                              transport="tcp")
    assert len(tcp_queries) == 1, op1.summary()

    # b: over TCP, in full, from the cache: still one TCP query.
    r = query("big.onprem.example.", "TXT", tcp=True)
    expect(r, aa=False, tc=False, answer=[
        "big.onprem.example. <=60 TXT %s" % t for t in BIG_TXT])
    assert len(op1.queries(name="big.onprem.example.", qtype="TXT",
                           transport="tcp")) == 1, op1.summary()

    # c: no EDNS: TC within 512 octets.
    r = query("big.onprem.example.", "TXT", edns=None)
    expect(r, aa=False, tc=True, answer=[])
    assert r.size <= 512
    assert len(op1.queries(name="big.onprem.example.")) == 2, \
        "one UDP and one TCP query in all:\n" + op1.summary()


# ---- BC-23 d ----------------------------------------------------------

OP1_SOA = ("onprem.example. 600 SOA ns.onprem.example. h.onprem.example. 9"
           " 3600 600 86400 120")


def soa_ttl(reply):
    rrsets = [s for s in reply.msg.authority if s.rdtype == 6]
    assert len(rrsets) == 1, reply.msg
    return rrsets[0].ttl


def test_bc23d_cached_nodata_soa_ttl_counts_down(baseline, op1, query):
    op1.add_negative("v4.onprem.example.", "NOERROR", OP1_SOA)
    baseline.make_rule("rop", "onprem.example.", [A.OP1])

    first = query("v4.onprem.example.", "AAAA")
    expect(first, aa=False, answer=[], authority=[
        "onprem.example. <=120 SOA ns.onprem.example. h.onprem.example. 9"
        " 3600 600 86400 120"])
    time.sleep(1.2)
    again = query("v4.onprem.example.", "AAAA")
    expect(again, aa=False, answer=[], authority=[
        "onprem.example. <=120 SOA ns.onprem.example. h.onprem.example. 9"
        " 3600 600 86400 120"])
    assert soa_ttl(again) < soa_ttl(first)
    assert len(op1.queries(name="v4.onprem.example.")) == 1, op1.summary()


# ---- BC-11 B ----------------------------------------------------------

def reflector_to(server, source):
    """A reflector's handler: re-sends every query to zonegate's server
    address from source and relays what comes back (or nothing)."""
    def reflect(query_msg, entry):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind((source, 0))
            s.settimeout(scaled(3))
            s.sendto(query_msg.to_wire(), (server, 53))
            try:
                reply = dns.message.from_wire(s.recv(4096))
            except (socket.timeout, OSError, dns.exception.DNSException):
                return "drop"
        reply.id = query_msg.id
        return reply
    return reflect


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for %d" % pid)


@pytest.fixture
def reflector(baseline, cli, fake_upstream):
    refl = fake_upstream("REFLECTOR", [A.REFLECTOR])
    refl.set_handler(reflector_to(A.ZG, A.REFLECTOR))
    # The reflector reaches zonegate as a client of vpc-a, as an
    # inbound path from on-premises would.
    cli("vpc", "update", baseline.vpc["a"], "--add-cidr",
        A.REFLECTOR + "/32")
    baseline.make_rule("rrefl", "loop.example.", [A.REFLECTOR])
    baseline.make_zone("example.com.", ["intra.example.com. 300 A 10.1.2.3"])
    return refl


def test_bc11b_forwarding_loop_is_contained(reflector, baseline, zonegated,
                                           query):
    rule_id = baseline.rule["rrefl"]
    rss_before = rss_kib(zonegated.proc.pid)

    start = time.monotonic()
    r = query("x.loop.example.", timeout=scaled(10))
    assert time.monotonic() - start <= scaled(6.5)
    expect(r, "SERVFAIL", aa=False, answer=[], ede=0)
    texts = [t for c, t in ede_list(r.msg) if c == 0]
    assert texts == ["%s: forwarding loop" % rule_id], ede_list(r.msg)

    # Other names keep being answered during the episode, and the
    # quarantined rule answers at once without asking the reflector.
    episode_end = time.monotonic() + 10
    while time.monotonic() < episode_end:
        expect(query("intra.example.com."), aa=True,
               answer=["intra.example.com. 300 A 10.1.2.3"])
        r = query("x.loop.example.")
        expect(r, "SERVFAIL", aa=False, answer=[], ede=0)
        time.sleep(0.5)
    copies = reflector.queries(name="x.loop.example.", qtype="A")
    assert len(copies) <= 3, reflector.summary()

    grown = rss_kib(zonegated.proc.pid) - rss_before
    assert grown < 5 * 1024, "RSS grew by %d KiB" % grown
    with open(zonegated.logfile, errors="replace") as f:
        loop_lines = [line for line in f
                      if "forwarding loop: a question this rule sent" in line]
    assert len(loop_lines) == 1, loop_lines
    assert "rule_id=%s" % rule_id in loop_lines[0]


def test_bc11b_quarantine_ends_when_loop_is_gone(reflector, baseline,
                                                api, query):
    expect(query("x.loop.example.", timeout=scaled(10)), "SERVFAIL",
           ede=0)
    stats = api.ok("GET", "/v1/cache/stats")
    assert stats["loops"] >= 1 and stats["quarantined_rules"] == 1, stats

    # The reflector is fixed: it answers itself now.
    reflector.set_handler(None)
    reflector.add("x.loop.example.", "A", 60, "192.0.2.1")
    deadline = time.monotonic() + scaled(40)
    while True:
        r = query("x.loop.example.")
        if r.msg.rcode() == 0:
            break
        assert time.monotonic() < deadline, "the rule never recovered"
        time.sleep(1)
    expect(r, aa=False, answer=["x.loop.example. <=60 A 192.0.2.1"])
    assert api.ok("GET", "/v1/cache/stats")["quarantined_rules"] == 0


def test_bc11b_loop_through_inbound_endpoint(baseline, cli, fake_upstream,
                                            query):
    """The target hands the question to another resolver on premises
    (here: it sends from 192.0.2.10), which forwards it to zonegate's
    inbound endpoint: not the target's address, still the loop."""
    refl = fake_upstream("REFLECTOR", [A.REFLECTOR])
    refl.set_handler(reflector_to(A.ZG3, A.PRI))
    cli("inbound", "create", "in-a", "--vpc", baseline.vpc["a"],
        "--listen", A.ZG3, "--allow", "192.0.2.0/24")
    rule_id = baseline.make_rule("rrefl", "loop.example.",
                                 [A.REFLECTOR])["id"]

    r = query("x.loop.example.", timeout=scaled(10))
    expect(r, "SERVFAIL", aa=False, answer=[], ede=0)
    assert ede_list(r.msg) == [(0, "%s: forwarding loop" % rule_id)]
    time.sleep(2)
    assert len(refl.queries(name="x.loop.example.")) == 1, refl.summary()
