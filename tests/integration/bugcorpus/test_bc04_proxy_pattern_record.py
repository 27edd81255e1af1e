# SPDX-License-Identifier: GPL-3.0-or-later
"""BC-04: proxy pattern `record` (on_miss: recurse): only a true NXDOMAIN
of the zone falls through (resolution.md §2.2); NODATA and empty
non-terminals stay private (RFC 8020 §2, RFC 2308 §2.2); a more specific
rule still wins."""

import pytest

from zgtest import addrs as A
from zgtest.check import assert_asked_once_from, assert_silent, expect

PUB_SOA = ("example.com. 900 SOA pubns.example.com. ops.example.com. 77 "
           "7200 900 1209600 900")


@pytest.fixture
def setup(baseline, pub, op1):
    pub.add("www.example.com.", "A", 300, "203.0.113.80")
    pub.add_negative("nope.example.com.", "NXDOMAIN", PUB_SOA)
    op1.add("h.onprem.example.com.", "A", 60, "192.0.2.81")
    baseline.make_zone("example.com.", [
        "intra.example.com. 300 A 10.1.2.3",
        "_sip._tcp.example.com. 300 SRV 10 5 5060 intra.example.com.",
    ], vpcs=("a",), proxy="record")
    baseline.make_rule("rop", "onprem.example.com.", [A.OP1])
    return baseline


def test_bc04a_existing_name_private(setup, pub, query):
    r = query("intra.example.com.", "A")
    expect(r, aa=True, answer=["intra.example.com. 300 A 10.1.2.3"])
    assert_silent(pub)


def test_bc04b_missing_name_falls_through_to_upstream(setup, pub, query):
    r = query("www.example.com.", "A")
    expect(r, aa=False, answer=["www.example.com. <=300 A 203.0.113.80"])
    assert len(pub.queries(name="www.example.com.", qtype="A")) == 1


def test_bc04c_nodata_is_not_a_miss(setup, pub, query):
    r = query("intra.example.com.", "AAAA")
    expect(r, aa=True, answer=[], authority=[setup.soa("example.com.")])
    assert_silent(pub)


def test_bc04d_empty_non_terminal_is_not_a_miss(setup, pub, query):
    r = query("_tcp.example.com.", "SRV")
    expect(r, aa=True, answer=[], authority=[setup.soa("example.com.")])
    assert_silent(pub)


def test_bc04e_upstream_nxdomain_carries_upstream_soa(setup, pub, query):
    r = query("nope.example.com.", "A")
    expect(r, "NXDOMAIN", aa=False, answer=[], authority=[
        "example.com. <=900 SOA pubns.example.com. ops.example.com. 77 7200"
        " 900 1209600 900"])


def test_bc04f_more_specific_rule_beats_the_zone(setup, pub, op1, query):
    r = query("h.onprem.example.com.", "A")
    expect(r, aa=False, answer=["h.onprem.example.com. <=60 A 192.0.2.81"])
    assert_asked_once_from(op1, "h.onprem.example.com.", "A", A.OB1_SOURCES)
    assert_silent(pub)
