# SPDX-License-Identifier: GPL-3.0-or-later
"""Message-level behaviour: FORMERR for malformed queries, NOTIMP for
unknown opcodes, BADVERS for unknown EDNS versions (RFC 6891 §6.1.3),
responses never answered, OPT iff the query had one, the question echoed
byte for byte, TCP with several queries on one connection (RFC 7766)."""

import socket
import struct
import time

import dns.flags
import dns.message
import dns.opcode
import dns.rcode
import pytest

from zgtest import addrs as A, dnsq
from zgtest.check import expect
from zgtest.util import scaled


@pytest.fixture
def corp(baseline):
    baseline.make_zone("corp.example.", ["www.corp.example. 300 A 10.1.2.3"])
    return baseline


def header(qid, flags, qd=1, an=0, ns=0, ar=0):
    return struct.pack("!HHHHHH", qid, flags, qd, an, ns, ar)


QUESTION = b"\x03www\x04corp\x07example\x00\x00\x01\x00\x01"


def assert_error_reply(reply, qid, rcode, opcode=0):
    m = reply.msg
    assert m.id == qid
    assert m.flags & dns.flags.QR
    assert m.opcode() == opcode
    assert m.rcode() == rcode, dns.rcode.to_text(m.rcode())
    assert not m.answer


@pytest.mark.parametrize("tcp", [False, True])
def test_two_questions_formerr(corp, tcp):
    wire = header(0x1234, 0x0100, qd=2) + QUESTION + QUESTION
    r = dnsq.send_wire(A.ZG, wire, tcp=tcp)
    assert_error_reply(r, 0x1234, dns.rcode.FORMERR)


def test_truncated_question_formerr(corp):
    wire = header(0x2345, 0x0100) + QUESTION[:9]
    r = dnsq.send_wire(A.ZG, wire)
    assert_error_reply(r, 0x2345, dns.rcode.FORMERR)


def test_counts_beyond_message_formerr(corp):
    wire = header(0x3456, 0x0100, an=3) + QUESTION
    r = dnsq.send_wire(A.ZG, wire)
    assert_error_reply(r, 0x3456, dns.rcode.FORMERR)


def test_two_opt_records_formerr(corp):
    opt = b"\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00"
    wire = header(0x4567, 0x0100, ar=2) + QUESTION + opt + opt
    r = dnsq.send_wire(A.ZG, wire)
    assert_error_reply(r, 0x4567, dns.rcode.FORMERR)


def test_response_is_never_answered(corp):
    wire = header(0x5678, 0x8100) + QUESTION
    assert dnsq.expect_no_reply(A.ZG, wire, wait=1.0)
    # ... and the server still answers afterwards.
    expect(dnsq.query(A.ZG, "www.corp.example."), aa=True)


def test_short_garbage_is_dropped(corp):
    assert dnsq.expect_no_reply(A.ZG, b"\x01\x02\x03", wait=1.0)
    expect(dnsq.query(A.ZG, "www.corp.example."), aa=True)


@pytest.mark.parametrize("opcode", [3, 7, 15])
def test_unknown_opcode_notimp(corp, opcode):
    wire = header(0x6789, 0x0100 | (opcode << 11)) + QUESTION
    r = dnsq.send_wire(A.ZG, wire, parse=False)
    qid, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", r.wire[:12])
    assert qid == 0x6789
    assert flags & 0x8000, "QR clear"
    assert (flags >> 11) & 0xF == opcode
    assert flags & 0xF == dns.rcode.NOTIMP, flags & 0xF
    assert an == 0


def test_edns_version_1_badvers(corp, query):
    r = query("www.corp.example.", edns=1)
    expect(r, "BADVERS", answer=[], aa=None, opt=True)
    assert r.msg.edns == 0


@pytest.mark.parametrize("edns", [None, 0])
def test_opt_present_iff_query_had_one(corp, query, edns):
    r = query("www.corp.example.", edns=edns)
    expect(r, aa=True, answer=["www.corp.example. 300 A 10.1.2.3"])


def test_small_edns_size_treated_as_512(corp, query):
    r = query("www.corp.example.", edns=0, payload=100)
    expect(r, aa=True, answer=["www.corp.example. 300 A 10.1.2.3"])


def test_unknown_edns_option_ignored(corp, query):
    import dns.edns
    opt = dns.edns.GenericOption(65001, b"\x01\x02")
    r = query("www.corp.example.", options=[opt])
    expect(r, aa=True, answer=["www.corp.example. 300 A 10.1.2.3"])


@pytest.mark.parametrize("tcp", [False, True])
def test_question_echoed_with_case(corp, query, tcp):
    for name in ("WWW.CORP.EXAMPLE.", "wWw.cOrP.eXaMpLe.",
                 "NoPe.Corp.Example."):
        r = query(name, "A", tcp=tcp)
        expect(r, None)     # expect() compares the question byte for byte
        assert r.wire[12:12 + len(name) + 1].lower() == \
            r.query_wire[12:12 + len(name) + 1].lower()


def test_tcp_several_queries_on_one_connection(corp):
    names = ["www.corp.example.", "nope.corp.example.", "www.corp.example."]
    queries = [dnsq.make_query(n, "A") for n in names]
    deadline = time.monotonic() + scaled(8)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((A.CLIENT_A, 0))
        s.settimeout(scaled(8))
        s.connect((A.ZG, 53))
        for q in queries:
            w = q.to_wire()
            s.sendall(struct.pack("!H", len(w)) + w)
        got = {}
        for _ in queries:
            (n,) = struct.unpack("!H", dnsq.recv_exact(s, 2, deadline))
            m = dns.message.from_wire(dnsq.recv_exact(s, n, deadline))
            got[m.id] = m
    for q in queries:
        assert q.id in got
        want = dns.rcode.NXDOMAIN if q.question[0].name.labels[0] == b"nope" \
            else dns.rcode.NOERROR
        assert got[q.id].rcode() == want


def test_tcp_idle_connection_does_not_block_others(corp, query):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as idle:
        idle.bind((A.CLIENT_A, 0))
        idle.settimeout(scaled(5))
        idle.connect((A.ZG, 53))
        idle.sendall(b"\x00")       # half a length prefix, then nothing
        for tcp in (False, True):
            expect(query("www.corp.example.", tcp=tcp), aa=True)


def test_many_concurrent_udp_queries_all_answered(corp):
    socks = []
    try:
        for i in range(200):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            socks.append(s)
            s.bind((A.CLIENT_A, 0))
            q = dnsq.make_query("www.corp.example.", "A", qid=i)
            s.sendto(q.to_wire(), (A.ZG, 53))
        answered = 0
        deadline = time.monotonic() + scaled(10)
        for s in socks:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data, _ = s.recvfrom(4096)
                if dns.message.from_wire(data).answer:
                    answered += 1
            except socket.timeout:
                pass
        assert answered == 200
    finally:
        for s in socks:
            s.close()
