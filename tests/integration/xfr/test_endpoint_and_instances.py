# SPDX-License-Identifier: GPL-3.0-or-later
"""Transfers leave from the zone's endpoint (so they go through the VPN
when the endpoint's address is routed there), and a NOTIFY addresses the
zone instance of the VPC it arrived for (issue 4, items 1 and 6)."""

import dns.rcode

from zgtest import addrs
from zgtest.primary import (V1_RECORDS, V1_SERIAL, ZONE, ScriptedPrimary,
                            send_notify)
from zgtest.util import wait_until


def test_transfers_leave_from_the_endpoint_source(zg, scripted):
    p = scripted()
    ep = zg.cli("endpoint", "create", "ob-1", "--vpc", zg.vpc, "--source",
                addrs.OB1_SOURCES[0])["id"]
    zg.create(extra=["--endpoint", ep])
    zg.wait_serial(V1_SERIAL)
    zg.cli("secondary", "refresh", zg.zone_id)
    wait_until(lambda: p.queries("SOA"), 5, what="the SOA check")
    assert {q.source for q in p.log} == {addrs.OB1_SOURCES[0]}, p.summary()
    assert {q.qtype for q in p.log} >= {"AXFR", "SOA"}


def test_notify_goes_to_the_instance_of_the_listeners_vpc(zg, scripted):
    scripted()
    # Instance 1 (with key) serves vpc-a; instance 2 (no key) serves
    # vpc-b, which listens on 10.0.0.4.
    zg.create()
    first = zg.zone_id
    vpc_b = zg.cli("vpc", "create", "vpc-b", "--cidr", addrs.CIDR_B,
                   "--listen", addrs.ZG3)["id"]
    second = zg.cli("secondary", "create", ZONE, "--primary",
                    addrs.PRI)["id"]
    zg.cli("zone", "bind", second, "--vpc", vpc_b)
    zg.zone_id = second
    zg.wait_serial(V1_SERIAL)

    # To vpc-b's listener: instance 2, which has no key -> BADKEY.
    mark = zg.log_mark()
    r = send_notify(key="xfr", server=addrs.ZG3)
    assert r.rcode == dns.rcode.NOTAUTH and r.tsig_error == 17
    assert "zone_id=%s" % second in zg.log_since(mark)
    r = send_notify(key=None, server=addrs.ZG3)
    assert r.rcode == dns.rcode.NOERROR

    # To the shared listener (no VPC): the instance whose key signed it.
    mark = zg.log_mark()
    r = send_notify(key="xfr", server=addrs.ZG)
    assert r.rcode == dns.rcode.NOERROR and r.verified
    wait_until(lambda: "zone_id=%s name=%s source" % (first, ZONE)
               in zg.log_since(mark), 5, what="the notify log line")


def test_ipv6_primary(zg):
    p = ScriptedPrimary(addr=addrs.PRI6)
    p.add_version(V1_SERIAL, V1_RECORDS)
    p.start()
    try:
        zg.create(primaries=("[%s]:53" % addrs.PRI6,))
        assert zg.zone()["primaries"] == ["[%s]:53" % addrs.PRI6]
        zg.wait_serial(V1_SERIAL)
        assert zg.query("keep." + ZONE).msg.rcode() == dns.rcode.NOERROR
        assert all(":" in q.source for q in p.log), p.summary()
        assert [q for q in p.log if q.qtype == "AXFR" and q.signed]
    finally:
        p.stop()
