# SPDX-License-Identifier: GPL-3.0-or-later
"""Which VPC is asking (resolution.md §1): the listener address the
query arrived on first, else the source CIDR (longest prefix); no VPC is
REFUSED with EDE 18 and nothing is forwarded. Listener addresses come
and go at run time and may not be held by the host yet (IP_FREEBIND)."""

import subprocess

import pytest

from zgtest import addrs as A, dnsq
from zgtest.check import assert_silent, expect


def zone_for(topo, key, vpc, ip):
    """A zone split.example. bound to vpc, whose www is ip."""
    topo.make_zone("split.example.", ["www.split.example. 300 A %s" % ip],
                   vpcs=(vpc,), key=key)


@pytest.fixture
def setup(baseline, pub):
    pub.add("www.split.example.", "A", 60, "203.0.113.9")
    baseline.make_vpc("x", ["10.8.0.0/16"], listen=[A.hostport(A.ZG2)])
    zone_for(baseline, "split-a", "a", "10.1.1.1")
    zone_for(baseline, "split-x", "x", "10.8.1.1")
    return baseline


def test_source_cidr_selects_the_vpc(setup, query):
    expect(query("www.split.example.", source=A.CLIENT_A), aa=True,
           answer=["www.split.example. 300 A 10.1.1.1"])
    expect(query("www.split.example.", source=A.CLIENT_B), aa=False,
           answer=["www.split.example. <=60 A 203.0.113.9"])


def test_listener_address_wins_over_source_cidr(setup, query):
    for client in (A.CLIENT_A, A.CLIENT_B, A.CLIENT_NOVPC):
        r = query("www.split.example.", server=A.ZG2, source=client)
        expect(r, aa=True, answer=["www.split.example. 300 A 10.8.1.1"])


def test_listener_answers_over_tcp_too(setup, query):
    r = query("www.split.example.", server=A.ZG2, source=A.CLIENT_A,
              tcp=True)
    expect(r, aa=True, answer=["www.split.example. 300 A 10.8.1.1"])


def test_no_vpc_is_refused_with_ede_18(setup, pub, op1, query):
    r = query("www.split.example.", source=A.CLIENT_NOVPC)
    expect(r, "REFUSED", aa=False, ra=None, answer=[], ede=18)
    r = query("www.example.net.", source=A.CLIENT_NOVPC, tcp=True)
    expect(r, "REFUSED", aa=False, ra=None, answer=[], ede=18)
    assert_silent(pub, op1)


def test_overlapping_cidrs_with_own_listeners(baseline, query):
    baseline.make_vpc("p", [A.CIDR_OVERLAP], listen=[A.hostport(A.ZG3)])
    baseline.make_vpc("q", [A.CIDR_OVERLAP], listen=[A.hostport(A.ZG4)])
    zone_for(baseline, "split-p", "p", "10.9.1.1")
    zone_for(baseline, "split-q", "q", "10.9.2.2")
    r = query("www.split.example.", server=A.ZG3, source=A.CLIENT_OVERLAP)
    expect(r, aa=True, answer=["www.split.example. 300 A 10.9.1.1"])
    r = query("www.split.example.", server=A.ZG4, source=A.CLIENT_OVERLAP)
    expect(r, aa=True, answer=["www.split.example. 300 A 10.9.2.2"])


def test_overlapping_cidr_without_listener_is_refused(baseline, api):
    before = api.get("/v1/vpcs").body["items"]
    r = api.post("/v1/vpcs", {"name": "clash", "cidrs": ["10.1.128.0/17"]})
    assert r.status == 409, r
    assert r.body["error"]["code"] == "conflict"
    assert baseline.vpc["a"] in r.body["error"]["message"] or \
        "vpc-a" in r.body["error"]["message"], r
    assert api.get("/v1/vpcs").body["items"] == before


def test_listener_added_at_run_time_answers_at_once(setup, cli, query):
    wire = dnsq.make_query("www.split.example.", "A").to_wire()
    assert dnsq.expect_no_reply(A.ZG4, wire, source=A.CLIENT_B, wait=0.5)
    cli("vpc", "update", setup.vpc["x"], "--add-listen", A.hostport(A.ZG4))
    # No sleep: an acknowledged change is already served.
    r = query("www.split.example.", server=A.ZG4, source=A.CLIENT_B)
    expect(r, aa=True, answer=["www.split.example. 300 A 10.8.1.1"])
    cli("vpc", "update", setup.vpc["x"], "--del-listen", A.hostport(A.ZG4))
    assert dnsq.expect_no_reply(A.ZG4, wire, source=A.CLIENT_B, wait=0.5)
    # The other listener of the VPC is untouched.
    expect(query("www.split.example.", server=A.ZG2, source=A.CLIENT_B),
           aa=True, answer=["www.split.example. 300 A 10.8.1.1"])


def test_listener_on_address_the_host_gets_later(setup, cli, query):
    late = A.hostport(A.ZG_LATE)
    cli("vpc", "update", setup.vpc["x"], "--add-listen", late)
    subprocess.run(["ip", "addr", "add", A.ZG_LATE + "/32", "dev", "lo"],
                   check=True, timeout=10)
    try:
        r = query("www.split.example.", server=A.ZG_LATE, source=A.CLIENT_B,
                  timeout=3)
        expect(r, aa=True, answer=["www.split.example. 300 A 10.8.1.1"])
    finally:
        subprocess.run(["ip", "addr", "del", A.ZG_LATE + "/32", "dev",
                        "lo"], check=False, timeout=10)


def test_longest_cidr_wins_on_the_shared_listener(baseline, query):
    baseline.make_vpc("p", [A.CIDR_OVERLAP], listen=[A.hostport(A.ZG3)])
    baseline.make_vpc("q", ["10.9.0.0/24"], listen=[A.hostport(A.ZG4)])
    zone_for(baseline, "split-p", "p", "10.9.1.1")
    zone_for(baseline, "split-q", "q", "10.9.2.2")
    # 10.9.0.10 is in both; on the shared listener the /24 wins.
    r = query("www.split.example.", server=A.ZG, source=A.CLIENT_OVERLAP)
    expect(r, aa=True, answer=["www.split.example. 300 A 10.9.2.2"])


def test_equal_cidrs_of_two_vpcs_name_no_vpc_on_the_shared_listener(
        baseline, pub, query):
    """§1.3: a source address never names two VPCs. p and q share a CIDR
    (allowed: both have listeners); on the shared listener a source in
    it belongs to neither: REFUSED with EDE 18, nothing forwarded. Each
    VPC's own listener still answers as that VPC."""
    baseline.make_vpc("p", [A.CIDR_OVERLAP], listen=[A.hostport(A.ZG3)])
    baseline.make_vpc("q", [A.CIDR_OVERLAP], listen=[A.hostport(A.ZG4)])
    zone_for(baseline, "split-p", "p", "10.9.1.1")
    zone_for(baseline, "split-q", "q", "10.9.2.2")
    for tcp in (False, True):
        r = query("www.split.example.", server=A.ZG,
                  source=A.CLIENT_OVERLAP, tcp=tcp)
        expect(r, "REFUSED", aa=False, ra=None, answer=[], ede=18)
    assert_silent(pub)
    r = query("www.split.example.", server=A.ZG3, source=A.CLIENT_OVERLAP)
    expect(r, aa=True, answer=["www.split.example. 300 A 10.9.1.1"])
