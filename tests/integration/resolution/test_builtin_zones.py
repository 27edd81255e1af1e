# SPDX-License-Identifier: GPL-3.0-or-later
"""Built-in locally served zones (resolution.md §2, RFC 6303, RFC 8375,
RFC 6761): answered with AA and their own SOA, never forwarded, and
turned off per VPC through the API."""

import dns.reversename
import pytest

from zgtest import addrs as A
from zgtest.check import assert_silent, expect


def builtin_soa(zone):
    return ("%s 10800 SOA %s nobody.invalid. 1 3600 1200 604800 10800"
            % (zone, zone))


@pytest.mark.parametrize("qname,zone", [
    ("1.0.0.10.in-addr.arpa.", "10.in-addr.arpa."),
    ("1.0.168.192.in-addr.arpa.", "168.192.in-addr.arpa."),
    ("1.0.20.172.in-addr.arpa.", "20.172.in-addr.arpa."),
    ("1.0.64.100.in-addr.arpa.", "64.100.in-addr.arpa."),
    ("1.0.0.127.in-addr.arpa.", "127.in-addr.arpa."),
    ("1.1.254.169.in-addr.arpa.", "254.169.in-addr.arpa."),
    (dns.reversename.from_address("fd00:a::10").to_text(), "d.f.ip6.arpa."),
    (dns.reversename.from_address("fe80::1").to_text(), "8.e.f.ip6.arpa."),
    ("x.home.arpa.", "home.arpa."),
    ("x.invalid.", "invalid."),
])
def test_builtin_zone_nxdomain(baseline, pub, query, qname, zone):
    r = query(qname, "PTR" if "arpa" in qname and "home" not in qname
              else "A")
    expect(r, "NXDOMAIN", aa=True, answer=[], authority=[builtin_soa(zone)])
    assert_silent(pub)


def test_builtin_zone_apex_soa(baseline, query):
    expect(query("10.in-addr.arpa.", "SOA"), aa=True,
           answer=[builtin_soa("10.in-addr.arpa.")])


def test_builtin_zones_off_for_one_vpc(baseline, api, pub, query):
    pub.add("1.0.0.10.in-addr.arpa.", "PTR", 60, "leak.example.")
    vpc_b = baseline.vpc["b"]
    cur = api.get("/v1/vpcs/%s" % vpc_b)
    assert cur.status == 200, cur
    r = api.patch("/v1/vpcs/%s" % vpc_b, {"builtin_zones": False})
    assert r.status == 200, r
    assert r.body["builtin_zones"] is False
    expect(query("1.0.0.10.in-addr.arpa.", "PTR", source=A.CLIENT_B),
           aa=False, answer=["1.0.0.10.in-addr.arpa. <=60 PTR leak.example."])
    # vpc-a keeps them.
    expect(query("1.0.0.10.in-addr.arpa.", "PTR", source=A.CLIENT_A),
           "NXDOMAIN", aa=True, answer=[],
           authority=[builtin_soa("10.in-addr.arpa.")])
    assert len(pub.queries()) == 1
