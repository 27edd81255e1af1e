# SPDX-License-Identifier: GPL-3.0-or-later
"""A secondary zone is stored as a snapshot plus a journal of IXFR diffs
(issue 4), with a real BIND 9 as the primary: IXFRs append to the
journal and leave the snapshot alone, a restart replays the journal,
compaction past the threshold, and an AXFR-form reply empties it.

Sizes are those of the stored encoding (xfr_impl.h): a record is its
owner in wire form (RFC 1035 section 3.1), 8 octets of type, TTL and
RDLENGTH, and its RDATA; a snapshot starts with 4 octets, a diff with 12.
The apex onprem-sec.example. is 20 octets, so the SOA record of the
zone is 20 + 8 + (24 + 22 + 20) = 94, the NS 20 + 8 + 24 = 52, an A at
a 3-letter name 24 + 8 + 4 = 36, at keep. 37, at padNN. 38.
"""

import os
import sqlite3

import dns.rcode

from zgtest.primary import V1_RECORDS, V1_SERIAL, V2_RECORDS, ZONE, \
    zone_text
from zgtest.util import wait_until

SOA = 94
# SOA 94, NS 52, pri 36, old 36, keep 37, after the 4-octet magic.
V1_SNAPSHOT = 4 + SOA + 52 + 36 + 36 + 37
PAD = ["pad%02d.%s 300 IN A 10.60.0.%d" % (i, ZONE, i) for i in range(40)]


def addresses(reply):
    return sorted(rd.to_text() for rrset in reply.msg.answer for rd in rrset)


def rcode(zg, name, qtype="A"):
    return zg.query(name, qtype).msg.rcode()


def stored(zg):
    """The journal rows and the snapshot, read from the state file with a
    read-only connection while zonegated runs."""
    db = sqlite3.connect("file:%s?mode=ro" % zg.z.state, uri=True)
    try:
        rows = db.execute("SELECT seq, from_serial, to_serial, bytes"
                          " FROM xfr_journal WHERE zone_id = ?"
                          " ORDER BY seq", (zg.zone_id,)).fetchall()
        snapshot = db.execute("SELECT snapshot, snapshot_serial FROM"
                              " xfr_state WHERE zone_id = ?",
                              (zg.zone_id,)).fetchone()
    finally:
        db.close()
    return rows, snapshot


def refresh_to(zg, serial):
    zg.cli("secondary", "refresh", zg.zone_id)
    return zg.wait_serial(serial)


