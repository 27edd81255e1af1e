# SPDX-License-Identifier: GPL-3.0-or-later
"""TSIG-signed ordinary queries (RFC 8945): a query signed with a known
key is answered exactly as the unsigned query would be (zone, rule,
upstream, cache), and the answer carries a TSIG signed with the same key
over the request MAC (section 5.3.1), truncated UDP answers included
(section 5.3). A bad key or MAC gets NOTAUTH with the TSIG error
(section 5.2), as BIND answers."""

import subprocess

import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.rrset
import dns.tsig
import pytest

from zgtest import addrs as A
from zgtest import dnsq
from zgtest.util import scaled

KEY = "client-key."
SECRET = "qK1n9bX0oWfVt5mBz3rGJYc2uE8dHsLaPiN4vTxRkQw="
WRONG_SECRET = "nfQ4U0VkXRD7Zd8l0CpjwsV0TgWRdsxZgA0Zu7/8Y0Q="
ALGORITHM = "hmac-sha256"
ZONE = "corp.example."


def keyring(name=KEY, secret=SECRET):
    n = dns.name.from_text(name)
    return {n: dns.tsig.Key(n, secret, ALGORITHM)}


def signed(qname, qtype="A", key=KEY, secret=SECRET, **kw):
    q = dns.message.make_query(qname, qtype, **kw)
    q.use_tsig(keyring(key, secret), keyname=dns.name.from_text(key),
               algorithm=ALGORITHM)
    return q


def ask(q, tcp=False):
    """Sends q from a vpc-a client; dnspython checks the reply's TSIG
    against the request's MAC and raises when it does not verify."""
    if tcp:
        return dns.query.tcp(q, A.ZG, source=A.CLIENT_A, timeout=scaled(5))
    return dns.query.udp(q, A.ZG, source=A.CLIENT_A, timeout=scaled(5))


def rrsets(section):
    return sorted(rrset.to_text() for rrset in section)


@pytest.fixture
def corp(baseline, cli):
    cli("tsig", "create", KEY, "--secret", SECRET)
    baseline.make_zone(ZONE, ["www.corp.example. 300 A 10.1.2.3"])
    return baseline


@pytest.mark.parametrize("tcp", [False, True])
def test_signed_query_for_a_private_zone_is_answered_signed(corp, tcp):
    r = ask(signed("www." + ZONE, use_edns=0), tcp)

    assert r.rcode() == dns.rcode.NOERROR
    assert r.flags & dns.flags.AA and r.flags & dns.flags.RA
    assert not r.flags & dns.flags.TC
    assert rrsets(r.answer) == ["www.corp.example. 300 IN A 10.1.2.3"]
    assert r.had_tsig                  # dnspython verified the MAC
    assert r.keyname == dns.name.from_text(KEY)
    assert r.tsig_error == dns.rcode.NOERROR


def test_signed_query_gets_the_same_negative_answer(corp):
    r = ask(signed("nope." + ZONE))

    assert r.rcode() == dns.rcode.NXDOMAIN
    assert r.flags & dns.flags.AA
    assert rrsets(r.authority) == [
        "corp.example. 300 IN SOA ns1.corp.example. hostmaster.corp.example."
        " %d 3600 600 604800 300" % corp.zone_obj(ZONE)["serial"]]
    assert r.had_tsig and r.tsig_error == dns.rcode.NOERROR


def test_signed_query_through_a_rule_answers_the_upstream_data_signed(
        corp, op1):
    op1.add("host.onprem.example.", "A", 60, "10.20.0.7")
    corp.make_rule("rop", "onprem.example.", [A.OP1])

    r = ask(signed("host.onprem.example."))

    assert r.rcode() == dns.rcode.NOERROR
    assert not r.flags & dns.flags.AA
    assert rrsets(r.answer) == ["host.onprem.example. 60 IN A 10.20.0.7"]
    assert r.had_tsig and r.tsig_error == dns.rcode.NOERROR
    # The upstream got an ordinary query: zonegate signs towards the
    # client only.
    assert len(op1.queries("host.onprem.example.")) == 1


def test_signed_soa_query_below_the_apex_gets_the_signed_nodata(corp):
    """An SOA query for a name inside the zone is no serial check: it is
    resolved like any other (NODATA, the zone's SOA in authority, RFC
    2308) and signed, as BIND answers it."""
    r = ask(signed("www." + ZONE, "SOA"))

    assert r.rcode() == dns.rcode.NOERROR
    assert r.flags & dns.flags.AA
    assert r.answer == []
    assert rrsets(r.authority) == [
        "corp.example. 300 IN SOA ns1.corp.example. hostmaster.corp.example."
        " %d 3600 600 604800 300" % corp.zone_obj(ZONE)["serial"]]
    assert r.had_tsig and r.tsig_error == dns.rcode.NOERROR


