# SPDX-License-Identifier: GPL-3.0-or-later
"""The seed scenario (shared/seed/, Alibaba Cloud Resolver with an
on-premises BIND): a forwarding rule for alidns-example.com sends the
VPC's queries from the outbound endpoint to a real BIND 9, and the
client gets 15.15.15.15 with AA=0 and RA=1 (resolution.md §4)."""

import pytest

from zgtest import addrs as A
from zgtest.bind9 import SEED_ZONE
from zgtest.check import assert_silent, expect

SEED_SOA = ("alidns-example.com. <=3600 SOA 172.28.0.7. "
            "admin.alidns-example.com. 8 86400 3600 604800 10800")


@pytest.fixture
def onprem(baseline, bind9):
    named = bind9(listen=[A.PRI, A.PRI6])
    baseline.make_zone("corp.example.", ["www.corp.example. 300 A 10.1.2.3"])
    baseline.make_rule("to-idc", SEED_ZONE, [A.PRI])
    return named


@pytest.mark.parametrize("tcp", [False, True])
def test_rule_forwards_to_bind(onprem, baseline, pub, query, tcp):
    r = query("alidns-example.com.", "A", tcp=tcp)
    expect(r, aa=False, ra=True,
           answer=["alidns-example.com. <=3600 A 15.15.15.15"])
    assert_silent(pub)


def test_bind_saw_the_endpoint_sources(onprem, api, query):
    for i in range(6):
        # Flushed each time, so that every query reaches BIND.
        api.ok("POST", "/v1/cache/flush", {})
        expect(query("alidns-example.com.", "A"), aa=False)
    clients = onprem.clients("alidns-example.com.", "A")
    assert len(clients) >= 6, onprem.log_tail()
    assert set(clients) <= set(A.OB1_SOURCES), clients


def test_nxdomain_and_nodata_from_bind(onprem, query):
    expect(query("nx.alidns-example.com.", "A"), "NXDOMAIN", aa=False,
           answer=[], authority=[SEED_SOA])
    expect(query("alidns-example.com.", "AAAA"), aa=False, answer=[],
           authority=[SEED_SOA])


def test_private_zone_and_rule_side_by_side(onprem, query):
    expect(query("www.corp.example."), aa=True,
           answer=["www.corp.example. 300 A 10.1.2.3"])
    expect(query("alidns-example.com."), aa=False,
           answer=["alidns-example.com. <=3600 A 15.15.15.15"])


def test_other_vpc_not_bound_to_rule_goes_upstream(onprem, pub, query):
    pub.add("alidns-example.com.", "A", 60, "203.0.113.15")
    expect(query("alidns-example.com.", source=A.CLIENT_B), aa=False,
           answer=["alidns-example.com. <=60 A 203.0.113.15"])


def test_explain_names_the_rule(onprem, baseline, cli):
    out = cli("explain", "--vpc", baseline.vpc["a"], "alidns-example.com",
              "A")
    last = out["steps"][-1]
    assert last["step"] == "rule"
    assert last["resource"] == baseline.rule["to-idc"]
    assert last["targets"] == ["192.0.2.10:53"]


def test_seed_over_ipv6(onprem, baseline, query):
    baseline.make_endpoint("ob-6", "a", A.OB1_SOURCES6)
    baseline.make_rule("to-idc6", "alidns-example.com.", [A.PRI6],
                       vpcs=("b",), endpoint="ob-6")
    r = query("alidns-example.com.", "A", server=A.ZG6, source=A.CLIENT_B6)
    expect(r, aa=False, answer=["alidns-example.com. <=3600 A 15.15.15.15"])


def test_bind_down_gives_servfail_ede22(onprem, pub, query):
    onprem.stop()
    r = query("alidns-example.com.", "A", timeout=10)
    expect(r, "SERVFAIL", aa=False, answer=[], ede=22)
    assert_silent(pub)