def test_ixfrs_go_to_the_journal_and_a_restart_replays_it(zg, bind_pri):
    b = bind_pri(zone_text(V1_SERIAL, V1_RECORDS + PAD), notify_to=())
    zg.create()
    s = zg.wait_serial(V1_SERIAL)
    # The first transfer is an AXFR: a snapshot, no journal.
    assert s["snapshot_serial"] == V1_SERIAL
    assert s["snapshot_bytes"] == V1_SNAPSHOT + 40 * 38
    assert s["journal_entries"] == 0 and s["journal_bytes"] == 0
    _, (snapshot_v1, _) = stored(zg)

    # Three changes, three IXFRs of one diff each.
    b.nsupdate("update delete old.%s A" % ZONE)
    refresh_to(zg, V1_SERIAL + 1)
    b.nsupdate("update add new.%s 300 A 10.50.0.2" % ZONE)
    refresh_to(zg, V1_SERIAL + 2)
    b.nsupdate("update add txt.%s 300 TXT \"three\"" % ZONE,
               "update delete keep.%s A" % ZONE,
               "update add keep.%s 300 A 10.50.0.4" % ZONE)
    mark = zg.log_mark()
    s = refresh_to(zg, V1_SERIAL + 3)
    assert "IXFR done: zone published at serial %d" % (V1_SERIAL + 3) \
        in zg.log_since(mark)

    # Diffs: 12 + SOA + old + SOA; 12 + SOA + SOA + new; 12 + SOA +
    # keep + SOA + txt (24 + 8 + 6) + keep.
    diffs = [12 + 2 * SOA + 36, 12 + 2 * SOA + 36,
             12 + 2 * SOA + 37 + 38 + 37]
    rows, (snapshot, snapshot_serial) = stored(zg)
    assert rows == [(1, V1_SERIAL, V1_SERIAL + 1, diffs[0]),
                    (2, V1_SERIAL + 1, V1_SERIAL + 2, diffs[1]),
                    (3, V1_SERIAL + 2, V1_SERIAL + 3, diffs[2])]
    assert snapshot == snapshot_v1 and snapshot_serial == V1_SERIAL
    assert s["journal_entries"] == 3 and s["journal_bytes"] == sum(diffs)
    assert s["snapshot_serial"] == V1_SERIAL
    assert s["serial"] == V1_SERIAL + 3 and s["records"] == 46

    # Without the primary, a restart serves the latest version at once:
    # the snapshot with the three diffs replayed; a crash the same.
    b.stop()
    for restart in (zg.z.restart, zg.z.restart_after_kill9):
        mark = zg.log_mark()
        restart()
        soa = zg.query(ZONE, "SOA")
        assert soa.msg.answer[0][0].serial == V1_SERIAL + 3
        assert rcode(zg, "old." + ZONE) == dns.rcode.NXDOMAIN
        assert addresses(zg.query("new." + ZONE)) == ["10.50.0.2"]
        assert addresses(zg.query("keep." + ZONE)) == ["10.50.0.4"]
        assert addresses(zg.query("pri." + ZONE)) == ["192.0.2.10"]
        assert addresses(zg.query("pad07." + ZONE)) == ["10.60.0.7"]
        assert addresses(zg.query("txt." + ZONE, "TXT")) == ['"three"']
        assert "snapshot at serial %d and 3 journal diffs" % V1_SERIAL \
            in zg.log_since(mark)
        s = zg.sync()
        assert s["state"] == "loaded" and s["serial"] == V1_SERIAL + 3
        assert s["journal_entries"] == 3


def test_journal_past_the_snapshot_size_is_compacted(zg, bind_pri):
    b = bind_pri(zone_text(V1_SERIAL, V1_RECORDS), notify_to=())
    zg.create()
    assert zg.wait_serial(V1_SERIAL)["snapshot_bytes"] == V1_SNAPSHOT

    # 236 journal bytes against a 259-byte snapshot: kept.
    b.nsupdate("update add new.%s 300 A 10.50.0.2" % ZONE)
    s = refresh_to(zg, V1_SERIAL + 1)
    assert s["journal_entries"] == 1
    assert s["journal_bytes"] == 12 + 2 * SOA + 36
    assert s["snapshot_serial"] == V1_SERIAL

    # 236 + 237 > 259: the snapshot is rewritten at the served version.
    mark = zg.log_mark()
    b.nsupdate("update add new2.%s 300 A 10.50.0.5" % ZONE)
    refresh_to(zg, V1_SERIAL + 2)
    def compacted():
        now = zg.sync()
        return now if now["journal_entries"] == 0 else None
    s = wait_until(compacted, 5, what="the journal to be compacted")
    assert s["snapshot_serial"] == V1_SERIAL + 2
    assert s["snapshot_bytes"] == V1_SNAPSHOT + 36 + 37
    assert s["journal_bytes"] == 0
    assert ("journal compacted: 2 diffs of 473 bytes replaced by a "
            "snapshot of %d bytes at serial %d"
            % (V1_SNAPSHOT + 73, V1_SERIAL + 2)) in zg.log_since(mark)
    rows, (_, snapshot_serial) = stored(zg)
    assert rows == [] and snapshot_serial == V1_SERIAL + 2

    # The compacted snapshot is what a restart serves.
    b.stop()
    zg.z.restart()
    assert zg.query(ZONE, "SOA").msg.answer[0][0].serial == V1_SERIAL + 2
    assert addresses(zg.query("new." + ZONE)) == ["10.50.0.2"]
    assert addresses(zg.query("new2." + ZONE)) == ["10.50.0.5"]


