# SPDX-License-Identifier: GPL-3.0-or-later
"""BC-01: the longest-suffix rule wins; matching is on whole labels
(RFC 1034 §3.1). resolution.md §2.1."""

import pytest

from zgtest import addrs as A
from zgtest.check import assert_asked_once_from, assert_silent, expect


@pytest.fixture
def setup(baseline, pub, op1, op2):
    op1.add_suffix("corp.example.", "A", 60, "10.10.0.5")
    op2.add_suffix(".", "A", 60, "10.20.0.5")
    pub.add_suffix(".", "A", 60, "203.0.113.5")
    baseline.make_rule("r1", "corp.example.", [A.OP1])
    baseline.make_rule("r2", "dev.corp.example.", [A.OP2])
    return baseline


@pytest.mark.parametrize("case,qname,ip,asked", [
    ("a", "app.dev.corp.example.", "10.20.0.5", "op2"),
    ("b", "dev.corp.example.", "10.20.0.5", "op2"),
    ("c", "app.corp.example.", "10.10.0.5", "op1"),
    ("d", "x.mydev.corp.example.", "10.10.0.5", "op1"),
    ("e", "www.notcorp.example.", "203.0.113.5", "pub"),
])
def test_bc01_most_specific_rule_on_whole_labels(setup, pub, op1, op2, query,
                                                 case, qname, ip, asked):
    r = query(qname, "A", source=A.CLIENT_A)
    expect(r, aa=False, ra=True, answer=["%s <=60 A %s" % (qname, ip)])

    fakes = {"op1": op1, "op2": op2, "pub": pub}
    target = fakes.pop(asked)
    assert len(target.queries(name=qname, qtype="A")) == 1, target.summary()
    if asked != "pub":
        assert_asked_once_from(target, qname, "A", A.OB1_SOURCES)
    assert_silent(*fakes.values())
