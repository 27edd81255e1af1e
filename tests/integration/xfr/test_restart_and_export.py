# SPDX-License-Identifier: GPL-3.0-or-later
"""After a restart a secondary zone serves its stored version and checks
its primary at once, as BIND does at start, instead of waiting for the
refresh time it stored; and `zone export` dumps what a secondary zone
serves. The primary is a real BIND 9."""

import dns.zone

from zgtest.primary import V1_RECORDS, V1_SERIAL, ZONE, zone_text


def test_restart_serves_the_stored_version_then_checks_at_once(zg,
                                                                bind_pri):
    # refresh 3600 and retry 3600: only a check at start brings V1+1 in.
    b = bind_pri(zone_text(V1_SERIAL, V1_RECORDS, refresh=3600, retry=3600,
                           expire=7200), notify_to=())
    zg.create()
    zg.wait_serial(V1_SERIAL)
    assert zg.z.stop() == 0
    b.nsupdate("update add later.%s 300 A 10.50.0.8" % ZONE)

    mark = zg.log_mark()
    zg.z.start()
    s = zg.wait_serial(V1_SERIAL + 1, timeout=10)
    assert s["records"] == 6
    log = zg.log_since(mark)
    served = log.index("serving the stored version at serial %d"
                       % V1_SERIAL)
    checked = log.index("primary has serial %d, newer than %d; starting"
                        " IXFR" % (V1_SERIAL + 1, V1_SERIAL))
    assert served < checked
    assert log.index("IXFR done: zone published at serial %d"
                     % (V1_SERIAL + 1)) > checked
    assert zg.query("later." + ZONE).msg.answer[0][0].to_text() == \
        "10.50.0.8"


# Forty more records keep the journal below the snapshot's size (no
# compaction), as in test_journal.py.
PAD = ["pad%02d.%s 300 IN A 10.60.0.%d" % (i, ZONE, i) for i in range(40)]


def test_export_of_a_secondary_zone_is_what_it_serves(zg, bind_pri):
    b = bind_pri(zone_text(V1_SERIAL, V1_RECORDS + PAD), notify_to=())
    zg.create()
    zg.wait_serial(V1_SERIAL)
    # One IXFR, so that the export replays the journal too.
    b.nsupdate("update delete old.%s A" % ZONE,
               "update add new.%s 300 A 10.50.0.2" % ZONE)
    zg.cli("secondary", "refresh", zg.zone_id)
    assert zg.wait_serial(V1_SERIAL + 1)["journal_entries"] == 1

    out = zg.cli("zone", "export", zg.zone_id)
    assert out["zone"] == zg.zone_id and out["name"] == ZONE
    assert out["serial"] == V1_SERIAL + 1
    z = dns.zone.from_text(out["text"], origin=ZONE, relativize=False)
    got = sorted(z.to_text(relativize=False).splitlines())
    assert got == sorted([
        "%s 300 IN SOA pri.%s h.%s %d 60 30 120 60"
        % (ZONE, ZONE, ZONE, V1_SERIAL + 1),
        "%s 300 IN NS pri.%s" % (ZONE, ZONE),
        "keep.%s 300 IN A 10.50.0.3" % ZONE,
        "new.%s 300 IN A 10.50.0.2" % ZONE,
        "pri.%s 300 IN A 192.0.2.10" % ZONE,
    ] + PAD)
    # Read-only: importing into it is still refused.
    path = zg.z.dir + "/in.zone"
    with open(path, "w") as f:
        f.write(out["text"])
    rc, err = zg.cli.fails("zone", "import", zg.zone_id, path)
    assert "secondary" in err


def test_export_of_a_secondary_zone_before_its_first_transfer_is_409(zg):
    # No primary answers: nothing was transferred.
    zg.create(primaries=("192.0.2.99",), key=False)
    r = zg.z.api.get("/v1/zones/%s/export" % zg.zone_id)
    assert r.status == 409, r.body
    assert r.body["error"]["message"] == (
        "%s (%s) is a secondary zone that has not been transferred yet;"
        " there is nothing to export" % (zg.zone_id, ZONE))
