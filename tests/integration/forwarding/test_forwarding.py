# SPDX-License-Identifier: GPL-3.0-or-later
"""Asking targets (resolution.md §4): from the endpoint's source
addresses with random IDs and ports (RFC 5452), DO and CD passed on, ECS
removed, AA cleared, RA set, AD cleared; replies must match ID, address,
port and question; next target on SERVFAIL/REFUSED/FORMERR/timeout,
NXDOMAIN final, EDNS-intolerant targets asked again without EDNS,
truncated answers asked again over TCP; bailiwick."""

import dns.flags
import dns.message
import dns.rcode
import dns.rrset
import pytest

from zgtest import addrs as A, dnsq
from zgtest.check import assert_asked_once_from, assert_silent, expect
from zgtest.util import scaled


@pytest.fixture
def rule(baseline, op1, op2):
    op1.add_suffix("onprem.example.", "A", 60, "192.0.2.81")
    op2.add_suffix("onprem.example.", "A", 60, "192.0.2.82")
    baseline.make_rule("rop", "onprem.example.", [A.OP1, A.OP2])
    return baseline


def test_queries_leave_from_endpoint_sources_spread(rule, op1, query):
    for i in range(20):
        expect(query("h%d.onprem.example." % i), aa=False)
    srcs = [e.src for e in op1.queries()]
    assert len(srcs) == 20
    assert set(srcs) == set(A.OB1_SOURCES), srcs


def test_random_ids_and_ports(rule, op1, query):
    for i in range(16):
        expect(query("r%d.onprem.example." % i), aa=False)
    log = op1.queries()
    assert len(log) == 16
    ids = [e.qid for e in log]
    ports = [e.sport for e in log]
    # 16 random 16-bit IDs collide with probability ~0.2 %: allow one.
    assert len(set(ids)) >= 15, ids
    steps = {(b - a) & 0xFFFF for a, b in zip(ids, ids[1:])}
    assert len(steps) > 2, ids          # not a counter
    # Ports come from per-worker socket pools: they vary, never 53.
    assert len(set(ports)) >= 3, ports
    assert 53 not in ports


def test_do_and_cd_passed_on(rule, op1, query):
    query("dnssec.onprem.example.", do=True, cd=True)
    query("plain.onprem.example.", do=False, cd=False)
    e1 = op1.queries(name="dnssec.onprem.example.")[0]
    e2 = op1.queries(name="plain.onprem.example.")[0]
    assert (e1.do, e1.cd) == (True, True)
    assert (e2.do, e2.cd) == (False, False)
    assert e1.rd and e2.rd


def test_client_ecs_never_sent_upstream(rule, op1, pub, query):
    pub.add("www.public.example.", "A", 60, "203.0.113.4")
    ecs = dnsq.ecs_option("10.1.0.0", 24)
    expect(query("e.onprem.example.", options=[ecs]), aa=False)
    expect(query("www.public.example.", options=[ecs]), aa=False)
    assert op1.queries() and pub.queries()
    for e in op1.queries() + pub.queries():
        assert not e.ecs, e


def test_aa_cleared_ra_set_ad_cleared(rule, op1, query):
    def authoritative_ad(q, entry):
        r = dns.message.make_response(q)      # RA clear
        r.flags |= dns.flags.AA | dns.flags.AD
        r.answer.append(dns.rrset.from_text(q.question[0].name, 60, "IN",
                                            "A", "192.0.2.83"))
        return r
    op1.set_handler(authoritative_ad)
    r = query("aa.onprem.example.", ad=True)
    expect(r, aa=False, ra=True, ad=False,
           answer=["aa.onprem.example. <=60 A 192.0.2.83"])


def test_spoofed_replies_ignored(rule, op1, query):
    def spoofs(q):
        bad_id = dns.message.make_response(q)
        bad_id.id = (q.id + 1) & 0xFFFF
        bad_id.answer.append(dns.rrset.from_text(q.question[0].name, 60,
                                                 "IN", "A", "6.6.6.6"))
        bad_q = dns.message.make_query("other.onprem.example.", "A")
        bad_q.id = q.id
        bad_q = dns.message.make_response(bad_q)
        bad_q.answer.append(dns.rrset.from_text("other.onprem.example.", 60,
                                                "IN", "A", "6.6.6.7"))
        return [bad_id, bad_q]
    op1.set_pre_replies(spoofs)
    r = query("sp.onprem.example.")
    expect(r, aa=False, answer=["sp.onprem.example. <=60 A 192.0.2.81"])


