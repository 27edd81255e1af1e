# SPDX-License-Identifier: GPL-3.0-or-later
"""BC-03: a private zone shadows the public zone of the same name; a
missing name is an authoritative NXDOMAIN (RFC 1034 §4.3.2 3c) with the
SOA at TTL min(SOA TTL, MINIMUM) (RFC 2308 §3); nothing goes to PUB."""

import pytest

from zgtest import addrs as A
from zgtest.check import assert_silent, expect


@pytest.fixture
def setup(baseline, pub):
    pub.add("www.example.com.", "A", 300, "203.0.113.80")
    baseline.make_zone("example.com.", [
        "intra.example.com. 300 A 10.1.2.3",
    ], vpcs=("a",), proxy="zone")
    return baseline


def test_bc03a_private_name_answered(setup, pub, query):
    r = query("intra.example.com.", "A", source=A.CLIENT_A)
    expect(r, aa=True, answer=["intra.example.com. 300 A 10.1.2.3"],
           authority=[])
    assert_silent(pub)


def test_bc03b_missing_name_is_nxdomain_not_public(setup, pub, query):
    r = query("www.example.com.", "A", source=A.CLIENT_A)
    expect(r, "NXDOMAIN", aa=True, answer=[],
           authority=[setup.soa("example.com.")])
    assert " 300 " in setup.soa("example.com.")
    assert_silent(pub)


def test_bc03c_unbound_vpc_gets_the_public_answer(setup, pub, query):
    r = query("www.example.com.", "A", source=A.CLIENT_B)
    expect(r, aa=False, answer=["www.example.com. <=300 A 203.0.113.80"])
    assert len(pub.queries(name="www.example.com.")) == 1
