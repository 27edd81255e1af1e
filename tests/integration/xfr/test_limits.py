# SPDX-License-Identifier: GPL-3.0-or-later
"""Limits: an oversized transfer, or one that would make the zone larger
than its limits, is refused and the previous version stays served
(issue 4, item 1)."""

import time

import dns.rcode

from zgtest.primary import V1_SERIAL, V2_RECORDS, V2_SERIAL, ZONE, send_notify
from zgtest.util import wait_until

BIG = V2_RECORDS + ["h%d.%s 300 IN A 10.60.%d.%d" % (i, ZONE, i // 200,
                                                     i % 200)
                    for i in range(300)]


def refused_transfer(zg, scripted, extra):
    p = scripted()
    p.add_version(V2_SERIAL, BIG)
    zg.create(extra=extra)
    zg.wait_serial(V1_SERIAL)
    p.set_serial(V2_SERIAL)
    start = time.monotonic()
    send_notify()
    wait_until(lambda: [q for q in p.queries("IXFR") if q.when >= start],
               5, what="the IXFR")
    wait_until(lambda: zg.sync()["last_error"], 5, what="the refusal")
    s = zg.sync()
    assert s["serial"] == V1_SERIAL
    assert zg.query("old." + ZONE).msg.rcode() == dns.rcode.NOERROR
    assert zg.query("h1." + ZONE).msg.rcode() == dns.rcode.NXDOMAIN
    return s


def test_transfer_over_the_record_limit_is_refused(zg, scripted):
    # The IXFR's diff adds 300 records to V2's 5: the zone it would
    # make is what max_records bounds.
    s = refused_transfer(zg, scripted, ["--max-records", "100"])
    assert s["last_error"] == (
        "IXFR from 192.0.2.10:53: the zone would have 305 records at"
        " serial %d, more than max_records 100; serial %d stays served"
        % (V2_SERIAL, V1_SERIAL))


def test_axfr_over_the_record_limit_is_refused_while_it_arrives(
        zg, scripted):
    p = scripted()
    p.add_version(V2_SERIAL, BIG)
    p.ixfr_mode = "axfr-style"
    zg.create(extra=["--max-records", "100"])
    zg.wait_serial(V1_SERIAL)
    p.set_serial(V2_SERIAL)
    send_notify()
    wait_until(lambda: zg.sync()["last_error"], 5, what="the refusal")
    assert zg.sync()["last_error"] == (
        "IXFR from 192.0.2.10:53: the transfer has more than 100 records")
    assert zg.sync()["serial"] == V1_SERIAL


def test_transfer_over_the_byte_limit_is_refused(zg, scripted):
    s = refused_transfer(zg, scripted, ["--max-bytes", "2000"])
    assert "larger than 2000 bytes" in s["last_error"]


def test_raised_limit_lets_the_transfer_in(zg, scripted):
    refused_transfer(zg, scripted, ["--max-records", "100"])
    zg.cli("secondary", "update", zg.zone_id, "--max-records", "1000")
    zg.cli("secondary", "refresh", zg.zone_id)
    zg.wait_serial(V2_SERIAL)
    assert zg.query("h1." + ZONE).msg.rcode() == dns.rcode.NOERROR
