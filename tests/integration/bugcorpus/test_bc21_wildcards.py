# SPDX-License-Identifier: GPL-3.0-or-later
"""BC-21: wildcard synthesis per RFC 4592: existing names (also empty
non-terminals) block it, the owner is the query name."""

import pytest

from zgtest.check import expect


@pytest.fixture
def setup(baseline):
    baseline.make_zone("corp.example.", [
        "*.corp.example. 300 A 10.1.0.99",
        'host.corp.example. 300 TXT "v=1"',
        "real.deep.corp.example. 300 A 10.1.0.7",
    ])
    return baseline


@pytest.mark.parametrize("case,qname", [
    ("a", "x.corp.example."),
    ("b", "a.b.c.corp.example."),
    ("h", "*.corp.example."),
])
def test_bc21_wildcard_synthesised_with_query_name(setup, query, case,
                                                   qname):
    r = query(qname, "A")
    expect(r, aa=True, answer=["%s 300 A 10.1.0.99" % qname])


@pytest.mark.parametrize("case,qname,qtype", [
    ("c", "host.corp.example.", "A"),
    ("e", "deep.corp.example.", "A"),
    ("g", "x.corp.example.", "MX"),
])
def test_bc21_nodata(setup, query, case, qname, qtype):
    r = query(qname, qtype)
    expect(r, aa=True, answer=[], authority=[setup.soa("corp.example.")])


@pytest.mark.parametrize("case,qname", [
    ("d", "sub.host.corp.example."),
    ("f", "nope.deep.corp.example."),
])
def test_bc21_nxdomain_below_existing_name(setup, query, case, qname):
    r = query(qname, "A")
    expect(r, "NXDOMAIN", aa=True, answer=[],
           authority=[setup.soa("corp.example.")])
