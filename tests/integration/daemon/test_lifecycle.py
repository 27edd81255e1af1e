# SPDX-License-Identifier: GPL-3.0-or-later
"""The daemon's life (issue 2 item 2): options, listeners on UDP and TCP
for IPv4 and IPv6, clean exit on SIGTERM and SIGINT, workers."""

import signal
import subprocess

import pytest

from zgtest import addrs as A, dnsq
from zgtest.check import expect
from zgtest.cli import Cli
from zgtest.daemon import Zonegated, daemon_path
from zgtest.topo import Topo


def start(tmp_path, attach, **kw):
    z = Zonegated(tmp_path / "zg", **kw)
    attach("zonegated log", lambda: z.log_tail(200))
    z.start()
    return z


def configure(z):
    topo = Topo(Cli(z.sock), z.api)
    topo.make_vpc("a", [A.CIDR_A, A.CIDR_A6])
    topo.make_zone("corp.example.", ["www.corp.example. 300 A 10.1.2.3"])
    return topo


def test_status_answers(zonegated, api):
    r = api.get("/v1/status")
    assert r.status == 200
    assert r.body["uptime_s"] >= 0


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_clean_exit_on_signal(tmp_path, attach, sig):
    z = start(tmp_path, attach)
    try:
        configure(z)
        z.proc.send_signal(sig)
        assert z.proc.wait(timeout=10) == 0
    finally:
        z.kill9()


@pytest.mark.parametrize("workers", [1, 4])
def test_workers_answer(tmp_path, attach, workers):
    z = start(tmp_path, attach, workers=workers)
    try:
        configure(z)
        for i in range(8):
            for server, src in ((A.ZG, A.CLIENT_A), (A.ZG6, A.CLIENT_A6)):
                for tcp in (False, True):
                    r = dnsq.query(server, "www.corp.example.", source=src,
                                   tcp=tcp)
                    expect(r, aa=True,
                           answer=["www.corp.example. 300 A 10.1.2.3"])
    finally:
        assert z.stop() == 0


def test_listen_port_other_than_53(tmp_path, attach):
    z = start(tmp_path, attach, listens=["10.0.0.2:5353", "[fd00:a::2]:5354"])
    try:
        configure(z)
        for server, port, src in ((A.ZG, 5353, A.CLIENT_A),
                                  (A.ZG6, 5354, A.CLIENT_A6)):
            r = dnsq.query(server, "www.corp.example.", source=src,
                           port=port)
            expect(r, aa=True, answer=["www.corp.example. 300 A 10.1.2.3"])
    finally:
        assert z.stop() == 0


def test_bad_option_refused(tmp_path, attach):
    z = Zonegated(tmp_path / "zg", extra_args=["--no-such-option"])
    p = subprocess.run(z.argv(), capture_output=True, text=True, timeout=10)
    assert p.returncode != 0
    assert p.stderr.strip()
    p = subprocess.run([daemon_path(), "--foreground", "--state",
                        str(tmp_path / "s.db"), "--api-socket",
                        str(tmp_path / "a.sock"), "--dns-listen",
                        "10.0.0.2:99999"], capture_output=True, text=True,
                       timeout=10)
    assert p.returncode != 0 and p.stderr.strip()


def test_state_from_an_earlier_run_is_served_at_start(tmp_path, attach):
    z = start(tmp_path, attach)
    configure(z)
    assert z.stop() == 0
    z.start()
    try:
        expect(dnsq.query(A.ZG, "www.corp.example."), aa=True,
               answer=["www.corp.example. 300 A 10.1.2.3"])
    finally:
        assert z.stop() == 0


def test_options_from_config_file(tmp_path, attach):
    work = tmp_path / "zg"
    work.mkdir()
    conf = work / "zonegated.conf"
    conf.write_text("""# zonegated settings, same keys as the long options
state = %(dir)s/state.db
api-socket = %(dir)s/api.sock
dns-listen = 10.0.0.2:5353
dns-listen = [fd00:a::2]:5353
workers = 2
log-level = debug
""" % {"dir": work})
    z = Zonegated(work, argv=["--foreground", "--config", str(conf)])
    attach("zonegated log", lambda: z.log_tail(200))
    z.start()
    try:
        configure(z)
        for server, src in ((A.ZG, A.CLIENT_A), (A.ZG6, A.CLIENT_A6)):
            r = dnsq.query(server, "www.corp.example.", source=src,
                           port=5353)
            expect(r, aa=True, answer=["www.corp.example. 300 A 10.1.2.3"])
    finally:
        assert z.stop() == 0


def test_command_line_overrides_config_file(tmp_path, attach):
    work = tmp_path / "zg"
    work.mkdir()
    conf = work / "zonegated.conf"
    conf.write_text("state = %s/state.db\napi-socket = %s/api.sock\n"
                    "dns-listen = 10.0.0.2:5353\nworkers = 1\n"
                    % (work, work))
    z = Zonegated(work, argv=["--foreground", "--config", str(conf),
                              "--dns-listen", "10.0.0.2:5354"])
    attach("zonegated log", lambda: z.log_tail(200))
    z.start()
    try:
        configure(z)
        expect(dnsq.query(A.ZG, "www.corp.example.", port=5354), aa=True)
        q = dnsq.make_query("www.corp.example.").to_wire()
        assert dnsq.expect_no_reply(A.ZG, q, port=5353, wait=0.5)
    finally:
        assert z.stop() == 0


def test_bad_config_file_refused(tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text("workers = many\n")
    p = subprocess.run([daemon_path(), "--foreground", "--config",
                        str(conf)], capture_output=True, text=True,
                       timeout=10)
    assert p.returncode != 0
    assert "bad.conf" in p.stderr and "1" in p.stderr, p.stderr


def test_wildcard_v4_and_v6_listeners_share_a_port(tmp_path, attach):
    """IPv6 sockets are IPV6_V6ONLY: [::]:5355 and 0.0.0.0:5355 both bind,
    and an IPv4 client is classified by its IPv4 address, not a mapped
    one."""
    z = start(tmp_path, attach, listens=["0.0.0.0:5355", "[::]:5355"])
    try:
        configure(z)
        for server, src in ((A.ZG, A.CLIENT_A), (A.ZG6, A.CLIENT_A6)):
            r = dnsq.query(server, "www.corp.example.", source=src,
                           port=5355)
            expect(r, aa=True, answer=["www.corp.example. 300 A 10.1.2.3"])
        r = dnsq.query(A.ZG2, "www.corp.example.", source=A.CLIENT_NOVPC,
                       port=5355)
        expect(r, "REFUSED", ra=None, aa=False, ede=18)
    finally:
        assert z.stop() == 0


def test_newer_schema_refused(tmp_path, attach):
    z = start(tmp_path, attach)
    configure(z)
    assert z.stop() == 0
    # White box: the store keeps its schema version in this table.
    subprocess.run(["sqlite3", z.state,
                    "UPDATE schema_version SET version = version + 100"],
                   check=True, timeout=20)
    p = subprocess.run(z.argv(), capture_output=True, text=True, timeout=20)
    assert p.returncode != 0
    out = (p.stdout + p.stderr).lower()
    assert "schema" in out, out
