# SPDX-License-Identifier: GPL-3.0-or-later
"""Who may transfer a private zone (issue 4 item 4): the allow-list, the
TSIG key (RFC 8945 section 5.2 errors), TCP only for AXFR (RFC 5936
section 4.2), and IXFR answers (RFC 1995)."""

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.tsig
import pytest

from conftest import (ALGORITHM, IN_A, KEY, ONPREM, OUTSIDER, SECRET,
                      WRONG_SECRET, ZONE, keyring, rcode_of, raw_exchange,
                      xfr_messages, xfr_rrs)


def make_query(qname, qtype, key=None, secret=SECRET, **kw):
    q = dns.message.make_query(qname, qtype, **kw)
    if key is not None:
        q.use_tsig(keyring(key, secret), keyname=dns.name.from_text(key),
                   algorithm=ALGORITHM)
    return q


def axfr_query(key=None, secret=SECRET):
    return make_query(ZONE, "AXFR", key, secret)


def test_signed_axfr_from_allowed_source_gets_the_zone(zs):
    zid = zs.zone(records=["www 300 A 10.1.2.3"])
    zs.allow_transfer(zid)

    rrs = xfr_rrs(xfr_messages(ZONE))

    assert rrs[0][2] == "SOA" and rrs[-1][2] == "SOA"
    assert rrs[0] == rrs[-1]
    assert ("www.%s" % ZONE, 300, "A", "10.1.2.3") in rrs
    assert ("ns1.%s" % ZONE, 3600, "A", "10.0.0.2") in rrs
    assert len(rrs) == 5       # SOA, NS, ns1 A, www A, SOA


def test_unsigned_request_is_refused_when_the_zone_has_a_key(zs):
    zid = zs.zone()
    zs.allow_transfer(zid)
    mark = zs.log_mark()

    wire = raw_exchange(axfr_query())

    assert rcode_of(wire) == dns.rcode.REFUSED
    zs.wait_log(mark, "refused: the zone's transfers need TSIG")


def test_wrong_secret_gets_notauth_badsig(zs):
    zid = zs.zone()
    zs.allow_transfer(zid)

    wire = raw_exchange(axfr_query(KEY, WRONG_SECRET))

    assert rcode_of(wire) == dns.rcode.NOTAUTH
    with pytest.raises(dns.tsig.PeerBadSignature):
        dns.message.from_wire(wire, keyring=keyring(KEY, WRONG_SECRET),
                              request_mac=b"")


def test_unknown_key_gets_notauth_badkey(zs):
    zid = zs.zone()
    zs.allow_transfer(zid)

    wire = raw_exchange(axfr_query("rogue-key.", SECRET))

    assert rcode_of(wire) == dns.rcode.NOTAUTH
    with pytest.raises(dns.tsig.PeerBadKey):
        dns.message.from_wire(wire, keyring=keyring("rogue-key.", SECRET),
                              request_mac=b"")


def test_another_known_key_than_the_zones_is_refused(zs, cli):
    zid = zs.zone()
    zs.allow_transfer(zid)
    cli("tsig", "create", "other.", "--secret", WRONG_SECRET)

    wire = raw_exchange(axfr_query("other.", WRONG_SECRET))

    assert rcode_of(wire) == dns.rcode.REFUSED


def test_source_outside_the_allow_list_is_refused(zs):
    zid = zs.zone()
    zs.allow_transfer(zid)
    mark = zs.log_mark()

    wire = raw_exchange(axfr_query(KEY), source=OUTSIDER)

    assert rcode_of(wire) == dns.rcode.REFUSED
    zs.wait_log(mark, "the source is not in the zone's transfer allow-list")


def test_zone_without_settings_or_after_none_is_refused(zs, cli):
    zid = zs.zone()
    assert rcode_of(raw_exchange(axfr_query(KEY))) == dns.rcode.REFUSED

    zs.allow_transfer(zid, key=None)
    assert xfr_rrs(xfr_messages(ZONE, key=None))[0][2] == "SOA"

    cli("zone", "transfer", zid, "--none")
    assert rcode_of(raw_exchange(axfr_query())) == dns.rcode.REFUSED
    shown = cli("zone", "transfer", zid)
    assert shown["allow"] == [] and shown["tsig"] is None


def test_axfr_over_udp_is_refused(zs):
    zid = zs.zone()
    zs.allow_transfer(zid, key=None)

    wire = raw_exchange(axfr_query(), tcp=False)

    assert rcode_of(wire) == dns.rcode.REFUSED


def test_zone_not_bound_to_the_endpoint_vpc_is_not_authoritative(zs):
    zid = zs.zone(vpcs=[zs.vpc_b])
    zs.allow_transfer(zid, key=None)

    wire = raw_exchange(axfr_query())

    assert rcode_of(wire) == dns.rcode.NOTAUTH


def test_ixfr_sends_the_condensed_difference(zs, cli):
    zid = zs.zone(records=["a 300 A 10.0.0.1", "b 300 A 10.0.0.2"])
    zs.allow_transfer(zid)
    old = zs.serial(zid)
    cli("record", "add", zid, "c", "A", "10.0.0.3")       # old + 1
    cli("record", "delete", zid, "a", "A")                # old + 2
    cli("record", "add", zid, "tmp", "TXT", "x")          # old + 3
    cli("record", "delete", zid, "tmp", "TXT")            # old + 4
    new = zs.serial(zid)
    assert new == old + 4

    rrs = xfr_rrs(xfr_messages(ZONE, "IXFR", serial=old))

    soas = [i for i, rr in enumerate(rrs) if rr[2] == "SOA"]
    assert len(soas) == 4
    serials = [int(rrs[i][3].split()[2]) for i in soas]
    assert serials == [new, old, new, new]
    deleted = rrs[soas[1] + 1:soas[2]]
    added = rrs[soas[2] + 1:soas[3]]
    assert deleted == [("a.%s" % ZONE, 300, "A", "10.0.0.1")]
    assert added == [("c.%s" % ZONE, 300, "A", "10.0.0.3")]


