# SPDX-License-Identifier: GPL-3.0-or-later
"""Identical questions in flight are sent once, a client's
retransmission joins the pending question (resolution.md §4, RFC 5452
§5); forwarded answers respect the client's UDP size: TC, never a
partial RRset (RFC 2181 §9), full over TCP."""

import socket
import time

import dns.message
import pytest

from zgtest import addrs as A, dnsq
from zgtest.check import expect
from zgtest.util import scaled


@pytest.fixture
def slow_rule(baseline, op1):
    op1.add_suffix("onprem.example.", "A", 60, "192.0.2.81")
    op1.delay_s = 0.5      # below the first try's 800 ms
    baseline.make_rule("rop", "onprem.example.", [A.OP1])
    return baseline


def send_many(wires_and_sources, wait):
    """Sends each (wire, source, sock) and collects replies by socket."""
    socks = []
    try:
        for wire, source in wires_and_sources:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            socks.append(s)
            s.bind((source, 0))
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


def test_identical_questions_sent_once(slow_rule, op1):
    q1 = dnsq.make_query("same.onprem.example.", "A").to_wire()
    q2 = dnsq.make_query("same.onprem.example.", "A").to_wire()
    replies = send_many([(q1, A.CLIENT_A), (q2, A.CLIENT_A)], wait=8)
    for m in replies:
        assert m is not None and m.answer, replies
    assert len(op1.queries(name="same.onprem.example.")) == 1, op1.summary()


def test_retransmission_joins_pending_question(slow_rule, op1):
    q = dnsq.make_query("rtx.onprem.example.", "A").to_wire()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((A.CLIENT_A, 0))
        s.sendto(q, (A.ZG, 53))
        time.sleep(0.3)
        s.sendto(q, (A.ZG, 53))           # same ID, same port
        s.settimeout(scaled(8))
        first = dns.message.from_wire(s.recvfrom(4096)[0])
    assert first.answer
    assert len(op1.queries(name="rtx.onprem.example.")) == 1, op1.summary()


def test_different_types_not_joined(slow_rule, op1):
    op1.add_suffix("onprem.example.", "AAAA", 60, "2001:db8::81")
    qa = dnsq.make_query("two.onprem.example.", "A").to_wire()
    q6 = dnsq.make_query("two.onprem.example.", "AAAA").to_wire()
    replies = send_many([(qa, A.CLIENT_A), (q6, A.CLIENT_A)], wait=8)
    assert all(m is not None and m.answer for m in replies), replies
    assert {e.qtype for e in op1.queries()} == {"A", "AAAA"}


@pytest.fixture
def big_rule(baseline, op1):
    texts = ['"%s"' % (c * 250) for c in "abc"]
    op1.add("big.onprem.example.", "TXT", 60, *texts)
    baseline.make_rule("rop", "onprem.example.", [A.OP1])
    return texts


def test_forwarded_answer_over_client_size_sets_tc(big_rule, query):
    r = query("big.onprem.example.", "TXT", edns=None)
    expect(r, aa=False, tc=True, answer=[])
    assert r.size <= 512


def test_forwarded_answer_fits_edns_size(big_rule, query):
    r = query("big.onprem.example.", "TXT", payload=1232)
    expect(r, aa=False, tc=False, answer=[
        "big.onprem.example. <=60 TXT %s" % t for t in big_rule])


def test_forwarded_answer_full_over_tcp(big_rule, query):
    r = query("big.onprem.example.", "TXT", edns=None, tcp=True)
    expect(r, aa=False, tc=False, answer=[
        "big.onprem.example. <=60 TXT %s" % t for t in big_rule])
