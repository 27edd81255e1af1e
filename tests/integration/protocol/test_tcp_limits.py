# SPDX-License-Identifier: GPL-3.0-or-later
"""DNS over TCP against slow and greedy clients (RFC 7766 section 6.2):
one client address holds at most --tcp-max-per-client connections per
worker (default 16); a query must arrive whole within 5 s of its first
byte, however the bytes trickle in; a client in no VPC gets its REFUSED
answer and then the connection closes. Legitimate TCP clients are never
locked out."""

import socket
import struct
import time

import dns.message
import dns.rcode
import pytest

from zgtest import addrs as A, dnsq
from zgtest.check import expect
from zgtest.cli import Cli
from zgtest.daemon import Zonegated
from zgtest.topo import Topo
from zgtest.util import scaled


def corp_world(cli, api):
    topo = Topo(cli, api)
    topo.baseline(upstream=False)
    topo.make_zone("corp.example.", ["www.corp.example. 300 A 10.1.2.3"],
                   vpcs=("a", "b"))
    return topo


@pytest.fixture
def corp(cli, api):
    return corp_world(cli, api)


def connect(source, timeout=5):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((source, 0))
    s.settimeout(scaled(timeout))
    s.connect((A.ZG, 53))
    return s


def closed_by_server(s, wait):
    """True when the server closes (EOF or reset) within wait seconds."""
    s.settimeout(wait)
    try:
        return s.recv(100) == b""
    except socket.timeout:
        return False
    except OSError:
        return True


def framed(qname):
    w = dnsq.make_query(qname, "A").to_wire()
    return struct.pack("!H", len(w)) + w


def read_answer(s, deadline):
    (n,) = struct.unpack("!H", dnsq.recv_exact(s, 2, deadline))
    return dns.message.from_wire(dnsq.recv_exact(s, n, deadline))


def test_slowloris_from_no_vpc_does_not_lock_out_vpc_clients(corp, query):
    """The tester's attack: 600 connections from an address in no VPC,
    one byte each (two workers hold 2 x 256 connections at most)."""
    socks = []
    try:
        for _ in range(600):
            try:
                s = connect(A.CLIENT_NOVPC)
                s.send(b"\x00")
                socks.append(s)
            except OSError:
                break
        time.sleep(0.5)
        for tcp in (True, False):
            expect(query("www.corp.example.", tcp=tcp), aa=True,
                   answer=["www.corp.example. 300 A 10.1.2.3"])
        # 16 per address per worker stay open; the rest were closed.
        still_open = sum(not closed_by_server(s, 0.01) for s in socks)
        assert still_open <= 2 * 16, still_open
    finally:
        for s in socks:
            s.close()


@pytest.fixture
def one_worker(tmp_path, attach):
    z = Zonegated(tmp_path / "zg", workers=1,
                  extra_args=["--tcp-max-per-client", "4"])
    attach("zonegated log", lambda: z.log_tail(200))
    z.start()
    corp_world(Cli(z.sock), z.api)
    yield z
    assert z.stop() == 0


def test_connections_per_client_address_are_limited(one_worker):
    socks = [connect(A.CLIENT_A) for _ in range(10)]
    try:
        for s in socks:
            s.send(b"\x00")
        closed = [closed_by_server(s, 0.5) for s in socks]
        assert closed.count(False) == 4, closed
        # Another address still gets in, and the held ones still work
        # once they finish their query.
        r = dnsq.query(A.ZG, "www.corp.example.", source=A.CLIENT_B,
                       tcp=True)
        expect(r, aa=True, answer=["www.corp.example. 300 A 10.1.2.3"])
        held = socks[closed.index(False)]
        held.settimeout(scaled(5))
        held.sendall(framed("www.corp.example.")[1:])
        m = read_answer(held, time.monotonic() + scaled(5))
        assert m.answer, m
    finally:
        for s in socks:
            s.close()


def test_query_trickling_in_is_cut_off_after_5_s(corp):
    data = framed("www.corp.example.")
    s = connect(A.CLIENT_A)
    try:
        start = time.monotonic()
        for b in data:
            try:
                s.send(bytes([b]))
            except OSError:
                break
            if closed_by_server(s, 1.0):
                break
        elapsed = time.monotonic() - start
        assert closed_by_server(s, 0.1), "still open after %.1f s" % elapsed
        # Each byte resets the 10 s idle timer; the message deadline
        # is what ends it.
        assert 4.5 <= elapsed <= scaled(7.5), elapsed
    finally:
        s.close()


def test_slow_but_whole_query_within_5_s_is_answered(corp):
    data = framed("www.corp.example.")
    s = connect(A.CLIENT_A)
    try:
        for part in (data[:1], data[1:10], data[10:]):
            s.sendall(part)
            time.sleep(1)
        m = read_answer(s, time.monotonic() + scaled(5))
        assert m.answer, m
        # The next query starts its own deadline.
        time.sleep(3)
        s.sendall(data)
        assert read_answer(s, time.monotonic() + scaled(5)).answer
    finally:
        s.close()


def test_no_vpc_client_gets_refused_then_the_connection_closes(corp):
    s = connect(A.CLIENT_NOVPC)
    try:
        s.sendall(framed("www.corp.example.") + framed("www.corp.example."))
        m = read_answer(s, time.monotonic() + scaled(5))
        assert m.rcode() == dns.rcode.REFUSED, m
        # EDE 18, Prohibited (resolution.md section 6).
        assert [o.code for o in m.options] == [18], m
        assert closed_by_server(s, scaled(2))
    finally:
        s.close()


def test_vpc_client_keeps_its_connection(corp):
    s = connect(A.CLIENT_A)
    try:
        deadline = time.monotonic() + scaled(8)
        for _ in range(3):
            s.sendall(framed("www.corp.example."))
            assert read_answer(s, deadline).answer
        assert not closed_by_server(s, 0.3)
    finally:
        s.close()