def test_axfr_form_reply_replaces_snapshot_and_journal(zg, bind_pri):
    b = bind_pri(zone_text(V1_SERIAL, V1_RECORDS), notify_to=())
    zg.create()
    zg.wait_serial(V1_SERIAL)
    b.nsupdate("update add new.%s 300 A 10.50.0.2" % ZONE)
    assert refresh_to(zg, V1_SERIAL + 1)["journal_entries"] == 1

    # BIND restarted on a new zone file without its journal cannot
    # answer an IXFR from our serial with diffs: it sends the whole zone
    # (RFC 1995 section 4).
    b.stop()
    os.remove(os.path.join(b.dir, ZONE.rstrip(".") + ".zone.jnl"))
    b.zones[ZONE.rstrip(".")] = zone_text(
        V1_SERIAL + 10, V2_RECORDS + ["axfr.%s 300 IN A 10.50.0.9" % ZONE])
    b.start()
    mark = zg.log_mark()
    s = refresh_to(zg, V1_SERIAL + 10)
    assert "IXFR (answered in AXFR form) done" in zg.log_since(mark)
    # SOA, NS, pri, keep, new, axfr (25 + 8 + 4).
    assert s["snapshot_bytes"] == 4 + SOA + 52 + 36 + 37 + 36 + 37
    assert s["snapshot_serial"] == V1_SERIAL + 10
    assert s["journal_entries"] == 0 and s["journal_bytes"] == 0
    rows, (_, snapshot_serial) = stored(zg)
    assert rows == [] and snapshot_serial == V1_SERIAL + 10
    assert rcode(zg, "old." + ZONE) == dns.rcode.NXDOMAIN
    assert addresses(zg.query("axfr." + ZONE)) == ["10.50.0.9"]


def test_damaged_journal_serves_the_snapshot_and_refreshes(zg, bind_pri):
    b = bind_pri(zone_text(V1_SERIAL, V1_RECORDS + PAD), notify_to=())
    zg.create()
    zg.wait_serial(V1_SERIAL)
    b.nsupdate("update add new.%s 300 A 10.50.0.2" % ZONE)
    refresh_to(zg, V1_SERIAL + 1)
    b.nsupdate("update add new2.%s 300 A 10.50.0.5" % ZONE)
    assert refresh_to(zg, V1_SERIAL + 2)["journal_entries"] == 2

    # The second diff is damaged while zonegated is down; the primary
    # is away too, so that the older version stays in service.
    assert zg.z.stop() == 0
    b.stop()
    db = sqlite3.connect(zg.z.state)
    with db:
        db.execute("UPDATE xfr_journal SET diff = x'5a474a3100'"
                   " WHERE zone_id = ? AND seq = 2", (zg.zone_id,))
    db.close()
    mark = zg.log_mark()
    zg.z.start()
    log = zg.log_since(mark)
    assert ("warning xfr zone_id=%s name=%s: the stored journal cannot be"
            " replayed (journal entry 2: " % (zg.zone_id, ZONE)) in log, log
    assert "serving the snapshot at serial %d instead of %d" \
        % (V1_SERIAL, V1_SERIAL + 2) in log
    assert zg.query(ZONE, "SOA").msg.answer[0][0].serial == V1_SERIAL
    assert rcode(zg, "new." + ZONE) == dns.rcode.NXDOMAIN
    s = zg.sync()
    assert s["state"] == "loaded" and s["serial"] == V1_SERIAL
    assert s["journal_entries"] == 0
    assert stored(zg)[0] == []

    # With the primary back, an IXFR from the snapshot's serial brings
    # the zone up to date and starts a new journal.
    b.start()
    s = refresh_to(zg, V1_SERIAL + 2)
    assert s["journal_entries"] == 2 and s["snapshot_serial"] == V1_SERIAL
    assert addresses(zg.query("new2." + ZONE)) == ["10.50.0.5"]
