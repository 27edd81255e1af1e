# SPDX-License-Identifier: GPL-3.0-or-later
"""Expire, restarts and crashes: the refresh and expire timers are kept
with the stored snapshot and journal (RFC 1034 section 4.3.5)."""

import time

import dns.rcode

from zgtest.check import ede_list
from zgtest.primary import (V1_RECORDS, V1_SERIAL, V2_RECORDS, V2_SERIAL,
                            ZONE, ScriptedPrimary, send_notify)
from zgtest.util import scaled, wait_until

SHORT = {"refresh": 2, "retry": 1, "expire": 5}


def servfail_ede14(zg):
    r = zg.query("keep." + ZONE)
    return r.msg.rcode() == dns.rcode.SERVFAIL and \
        [c for c, _ in ede_list(r.msg)] == [14]


def test_expired_zone_answers_servfail_ede14_then_recovers(zg, scripted):
    p = scripted(timers=SHORT)
    zg.create()
    zg.wait_serial(V1_SERIAL)
    loaded = time.monotonic()
    p.stop()

    # Served until expire (5 s after the last success), then SERVFAIL.
    assert zg.query("keep." + ZONE).msg.rcode() == dns.rcode.NOERROR
    wait_until(lambda: servfail_ede14(zg), 10, what="the zone to expire")
    # expire is 5 s; whole-second timestamps may take up to 1 s off.
    assert time.monotonic() - loaded >= 3.5
    assert zg.sync()["state"] == "expired"

    # The primary comes back: the next retry loads the zone again.
    back = ScriptedPrimary().add_version(V1_SERIAL, V1_RECORDS, **SHORT)
    back.start()
    try:
        wait_until(lambda: zg.query("keep." + ZONE).msg.rcode() ==
                   dns.rcode.NOERROR, 10, what="the zone to come back")
        assert zg.sync()["state"] == "loaded"
    finally:
        back.stop()


def test_restart_serves_the_stored_zone_at_once(zg, scripted):
    p = scripted()
    zg.create()
    zg.wait_serial(V1_SERIAL)
    p.stop()
    zg.z.restart()
    r = zg.query("keep." + ZONE)
    assert r.msg.rcode() == dns.rcode.NOERROR
    s = zg.sync()
    assert s["state"] == "loaded" and s["serial"] == V1_SERIAL


def test_zone_that_expired_while_down_is_servfail(zg, scripted):
    p = scripted(timers=SHORT)
    zg.create()
    zg.wait_serial(V1_SERIAL)
    p.stop()
    assert zg.z.stop() == 0
    time.sleep(6)
    zg.z.start()
    assert servfail_ede14(zg)
    assert zg.sync()["state"] == "expired"


def test_kill9_during_a_transfer_keeps_the_old_zone(zg, scripted):
    p = scripted(v2=True)
    zg.create()
    zg.wait_serial(V1_SERIAL)
    p.stall = True
    p.ixfr_mode = "axfr-style"
    p.set_serial(V2_SERIAL)
    start = time.monotonic()
    send_notify()
    wait_until(lambda: [q for q in p.queries("IXFR") if q.when >= start],
               5, what="the IXFR to start")
    time.sleep(scaled(0.3))
    zg.z.restart_after_kill9()

    r = zg.query("old." + ZONE)
    assert r.msg.rcode() == dns.rcode.NOERROR
    assert zg.sync()["serial"] == V1_SERIAL
    assert zg.query(ZONE, "SOA").msg.answer[0][0].serial == V1_SERIAL

    # The primary recovers: the next check completes the transfer.
    p.stall = False
    zg.cli("secondary", "refresh", zg.zone_id)
    zg.wait_serial(V2_SERIAL)
    assert zg.query("old." + ZONE).msg.rcode() == dns.rcode.NXDOMAIN


def test_kill9_during_an_ixfr_keeps_snapshot_and_journal(zg):
    # V1 by AXFR (the snapshot), V2 by IXFR (one journal diff), then a
    # crash while the IXFR to V3 is half received. Forty more records
    # keep the diffs below the snapshot's size (no compaction).
    pad = ["pad%02d.%s 300 IN A 10.60.0.%d" % (i, ZONE, i)
           for i in range(40)]
    v3 = V2_SERIAL + 1
    p = ScriptedPrimary()
    p.add_version(V1_SERIAL, V1_RECORDS + pad)
    p.add_version(V2_SERIAL, V2_RECORDS + pad)
    p.add_version(v3, V2_RECORDS + pad +
                  ["third.%s 300 IN A 10.50.0.7" % ZONE])
    p.start()
    try:
        crash_during_ixfr(zg, p, v3)
    finally:
        p.stop()


def crash_during_ixfr(zg, p, v3):
    zg.create()
    zg.wait_serial(V1_SERIAL)
    p.set_serial(V2_SERIAL)
    send_notify()
    s = zg.wait_serial(V2_SERIAL)
    assert s["snapshot_serial"] == V1_SERIAL and s["journal_entries"] == 1

    p.stall = True
    p.set_serial(v3)
    start = time.monotonic()
    send_notify()
    wait_until(lambda: [q for q in p.queries("IXFR")
                        if q.when >= start and q.client_serial == V2_SERIAL],
               5, what="the IXFR from V2 to start")
    time.sleep(scaled(0.3))
    zg.z.restart_after_kill9()

    # The snapshot with its journal: V2, served at once.
    assert zg.query(ZONE, "SOA").msg.answer[0][0].serial == V2_SERIAL
    assert zg.query("old." + ZONE).msg.rcode() == dns.rcode.NXDOMAIN
    assert zg.query("new." + ZONE).msg.answer[0][0].to_text() == \
        "10.50.0.2"
    assert zg.query("third." + ZONE).msg.rcode() == dns.rcode.NXDOMAIN
    s = zg.sync()
    assert s["serial"] == V2_SERIAL and s["snapshot_serial"] == V1_SERIAL
    assert s["journal_entries"] == 1

    # The primary recovers: the IXFR to V3 is a second diff, and a crash
    # after it restarts on V3.
    p.stall = False
    zg.cli("secondary", "refresh", zg.zone_id)
    s = zg.wait_serial(v3)
    assert s["journal_entries"] == 2 and s["snapshot_serial"] == V1_SERIAL
    zg.z.restart_after_kill9()
    assert zg.query(ZONE, "SOA").msg.answer[0][0].serial == v3
    assert zg.query("third." + ZONE).msg.answer[0][0].to_text() == \
        "10.50.0.7"
