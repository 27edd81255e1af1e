# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures of zonegate's integration suite.

Run through tests/integration/run.sh: the suite refuses to run outside a
network namespace named zg-*, because the topology uses addresses that
exist only there (198.51.100.53, 192.0.2.53, ...).

Fixtures:
    zonegated   the daemon on a temp state file, listening on 10.0.0.2:53
                and [fd00:a::2]:53; stopped with SIGTERM, must exit 0
    cli         the CLI (--api-socket, --json) returning parsed JSON;
                cli.raw(...) -> (rc, stdout, stderr)
    api         HTTP client of the API socket
    topo        resource builder over cli (zgtest.topo)
    baseline    topo with vpc-a/b/c, ob-1 and global upstream PUB, and the
                fake upstreams PUB, OP1, OP2 running
    pub/op1/op2 programmable DNS responders with query logs
    bind9       factory: bind9(listen=[...], zones={...}) -> started BIND
    query       dnsq.query with server 10.0.0.2 and client 10.1.0.10 by
                default

Every test is bounded (ZG_TEST_TIMEOUT seconds, default 90, scaled by
ZG_TEST_SLOW). On failure the daemon's log, BIND's log, the CLI commands
and the fake upstreams' query logs are attached to the report.
"""

import os
import signal
import subprocess

import pytest

from zgtest import addrs, dnsq
from zgtest.bind9 import Bind9
from zgtest.cli import Cli
from zgtest.daemon import Zonegated
from zgtest.fakedns import FakeUpstream
from zgtest.topo import Topo
from zgtest.util import scaled

TEST_TIMEOUT_S = float(os.environ.get("ZG_TEST_TIMEOUT", "90"))


def _sigterm(signum, frame):
    raise KeyboardInterrupt("SIGTERM")


def pytest_configure(config):
    # run.sh stops the suite with SIGTERM; end as on Ctrl-C, with
    # teardown, so every daemon gets its SIGTERM and temp dirs stay tidy.
    signal.signal(signal.SIGTERM, _sigterm)
    try:
        ns = subprocess.run(["ip", "netns", "identify", str(os.getpid())],
                            capture_output=True, text=True, timeout=10,
                            check=False).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        ns = ""
    if not ns.startswith("zg-"):
        pytest.exit("the integration suite must run inside its own network "
                    "namespace: use tests/integration/run.sh (as root)",
                    returncode=2)


# ---- bounds and failure reports ------------------------------------------

class TestTimeout(Exception):
    pass


def _alarm(signum, frame):
    raise TestTimeout("test exceeded %.0fs" % scaled(TEST_TIMEOUT_S))


@pytest.fixture(autouse=True)
def _bounded():
    """Every test, with its fixtures, ends within the bound."""
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(int(scaled(TEST_TIMEOUT_S)))
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


@pytest.fixture
def attach(request):
    """attach(title, fn): fn() is added to the report if the test fails."""
    request.node.zg_attach = getattr(request.node, "zg_attach", [])

    def add(title, fn):
        request.node.zg_attach.append((title, fn))
    return add


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not report.failed:
        return
    for title, fn in getattr(item, "zg_attach", []):
        try:
            text = fn()
        except Exception as exc:  # a report must never hide the failure
            text = "(could not collect: %s)" % exc
        report.sections.append((title, text))
    item.zg_attach = []


# ---- fake upstreams ------------------------------------------------------

def _fake(attach, role, ips, **kw):
    fake = FakeUpstream(role, ips, **kw).start()
    attach("%s query log" % role, fake.summary)
    attach("%s errors" % role, lambda: "\n".join(fake.errors) or "(none)")
    return fake


@pytest.fixture
def pub(attach):
    fake = _fake(attach, "PUB", [addrs.PUB, addrs.PUB6])
    yield fake
    fake.stop()


@pytest.fixture
def op1(attach):
    fake = _fake(attach, "OP1", [addrs.OP1, addrs.OP1_6])
    yield fake
    fake.stop()


@pytest.fixture
def op2(attach):
    fake = _fake(attach, "OP2", [addrs.OP2, addrs.OP2_6])
    yield fake
    fake.stop()


@pytest.fixture
def fake_upstream(attach):
    """Factory for extra responders: fake_upstream(role, [ips])."""
    started = []

    def make(role, ips, **kw):
        fake = _fake(attach, role, ips, **kw)
        started.append(fake)
        return fake
    yield make
    for fake in started:
        fake.stop()


# ---- BIND 9 --------------------------------------------------------------

@pytest.fixture
def bind9(tmp_path, attach):
    """Factory: bind9(listen=[addrs.PRI], zones={name: text}) starts a
    real named; all are stopped at teardown."""
    started = []

    def make(listen=(addrs.PRI,), zones=None, **kw):
        b = Bind9(tmp_path / ("named%d" % len(started)), listen=listen,
                  zones=zones, **kw)
        started.append(b)
        attach("named log %d" % len(started), b.log_tail)
        return b.start()
    yield make
    for b in started:
        b.stop()


# ---- zonegated and its clients -------------------------------------------

@pytest.fixture
def zonegated(tmp_path, attach):
    z = Zonegated(tmp_path / "zonegated")
    attach("zonegated log", lambda: z.log_tail(200))
    z.start()
    yield z
    rc = z.stop()
    assert rc == 0, "zonegated exited with status %r on SIGTERM" % rc


@pytest.fixture
def cli(zonegated, attach):
    c = Cli(zonegated.sock)
    attach("CLI commands", c.summary)
    return c


@pytest.fixture
def api(zonegated):
    return zonegated.api


@pytest.fixture
def topo(cli, api):
    return Topo(cli, api)


@pytest.fixture
def baseline(topo, pub, op1, op2):
    return topo.baseline()


@pytest.fixture
def query():
    """dnsq.query(server=10.0.0.2, qname, qtype, source=10.1.0.10, ...)."""
    def q(qname, qtype="A", server=addrs.ZG, **kw):
        return dnsq.query(server, qname, qtype, **kw)
    return q
