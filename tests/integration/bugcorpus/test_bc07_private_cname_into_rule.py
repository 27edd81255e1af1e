# SPDX-License-Identifier: GPL-3.0-or-later
"""BC-07: a private CNAME whose target lies under a forwarding rule is
chased through the rule (RFC 1034 §4.3.2 step 3a, resolution.md §3);
mixed sources give AA=0. A CNAME query is not chased."""

import pytest

from zgtest import addrs as A
from zgtest.check import assert_asked_once_from, assert_silent, expect


@pytest.fixture
def setup(baseline, op1):
    op1.add("svc.onprem.example.", "A", 30, "192.0.2.80")
    baseline.make_zone("app.example.com.", [
        "web.app.example.com. 300 CNAME svc.onprem.example.",
    ])
    baseline.make_rule("rop", "onprem.example.", [A.OP1])
    return baseline


def test_bc07_cname_chased_through_the_rule(setup, pub, op1, op2, query):
    r = query("web.app.example.com.", "A")
    expect(r, aa=False, answer=[
        "web.app.example.com. 300 CNAME svc.onprem.example.",
        "svc.onprem.example. <=30 A 192.0.2.80",
    ])
    assert_asked_once_from(op1, "svc.onprem.example.", "A", A.OB1_SOURCES)
    assert len(op1.queries()) == 1, op1.summary()
    assert_silent(pub, op2)


def test_bc07_cname_query_not_chased(setup, pub, op1, query):
    r = query("web.app.example.com.", "CNAME")
    expect(r, aa=True, answer=[
        "web.app.example.com. 300 CNAME svc.onprem.example.",
    ])
    assert_silent(pub, op1)
