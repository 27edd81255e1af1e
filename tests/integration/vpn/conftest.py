# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures of the VPN tests (helpers in vpnlab.py).

charon_at(name, netns=None, starter_conf=None)
        starts a charon (or the legacy starter running one from
        starter_conf) with its files in the test's directory; at most
        vpnlab.CHARON_LIFETIME_S, stopped at teardown.
charon  zonegate's charon, in the test's own namespace.
peer_ns the data centre: a network namespace zg-vpn-<pid> joined to the
        test's namespace by a veth pair, WAN 203.0.113.1/29 (ours) and
        203.0.113.2 (the peer's), 10.200.0.1 (in our side's subnet) and
        10.201.0.7 (the peer's) on the loopbacks. Removed at teardown,
        as are the stale ones of killed runs.
vpn_zonegated, vcli
        zonegated with --vici-socket at `charon`, and its CLI.
"""

import os
import signal

import pytest

from zgtest.cli import Cli
from zgtest.daemon import Zonegated

from vpnlab import (Charon, OUR_HOST, OUR_WAN, PEER_HOST, PEER_WAN,
                    purge_stale_namespaces, run)


@pytest.fixture
def charon_at(tmp_path, attach):
    started = []

    def make(name, netns=None, starter_conf=None):
        c = Charon(tmp_path / name, netns=netns, starter_conf=starter_conf)
        started.append(c)
        attach("charon %s log" % name, c.log_tail)
        return c.start()
    yield make
    for c in started:
        c.stop()


@pytest.fixture
def charon(charon_at):
    """zonegate's charon, in the test's own namespace."""
    return charon_at("ours")


@pytest.fixture
def peer_ns():
    purge_stale_namespaces()
    ns = "zg-vpn-%d" % os.getpid()
    ours, theirs = "zgva%d" % (os.getpid() % 100000), \
        "zgvb%d" % (os.getpid() % 100000)
    run(["ip", "netns", "add", ns])
    try:
        run(["ip", "-n", ns, "link", "set", "lo", "up"])
        run(["ip", "link", "add", ours, "type", "veth", "peer", "name",
             theirs, "netns", ns])
        run(["ip", "addr", "add", OUR_WAN + "/29", "dev", ours])
        run(["ip", "link", "set", ours, "up"])
        run(["ip", "-n", ns, "addr", "add", PEER_WAN + "/29", "dev", theirs])
        run(["ip", "-n", ns, "link", "set", theirs, "up"])
        run(["ip", "addr", "add", OUR_HOST + "/32", "dev", "lo"])
        run(["ip", "-n", ns, "addr", "add", PEER_HOST + "/32", "dev", "lo"])
        yield ns
    finally:
        for p in run(["ip", "netns", "pids", ns], check=False).stdout.split():
            try:
                os.kill(int(p), signal.SIGKILL)
            except (OSError, ValueError):
                pass
        run(["ip", "link", "del", ours], check=False)
        run(["ip", "addr", "del", OUR_HOST + "/32", "dev", "lo"], check=False)
        run(["ip", "netns", "delete", ns], check=False)


@pytest.fixture
def vpn_zonegated(tmp_path, attach, charon):
    z = Zonegated(tmp_path / "zonegated",
                  extra_args=["--vici-socket", charon.vici])
    attach("zonegated log", lambda: z.log_tail(200))
    z.start()
    yield z
    rc = z.stop()
    assert rc == 0, "zonegated exited with status %r on SIGTERM" % rc


@pytest.fixture
def vcli(vpn_zonegated, attach):
    c = Cli(vpn_zonegated.sock)
    attach("CLI commands", c.summary)
    return c


