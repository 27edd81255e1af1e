# SPDX-License-Identifier: GPL-3.0-or-later
"""Tunnel-aware forwarding: a rule whose target sits behind an IPsec
tunnel fails fast (SERVFAIL with EDE 22) as soon as the tunnel goes
down, and answers again as soon as it comes back up."""

import os
import signal
import subprocess
import time

import pytest

from zgtest import addrs
from zgtest.check import expect
from zgtest.dnsq import query
from zgtest.util import wait_until

from vpnlab import (OUR_HOST, OUR_NET, OUR_WAN, PEER_HOST, PEER_NET,
                    PEER_WAN, Charon, start_peer_dns, wait_state)

ZONE = "idc.example."
# On the WAN link (203.0.113.0/29) but held by nobody.
NOWHERE = "203.0.113.6"


@pytest.mark.slow
def test_rule_behind_a_tunnel_follows_its_state(vcli, charon, peer_ns,
                                                tmp_path, vpn_zonegated):
    vcli("vpc", "create", "prod", "--cidr", addrs.CIDR_A)
    vcli("endpoint", "create", "ob", "--vpc", "prod", "--source", OUR_HOST)
    vcli("rule", "create", "idc", "--domain", ZONE, "--endpoint", "ob",
         "--target", PEER_HOST)
    vcli("rule", "bind", "idc", "--vpc", "prod")
    vcli("vpn", "gateway", "create", "vpcgw", "--vpc", "prod",
         "--public-ip", OUR_WAN, "--local-subnet", OUR_NET)
    vcli("vpn", "customer-gateway", "create", "idc", "--ip", PEER_WAN)
    vcli("vpn", "connection", "create", "toMyIdc", "--gateway", "vpcgw",
         "--customer-gateway", "idc", "--remote-subnet", PEER_NET,
         "--dpd-interval", "5")
    peer_dir = tmp_path / "peer"
    peer_dir.mkdir()
    vcli.raw("vpn", "download", "toMyIdc", "--output-dir", str(peer_dir),
             json_out=False)

    dns = start_peer_dns(peer_ns, ZONE)
    peer = Charon(peer_dir, netns=peer_ns)
    try:
        peer.start()
        peer.swanctl("--load-all", "--noprompt", "--file",
                     str(peer_dir / "swanctl.conf"))
        wait_state(vcli, "toMyIdc", ("up",), timeout=40)

        # Up: the question crosses the tunnel to the data centre.
        r = wait_until(lambda: _answer(query(addrs.ZG, "www." + ZONE)),
                       15, what="an answer through the tunnel")
        expect(r, "NOERROR")

        # Down: answered at once, without waiting for timeouts. Without
        # the tunnel, the data centre's network is routed to a next hop
        # that never answers, as a default route to the internet would
        # be: only the tunnel's state can say the target is gone.
        subprocess.run(["ip", "route", "add", PEER_NET, "via", NOWHERE],
                       check=True)
        peer.stop()
        wait_state(vcli, "toMyIdc", ("down", "connecting"), timeout=60)
        start = time.monotonic()
        r = query(addrs.ZG, "down." + ZONE)
        elapsed = time.monotonic() - start
        expect(r, "SERVFAIL", ede=22)
        assert elapsed < 0.5, "SERVFAIL after %.2f s" % elapsed
        log = vpn_zonegated.log_text()
        assert "target=%s:53 path=ep-1 rule_id=rule-1: target marked " \
               "down at once: the IPsec tunnel vco-1 to it is down" \
               % PEER_HOST in log

        # Up again: probed at once and answered again.
        peer.start()
        peer.swanctl("--load-all", "--noprompt", "--file",
                     str(peer_dir / "swanctl.conf"))
        wait_state(vcli, "toMyIdc", ("up",), timeout=60)
        up_at = time.monotonic()
        r = wait_until(lambda: _answer(query(addrs.ZG, "back." + ZONE)),
                       15, what="answers once the tunnel is back")
        expect(r, "NOERROR")
        assert time.monotonic() - up_at < 5
    finally:
        subprocess.run(["ip", "route", "del", PEER_NET, "via", NOWHERE],
                       check=False, stderr=subprocess.DEVNULL)
        peer.stop()
        os.killpg(dns.pid, signal.SIGKILL)
        dns.wait(timeout=10)


@pytest.mark.slow
def test_rule_created_while_its_tunnel_is_down_starts_down(
        vcli, charon, peer_ns, vpn_zonegated):
    """The tunnel never came up (the data centre's charon is not running)
    when the rule is created: its target starts out down, so the first
    question already fails fast instead of waiting for timeouts."""
    vcli("vpc", "create", "prod", "--cidr", addrs.CIDR_A)
    vcli("vpn", "gateway", "create", "vpcgw", "--vpc", "prod",
         "--public-ip", OUR_WAN, "--local-subnet", OUR_NET)
    vcli("vpn", "customer-gateway", "create", "idc", "--ip", PEER_WAN)
    vcli("vpn", "connection", "create", "toMyIdc", "--gateway", "vpcgw",
         "--customer-gateway", "idc", "--remote-subnet", PEER_NET)
    wait_state(vcli, "toMyIdc", ("down", "connecting"), timeout=60)

    subprocess.run(["ip", "route", "add", PEER_NET, "via", NOWHERE],
                   check=True)
    try:
        vcli("endpoint", "create", "ob", "--vpc", "prod", "--source",
             OUR_HOST)
        vcli("rule", "create", "idc", "--domain", ZONE, "--endpoint", "ob",
             "--target", PEER_HOST)
        vcli("rule", "bind", "idc", "--vpc", "prod")
        marked = "target=%s:53 path=ep-1 rule_id=rule-1: target marked " \
            "down at once: the IPsec tunnel vco-1 to it is down" % PEER_HOST
        wait_until(lambda: marked in vpn_zonegated.log_text(), 10,
                   what="the new rule's target marked down")
        start = time.monotonic()
        r = query(addrs.ZG, "first." + ZONE)
        elapsed = time.monotonic() - start
        # Without the hint this waits for the rule's whole timeout.
        expect(r, "SERVFAIL", ede=22)
        assert elapsed < 0.5, "SERVFAIL after %.2f s" % elapsed
    finally:
        subprocess.run(["ip", "route", "del", PEER_NET, "via", NOWHERE],
                       check=False, stderr=subprocess.DEVNULL)


def _answer(reply):
    """The reply when it carries the data centre's address."""
    if reply.msg is not None and reply.msg.rcode() == 0 and \
            "192.0.2.201" in reply.msg.to_text():
        return reply
    return None
