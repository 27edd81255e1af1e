# SPDX-License-Identifier: GPL-3.0-or-later
"""The daemon and CLI drivers checked against stand-ins: a tiny Python
"zonegated" that serves GET /v1/status on the API socket and exits 0 on
SIGTERM, and a "zonegate" that prints JSON or fails. This shows the
fixtures start, wait, restart after kill -9, stop and report as meant."""

import stat
import textwrap

import pytest

from zgtest.cli import Cli, CliError
from zgtest.daemon import Zonegated

STUB_DAEMON = textwrap.dedent('''\
    #!/usr/bin/python3
    import http.server, os, signal, socket, socketserver, sys, threading
    args = sys.argv[1:]
    sock = args[args.index("--api-socket") + 1]
    if os.environ.get("STUB_EXIT"):
        sys.exit(int(os.environ["STUB_EXIT"]))
    def dns(listen):
        host, _, port = listen.rpartition(":")
        host = host.strip("[]")
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.bind((host, int(port)))
        while True:
            q, peer = s.recvfrom(512)
            s.sendto(q[:2] + bytes([q[2] | 0x80, 5]) + q[4:], peer)
    for i, a in enumerate(args):
        if a == "--dns-listen":
            threading.Thread(target=dns, args=(args[i + 1],),
                             daemon=True).start()
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = b'{"version": 1, "config_version": 1, "uptime_s": 0}'
            self.send_response(200 if self.path == "/v1/status" else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        def address_string(self):
            return "unix"
    class S(socketserver.UnixStreamServer):
        pass
    if os.path.exists(sock):
        os.unlink(sock)
    srv = S(sock, H)
    def term(*a):
        sys.exit(int(os.environ.get("STUB_TERM_RC", "0")))
    signal.signal(signal.SIGTERM, term)
    srv.serve_forever()
''')

STUB_CLI = textwrap.dedent('''\
    #!/bin/sh
    for a in "$@"; do last=$a; done
    case "$last" in
    fail) echo "zonegate: refused: field cidrs[0]" >&2; exit 1 ;;
    empty) exit 0 ;;
    *) echo '{"id": "vpc-1", "name": "'$last'"}' ;;
    esac
''')


@pytest.fixture
def stub_build(tmp_path, monkeypatch):
    root = tmp_path / "build"
    for rel, text in (("src/daemon/zonegated", STUB_DAEMON),
                      ("src/cli/zonegate", STUB_CLI)):
        p = root / rel
        p.parent.mkdir(parents=True)
        p.write_text(text)
        p.chmod(p.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("ZONEGATE_BUILD", str(root))
    return root


LISTENS = ["10.0.0.2:5399", "[fd00:a::2]:5399"]


def test_daemon_driver_default_listeners(tmp_path):
    argv = Zonegated(tmp_path / "zg").argv()
    assert argv[argv.index("--dns-listen") + 1] == "10.0.0.2:53"
    assert "[fd00:a::2]:53" in argv


def test_daemon_driver_start_restart_stop(stub_build, tmp_path):
    z = Zonegated(tmp_path / "zg", listens=LISTENS)
    z.start(timeout=10)
    first = z.proc.pid
    z.restart_after_kill9(timeout=10)
    assert z.proc.pid != first and z.running()
    assert z.api.get("/v1/status").body["version"] == 1
    assert z.stop() == 0
    assert z.log_text().count("==== start") == 2


def test_daemon_driver_reports_early_exit(stub_build, tmp_path, monkeypatch):
    monkeypatch.setenv("STUB_EXIT", "3")
    z = Zonegated(tmp_path / "zg", listens=LISTENS)
    with pytest.raises(RuntimeError, match="exited with 3"):
        z.start(timeout=5)


def test_daemon_driver_sees_unclean_exit(stub_build, tmp_path, monkeypatch):
    monkeypatch.setenv("STUB_TERM_RC", "7")
    z = Zonegated(tmp_path / "zg", listens=LISTENS)
    z.start(timeout=10)
    assert z.stop() == 7


def test_missing_binary_is_a_clear_failure(tmp_path, monkeypatch):
    monkeypatch.setenv("ZONEGATE_BUILD", str(tmp_path / "nothing"))
    with pytest.raises(RuntimeError, match="not built"):
        Zonegated(tmp_path / "zg").start()


def test_cli_driver(stub_build, tmp_path):
    c = Cli(str(tmp_path / "api.sock"))
    assert c("vpc", "show", "prod") == {"id": "vpc-1", "name": "prod"}
    assert c("empty") is None
    with pytest.raises(CliError, match="cidrs"):
        c("fail")
    rc, out, err = c.raw("fail")
    assert rc == 1 and "cidrs[0]" in err
    rc, err = c.fails("fail")
    assert rc == 1
    argv = c.argv(["vpc", "list"])
    assert argv[1:4] == ["--api-socket", str(tmp_path / "api.sock"),
                         "--json"]
