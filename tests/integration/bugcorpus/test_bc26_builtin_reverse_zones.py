# SPDX-License-Identifier: GPL-3.0-or-later
"""BC-26: RFC 1918 reverse space and home.arpa: rules and private zones
beat the built-in locally served zones (RFC 6303 §3-4, RFC 8375) for the
VPCs they are bound to; nothing of that space leaks to PUB."""

import pytest

from zgtest import addrs as A
from zgtest.check import assert_silent, expect


def builtin_soa(zone):
    return ("%s 10800 SOA %s nobody.invalid. 1 3600 1200 604800 10800"
            % (zone, zone))


@pytest.fixture
def setup(baseline, op1, pub):
    op1.add("24.0.232.10.in-addr.arpa.", "PTR", 300, "host24.corp.example.")
    op1.add("nas.lab.home.arpa.", "A", 60, "192.0.2.94")
    pub.add("8.8.8.8.in-addr.arpa.", "PTR", 300, "dns.example.")
    baseline.make_rule("rrev", "0.232.10.in-addr.arpa.", [A.OP1])
    baseline.make_rule("rhome", "lab.home.arpa.", [A.OP1])
    baseline.make_zone("16.172.in-addr.arpa.", [
        "5.0.16.172.in-addr.arpa. 300 PTR db.corp.example.",
    ])
    return baseline


def test_bc26a_rule_beats_builtin(setup, op1, pub, query):
    r = query("24.0.232.10.in-addr.arpa.", "PTR", source=A.CLIENT_A)
    expect(r, aa=False, answer=[
        "24.0.232.10.in-addr.arpa. <=300 PTR host24.corp.example."])
    assert len(op1.queries(name="24.0.232.10.in-addr.arpa.")) == 1


def test_bc26b_builtin_answers_outside_the_rule(setup, op1, pub, query):
    r = query("24.1.232.10.in-addr.arpa.", "PTR", source=A.CLIENT_A)
    expect(r, "NXDOMAIN", aa=True, answer=[],
           authority=[builtin_soa("10.in-addr.arpa.")])
    assert_silent(op1, pub)


def test_bc26c_rule_not_bound_to_vpc_b(setup, op1, pub, query):
    r = query("24.0.232.10.in-addr.arpa.", "PTR", source=A.CLIENT_B)
    expect(r, "NXDOMAIN", aa=True, answer=[],
           authority=[builtin_soa("10.in-addr.arpa.")])
    assert_silent(op1, pub)


def test_bc26d_private_zone_replaces_builtin(setup, query):
    r = query("5.0.16.172.in-addr.arpa.", "PTR", source=A.CLIENT_A)
    expect(r, aa=True, answer=[
        "5.0.16.172.in-addr.arpa. 300 PTR db.corp.example."])


def test_bc26e_other_vpc_keeps_builtin(setup, pub, query):
    r = query("5.0.16.172.in-addr.arpa.", "PTR", source=A.CLIENT_B)
    expect(r, "NXDOMAIN", aa=True, answer=[],
           authority=[builtin_soa("16.172.in-addr.arpa.")])
    assert_silent(pub)


def test_bc26f_rule_below_home_arpa(setup, op1, query):
    r = query("nas.lab.home.arpa.", "A", source=A.CLIENT_A)
    expect(r, aa=False, answer=["nas.lab.home.arpa. <=60 A 192.0.2.94"])
    assert len(op1.queries(name="nas.lab.home.arpa.")) == 1


def test_bc26g_home_arpa_builtin(setup, op1, pub, query):
    r = query("tv.home.arpa.", "A", source=A.CLIENT_A)
    expect(r, "NXDOMAIN", aa=True, answer=[],
           authority=[builtin_soa("home.arpa.")])
    assert_silent(op1, pub)


def test_bc26h_public_reverse_goes_upstream(setup, pub, query):
    r = query("8.8.8.8.in-addr.arpa.", "PTR", source=A.CLIENT_A)
    expect(r, aa=False, answer=["8.8.8.8.in-addr.arpa. <=300 PTR "
                                "dns.example."])
    assert len(pub.queries(name="8.8.8.8.in-addr.arpa.")) == 1
    assert_silent(pub, under="10.in-addr.arpa.")