@pytest.mark.parametrize("mode", ["servfail", "refused", "formerr"])
def test_next_target_after_error(rule, op1, op2, query, mode):
    op1.mode = mode
    r = query("n.onprem.example.")
    expect(r, aa=False, answer=["n.onprem.example. <=60 A 192.0.2.82"])
    assert op1.queries(name="n.onprem.example.")
    assert_asked_once_from(op2, "n.onprem.example.", "A", A.OB1_SOURCES)


def test_next_target_after_timeout(rule, op1, op2, query):
    op1.mode = "drop"
    r = query("t.onprem.example.", timeout=10)
    expect(r, aa=False, answer=["t.onprem.example. <=60 A 192.0.2.82"])
    # First try 800 ms (resolution.md §5), then OP2.
    assert r.elapsed < scaled(3.0), r.elapsed
    assert op2.queries(name="t.onprem.example.")


def test_nxdomain_from_target_is_final(rule, op1, op2, pub, query):
    op1.add_negative("gone.onprem.example.", "NXDOMAIN",
                     "onprem.example. 300 SOA ns.onprem.example. "
                     "h.onprem.example. 5 3600 600 86400 60")
    r = query("gone.onprem.example.")
    expect(r, "NXDOMAIN", aa=False, answer=[], authority=[
        "onprem.example. <=60 SOA ns.onprem.example. h.onprem.example. 5"
        " 3600 600 86400 60"])
    assert_silent(op2, pub)


def test_edns_intolerant_target_asked_without_edns(rule, op1, op2, query):
    def no_edns(q, entry):
        if q.edns >= 0:
            r = dns.message.make_response(q)
            r.use_edns(False)
            r.set_rcode(dns.rcode.FORMERR)
            return r
        return None
    op1.set_handler(no_edns)
    r = query("old.onprem.example.")
    expect(r, aa=False, answer=["old.onprem.example. <=60 A 192.0.2.81"])
    log = op1.queries(name="old.onprem.example.")
    assert [e.edns for e in log][:2] == [0, -1], op1.summary()
    assert_silent(op2)


def test_truncated_answer_asked_again_over_tcp(rule, op1, query):
    texts = ['"%s"' % (c * 250) for c in "abc"]
    op1.add("big.onprem.example.", "TXT", 60, *texts)
    op1.mode = "truncate"
    r = query("big.onprem.example.", "TXT", payload=1232)
    expect(r, aa=False, tc=False,
           answer=["big.onprem.example. <=60 TXT %s" % t for t in texts])
    assert op1.queries(name="big.onprem.example.", transport="tcp")


def test_client_tcp_query_forwarded(rule, op1, query):
    r = query("tcp.onprem.example.", tcp=True)
    expect(r, aa=False, answer=["tcp.onprem.example. <=60 A 192.0.2.81"])


def test_out_of_bailiwick_records_dropped(rule, op1, query):
    def polluting(q, entry):
        r = dns.message.make_response(q, recursion_available=True)
        name = q.question[0].name
        r.answer.append(dns.rrset.from_text(name, 60, "IN", "A",
                                            "192.0.2.81"))
        r.answer.append(dns.rrset.from_text("evil.example.", 60, "IN", "A",
                                            "6.6.6.6"))
        r.authority.append(dns.rrset.from_text("example.", 60, "IN", "NS",
                                               "ns.evil.example."))
        r.additional.append(dns.rrset.from_text("ns.evil.example.", 60,
                                                "IN", "A", "6.6.6.6"))
        return r
    op1.set_handler(polluting)
    r = query("p.onprem.example.")
    expect(r, aa=False, answer=["p.onprem.example. <=60 A 192.0.2.81"])
    for rrset in r.msg.authority + r.msg.additional:
        assert not rrset.name.to_text().endswith("evil.example."), \
            r.msg.to_text()
        assert rrset.name.to_text() != "example.", r.msg.to_text()


