# SPDX-License-Identifier: GPL-3.0-or-later
"""TTLs from targets and upstreams as clients see them: a TTL with its
top bit set counts as 0 (RFC 2181 section 8), positive TTLs are capped
at 86400 s and negative ones (the SOA of NXDOMAIN and NODATA) at 3600 s
(resolution.md section 5)."""

import pytest

from zgtest import addrs as A
from zgtest.check import expect


@pytest.fixture
def world(baseline, pub, op1):
    baseline.make_rule("rop", "onprem.example.", [A.OP1])
    op1.add("top.onprem.example.", "A", 0xffffffff, "192.0.2.81")
    op1.add("half.onprem.example.", "A", 0x80000000, "192.0.2.82")
    op1.add("max.onprem.example.", "A", 0x7fffffff, "192.0.2.83")
    op1.add("long.onprem.example.", "A", 100000, "192.0.2.84")
    op1.add_negative("gone.onprem.example.", "NXDOMAIN",
                     "onprem.example. 4294967295 SOA ns.onprem.example. "
                     "h.onprem.example. 1 3600 600 86400 4294967295")
    op1.add_negative("neg.onprem.example.", "NXDOMAIN",
                     "onprem.example. 7200 SOA ns.onprem.example. "
                     "h.onprem.example. 1 3600 600 86400 7200")
    pub.add("top.public.example.", "A", 0xfffffff0, "203.0.113.7")
    return baseline


def test_top_bit_ttl_is_zero(world, query):
    for name, ip in (("top.onprem.example.", "192.0.2.81"),
                     ("half.onprem.example.", "192.0.2.82"),
                     ("top.public.example.", "203.0.113.7")):
        for _ in range(2):
            expect(query(name), aa=False, answer=["%s 0 A %s" % (name, ip)])


def test_positive_ttls_capped_at_one_day(world, query):
    expect(query("max.onprem.example."), aa=False,
           answer=["max.onprem.example. <=86400 A 192.0.2.83"])
    r = query("long.onprem.example.")
    expect(r, aa=False, answer=["long.onprem.example. <=86400 A 192.0.2.84"])
    assert r.msg.answer[0].ttl >= 86390, r.msg.answer[0]


def test_negative_ttls_capped_at_one_hour_and_top_bit_is_zero(world,
                                                              query):
    r = query("neg.onprem.example.")
    expect(r, "NXDOMAIN", aa=False, answer=[])
    assert 3590 <= r.msg.authority[0].ttl <= 3600, r.msg.authority[0]
    r = query("gone.onprem.example.")
    expect(r, "NXDOMAIN", aa=False, answer=[])
    assert r.msg.authority[0].ttl == 0, r.msg.authority[0]
