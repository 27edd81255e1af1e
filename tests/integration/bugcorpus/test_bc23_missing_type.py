# SPDX-License-Identifier: GPL-3.0-or-later
"""BC-23 a-c: a missing type is NODATA with the SOA (RFC 2308 §2.2, §3),
locally and through a rule. (d, the cached repeat, belongs to the cache
of issue 3.)"""

import pytest

from zgtest import addrs as A
from zgtest.check import expect

OP1_SOA = ("onprem.example. 600 SOA ns.onprem.example. h.onprem.example. 9"
           " 3600 600 86400 120")


@pytest.fixture
def setup(baseline, op1):
    op1.add_negative("v4.onprem.example.", "NOERROR", OP1_SOA)
    baseline.make_zone("corp.example.", ["v4.corp.example. 300 A 10.1.0.21"])
    baseline.make_rule("rop", "onprem.example.", [A.OP1])
    return baseline


@pytest.mark.parametrize("qtype", ["AAAA", "HTTPS"])
def test_bc23ab_local_nodata_with_soa(setup, query, qtype):
    r = query("v4.corp.example.", qtype)
    expect(r, aa=True, answer=[], authority=[setup.soa("corp.example.")])


def test_bc23c_forwarded_nodata_keeps_upstream_soa(setup, op1, query):
    r = query("v4.onprem.example.", "AAAA")
    # The case expects the SOA TTL trimmed to min(600, MINIMUM 120).
    expect(r, aa=False, answer=[], authority=[
        "onprem.example. <=120 SOA ns.onprem.example. h.onprem.example. 9"
        " 3600 600 86400 120"])
    assert len(op1.queries(name="v4.onprem.example.")) == 1
