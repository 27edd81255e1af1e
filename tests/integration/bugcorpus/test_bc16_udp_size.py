# SPDX-License-Identifier: GPL-3.0-or-later
"""BC-16: local answers respect the client's UDP size: 512 without EDNS
(RFC 1035 §4.2.1), the advertised size capped at 1232 with EDNS
(RFC 6891 §6.2.5, resolution.md §3); an RRset that does not fit is not
cut, TC is set (RFC 2181 §9); TCP carries everything."""

import pytest

from zgtest.check import expect

MID = ["mid.corp.example. 300 A 10.1.7.%d" % i for i in range(1, 41)]
HUGE = ["huge.corp.example. 300 A 10.1.8.%d" % i for i in range(1, 101)]


@pytest.fixture
def setup(baseline):
    baseline.make_zone("corp.example.")
    baseline.add_records_bulk("corp.example.", MID + HUGE)
    return baseline


def test_bc16a_no_edns_over_512_sets_tc(setup, query):
    r = query("mid.corp.example.", "A", edns=None)
    expect(r, aa=True, tc=True, answer=[])
    assert r.size <= 512


def test_bc16b_edns_1232_fits_40_records(setup, query):
    r = query("mid.corp.example.", "A", edns=0, payload=1232)
    expect(r, aa=True, tc=False, answer=MID)
    assert r.size <= 1232


def test_bc16c_server_caps_udp_at_1232(setup, query):
    r = query("huge.corp.example.", "A", edns=0, payload=4096)
    expect(r, aa=True, tc=True, answer=[])
    assert r.size <= 1232


def test_bc16d_tcp_carries_100_records(setup, query):
    r = query("huge.corp.example.", "A", tcp=True)
    expect(r, aa=True, tc=False, answer=HUGE)
