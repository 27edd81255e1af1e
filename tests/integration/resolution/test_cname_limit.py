# SPDX-License-Identifier: GPL-3.0-or-later
"""At most 12 CNAMEs in one answer, all steps together (resolution.md
§5); one more is SERVFAIL with EDE 0 (§6, "CNAME chain too long"),
whose text names no names."""

from zgtest import addrs as A
from zgtest.check import assert_silent, ede_list, expect


def chain(n, zone="corp.example."):
    """c0 -> c1 -> ... -> cN (A 10.1.9.9): n CNAMEs."""
    lines = ["c%d.%s 300 CNAME c%d.%s" % (i, zone, i + 1, zone)
             for i in range(n)]
    return lines, "c%d.%s 300 A 10.1.9.9" % (n, zone)


def test_twelve_cnames_answered(baseline, pub, query):
    cnames, a = chain(12)
    baseline.make_zone("corp.example.")
    baseline.add_records_bulk("corp.example.", cnames + [a])
    r = query("c0.corp.example.", "A")
    expect(r, aa=True, answer=cnames + [a])
    assert_silent(pub)


def test_thirteen_cnames_servfail_ede0(baseline, pub, query):
    cnames, a = chain(13)
    baseline.make_zone("corp.example.")
    baseline.add_records_bulk("corp.example.", cnames + [a])
    r = query("c0.corp.example.", "A")
    expect(r, "SERVFAIL", aa=False, answer=[], ede=0)
    for _, text in ede_list(r.msg):
        assert "corp.example" not in (text or "")
    assert_silent(pub)


def test_limit_counts_cnames_across_steps(baseline, op1, pub, query):
    """7 CNAMEs in the zone, then 6 more from a rule's target: 13."""
    import dns.message
    import dns.rrset

    def onprem_chain(q, entry):
        name = q.question[0].name.to_text().lower()
        r = dns.message.make_response(q, recursion_available=True)
        i = int(name.split(".")[0][1:])
        for j in range(i, 13):
            r.answer.append(dns.rrset.from_text(
                "o%d.onprem.example." % j, 60, "IN", "CNAME",
                "o%d.onprem.example." % (j + 1)))
        r.answer.append(dns.rrset.from_text("o13.onprem.example.", 60, "IN",
                                            "A", "192.0.2.13"))
        return r
    op1.set_handler(onprem_chain)
    baseline.make_rule("rop", "onprem.example.", [A.OP1])
    lines = ["c%d.corp.example. 300 CNAME c%d.corp.example." % (i, i + 1)
             for i in range(6)]
    lines.append("c6.corp.example. 300 CNAME o7.onprem.example.")
    baseline.make_zone("corp.example.")
    baseline.add_records_bulk("corp.example.", lines)
    r = query("c0.corp.example.", "A")
    expect(r, "SERVFAIL", aa=False, answer=[], ede=0)
    assert_silent(pub)