def test_ixfr_beyond_the_journal_falls_back_to_full_zone(zs, cli):
    zid = zs.zone(records=["a 300 A 10.0.0.1"])
    zs.allow_transfer(zid)
    new = zs.serial(zid)

    # A serial the journal never had: the answer is the AXFR form,
    # which RFC 1995 section 4 allows.
    rrs = xfr_rrs(xfr_messages(ZONE, "IXFR", serial=(new - 100) % 2**32))

    assert rrs[0][2] == "SOA" and rrs[1][2] != "SOA"
    assert ("a.%s" % ZONE, 300, "A", "10.0.0.1") in rrs


def test_large_zone_spans_signed_messages(zs):
    zid = zs.zone()
    zs.allow_transfer(zid)
    changes = [{"op": "create", "kind": "record", "zone": zid,
                "data": {"name": "h%d" % i, "type": "TXT", "ttl": 60,
                         "value": "\"%s\"" % ("x" * 200)}}
               for i in range(600)]
    zs.api.ok("POST", "/v1/changes", {"changes": changes})

    msgs = xfr_messages(ZONE)

    # Every message verified by dnspython against the chained MACs.
    assert len(msgs) > 3
    assert len(xfr_rrs(msgs)) == 600 + 4


def test_signed_soa_query_is_answered_signed(zs):
    zid = zs.zone()
    zs.allow_transfer(zid)
    q = dns.message.make_query(ZONE, "SOA")
    q.use_tsig(keyring(), keyname=dns.name.from_text(KEY),
               algorithm=ALGORITHM)

    r = dns.query.udp(q, IN_A, source=ONPREM, timeout=5)

    assert r.rcode() == dns.rcode.NOERROR
    assert r.had_tsig
    assert r.answer[0].rdtype == dns.rdatatype.SOA
    assert r.answer[0][0].serial == zs.serial(zid)


def test_ixfr_sends_a_ttl_change_as_delete_plus_add(zs, cli):
    zid = zs.zone(records=["www 300 A 10.1.2.3", "mx 300 MX 10 www"])
    zs.allow_transfer(zid)
    old = zs.serial(zid)
    # The RRset's TTL changes with the new RR: RFC 1995 section 4 sends
    # the old RR (old TTL) among the deletions and it again with the new
    # TTL among the additions, as BIND 9 and Knot DNS do.
    cli("record", "add", zid, "www", "A", "10.1.2.5", "--ttl", "60")
    new = zs.serial(zid)

    rrs = xfr_rrs(xfr_messages(ZONE, "IXFR", serial=old))

    soas = [i for i, rr in enumerate(rrs) if rr[2] == "SOA"]
    assert [int(rrs[i][3].split()[2]) for i in soas] == [new, old, new, new]
    deleted = rrs[soas[1] + 1:soas[2]]
    added = rrs[soas[2] + 1:soas[3]]
    assert deleted == [("www.%s" % ZONE, 300, "A", "10.1.2.3")]
    assert sorted(added) == [("www.%s" % ZONE, 60, "A", "10.1.2.3"),
                             ("www.%s" % ZONE, 60, "A", "10.1.2.5")]


def signed_query(qname, qtype, key=KEY, secret=SECRET):
    return make_query(qname, qtype, key, secret, use_edns=0)


def test_signed_ordinary_query_is_answered_signed(zs):
    # As BIND does: the TSIG is checked, the query is answered as the
    # unsigned one would be, and the answer is signed with the request's
    # key over its MAC (RFC 8945 section 5.3.1, TSIG error NOERROR).
    zid = zs.zone(records=["www 300 A 10.1.2.3"])
    zs.allow_transfer(zid)

    for tcp in (False, True):
        q = signed_query("www." + ZONE, "A")
        if tcp:
            r = dns.query.tcp(q, IN_A, source=ONPREM, timeout=5)
        else:
            r = dns.query.udp(q, IN_A, source=ONPREM, timeout=5)

        assert r.rcode() == dns.rcode.NOERROR
        assert r.had_tsig             # dnspython verified the MAC
        assert r.tsig_error == dns.rcode.NOERROR
        assert r.flags & dns.flags.QR and r.flags & dns.flags.AA
        assert [rrset.to_text() for rrset in r.answer] == [
            "www.corp.example. 300 IN A 10.1.2.3"]
        assert not [o for o in r.options if o.otype == dns.edns.EDE]


def test_signed_ordinary_query_with_a_bad_mac_gets_notauth_badsig(zs):
    zid = zs.zone(records=["www 300 A 10.1.2.3"])
    zs.allow_transfer(zid)

    wire = raw_exchange(signed_query("www." + ZONE, "A", KEY, WRONG_SECRET),
                        tcp=False)

    assert rcode_of(wire) == dns.rcode.NOTAUTH
    with pytest.raises(dns.tsig.PeerBadSignature):
        dns.message.from_wire(wire, keyring=keyring(KEY, WRONG_SECRET),
                              request_mac=b"")
