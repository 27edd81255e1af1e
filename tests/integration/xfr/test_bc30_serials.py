# SPDX-License-Identifier: GPL-3.0-or-later
"""BC-30: serial number arithmetic (RFC 1982 sections 3.1-3.2, RFC 1034
section 4.3.5, RFC 1996 section 3).

zonegate holds the zone at serial L; the primary moves to P and sends a
NOTIFY; a transfer happens only when P is greater than L on the 32-bit
circle.
"""

import time

import dns.rcode
import pytest

from zgtest.primary import V1_RECORDS, V2_RECORDS, ZONE, send_notify
from zgtest.util import scaled

ROWS = {
    # row: (L, P, transferred)
    "a": (4000000000, 1158658354, True),
    "b": (4294967295, 0, True),
    "c": (1, 2147483649, False),
    "d": (2026120402, 2026120401, False),
    "e": (2026120401, 2026120401, False),
}


@pytest.mark.parametrize("row", sorted(ROWS))
def test_bc30_serial_rows(zg, scripted, row):
    low, primary, transferred = ROWS[row]
    p = scripted()
    p.versions.clear()
    p.add_version(low, V1_RECORDS)
    p.set_serial(low)
    if primary != low:
        p.add_version(primary, V2_RECORDS)
    zg.create()
    zg.wait_serial(low)

    p.set_serial(primary)
    mark = zg.log_mark()
    start = time.monotonic()
    r = send_notify(serial=primary)
    assert r.rcode == dns.rcode.NOERROR

    if transferred:
        zg.wait_serial(primary, timeout=5)
        soa = zg.query(ZONE, "SOA").msg.answer[0][0]
        assert soa.serial == primary
        return

    # No transfer: the SOA probe is all that happens.
    deadline = time.monotonic() + scaled(5)
    while time.monotonic() < deadline and \
            not [q for q in p.queries("SOA") if q.when >= start]:
        time.sleep(0.05)
    assert [q for q in p.queries("SOA") if q.when >= start], \
        "no SOA probe after the NOTIFY"
    time.sleep(scaled(1))
    after = [q for q in p.log if q.when >= start]
    assert not [q for q in after if q.qtype in ("IXFR", "AXFR")], after
    assert zg.sync()["serial"] == low
    assert zg.query(ZONE, "SOA").msg.answer[0][0].serial == low
    log = zg.log_since(mark)
    if row == "c":
        assert "undefined (RFC 1982)" in log, log
    if row == "e":
        assert "is current at serial %d" % low in log, log
