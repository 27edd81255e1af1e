# SPDX-License-Identifier: GPL-3.0-or-later
"""A real BIND 9 as the on-premises primary (issue 4): the first AXFR,
IXFR after several nsupdate changes, its NOTIFY triggering a refresh,
and a TSIG secret that does not match."""

import re
import time

import dns.rcode

from zgtest.check import ede_list
from zgtest.primary import (OTHER_SECRET, V1_RECORDS, V1_SERIAL, ZONE,
                            zone_text)
from zgtest.util import scaled, wait_until


def bind_v1(bind_pri, **kw):
    return bind_pri(zone_text(V1_SERIAL, V1_RECORDS), **kw)


def addresses(reply):
    return sorted(rd.to_text() for rrset in reply.msg.answer for rd in rrset)


def test_initial_axfr_from_bind_with_tsig(zg, bind_pri):
    b = bind_v1(bind_pri)
    zg.create()
    zg.wait_serial(V1_SERIAL)
    r = zg.query("keep." + ZONE)
    assert r.msg.rcode() == dns.rcode.NOERROR
    assert addresses(r) == ["10.50.0.3"]
    wait_until(lambda: "AXFR started: TSIG xfr-key" in b.log_text(), 5,
               what="BIND to log a TSIG-signed AXFR")
    s = zg.sync()
    assert s["state"] == "loaded" and s["records"] == 5
    assert s["last_error"] is None and s["lag_s"] is not None


def test_ixfr_after_several_nsupdate_changes(zg, bind_pri):
    # No NOTIFY: the three changes pile up in BIND's journal and one
    # refresh brings them as an IXFR of three diffs.
    b = bind_v1(bind_pri, notify_to=())
    zg.create()
    zg.wait_serial(V1_SERIAL)
    b.nsupdate("update delete old.%s A" % ZONE)
    b.nsupdate("update add new.%s 300 A 10.50.0.2" % ZONE)
    b.nsupdate("update add txt.%s 300 TXT \"three\"" % ZONE,
               "update delete keep.%s A" % ZONE,
               "update add keep.%s 300 A 10.50.0.4" % ZONE)
    mark = zg.log_mark()
    zg.cli("secondary", "refresh", zg.zone_id)
    zg.wait_serial(V1_SERIAL + 3)

    assert addresses(zg.query("new." + ZONE)) == ["10.50.0.2"]
    assert addresses(zg.query("keep." + ZONE)) == ["10.50.0.4"]
    assert zg.query("old." + ZONE).msg.rcode() == dns.rcode.NXDOMAIN
    txt = zg.query("txt." + ZONE, "TXT")
    assert [rd.to_text() for rs in txt.msg.answer for rd in rs] == \
        ['"three"']
    log = zg.log_since(mark)
    assert re.search(r"IXFR done: zone published at serial %d"
                     % (V1_SERIAL + 3), log), log
    assert "IXFR started: TSIG xfr-key" in b.log_text()


def test_notify_from_bind_triggers_the_refresh(zg, bind_pri):
    b = bind_v1(bind_pri)
    zg.create()
    zg.wait_serial(V1_SERIAL)
    mark = zg.log_mark()
    start = time.monotonic()
    b.nsupdate("update add notified.%s 300 A 10.50.0.9" % ZONE)
    zg.wait_serial(V1_SERIAL + 1, timeout=5)
    assert time.monotonic() - start <= scaled(5)
    assert addresses(zg.query("notified." + ZONE)) == ["10.50.0.9"]
    assert "notify accepted" in zg.log_since(mark)


def test_tsig_mismatch_is_refused(zg, bind_pri):
    b = bind_v1(bind_pri)
    zg.create(secret=OTHER_SECRET)
    wait_until(lambda: zg.sync()["last_error"], 10,
               what="the failed first transfer")
    s = zg.sync()
    assert s["state"] == "not_loaded"
    assert "AXFR from 192.0.2.10:53" in s["last_error"]
    r = zg.query("keep." + ZONE)
    assert r.msg.rcode() == dns.rcode.SERVFAIL
    assert [code for code, _ in ede_list(r.msg)] == [14]

    # BIND's NOTIFY, signed with the real secret, fails here with BADSIG.
    mark = zg.log_mark()
    b.nsupdate("update add x.%s 300 A 10.50.0.8" % ZONE)
    wait_until(lambda: "notify refused" in zg.log_since(mark), 5,
               what="the refused NOTIFY")
    assert "BADSIG" in zg.log_since(mark)


def test_restart_keeps_serving_without_the_primary(zg, bind_pri):
    b = bind_v1(bind_pri)
    zg.create()
    zg.wait_serial(V1_SERIAL)
    b.stop()
    zg.z.restart()
    # Served from the stored snapshot at once, before any transfer.
    r = zg.query("keep." + ZONE)
    assert r.msg.rcode() == dns.rcode.NOERROR
    assert addresses(r) == ["10.50.0.3"]
    assert zg.sync()["state"] == "loaded"
