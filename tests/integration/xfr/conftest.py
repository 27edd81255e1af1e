# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures of the secondary-zone tests (shared/cases/bugcorpus.md G).

zg          zonegated listening on 10.0.0.2 and 10.0.0.3 (BC-31 h needs
            the second address), with vpc-a (10.1.0.0/16) created
scripted    factory: scripted(versions...) -> a started ScriptedPrimary on
            192.0.2.10 serving V1 (and V2 when asked)
bind_pri    factory: bind_pri(text) -> a started BIND 9 primary
secondary   helper to create onprem-sec.example. as a secondary of
            192.0.2.10 with key xfr-key., bound to vpc-a
"""

import time

import pytest

from zgtest import addrs, dnsq
from zgtest.cli import Cli
from zgtest.daemon import Zonegated
from zgtest.primary import (KEY_NAME, KEY_SECRET, V1_RECORDS, V1_SERIAL,
                            V2_RECORDS, V2_SERIAL, ZONE, BindPrimary,
                            ScriptedPrimary)
from zgtest.util import scaled


class Sec:
    """zonegated with the vpc-a of the case and helpers."""

    def __init__(self, z, cli):
        self.z = z
        self.cli = cli
        self.vpc = cli("vpc", "create", "vpc-a", "--cidr",
                       addrs.CIDR_A)["id"]
        self.zone_id = None

    def create(self, key=True, primaries=(addrs.PRI,), extra=(),
               secret=KEY_SECRET, bind=True, zone=ZONE):
        """Creates the secondary zone (and the key when key is set)."""
        args = ["secondary", "create", zone, "--primary",
                ",".join(primaries)]
        if key:
            have = [k["name"] for k in self.cli("tsig", "list")["items"]]
            if KEY_NAME not in have:
                self.cli("tsig", "create", KEY_NAME, "--secret", secret)
            args += ["--tsig", KEY_NAME]
        obj = self.cli(*(args + list(extra)))
        self.zone_id = obj["id"]
        if bind:
            self.cli("zone", "bind", obj["id"], "--vpc", self.vpc)
        return obj

    def zone(self):
        return self.cli("zone", "show", self.zone_id)

    def sync(self):
        return self.zone()["sync"]

    def wait_serial(self, serial, timeout=10):
        """Waits until the zone is served at serial; returns sync."""
        deadline = time.monotonic() + scaled(timeout)
        while True:
            s = self.sync()
            if s["serial"] == serial and s["state"] == "loaded":
                return s
            if time.monotonic() > deadline:
                raise AssertionError("zone not at serial %d after %.0fs: %r"
                                     % (serial, scaled(timeout), s))
            time.sleep(0.1)

    def query(self, name, qtype="A", server=addrs.ZG, **kw):
        return dnsq.query(server, name, qtype, source=addrs.CLIENT_A, **kw)

    def log_mark(self):
        return len(self.z.log_text())

    def log_since(self, mark):
        return self.z.log_text()[mark:]


@pytest.fixture
def zg(tmp_path, attach):
    z = Zonegated(tmp_path / "zonegated",
                  listens=[addrs.hostport(addrs.ZG),
                           addrs.hostport(addrs.ZG2)])
    attach("zonegated log", lambda: z.log_tail(200))
    z.start()
    cli = Cli(z.sock)
    attach("CLI commands", cli.summary)
    yield Sec(z, cli)
    rc = z.stop()
    assert rc == 0, "zonegated exited with status %r on SIGTERM" % rc


@pytest.fixture
def scripted(attach):
    """scripted(v2=False, key=True, **timers) -> started primary on PRI
    serving V1 (V2 is added, not served, when v2 is set)."""
    started = []

    def make(v2=False, key=True, timers=None):
        p = ScriptedPrimary(key=key)
        p.add_version(V1_SERIAL, V1_RECORDS, **(timers or {}))
        if v2:
            p.add_version(V2_SERIAL, V2_RECORDS, **(timers or {}))
        started.append(p)
        attach("scripted primary requests", p.summary)
        attach("scripted primary errors",
               lambda: "\n".join(p.errors) or "(none)")
        return p.start()
    yield make
    for p in started:
        p.stop()


@pytest.fixture
def bind_pri(tmp_path, attach):
    started = []

    def make(text, **kw):
        b = BindPrimary(tmp_path / ("named%d" % len(started)), text, **kw)
        started.append(b)
        attach("named log %d" % len(started), b.log_tail)
        return b.start()
    yield make
    for b in started:
        b.stop()
