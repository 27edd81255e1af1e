# SPDX-License-Identifier: GPL-3.0-or-later
"""A real BIND 9 as secondary of zonegate (issue 4 item 4): the first
transfer is AXFR, later changes arrive by NOTIFY and IXFR from the
journal, TSIG-signed, and BIND stays in sync (RFC 5936, 1995, 1996,
8945)."""

import dns.rcode
import dns.rdatatype
import dns.zone

from conftest import ZONE, nsupdate, xfr_messages, xfr_rrs


def zone_rrs(text):
    """Every RR of a zone file as sorted (owner, ttl, type, data)."""
    z = dns.zone.from_text(text, origin=ZONE, relativize=False,
                           check_origin=False)
    return sorted((name.to_text(), rds.ttl,
                   dns.rdatatype.to_text(rds.rdtype), rd.to_text())
                  for name, rds in z.iterate_rdatasets() for rd in rds)


def test_bind_follows_axfr_then_notify_and_ixfr(zs, bind_sec):
    zid = zs.zone(records=["www 300 A 10.1.2.3", "old 300 A 10.1.2.9",
                           "mail 300 MX 10 www"])
    zs.allow_transfer(zid)
    serial = zs.serial(zid)
    mark = zs.log_mark()

    sec = bind_sec()
    sec.wait_serial(serial)
    assert sec.lookup("www." + ZONE).answer[0][0].address == "10.1.2.3"
    zs.wait_log(mark, "AXFR %s: sent full zone at serial %d" % (ZONE, serial))

    # A change set: add one, delete one, change a TTL; one serial bump.
    mark = zs.log_mark()
    zs.cli("record", "add", zid, "new", "A", "10.1.2.4", "--ttl", "300")
    zs.cli("record", "delete", zid, "old", "A")
    zs.cli("record", "add", zid, "www", "A", "10.1.2.5", "--ttl", "60")
    serial = zs.serial(zid)
    sec.wait_serial(serial)

    assert sec.lookup("new." + ZONE).answer[0][0].address == "10.1.2.4"
    assert sec.lookup("old." + ZONE).rcode() == dns.rcode.NXDOMAIN
    www = sec.lookup("www." + ZONE).answer[0]
    assert sorted(rd.address for rd in www) == ["10.1.2.3", "10.1.2.5"]
    assert www.ttl == 60
    log = zs.log_since(mark)
    assert "notify for %s serial" % ZONE in log
    assert "answered with NOERROR" in log
    assert "IXFR %s: sent incremental" % ZONE in log
    assert "signed" in log
    # BIND asked for IXFR and applied it, never a full transfer again.
    assert "AXFR %s: sent full zone" % ZONE not in log


def test_bind_zone_equals_zonegate_export(zs, bind_sec, cli):
    zid = zs.zone(records=["www 300 A 10.1.2.3",
                           "_sip._tcp 60 SRV 10 5 5060 www",
                           "txt 300 TXT \"hello world\" \"two\"",
                           "caa 300 CAA 0 issue \"ca.example.net\""])
    zs.allow_transfer(zid)
    sec = bind_sec()
    sec.wait_serial(zs.serial(zid))
    for i in range(5):
        cli("record", "add", zid, "h%d" % i, "AAAA", "2001:db8::%d" % i)
    cli("record", "delete", zid, "txt", "TXT")
    serial = zs.serial(zid)
    sec.wait_serial(serial)

    # What BIND serves is what zonegate exports and transfers.
    exported = zs.cli("zone", "export", zid)["text"]
    theirs = sorted(xfr_rrs(sec.axfr())[:-1])
    assert zone_rrs(exported) == theirs
    assert sorted(xfr_rrs(xfr_messages(ZONE))[:-1]) == theirs


def test_unchanged_zone_answers_ixfr_with_one_soa(zs, bind_sec):
    zid = zs.zone(records=["www 300 A 10.1.2.3"])
    zs.allow_transfer(zid)
    sec = bind_sec()
    serial = zs.serial(zid)
    sec.wait_serial(serial)
    # The secondary is current: the SOA alone (RFC 1995 section 2).
    msgs = xfr_messages(ZONE, "IXFR", serial=serial)
    rrs = xfr_rrs(msgs)
    assert len(rrs) == 1
    assert rrs[0][2] == "SOA"
    assert sec.serial() == serial


def test_ttl_only_change_goes_as_delete_and_add_and_bind_follows(zs,
                                                                 bind_sec):
    zid = zs.zone(records=["www 300 A 10.1.2.3"])
    zs.allow_transfer(zid)
    zs.cli("zone", "update-policy", zid, "--grant", "xfr-out.")
    sec = bind_sec()
    old = zs.serial(zid)
    sec.wait_serial(old)

    # The same RR with another TTL: RFC 1995 compares whole RRs, so the
    # IXFR deletes the old one and adds the new one, as BIND and Knot do.
    rc, out = nsupdate(["update add www.%s 60 A 10.1.2.3" % ZONE])
    assert rc == 0, out
    new = zs.serial(zid)
    assert new == old + 1
    rrs = xfr_rrs(xfr_messages(ZONE, "IXFR", serial=old))
    soas = [i for i, rr in enumerate(rrs) if rr[2] == "SOA"]
    assert [int(rrs[i][3].split()[2]) for i in soas] == [new, old, new, new]
    assert rrs[soas[1] + 1:soas[2]] == [("www." + ZONE, 300, "A",
                                         "10.1.2.3")]
    assert rrs[soas[2] + 1:soas[3]] == [("www." + ZONE, 60, "A",
                                         "10.1.2.3")]

    sec.wait_serial(new)
    www = sec.lookup("www." + ZONE).answer[0]
    assert www.ttl == 60 and [rd.address for rd in www] == ["10.1.2.3"]
    assert sorted(xfr_rrs(sec.axfr())) == sorted(xfr_rrs(xfr_messages(ZONE)))
