# SPDX-License-Identifier: GPL-3.0-or-later
"""Inbound endpoints (issue 4 item 3, shared/resolution.md section 1.2):
on-premises clients query a listener address and are answered as the
VPC the endpoint names; sources outside its allow-list are refused with
EDE 18; its listeners are zonegate's own addresses for loop checks."""

import dns.rcode

from zgtest import addrs, dnsq

from conftest import IN_A, IN_B, ONPREM, OUTSIDER, ZONE


def ede_codes(msg):
    return [o.code for o in msg.options if o.otype == 15]


def test_endpoint_answers_as_its_vpc(zs):
    zs.zone(records=["www 300 A 10.1.2.3"])

    r = dnsq.query(IN_A, "www." + ZONE, "A", source=ONPREM)

    assert r.msg.rcode() == dns.rcode.NOERROR
    assert r.msg.answer[0][0].address == "10.1.2.3"
    # The same on-premises client at the shared listener has no VPC.
    r = dnsq.query(addrs.ZG, "www." + ZONE, "A", source=ONPREM)
    assert r.msg.rcode() == dns.rcode.REFUSED


def test_source_outside_allow_list_is_refused_with_ede_18(zs, cli):
    zs.zone(records=["www 300 A 10.1.2.3"])
    cli("inbound", "update", zs.in_a, "--allow", ONPREM + "/32")

    r = dnsq.query(IN_A, "www." + ZONE, "A", source=OUTSIDER)

    assert r.msg.rcode() == dns.rcode.REFUSED
    assert ede_codes(r.msg) == [18]
    # A VPC client is no exception: the endpoint is for its list only.
    r = dnsq.query(IN_A, "www." + ZONE, "A", source=addrs.CLIENT_A)
    assert r.msg.rcode() == dns.rcode.REFUSED
    r = dnsq.query(IN_A, "www." + ZONE, "A", source=ONPREM, tcp=True)
    assert r.msg.answer[0][0].address == "10.1.2.3"


def test_endpoint_of_another_vpc_sees_that_vpcs_zones(zs, cli):
    zs.zone(records=["www 300 A 10.1.2.3"])                   # vpc-a
    zs.zone(vpcs=[zs.vpc_b], records=["www 300 A 10.2.2.2"])  # vpc-b
    cli("inbound", "create", "in-b", "--vpc", zs.vpc_b, "--listen", IN_B,
        "--allow", "192.0.2.0/24")

    via_b = dnsq.query(IN_B, "www." + ZONE, "A", source=ONPREM)
    via_a = dnsq.query(IN_A, "www." + ZONE, "A", source=ONPREM)

    assert via_b.msg.answer[0][0].address == "10.2.2.2"
    assert via_a.msg.answer[0][0].address == "10.1.2.3"


def test_listener_conflicts_and_loops_are_refused(zs, cli):
    # Another endpoint, a VPC or a --dns-listen address on the same
    # listener: 409.
    rc, err = cli.fails("inbound", "create", "dup", "--vpc", zs.vpc_b,
                        "--listen", IN_A, "--allow", "10.0.0.0/8")
    assert "already a listener of %s" % zs.in_a in err
    rc, err = cli.fails("vpc", "update", zs.vpc_b, "--listen", IN_A)
    assert "already a listener of %s" % zs.in_a in err
    rc, err = cli.fails("inbound", "create", "shared", "--vpc", zs.vpc_b,
                        "--listen", addrs.ZG, "--allow", "10.0.0.0/8")
    assert "--dns-listen" in err

    # A rule whose target is an inbound listener would loop.
    ep = cli("endpoint", "create", "ob", "--vpc", zs.vpc_a, "--source",
             addrs.OB1_SOURCES[0])["id"]
    rc, err = cli.fails("rule", "create", "loop", "--domain", "x.example",
                        "--endpoint", ep, "--target", IN_A)
    assert "itself" in err

    # And the endpoint's VPC stays while the endpoint names it.
    rc, err = cli.fails("vpc", "delete", zs.vpc_a)
    assert zs.in_a in err


def test_inbound_crud(zs, cli):
    shown = cli("inbound", "show", "in-a")
    assert shown["id"] == zs.in_a
    assert shown["listen"] == ["%s:53" % IN_A]
    assert shown["allow"] == ["192.0.2.0/24"]
    assert shown["vpc"] == zs.vpc_a

    updated = cli("inbound", "update", "in-a", "--name", "onprem",
                  "--allow", "192.0.2.0/25,198.51.100.0/24")
    assert updated["name"] == "onprem"
    assert updated["allow"] == ["192.0.2.0/25", "198.51.100.0/24"]
    assert [i["id"] for i in cli("inbound", "list")["items"]] == [zs.in_a]

    rc, err = cli.fails("inbound", "create", "bad", "--vpc", zs.vpc_a,
                        "--listen", "10.0.0.9", "--allow", "192.0.2.1/24")
    assert "allow[0]" in err or "host bits" in err

    cli("inbound", "delete", zs.in_a)
    assert cli("inbound", "list")["items"] == []
    # Its listener is gone: the VPC may take it now.
    cli("vpc", "update", zs.vpc_b, "--listen", IN_A)
