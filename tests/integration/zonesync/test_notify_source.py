# SPDX-License-Identifier: GPL-3.0-or-later
"""Where a private zone's NOTIFYs leave from (issue 4 item 4). A
secondary takes NOTIFYs only from the addresses it transfers from (RFC
1996 section 3.10; BIND: "refused notify from non-primary"), so the
source is part of the transfer settings, BIND's notify-source:
`notify_source` pins it to a listener or inbound endpoint of the zone's
VPCs, and `effective_notify_source` shows what NOTIFYs really use. An
answer REFUSED says which address to list on the secondary."""

import dns.rcode

from conftest import IN_A, IN_B, ONPREM, ZONE
from zgtest import addrs

VPC_LISTENER = addrs.ZG2        # 10.0.0.3, a listener of vpc-b


def test_transfer_shows_the_effective_source_and_validates_the_pin(zs, cli):
    zid = zs.zone()
    shown = zs.allow_transfer(zid)
    # vpc-a has no listener of its own; its inbound endpoint in-a has.
    assert shown["notify_source"] is None
    assert shown["effective_notify_source"] == IN_A

    rc, err = cli.fails("zone", "transfer", zid, "--allow", ONPREM + "/32",
                        "--notify", ONPREM, "--notify-source", "10.0.0.9")
    assert ("10.0.0.9 is not an address zonegate listens on for the VPCs"
            " of %s; the valid addresses are: %s (field: notify_source)"
            % (zid, IN_A)) in err
    rc, err = cli.fails("zone", "transfer", zid, "--allow", ONPREM + "/32",
                        "--notify", ONPREM, "--notify-source", IN_A + ":53")
    assert "10.0.0.5:53 is not an IP address" in err
    rc, err = cli.fails("zone", "transfer", zid, "--allow", ONPREM + "/32",
                        "--notify", addrs.PRI6, "--notify-source", IN_A)
    assert ("notify[0] [2001:db8::10]:53 is IPv6 and notify_source"
            " 10.0.0.5 is IPv4") in err

    # A VPC listener of a VPC the zone is bound to is valid too.
    cli("vpc", "update", zs.vpc_b, "--listen", VPC_LISTENER)
    cli("zone", "bind", zid, "--vpc", zs.vpc_b)
    shown = cli("zone", "transfer", zid, "--allow", ONPREM + "/32",
                "--notify", ONPREM, "--notify-source", VPC_LISTENER)
    assert shown["notify_source"] == VPC_LISTENER
    assert shown["effective_notify_source"] == VPC_LISTENER
    assert cli("zone", "transfer", zid)["notify_source"] == VPC_LISTENER

    # The text form starts with the zone's id (it printed "-" before).
    rc, out, _ = cli.raw("zone", "transfer", zid, json_out=False)
    assert rc == 0
    assert out == ("%s  allow=192.0.2.10/32 tsig=- notify=192.0.2.10:53"
                   " notify_source=10.0.0.3"
                   " effective_notify_source=10.0.0.3\n" % zid), out


def test_an_inbound_endpoint_no_longer_moves_a_pinned_source(zs, bind_sec,
                                                             cli):
    # BIND transfers from vpc-b's listener, so it takes NOTIFYs from there
    # only.
    cli("vpc", "update", zs.vpc_b, "--listen", VPC_LISTENER)
    zid = zs.zone(vpcs=[zs.vpc_b], records=["www 300 A 10.1.2.3"])
    assert zs.allow_transfer(zid)["effective_notify_source"] == VPC_LISTENER
    sec = bind_sec(primary=VPC_LISTENER)
    sec.wait_serial(zs.serial(zid))

    # An inbound endpoint of vpc-b comes first in the automatic choice:
    # the source moves, which the transfer settings show, BIND refuses the
    # NOTIFY, and the warning says what to do.
    cli("inbound", "create", "in-b", "--vpc", zs.vpc_b, "--listen", IN_B,
        "--allow", "192.0.2.0/24")
    assert cli("zone", "transfer", zid)["effective_notify_source"] == IN_B
    mark = zs.log_mark()
    cli("record", "add", zid, "moved", "A", "10.1.2.4")
    zs.wait_log(mark, "notify for %s serial %d answered with REFUSED: the"
                " secondary 192.0.2.10:53 takes no NOTIFY for the zone from"
                " 10.0.0.4; list 10.0.0.4 as a primary/allow-notify on the"
                " secondary, or set notify_source; not sent again until the"
                " zone changes" % (ZONE, zs.serial(zid)))
    assert "warning xfrout zone_id=%s target=192.0.2.10:53 source=10.0.0.4"\
        % zid in zs.log_since(mark)
    assert sec.lookup("moved." + ZONE).rcode() == dns.rcode.NXDOMAIN

    # Pinned to the VPC listener, NOTIFYs leave from it again whatever
    # endpoints come, and BIND follows the next change.
    shown = zs.cli("zone", "transfer", zid, "--allow", ONPREM + "/32",
                   "--tsig", "xfr-out.", "--notify", ONPREM,
                   "--notify-source", VPC_LISTENER)
    assert shown["effective_notify_source"] == VPC_LISTENER
    mark = zs.log_mark()
    cli("record", "add", zid, "pinned", "A", "10.1.2.5")
    sec.wait_serial(zs.serial(zid))
    assert sec.lookup("pinned." + ZONE).answer[0][0].address == "10.1.2.5"
    assert sec.lookup("moved." + ZONE).answer[0][0].address == "10.1.2.4"
    zs.wait_log(mark, "source=10.0.0.3: notify for %s serial %d answered"
                " with NOERROR" % (ZONE, zs.serial(zid)))
