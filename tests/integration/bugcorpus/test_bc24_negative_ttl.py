# SPDX-License-Identifier: GPL-3.0-or-later
"""BC-24: the SOA of a negative answer carries the negative TTL
min(SOA TTL, MINIMUM) with its RDATA unchanged; a positive SOA answer
keeps the zone TTL (RFC 2308 §3, §5)."""

import pytest

from zgtest.check import expect


@pytest.fixture
def setup(baseline, cli):
    baseline.make_zone("long.example.")
    cli("zone", "set", baseline.zone["long.example."], "--soa-ttl", "3600",
        "--soa-minimum", "300", "--soa-mname", "ns1.long.example.",
        "--soa-rname", "h.long.example.", "--soa-refresh", "3600",
        "--soa-retry", "600", "--soa-expire", "604800")
    baseline.make_zone("short.example.")
    cli("zone", "set", baseline.zone["short.example."], "--soa-ttl", "60",
        "--soa-minimum", "3600", "--soa-mname", "ns1.short.example.",
        "--soa-rname", "h.short.example.", "--soa-refresh", "3600",
        "--soa-retry", "600", "--soa-expire", "604800")
    return baseline


def serial(topo, zone):
    return topo.zone_obj(zone)["serial"]


def test_bc24a_nxdomain_soa_ttl_is_minimum(setup, query):
    r = query("nx.long.example.", "A")
    expect(r, "NXDOMAIN", aa=True, answer=[], authority=[
        "long.example. 300 SOA ns1.long.example. h.long.example. %d 3600 600"
        " 604800 300" % serial(setup, "long.example.")])


def test_bc24b_nxdomain_soa_ttl_is_soa_ttl_when_smaller(setup, query):
    r = query("nx.short.example.", "A")
    expect(r, "NXDOMAIN", aa=True, answer=[], authority=[
        "short.example. 60 SOA ns1.short.example. h.short.example. %d 3600 "
        "600 604800 3600" % serial(setup, "short.example.")])


def test_bc24c_positive_soa_keeps_zone_ttl(setup, query):
    r = query("long.example.", "SOA")
    expect(r, aa=True, answer=[setup.soa("long.example.", ttl=3600)])


def test_bc24d_nodata_soa_ttl_is_minimum(setup, query):
    r = query("ns1.long.example.", "AAAA")
    expect(r, aa=True, answer=[], authority=[setup.soa("long.example.")])
