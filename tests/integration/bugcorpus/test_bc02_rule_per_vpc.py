# SPDX-License-Identifier: GPL-3.0-or-later
"""BC-02: the same rule domain bound to different VPCs goes to different
targets; a VPC bound to neither uses the default upstream; one VPC's
answer is never served to another."""

import pytest

from zgtest import addrs as A
from zgtest.check import assert_asked_once_from, assert_silent, expect


@pytest.fixture
def setup(baseline, pub, op1, op2):
    op1.add_suffix("corp.example.", "A", 60, "10.10.0.5")
    op2.add_suffix(".", "A", 60, "10.20.0.5")
    pub.add_suffix(".", "A", 60, "203.0.113.5")
    baseline.make_rule("ra", "corp.example.", [A.OP1], vpcs=("a",))
    baseline.make_rule("rb", "corp.example.", [A.OP2], vpcs=("b",))
    return baseline


@pytest.mark.parametrize("case,client,ip,asked", [
    ("a", A.CLIENT_A, "10.10.0.5", "op1"),
    ("b", A.CLIENT_B, "10.20.0.5", "op2"),
    ("c", A.CLIENT_C, "203.0.113.5", "pub"),
])
def test_bc02_rule_chosen_by_the_asking_vpc(setup, pub, op1, op2, query,
                                            case, client, ip, asked):
    r = query("db.corp.example.", "A", source=client)
    expect(r, aa=False, answer=["db.corp.example. <=60 A %s" % ip])
    fakes = {"op1": op1, "op2": op2, "pub": pub}
    target = fakes.pop(asked)
    assert len(target.queries(name="db.corp.example.")) == 1
    if asked != "pub":
        assert_asked_once_from(target, "db.corp.example.", "A",
                               A.OB1_SOURCES)
    assert_silent(*fakes.values())


def test_bc02d_answer_of_one_vpc_not_served_to_the_other(setup, op1, op2,
                                                         query):
    ra = query("db.corp.example.", "A", source=A.CLIENT_A)
    rb = query("db.corp.example.", "A", source=A.CLIENT_B)
    expect(ra, aa=False, answer=["db.corp.example. <=60 A 10.10.0.5"])
    expect(rb, aa=False, answer=["db.corp.example. <=60 A 10.20.0.5"])
    assert len(op1.queries(name="db.corp.example.")) == 1
    assert len(op2.queries(name="db.corp.example.")) == 1
