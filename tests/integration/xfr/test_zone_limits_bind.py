# SPDX-License-Identifier: GPL-3.0-or-later
"""max_records and max_bytes bound the zone, not one transfer: an IXFR
from a real BIND 9 that takes the zone past a limit is refused, the held
version stays served, last_error names the limit with the numbers, and
primary_serial shows the serial the SOA check saw (BIND's max-records,
Knot's zone-max-size).

Zone sizes in bytes are those of the stored encoding (xfr_impl.h), as
in test_journal.py: a record is its owner in wire form, 8 octets of
type, TTL and RDLENGTH, and its RDATA; a snapshot starts with 4 octets.
V1 is 4 + SOA 94 + NS 52 + pri 36 + old 36 + keep 37 = 259 octets, each
padNN A record 38 more.
"""

import dns.rcode

from zgtest import addrs
from zgtest.primary import V1_RECORDS, V1_SERIAL, ZONE, zone_text
from zgtest.util import wait_until

PAD = ["pad%02d.%s 300 IN A 10.60.0.%d" % (i, ZONE, i) for i in range(16)]
V1_BYTES = 259 + 16 * 38
# big.onprem-sec.example. is 24 octets in wire form; a TXT of one
# 150-character string has 151 octets of RDATA.
BIG_TXT = "x" * 150
BIG_BYTES = 24 + 8 + 151
PRI_PORT_TEXT = addrs.PRI + ":53"


def error_line(zg, mark, text):
    """The log line holding text, which must name the zone."""
    lines = [ln for ln in zg.log_since(mark).splitlines() if text in ln]
    assert lines, "no log line with %r" % text
    assert "name=%s" % ZONE in lines[0]
    return lines[0]


def refused(zg):
    return wait_until(lambda: zg.sync()["last_error"] and zg.sync(), 10,
                      what="the refusal")


def test_ixfr_past_max_records_is_refused_and_the_old_version_stays(
        zg, bind_pri):
    b = bind_pri(zone_text(V1_SERIAL, V1_RECORDS), notify_to=())
    zg.create(extra=["--max-records", "6"])
    assert zg.wait_serial(V1_SERIAL)["records"] == 5

    mark = zg.log_mark()
    b.nsupdate("update add a1.%s 300 A 10.50.1.1" % ZONE,
               "update add a2.%s 300 A 10.50.1.2" % ZONE)
    zg.cli("secondary", "refresh", zg.zone_id)
    s = refused(zg)
    why = ("IXFR from %s: the zone would have 7 records at serial %d, more"
           " than max_records 6; serial %d stays served"
           % (PRI_PORT_TEXT, V1_SERIAL + 1, V1_SERIAL))
    assert s["last_error"] == why
    assert s["serial"] == V1_SERIAL and s["records"] == 5
    assert s["state"] == "loaded"
    # The SOA check saw the primary's serial: the lag is visible.
    assert s["primary_serial"] == V1_SERIAL + 1
    assert zg.query("a1." + ZONE).msg.rcode() == dns.rcode.NXDOMAIN
    assert zg.query(ZONE, "SOA").msg.answer[0][0].serial == V1_SERIAL
    error_line(zg, mark, "the zone would have 7 records")

    # Raising the limit starts an SOA check at once: no refresh asked,
    # and SOA retry (30 s) is far away.
    zg.cli("secondary", "update", zg.zone_id, "--max-records", "7")
    s = zg.wait_serial(V1_SERIAL + 1, timeout=10)
    assert s["records"] == 7 and s["last_error"] is None
    assert s["primary_serial"] == V1_SERIAL + 1


def test_lowering_max_records_below_the_zone_refuses_the_next_transfer(
        zg, bind_pri):
    b = bind_pri(zone_text(V1_SERIAL, V1_RECORDS), notify_to=())
    zg.create()
    zg.wait_serial(V1_SERIAL)

    # Accepted, with a warning: the zone has 5 records.
    r = zg.z.api.patch("/v1/zones/%s" % zg.zone_id, {"max_records": 3})
    assert r.status == 200, r.body
    assert r.body["max_records"] == 3
    assert r.body["warning"] == (
        "the zone holds 5 records, more than max_records 3: its next"
        " transfer is refused until the limit is raised")
    # The SOA check the change started finds the zone current: nothing
    # is transferred, so nothing is refused yet.
    wait_until(lambda: zg.sync()["last_success"] is not None, 5)

    b.nsupdate("update delete old.%s A" % ZONE)
    zg.cli("secondary", "refresh", zg.zone_id)
    s = refused(zg)
    assert s["last_error"] == (
        "IXFR from %s: the zone would have 4 records at serial %d, more"
        " than max_records 3; serial %d stays served"
        % (PRI_PORT_TEXT, V1_SERIAL + 1, V1_SERIAL))
    assert s["serial"] == V1_SERIAL
    assert s["primary_serial"] == V1_SERIAL + 1


def test_ixfr_past_max_bytes_is_refused(zg, bind_pri):
    b = bind_pri(zone_text(V1_SERIAL, V1_RECORDS + PAD), notify_to=())
    # The AXFR of V1 (about 620 message octets, 867 stored) fits.
    zg.create(extra=["--max-bytes", "1000"])
    s = zg.wait_serial(V1_SERIAL)
    assert s["snapshot_bytes"] == V1_BYTES == 867

    mark = zg.log_mark()
    b.nsupdate('update add big.%s 300 TXT "%s"' % (ZONE, BIG_TXT))
    zg.cli("secondary", "refresh", zg.zone_id)
    s = refused(zg)
    # The IXFR's messages are far below 1000 octets; the zone is not.
    assert s["last_error"] == (
        "IXFR from %s: the zone would take %d bytes at serial %d (counted"
        " as stored), more than max_bytes 1000; serial %d stays served"
        % (PRI_PORT_TEXT, V1_BYTES + BIG_BYTES, V1_SERIAL + 1, V1_SERIAL))
    assert V1_BYTES + BIG_BYTES == 1050
    assert s["serial"] == V1_SERIAL
    assert s["primary_serial"] == V1_SERIAL + 1
    assert zg.query("big." + ZONE, "TXT").msg.rcode() == dns.rcode.NXDOMAIN
    error_line(zg, mark, "the zone would take 1050 bytes")


def test_zero_and_too_small_limits_are_refused_naming_the_field(zg):
    for body, field, message in (
            ({"max_records": 0}, "max_records",
             "max_records must be an integer from 1 to 100000000"),
            ({"max_bytes": 0}, "max_bytes",
             "max_bytes must be an integer from 512 to 17179869184"),
            ({"max_bytes": 511}, "max_bytes",
             "max_bytes must be an integer from 512 to 17179869184"),
            ({"max_records": -1}, "max_records",
             "max_records must be an integer from 1 to 100000000")):
        r = zg.z.api.post("/v1/zones", dict(
            {"name": ZONE, "kind": "secondary",
             "primaries": ["192.0.2.10"]}, **body))
        assert r.status == 400, r.body
        assert r.body["error"]["field"] == field
        assert r.body["error"]["message"] == message
    assert zg.cli("zone", "list")["items"] == []
