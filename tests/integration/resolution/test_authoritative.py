# SPDX-License-Identifier: GPL-3.0-or-later
"""Authoritative answers from private zones (resolution.md §3): AA,
apex SOA and NS, record types, one TTL per RRset, serial growth,
referrals for RD=0 below a delegation, case kept, changes served at once."""

import pytest

from zgtest import addrs as A
from zgtest.check import assert_silent, expect


@pytest.fixture
def corp(baseline):
    baseline.make_zone("corp.example.", [
        "www.corp.example. 300 A 10.1.2.3",
        "www.corp.example. 300 AAAA fd00:1::2:3",
        "corp.example. 300 MX 10 mail.corp.example.",
        "mail.corp.example. 300 A 10.1.2.25",
        'txt.corp.example. 300 TXT "hello world" "second"',
        "_sip._udp.corp.example. 300 SRV 10 5 5060 www.corp.example.",
        "corp.example. 300 CAA 0 issue \"ca.example\"",
        "3.2.1.corp.example. 300 PTR www.corp.example.",
        "sub.corp.example. 300 NS ns.sub.corp.example.",
        "ns.sub.corp.example. 300 A 192.0.2.53",
    ])
    return baseline


@pytest.mark.parametrize("qname,qtype,answer", [
    ("www.corp.example.", "A", ["www.corp.example. 300 A 10.1.2.3"]),
    ("www.corp.example.", "AAAA", ["www.corp.example. 300 AAAA fd00:1::2:3"]),
    ("corp.example.", "MX", ["corp.example. 300 MX 10 mail.corp.example."]),
    ("txt.corp.example.", "TXT",
     ['txt.corp.example. 300 TXT "hello world" "second"']),
    ("_sip._udp.corp.example.", "SRV",
     ["_sip._udp.corp.example. 300 SRV 10 5 5060 www.corp.example."]),
    ("corp.example.", "CAA", ['corp.example. 300 CAA 0 issue "ca.example"']),
    ("3.2.1.corp.example.", "PTR",
     ["3.2.1.corp.example. 300 PTR www.corp.example."]),
    ("corp.example.", "NS", ["corp.example. 3600 NS ns1.corp.example."]),
])
def test_record_types_served_with_aa(corp, pub, query, qname, qtype, answer):
    expect(query(qname, qtype), aa=True, answer=answer)
    assert_silent(pub)


def test_apex_soa_answer(corp, query):
    expect(query("corp.example.", "SOA"), aa=True,
           answer=[corp.soa("corp.example.", ttl=3600)])


def test_new_zone_soa_defaults(corp):
    z = corp.zone_obj("corp.example.")
    soa = z["soa"]
    assert (soa["ttl"], soa["mname"], soa["rname"], soa["refresh"],
            soa["retry"], soa["expire"], soa["minimum"]) == (
        3600, "ns1.corp.example.", "hostmaster.corp.example.", 3600, 600,
        604800, 300)
    assert z["ns"] == ["ns1.corp.example."]


def test_question_case_kept(corp, query):
    r = query("WwW.CoRp.ExAmPlE.", "A")
    expect(r, aa=True, answer=["www.corp.example. 300 A 10.1.2.3"])
    assert b"\x03WwW\x04CoRp\x07ExAmPlE\x00" in r.wire[:40]


def test_referral_for_rd_clear_below_delegation(corp, query, op1):
    r = query("www.sub.corp.example.", "A", rd=False)
    expect(r, aa=False, rd=False, answer=[],
           authority=["sub.corp.example. 300 NS ns.sub.corp.example."],
           additional=["ns.sub.corp.example. 300 A 192.0.2.53"])
    assert_silent(op1)


def test_rd_clear_query_answered_authoritatively(corp, query):
    expect(query("www.corp.example.", "A", rd=False), aa=True, rd=False,
           answer=["www.corp.example. 300 A 10.1.2.3"])


def test_change_is_served_when_acknowledged(corp, query):
    corp.add_record("corp.example.", "new.corp.example. 300 A 10.1.2.9")
    expect(query("new.corp.example.", "A"), aa=True,
           answer=["new.corp.example. 300 A 10.1.2.9"])


def test_serial_grows_once_per_change(corp, query, cli):
    before = corp.zone_obj("corp.example.")["serial"]
    corp.add_record("corp.example.", "s1.corp.example. 300 A 10.1.2.10")
    after_one = corp.zone_obj("corp.example.")["serial"]
    assert after_one == before + 1
    corp.add_records_bulk("corp.example.", [
        "s2.corp.example. 300 A 10.1.2.11",
        "s3.corp.example. 300 A 10.1.2.12",
        "s3.corp.example. 300 TXT \"x\"",
    ])
    z = corp.zone_obj("corp.example.")
    assert z["serial"] == after_one + 1
    expect(query("corp.example.", "SOA"), aa=True,
           answer=[corp.soa("corp.example.", ttl=3600)])


def test_rrset_has_one_ttl(corp, query):
    out = corp.add_record("corp.example.", "www.corp.example. 60 A 10.1.2.4")
    assert "ttl" in (out or {}).get("warning", ""), out
    expect(query("www.corp.example.", "A"), aa=True, answer=[
        "www.corp.example. 60 A 10.1.2.3",
        "www.corp.example. 60 A 10.1.2.4"])


def test_record_delete_rrset_and_value(corp, cli, query):
    corp.add_record("corp.example.", "www.corp.example. 300 A 10.1.2.4")
    cli("record", "delete", corp.zone["corp.example."], "www", "A",
        "10.1.2.3")
    expect(query("www.corp.example.", "A"), aa=True,
           answer=["www.corp.example. 300 A 10.1.2.4"])
    cli("record", "delete", corp.zone["corp.example."], "www", "A")
    expect(query("www.corp.example.", "A"), aa=True, answer=[],
           authority=[corp.soa("corp.example.")])


def test_unbinding_a_zone_takes_effect_at_once(corp, cli, pub, query):
    pub.add("www.corp.example.", "A", 60, "203.0.113.3")
    cli("zone", "unbind", corp.zone["corp.example."], "--vpc", corp.vpc["a"])
    expect(query("www.corp.example.", "A"), aa=False,
           answer=["www.corp.example. <=60 A 203.0.113.3"])
    cli("zone", "bind", corp.zone["corp.example."], "--vpc", corp.vpc["a"])
    expect(query("www.corp.example.", "A"), aa=True,
           answer=["www.corp.example. 300 A 10.1.2.3"])


def test_zone_wins_over_rule_of_same_name(corp, op1, query):
    op1.add_suffix("corp.example.", "A", 60, "10.10.0.5")
    corp.make_rule("same", "corp.example.", [A.OP1])
    expect(query("www.corp.example.", "A"), aa=True,
           answer=["www.corp.example. 300 A 10.1.2.3"])
    assert_silent(op1)


def test_superexample_not_matched_by_example(baseline, pub, query):
    pub.add("www.supercorp.example.", "A", 60, "203.0.113.7")
    baseline.make_zone("corp.example.", [])
    expect(query("www.supercorp.example.", "A"), aa=False,
           answer=["www.supercorp.example. <=60 A 203.0.113.7"])
