# SPDX-License-Identifier: GPL-3.0-or-later
"""The errors zonegate makes itself carry an Extended DNS Error (RFC
8914, resolution.md §6) whose text names no names or addresses: 18 for
no VPC, 20 for no default upstream, 22 when every target of a rule
failed (and the query never leaks to the default upstream, §2.3)."""

import pytest

from zgtest import addrs as A
from zgtest.check import assert_silent, ede_list, expect
from zgtest.util import scaled

SECRET_BITS = ("corp.example", "192.0.2", "198.51.100", "10.0.255", "10.1.0")


def assert_ede_text_clean(reply):
    for code, text in ede_list(reply.msg):
        for bit in SECRET_BITS:
            assert bit not in (text or ""), \
                "EDE %d text %r leaks %r" % (code, text, bit)


def test_ede18_no_vpc(baseline, pub, query):
    r = query("www.example.net.", source=A.CLIENT_NOVPC)
    expect(r, "REFUSED", ra=None, aa=False, answer=[], ede=18)
    assert_ede_text_clean(r)
    assert_silent(pub)


def test_ede20_no_default_upstream(topo, pub, op1, query):
    topo.baseline(upstream=False)
    r = query("www.example.net.", source=A.CLIENT_A)
    expect(r, "REFUSED", aa=False, answer=[], ede=20)
    assert_ede_text_clean(r)
    assert_silent(pub, op1)


def test_ede20_after_upstream_unset(baseline, cli, pub, query):
    pub.add("www.example.net.", "A", 60, "203.0.113.1")
    expect(query("www.example.net."), aa=False,
           answer=["www.example.net. <=60 A 203.0.113.1"])
    cli("upstream", "unset")
    pub.clear_log()
    expect(query("www.example.net."), "REFUSED", aa=False, answer=[],
           ede=20)
    assert_silent(pub)


@pytest.mark.parametrize("mode1,mode2", [
    ("servfail", "servfail"),
    ("refused", "servfail"),
    ("formerr", "refused"),
])
def test_ede22_every_target_failed(baseline, pub, op1, op2, query, mode1,
                                   mode2):
    pub.add_suffix(".", "A", 60, "203.0.113.5")
    op1.mode, op2.mode = mode1, mode2
    baseline.make_rule("r", "corp.example.", [A.OP1, A.OP2])
    r = query("secret.corp.example.", timeout=10)
    expect(r, "SERVFAIL", aa=False, answer=[], ede=22)
    assert_ede_text_clean(r)
    assert op1.queries(name="secret.corp.example.")
    assert op2.queries(name="secret.corp.example.")
    assert_silent(pub, under="corp.example.")


@pytest.mark.slow
def test_ede22_every_target_silent_within_the_limit(baseline, pub, op1, op2,
                                                    query):
    pub.add_suffix(".", "A", 60, "203.0.113.5")
    op1.mode = op2.mode = "drop"
    baseline.make_rule("r", "corp.example.", [A.OP1, A.OP2])
    r = query("secret.corp.example.", timeout=12)
    expect(r, "SERVFAIL", aa=False, answer=[], ede=22)
    # Whole resolution limit 6 s (resolution.md §5), plus slack.
    assert r.elapsed < scaled(7.5), r.elapsed
    assert op1.queries() and op2.queries()
    for e in op1.queries() + op2.queries():
        assert e.src in A.OB1_SOURCES, e
    assert_silent(pub, under="corp.example.")