def test_signed_soa_query_at_the_apex_needs_no_transfer_permission(corp):
    """The zone allows no transfers: its SOA is public data all the same,
    and a signed SOA query gets it, signed."""
    r = ask(signed(ZONE, "SOA"))

    assert r.rcode() == dns.rcode.NOERROR
    assert r.flags & dns.flags.AA
    assert rrsets(r.answer) == [
        "corp.example. 3600 IN SOA ns1.corp.example. hostmaster.corp.example."
        " %d 3600 600 604800 300" % corp.zone_obj(ZONE)["serial"]]
    assert r.had_tsig and r.tsig_error == dns.rcode.NOERROR


def test_unsigned_query_still_gets_an_unsigned_answer(corp):
    r = dnsq.query(A.ZG, "www." + ZONE, "A")

    assert r.msg.rcode() == dns.rcode.NOERROR
    assert not r.msg.had_tsig
    assert rrsets(r.msg.answer) == ["www.corp.example. 300 IN A 10.1.2.3"]


def raw(q, tcp=False):
    wire = q.to_wire()
    if tcp:
        return dnsq.exchange_tcp(A.ZG, wire, source=A.CLIENT_A)[0]
    return dnsq.exchange_udp(A.ZG, wire, source=A.CLIENT_A)[0]


@pytest.mark.parametrize("tcp", [False, True])
def test_wrong_secret_gets_notauth_badsig(corp, tcp):
    wire = raw(signed("www." + ZONE, secret=WRONG_SECRET), tcp)

    assert wire[3] & 0x0F == dns.rcode.NOTAUTH
    assert wire[6:8] == b"\x00\x00"    # no answer records
    with pytest.raises(dns.tsig.PeerBadSignature):
        dns.message.from_wire(wire, keyring=keyring(KEY, WRONG_SECRET),
                              request_mac=b"")


def test_unknown_key_gets_notauth_badkey(corp):
    wire = raw(signed("www." + ZONE, key="rogue-key."))

    assert wire[3] & 0x0F == dns.rcode.NOTAUTH
    assert wire[6:8] == b"\x00\x00"
    with pytest.raises(dns.tsig.PeerBadKey):
        dns.message.from_wire(wire, keyring=keyring("rogue-key.", SECRET),
                              request_mac=b"")


@pytest.fixture
def big(corp):
    # 40 TXT records of 100 bytes: about 4.5 kB, more than any UDP size.
    corp.add_records_bulk(ZONE, [
        'big.corp.example. 300 TXT "%02d%s"' % (i, "x" * 98)
        for i in range(40)])
    return corp


@pytest.mark.parametrize("edns,limit", [(0, 1232), (-1, 512)])
def test_signed_answer_too_big_for_udp_is_truncated_and_signed(
        big, edns, limit):
    q = signed("big." + ZONE, "TXT", use_edns=edns, payload=1232)

    wire = raw(q)
    r = dns.message.from_wire(wire, keyring=q.keyring, request_mac=q.mac)

    assert len(wire) <= limit
    assert r.flags & dns.flags.TC
    assert r.rcode() == dns.rcode.NOERROR
    assert not r.answer
    assert r.had_tsig and r.tsig_error == dns.rcode.NOERROR


def test_signed_big_answer_comes_whole_over_tcp(big):
    r = ask(signed("big." + ZONE, "TXT", use_edns=0), tcp=True)

    assert not r.flags & dns.flags.TC
    assert len(r.answer) == 1 and len(r.answer[0]) == 40
    assert r.had_tsig and r.tsig_error == dns.rcode.NOERROR


def test_dig_with_a_key_gets_a_verified_answer(corp):
    # BIND's dig checks the answer's TSIG and says so when it fails
    # ("tsig verify failure", "Some TSIG could not be validated").
    p = subprocess.run(
        ["dig", "-y", "%s:%s:%s" % (ALGORITHM, KEY, SECRET), "-b",
         A.CLIENT_A, "@" + A.ZG, "www." + ZONE, "A", "+norec", "+tries=1",
         "+time=%d" % scaled(5)],
        capture_output=True, text=True, timeout=scaled(20))

    assert p.returncode == 0, p.stdout + p.stderr
    out = p.stdout + p.stderr
    assert "status: NOERROR" in out
    assert "www.corp.example.\t300\tIN\tA\t10.1.2.3" in out
    assert "TSIG\thmac-sha256." in out and "NOERROR 0" in out
    assert "verify failure" not in out and "could not be" not in out
