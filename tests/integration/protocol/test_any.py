# SPDX-License-Identifier: GPL-3.0-or-later
"""ANY queries per RFC 8482: a private zone answers with a subset (one
or more of the name's RRsets, §4.2) or a synthesised HINFO (§4.2), never
an error; a name without data is NXDOMAIN as for any type."""

import dns.rdatatype
import pytest

from zgtest.check import expect


@pytest.fixture
def corp(baseline):
    baseline.make_zone("corp.example.", [
        "www.corp.example. 300 A 10.1.2.3",
        "www.corp.example. 300 AAAA fd00:1::3",
        'www.corp.example. 300 TXT "x"',
    ])
    return baseline


@pytest.mark.parametrize("tcp", [False, True])
def test_any_gets_a_subset_or_hinfo(corp, query, tcp):
    r = query("www.corp.example.", "ANY", tcp=tcp)
    expect(r, aa=True)
    assert r.msg.answer, r.msg.to_text()
    types = {rrset.rdtype for rrset in r.msg.answer}
    allowed = {dns.rdatatype.A, dns.rdatatype.AAAA, dns.rdatatype.TXT,
               dns.rdatatype.HINFO, dns.rdatatype.RRSIG}
    assert types <= allowed, r.msg.to_text()
    for rrset in r.msg.answer:
        assert rrset.name.to_text().lower() == "www.corp.example."
    if dns.rdatatype.HINFO in types:
        assert types == {dns.rdatatype.HINFO}


def test_any_for_missing_name_nxdomain(corp, query):
    r = query("nope.corp.example.", "ANY")
    expect(r, "NXDOMAIN", aa=True, answer=[],
           authority=[corp.soa("corp.example.")])
