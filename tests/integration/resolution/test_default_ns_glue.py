# SPDX-License-Identifier: GPL-3.0-or-later
"""The default server name of a private zone, ns1.<zone>., gets A and
AAAA records generated from the listen addresses of the inbound
endpoints of the VPCs the zone is bound to (resolution.md section 3),
with the TTL of the apex NS RRset (3600 by default). The operator's own
records at that name win, type by type; each instance of a split-horizon
zone gets its own VPCs' addresses; a change of the endpoints raises the
zone's serial."""

import dns.flags
import dns.rcode
import pytest

from zgtest import addrs, dnsq

ZONE = "corp.example."
NS1 = "ns1." + ZONE
IN4 = addrs.ZG4          # 10.0.0.5: inbound listener of vpc-a
IN6 = addrs.ZG6_2        # fd00:a::3: inbound listener of vpc-a
IN_B = addrs.ZG3         # 10.0.0.4: inbound listener of vpc-b


def ask(name, qtype, source=addrs.CLIENT_A):
    """(rcode, AA, answer RRs as text) of a query from a VPC client at
    the shared listener."""
    msg = dnsq.query(addrs.ZG, name, qtype, source=source).msg
    rrs = sorted(rr for rrset in msg.answer
                 for rr in rrset.to_text().splitlines())
    return msg.rcode(), bool(msg.flags & dns.flags.AA), rrs


class Lab:
    def __init__(self, cli):
        self.cli = cli
        self.vpc_a = cli("vpc", "create", "vpc-a", "--cidr",
                         addrs.CIDR_A)["id"]
        self.vpc_b = cli("vpc", "create", "vpc-b", "--cidr",
                         addrs.CIDR_B)["id"]

    def inbound(self, name, vpc, listen):
        return self.cli("inbound", "create", name, "--vpc", vpc, "--listen",
                        listen, "--allow", "192.0.2.0/24")["id"]

    def zone(self, vpc):
        zid = self.cli("zone", "create", ZONE)["id"]
        self.cli("zone", "bind", zid, "--vpc", vpc)
        return zid

    def serial(self, zid):
        return self.cli("zone", "show", zid)["serial"]


@pytest.fixture
def lab(zonegated, cli):
    return Lab(cli)


def test_default_ns_gets_a_and_aaaa_of_the_inbound_listeners(lab):
    zid = lab.zone(lab.vpc_a)
    # No endpoint yet: nothing exists at ns1 (RFC 1034 4.3.2: NXDOMAIN).
    assert ask(NS1, "A")[:2] == (dns.rcode.NXDOMAIN, True)
    before = lab.serial(zid)

    lab.inbound("in-a", lab.vpc_a, "%s,%s" % (IN4, IN6))

    # The generated records changed the zone: one new version.
    assert lab.serial(zid) == before + 1
    assert ask(NS1, "A") == (dns.rcode.NOERROR, True,
                             ["%s 3600 IN A %s" % (NS1, IN4)])
    assert ask(NS1, "AAAA") == (dns.rcode.NOERROR, True,
                                ["%s 3600 IN AAAA %s" % (NS1, IN6)])


def test_the_ttl_follows_the_apex_ns_ttl(lab):
    zid = lab.zone(lab.vpc_a)
    lab.inbound("in-a", lab.vpc_a, IN4)
    lab.cli("zone", "set", zid, "--soa-ttl", "7200")
    assert ask(NS1, "A")[2] == ["%s 7200 IN A %s" % (NS1, IN4)]
    assert ask(ZONE, "NS")[2] == ["%s 7200 IN NS %s" % (ZONE, NS1)]


def test_operator_records_at_ns1_win_type_by_type(lab):
    zid = lab.zone(lab.vpc_a)
    lab.inbound("in-a", lab.vpc_a, "%s,%s" % (IN4, IN6))
    lab.cli("record", "add", zid, "ns1", "A", "192.0.2.53", "--ttl", "300")

    assert ask(NS1, "A") == (dns.rcode.NOERROR, True,
                             ["%s 300 IN A 192.0.2.53" % NS1])
    # No A of the operator's for AAAA: the generated one stays.
    assert ask(NS1, "AAAA")[2] == ["%s 3600 IN AAAA %s" % (NS1, IN6)]

    lab.cli("record", "delete", zid, "ns1", "A")
    assert ask(NS1, "A")[2] == ["%s 3600 IN A %s" % (NS1, IN4)]


def test_zone_without_inbound_endpoints_has_nothing_at_ns1(lab):
    # An endpoint of another VPC does not count.
    lab.inbound("in-b", lab.vpc_b, IN_B)
    lab.zone(lab.vpc_a)
    rcode, aa, rrs = ask(NS1, "A")
    assert (rcode, aa, rrs) == (dns.rcode.NXDOMAIN, True, [])
    assert ask(NS1, "AAAA")[:3] == (dns.rcode.NXDOMAIN, True, [])


def test_a_zone_not_served_by_the_default_name_gets_nothing(lab):
    zid = lab.zone(lab.vpc_a)
    lab.inbound("in-a", lab.vpc_a, IN4)
    lab.cli("zone", "set", zid, "--ns", "ns.example.net.")
    assert ask(NS1, "A")[:3] == (dns.rcode.NXDOMAIN, True, [])


def test_split_horizon_instances_get_their_own_vpcs_addresses(lab):
    lab.inbound("in-a", lab.vpc_a, IN4)
    lab.inbound("in-b", lab.vpc_b, IN_B)
    lab.zone(lab.vpc_a)
    lab.zone(lab.vpc_b)
    assert ask(NS1, "A", source=addrs.CLIENT_A)[2] == [
        "%s 3600 IN A %s" % (NS1, IN4)]
    assert ask(NS1, "A", source=addrs.CLIENT_B)[2] == [
        "%s 3600 IN A %s" % (NS1, IN_B)]


def test_endpoint_and_binding_changes_raise_the_serial(lab):
    zid = lab.zone(lab.vpc_b)
    in_a = lab.inbound("in-a", lab.vpc_a, IN4)
    serial = lab.serial(zid)    # bound to vpc-b only: unchanged so far

    lab.cli("zone", "bind", zid, "--vpc", lab.vpc_a)
    assert lab.serial(zid) == serial + 1
    assert ask(NS1, "A")[2] == ["%s 3600 IN A %s" % (NS1, IN4)]

    lab.cli("inbound", "update", in_a, "--listen", IN6)
    assert lab.serial(zid) == serial + 2
    assert ask(NS1, "A")[:3] == (dns.rcode.NOERROR, True, [])
    assert ask(NS1, "AAAA")[2] == ["%s 3600 IN AAAA %s" % (NS1, IN6)]

    lab.cli("inbound", "delete", in_a)
    assert lab.serial(zid) == serial + 3
    assert ask(NS1, "AAAA")[:3] == (dns.rcode.NXDOMAIN, True, [])
