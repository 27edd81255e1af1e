# SPDX-License-Identifier: GPL-3.0-or-later
"""Which zone a message means (issue 4 item 6): with two instances of
one zone name, an UPDATE or a transfer request addresses the instance
bound to the VPC of the inbound endpoint it arrived on."""

import dns.rcode

from zgtest import addrs

from conftest import IN_A, IN_B, KEY, ZONE, answer, nsupdate, xfr_messages
from conftest import xfr_rrs

# A key serves one zone instance: vpc-b's instance has its own.
KEY_B = "xfr-out-b."
SECRET_B = "c2Vjb25kIGluc3RhbmNlIGtleSBmb3IgdnBjLWIgISE="


def two_instances(zs, cli):
    za = zs.zone(records=["www 300 A 10.1.1.1"])
    zb = zs.zone(vpcs=[zs.vpc_b], records=["www 300 A 10.2.2.2"])
    cli("inbound", "create", "in-b", "--vpc", zs.vpc_b, "--listen", IN_B,
        "--allow", "192.0.2.0/24")
    cli("tsig", "create", KEY_B, "--secret", SECRET_B)
    for zid, key in ((za, KEY), (zb, KEY_B)):
        cli("zone", "update-policy", zid, "--grant", key)
        zs.allow_transfer(zid, key=key, notify=())
    return za, zb


def test_update_reaches_the_instance_of_the_endpoint_vpc(zs, cli):
    za, zb = two_instances(zs, cli)
    serial_a = zs.serial(za)

    rc, out = nsupdate(["update add only-b.%s 60 A 10.2.9.9" % ZONE],
                       server=IN_B, key=KEY_B, secret=SECRET_B)

    assert rc == 0, out
    assert answer("only-b." + ZONE, source=addrs.CLIENT_B) == \
        (dns.rcode.NOERROR, ["10.2.9.9"])
    assert answer("only-b." + ZONE, source=addrs.CLIENT_A)[0] == \
        dns.rcode.NXDOMAIN
    assert zs.serial(za) == serial_a

    rc, out = nsupdate(["update delete www.%s A" % ZONE], server=IN_A)
    assert rc == 0, out
    assert answer("www." + ZONE, source=addrs.CLIENT_A)[0] == \
        dns.rcode.NXDOMAIN
    assert answer("www." + ZONE, source=addrs.CLIENT_B)[1] == ["10.2.2.2"]


def test_transfer_reaches_the_instance_of_the_endpoint_vpc(zs, cli):
    two_instances(zs, cli)

    via_a = xfr_rrs(xfr_messages(ZONE, server=IN_A))
    via_b = xfr_rrs(xfr_messages(ZONE, server=IN_B, key=KEY_B,
                                 secret=SECRET_B))

    assert ("www.%s" % ZONE, 300, "A", "10.1.1.1") in via_a
    assert ("www.%s" % ZONE, 300, "A", "10.2.2.2") in via_b
    assert ("www.%s" % ZONE, 300, "A", "10.2.2.2") not in via_a
