# SPDX-License-Identifier: GPL-3.0-or-later
"""A long write to the state database (a 20,000-record zone import) does
not stop the secondary zones: while the import holds the write
transaction, NOTIFYs still start SOA checks, IXFRs are still received,
and one zone's transfer waiting to be stored does not hold up another
zone. What was received is stored and then served once the database is
free again (stored before served). Zone 1's primary is a real BIND 9;
zone 2's is the scripted primary, unsigned, on another address.

"While the import holds the write transaction" is observed, not timed:
the test opens the state file itself and tries BEGIN IMMEDIATE without
waiting, which SQLite refuses exactly while another connection holds a
write transaction. Both zones refresh hourly, so that nothing but the
import writes while the test looks.

Before the service's store thread, the service loop waited for the
store itself: zone 1's IXFR blocked it until the import ended, and zone
2's NOTIFY was not even looked at until then.
"""

import sqlite3
import subprocess

from zgtest import addrs
from zgtest.primary import (V1_RECORDS, V1_SERIAL, ZONE, ScriptedPrimary,
                            send_notify, zone_text)
from zgtest.util import scaled, wait_until

BIG = "big-import.example."
BIG_RECORDS = 20000
SECOND = "second-sec.example."
HOURLY = {"refresh": 3600, "retry": 3600, "expire": 7200}


def write_big_zone(path):
    lines = ["$TTL 300",
             "@ IN SOA ns1.%s h.%s 1 3600 600 86400 300" % (BIG, BIG),
             "@ IN NS ns1.%s" % BIG,
             "ns1 IN A 10.70.0.1"]
    lines += ["h%05d IN A 10.71.%d.%d" % (i, i // 250, i % 250)
              for i in range(BIG_RECORDS)]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def write_locked(state):
    """True while another connection holds a write transaction on the
    state file. Takes the write lock for an instant when it is free."""
    db = sqlite3.connect(state, timeout=0, isolation_level=None)
    try:
        db.execute("BEGIN IMMEDIATE")
        db.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            return True
        raise
    finally:
        db.close()


def second_primary():
    p = ScriptedPrimary(zone=SECOND, addr=addrs.OP1, key=False)
    p.add_version(V1_SERIAL, ["%s 300 IN NS ns.%s" % (SECOND, SECOND),
                              "ns.%s 300 IN A 192.0.2.53" % SECOND],
                  **HOURLY)
    p.add_version(V1_SERIAL + 1, ["%s 300 IN NS ns.%s" % (SECOND, SECOND),
                                  "ns.%s 300 IN A 192.0.2.53" % SECOND,
                                  "two.%s 300 IN A 10.80.0.2" % SECOND],
                  **HOURLY)
    return p.start()


def test_notify_and_ixfr_go_on_while_an_import_holds_the_store(
        zg, bind_pri, tmp_path):
    b = bind_pri(zone_text(V1_SERIAL, V1_RECORDS, **HOURLY))
    p2 = second_primary()
    try:
        run(zg, b, p2, tmp_path)
    finally:
        p2.stop()


def run(zg, b, p2, tmp_path):
    zg.create()
    second = zg.cli("secondary", "create", SECOND, "--primary",
                    addrs.OP1)["id"]
    zg.wait_serial(V1_SERIAL)
    wait_until(lambda: zg.cli("zone", "show", second)["sync"]["serial"] ==
               V1_SERIAL, 10, what="the second zone")
    path = str(tmp_path / "big.zone")
    write_big_zone(path)
    new = V1_SERIAL + 1

    mark = zg.log_mark()
    imp = subprocess.Popen(
        zg.cli.argv(["zone", "import", BIG, path, "--create"]),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        stdin=subprocess.DEVNULL)
    try:
        wait_until(lambda: write_locked(zg.z.state), 30,
                   interval=0.01,
                   what="the import to hold the write transaction")

        # Zone 1: BIND's NOTIFY, the SOA check and the IXFR, which then
        # waits for the store.
        b.nsupdate("update add during.%s 300 A 10.50.0.9" % ZONE)
        wait_until(lambda: "name=%s remote=%s:53: primary has serial %d,"
                   " newer than %d; starting IXFR"
                   % (ZONE, addrs.PRI, new, V1_SERIAL)
                   in zg.log_since(mark), 10, what="zone 1's SOA check")
        wait_until(lambda: "transfer of '%s/IN': IXFR ended"
                   % ZONE.rstrip(".") in b.log_text(), 10,
                   what="BIND to send zone 1's IXFR")
        # Zone 2 meanwhile: its NOTIFY and SOA check are not held up by
        # zone 1's transfer waiting for the store, nor is its IXFR.
        p2.set_serial(new)
        send_notify(SECOND, source=addrs.OP1, key=None, serial=new)
        wait_until(lambda: "name=%s remote=%s:53: primary has serial %d,"
                   " newer than %d; starting IXFR"
                   % (SECOND, addrs.OP1, new, V1_SERIAL)
                   in zg.log_since(mark), 10, what="zone 2's SOA check")
        assert write_locked(zg.z.state), \
            "zone 2's SOA check waited for the import to end"
        for zone, remote in ((ZONE, addrs.PRI), (SECOND, addrs.OP1)):
            wait_until(lambda: "name=%s remote=%s:53: IXFR received:"
                       " serial %d" % (zone, remote, new)
                       in zg.log_since(mark), 10,
                       what="the IXFR of %s to be received" % zone)
        assert write_locked(zg.z.state), \
            "the import ended before the test could see the zones go on"

        assert "IXFR done: zone published at serial %d" % new \
            not in zg.log_since(mark)
    finally:
        out, err = imp.communicate(timeout=scaled(600))
    assert imp.returncode == 0, err

    # Stored before served: both are published once the import let go.
    s = zg.wait_serial(new, timeout=30)
    assert s["records"] == len(V1_RECORDS) + 2
    wait_until(lambda: zg.cli("zone", "show", second)["sync"]["serial"] ==
               new, 30, what="zone 2 at its new serial")
    lines = zg.log_since(mark).splitlines()

    def at(zone, text):
        return [i for i, ln in enumerate(lines)
                if "name=%s " % zone in ln and text in ln][0]
    for zone in (ZONE, SECOND):
        assert at(zone, "IXFR received: serial %d" % new) < \
            at(zone, "IXFR done: zone published at serial %d" % new)
    assert zg.query("during." + ZONE).msg.answer[0][0].to_text() == \
        "10.50.0.9"