def test_negative_soa_of_ancestor_kept(rule, op1, query):
    op1.add_negative("x.onprem.example.", "NXDOMAIN",
                     "example. 300 SOA ns.example. h.example. 1 3600 600 "
                     "86400 30")
    r = query("x.onprem.example.")
    expect(r, "NXDOMAIN", aa=False, answer=[], authority=[
        "example. <=30 SOA ns.example. h.example. 1 3600 600 86400 30"])


def test_cname_out_of_rule_domain_reresolved(rule, op1, pub, query):
    def alias(q, entry):
        r = dns.message.make_response(q, recursion_available=True)
        r.answer.append(dns.rrset.from_text(q.question[0].name, 60, "IN",
                                            "CNAME", "out.partner.example."))
        r.answer.append(dns.rrset.from_text("out.partner.example.", 60, "IN",
                                            "A", "6.6.6.6"))
        return r
    op1.set_handler(alias)
    pub.add("out.partner.example.", "A", 60, "203.0.113.7")
    r = query("alias.onprem.example.")
    expect(r, aa=False, answer=[
        "alias.onprem.example. <=60 CNAME out.partner.example.",
        "out.partner.example. <=60 A 203.0.113.7"])
    assert len(pub.queries(name="out.partner.example.")) == 1


def test_dnssec_and_unknown_types_pass_through(rule, op1, query):
    rrsig = ("A 13 3 60 20300101000000 20200101000000 12345 onprem.example. "
             "dGVzdHNpZ25hdHVyZQ==")
    def signed(q, entry):
        r = dns.message.make_response(q, recursion_available=True)
        name = q.question[0].name
        if q.question[0].rdtype == 65280:
            r.answer.append(dns.rrset.from_text(name, 60, "IN", "TYPE65280",
                                                r"\# 3 abcdef"))
            return r
        r.answer.append(dns.rrset.from_text(name, 60, "IN", "A",
                                            "192.0.2.81"))
        r.answer.append(dns.rrset.from_text(name, 60, "IN", "RRSIG", rrsig))
        return r
    op1.set_handler(signed)
    r = query("s.onprem.example.", do=True)
    expect(r, aa=False, answer=["s.onprem.example. <=60 A 192.0.2.81",
                                "s.onprem.example. <=60 RRSIG " + rrsig])
    r = query("u.onprem.example.", "TYPE65280")
    expect(r, aa=False, answer=[r"u.onprem.example. <=60 TYPE65280 \# 3 "
                                "abcdef"])


def test_rule_target_change_takes_effect(rule, cli, op1, op2, query):
    cli("rule", "update", rule.rule["rop"], "--target",
        A.hostport(A.OP2))
    r = query("c.onprem.example.")
    expect(r, aa=False, answer=["c.onprem.example. <=60 A 192.0.2.82"])
    assert_silent(op1)


def test_rule_unbind_falls_back_to_upstream(rule, cli, op1, pub, query):
    pub.add("u2.onprem.example.", "A", 60, "203.0.113.8")
    cli("rule", "unbind", rule.rule["rop"], "--vpc", rule.vpc["a"])
    expect(query("u2.onprem.example."), aa=False,
           answer=["u2.onprem.example. <=60 A 203.0.113.8"])
    assert_silent(op1)


def test_per_vpc_upstream_overrides_global(baseline, pub, op2, query):
    op2.add("www.public.example.", "A", 60, "192.0.2.99")
    pub.add("www.public.example.", "A", 60, "203.0.113.99")
    baseline.set_upstream([A.hostport(A.OP2)], vpc="b")
    expect(query("www.public.example.", source=A.CLIENT_B), aa=False,
           answer=["www.public.example. <=60 A 192.0.2.99"])
    expect(query("www.public.example.", source=A.CLIENT_A), aa=False,
           answer=["www.public.example. <=60 A 203.0.113.99"])


def test_upstream_source_address_used(baseline, pub, query):
    baseline.set_upstream([A.hostport(A.PUB)], source=A.OB1_SOURCES[1])
    pub.add("src.public.example.", "A", 60, "203.0.113.10")
    expect(query("src.public.example."), aa=False)
    assert pub.queries()[0].src == A.OB1_SOURCES[1]
