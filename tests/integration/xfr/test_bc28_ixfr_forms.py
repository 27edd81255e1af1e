# SPDX-License-Identifier: GPL-3.0-or-later
"""BC-28: the three IXFR reply forms a BIND primary really sends.

zonegate holds V1 (serial 2026120401); the primary moves to V2 and sends
a signed NOTIFY. Its reply to zonegate's IXFR is (a) incremental, (b) in
AXFR form, (c) a single SOA. RFC 1995 sections 2 and 4, RFC 5936,
RFC 1996 sections 3-4.
"""

import time

import dns.flags
import dns.rcode

from zgtest.check import ede_list
from zgtest.primary import (V1_SERIAL, V2_SERIAL, ZONE, question_hex,
                            send_notify)
from zgtest.util import scaled, wait_until


def load_v1(zg, scripted):
    p = scripted(v2=True)
    zg.create()
    zg.wait_serial(V1_SERIAL)
    return p


def notify_and_check_reply(zg):
    r = send_notify()
    assert r.rcode == dns.rcode.NOERROR
    assert r.opcode == 4 and r.qr and r.aa
    assert r.question == question_hex()
    assert r.verified, "NOTIFY response not signed with xfr-key."
    return r


def assert_v2_served(zg):
    r = zg.query("new." + ZONE)
    assert r.msg.rcode() == dns.rcode.NOERROR
    assert r.msg.flags & dns.flags.AA
    assert [rd.to_text() for rrset in r.msg.answer for rd in rrset] == \
        ["10.50.0.2"]
    r = zg.query("old." + ZONE)
    assert r.msg.rcode() == dns.rcode.NXDOMAIN
    assert r.msg.flags & dns.flags.AA
    soa = r.msg.authority[0]
    assert soa[0].serial == V2_SERIAL
    assert soa.ttl == 60
    r = zg.query("keep." + ZONE)
    assert [rd.to_text() for rrset in r.msg.answer for rd in rrset] == \
        ["10.50.0.3"]


def assert_signed_tcp_ixfr(p, since):
    soa = [q for q in p.queries("SOA") if q.when >= since]
    ixfr = [q for q in p.queries("IXFR") if q.when >= since]
    assert soa and all(q.signed for q in soa)
    assert ixfr and all(q.signed and q.transport == "tcp" for q in ixfr)
    assert ixfr[0].client_serial == V1_SERIAL


def test_bc28a_incremental_reply(zg, scripted):
    p = load_v1(zg, scripted)
    p.ixfr_mode = "incremental"
    p.set_serial(V2_SERIAL)
    start = time.monotonic()
    notify_and_check_reply(zg)
    zg.wait_serial(V2_SERIAL, timeout=5)
    assert_v2_served(zg)
    assert_signed_tcp_ixfr(p, start)
    assert "IXFR done" in zg.z.log_text()


def test_bc28b_axfr_style_reply_replaces_the_zone(zg, scripted):
    p = load_v1(zg, scripted)
    p.ixfr_mode = "axfr-style"
    p.set_serial(V2_SERIAL)
    start = time.monotonic()
    notify_and_check_reply(zg)
    zg.wait_serial(V2_SERIAL, timeout=5)
    assert_v2_served(zg)
    assert_signed_tcp_ixfr(p, start)
    assert "IXFR (answered in AXFR form) done" in zg.z.log_text()
    assert zg.sync()["records"] == 5


def test_bc28c_single_soa_closes_at_once(zg, scripted):
    p = load_v1(zg, scripted)
    # The SOA probe shows V2 (so an IXFR is sent) but the server that
    # answers the IXFR is still on V1: a single SOA comes back.
    p.soa_serial = V2_SERIAL
    mark = zg.log_mark()
    start = time.monotonic()
    notify_and_check_reply(zg)
    wait_until(lambda: p.closed, 5, what="zonegate to close the IXFR")
    sent, closed = p.closed[0]
    assert closed - sent <= scaled(1.0), \
        "connection closed %.2fs after the single SOA" % (closed - sent)
    assert [q for q in p.queries("IXFR") if q.when >= start]
    assert not [q for q in p.queries("AXFR") if q.when >= start]
    assert zg.sync()["serial"] == V1_SERIAL
    r = zg.query(ZONE, "SOA")
    assert r.msg.answer[0][0].serial == V1_SERIAL
    log = zg.log_since(mark)
    assert "failed" not in log, log
    assert not ede_list(r.msg)
    assert r.msg.rcode() == dns.rcode.NOERROR
