# SPDX-License-Identifier: GPL-3.0-or-later
"""BC-22 a-d: empty non-terminals are NODATA, never NXDOMAIN (RFC 8020
§2, RFC 2308 §2.2), also with proxy pattern record. (e, the secondary
zone, belongs to issue 4.)"""

import pytest

from zgtest.check import assert_silent, expect

RECORDS = [
    "_ldap._tcp.dc.corp.example. 300 SRV 0 100 389 dc1.corp.example.",
    "dc1.corp.example. 300 A 10.1.0.20",
]


@pytest.fixture(params=["zone", "record"])
def setup(request, baseline):
    baseline.make_zone("corp.example.", RECORDS, proxy=request.param)
    return baseline


def test_bc22a_ent_srv_is_nodata(setup, pub, query):
    r = query("_tcp.dc.corp.example.", "SRV")
    expect(r, aa=True, answer=[], authority=[setup.soa("corp.example.")])
    assert_silent(pub)      # d: also with proxy pattern record


def test_bc22b_ent_a_is_nodata(setup, pub, query):
    r = query("dc.corp.example.", "A")
    expect(r, aa=True, answer=[], authority=[setup.soa("corp.example.")])
    assert_silent(pub)


def test_bc22c_name_below_ent_still_answers(setup, pub, query):
    expect(query("dc.corp.example.", "A"), aa=True, answer=[])
    r = query("_ldap._tcp.dc.corp.example.", "SRV")
    expect(r, aa=True, answer=[RECORDS[0]])
    assert_silent(pub)
