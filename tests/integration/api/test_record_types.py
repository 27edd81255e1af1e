# SPDX-License-Identifier: GPL-3.0-or-later
"""Record types through the API: every type with data of its own is
taken, by mnemonic or as TYPEnnn (RFC 3597), and its value checked for
that type; meta, obsolete and DNSSEC types but DS, and DNAME, are
refused naming `type` and the reason; DS sits at a delegation and never
at the apex."""

import pytest

from zgtest.check import expect

HEX = "0123456789abcdef" * 4


def assert_invalid(r, field, words):
    assert r.status == 400, r
    err = r.body["error"]
    assert (err["code"], err["field"]) == ("invalid", field), r
    assert words in err["message"], r


@pytest.fixture
def zone(baseline):
    return baseline.make_zone("corp.example.",
                              ["www.corp.example. 300 A 10.1.2.3"])


REFUSED_TYPES = [
    ("DNAME", "www.corp.example.", "use a CNAME"),
    ("RRSIG", "A 13 3 300 20300101000000 20200101000000 1 corp.example. "
     "AAAA", "does not sign zones"),
    ("NSEC", "www.corp.example. A", "does not sign zones"),
    ("DNSKEY", "256 3 13 AAAA", "does not sign zones"),
    ("CDS", "1 13 2 " + HEX, "does not sign zones"),
    ("ZONEMD", "1 1 1 " + HEX * 2, "does not sign zones"),
    ("TYPE32769", r"\# 0", "does not sign zones"),
    ("OPT", r"\# 0", "meta or query type"),
    ("TYPE200", r"\# 0", "meta or query type"),
    ("NULL", r"\# 0", "obsolete"),
    ("TYPE38", r"\# 0", "obsolete"),
    ("TYPE0", r"\# 0", "reserved"),
    ("TYPE65535", r"\# 0", "reserved"),
    ("BOGUS", "x", "not a record type"),
]


@pytest.mark.parametrize("rtype,value,why", REFUSED_TYPES)
def test_types_without_data_of_their_own_are_refused(zone, api, rtype,
                                                      value, why):
    rec = "/v1/zones/%s/records" % zone["id"]
    before = api.get(rec).body

    assert_invalid(api.post(rec, {"name": "x", "type": rtype,
                                  "value": value}), "type", why)

    assert api.get(rec).body == before


def test_values_are_checked_for_their_type(zone, api):
    rec = "/v1/zones/%s/records" % zone["id"]
    for rtype, value, words in [
            ("TLSA", "3 1 1 012", "not valid TLSA data"),
            ("SSHFP", "4 2 xyz", "not valid SSHFP data"),
            ("SVCB", "1 . mandatory=alpn", "not valid SVCB data"),
            ("LOC", "91 0 0 N 0 0 0 E 0m", "not valid LOC data"),
            ("URI", "10 1", "not valid URI data"),
            ("A", r"\# 3 0a0000", "RFC 3597"),
            ("TYPE65400", "10.0.0.1", "not valid TYPE65400 data"),
            ("TYPE65400", r"\# 3 0a000001", "not valid TYPE65400")]:
        assert_invalid(api.post(rec, {"name": "x", "type": rtype,
                                      "value": value}), "value", words)


def test_types_by_number_are_stored_by_mnemonic(zone, api, query):
    rec = "/v1/zones/%s/records" % zone["id"]

    a = api.ok("POST", rec, {"name": "n", "type": "type1",
                             "value": r"\# 4 0a000001"})
    gen = api.ok("POST", rec, {"name": "n", "type": "type65400",
                               "value": r"\# 2 abcd", "ttl": 60})

    assert (a["type"], a["value"]) == ("A", "10.0.0.1")
    assert (gen["type"], gen["value"]) == ("TYPE65400", r"\# 2 ABCD")
    listed = api.ok("GET", rec + "?name=n&type=TYPE65400")["items"]
    assert [r["id"] for r in listed] == [gen["id"]]
    expect(query("n.corp.example."), aa=True,
           answer=["n.corp.example. 300 A 10.0.0.1"])
    r = query("n.corp.example.", "TYPE65400")
    assert [rd.to_wire() for s in r.msg.answer for rd in s] == \
        [b"\xab\xcd"]


def test_ds_sits_at_a_delegation_but_not_at_the_apex(zone, api, query):
    rec = "/v1/zones/%s/records" % zone["id"]
    ds = "12345 13 2 " + HEX

    assert_invalid(api.post(rec, {"name": "@", "type": "DS",
                                  "value": ds}), "type", "parent zone")
    api.ok("POST", rec, {"name": "sub", "type": "NS",
                         "value": "ns.example.net."})
    api.ok("POST", rec, {"name": "sub", "type": "DS", "value": ds})
    assert_invalid(api.post(rec, {"name": "sub", "type": "TLSA",
                                  "value": "3 1 1 " + HEX}), "type",
                   "hidden by the delegation")
    # A DS first, then NS: the cut does not hide its DS either.
    api.ok("POST", rec, {"name": "sub2", "type": "DS", "value": ds})
    api.ok("POST", rec, {"name": "sub2", "type": "NS",
                         "value": "ns.example.net."})
    r = query("sub.corp.example.", "DS", rd=False)
    expect(r, aa=True, answer=["sub.corp.example. 300 DS 12345 13 2 "
                               + HEX.upper()])
