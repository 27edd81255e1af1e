# SPDX-License-Identifier: GPL-3.0-or-later
"""zonegated under test, and a client of its HTTP API on the unix socket.

The daemon runs in the foreground with a state file and API socket in the
test's temporary directory, listening on the shared listener addresses
(10.0.0.2:53 and [fd00:a::2]:53 by default). It is ready when GET
/v1/status answers 200. stop() sends SIGTERM, waits a bounded time, then
SIGKILL; a clean exit (status 0) is part of the test.
"""

import http.client
import json
import os
import signal
import socket
import subprocess
import time

from zgtest import addrs
from zgtest.util import scaled


def build_dir():
    """The build directory under test (env ZONEGATE_BUILD, else build/)."""
    top = os.path.abspath(os.path.join(os.path.dirname(__file__),
                                       "..", "..", ".."))
    return os.path.abspath(os.environ.get("ZONEGATE_BUILD",
                                          os.path.join(top, "build")))


def daemon_path():
    return os.path.join(build_dir(), "src", "daemon", "zonegated")


def cli_path():
    return os.path.join(build_dir(), "src", "cli", "zonegate")


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.unix_path)
        self.sock = s


class ApiResponse:
    """status, headers, body (parsed JSON or None) and raw text."""

    def __init__(self, status, headers, text):
        self.status = status
        self.headers = headers
        self.text = text
        try:
            self.body = json.loads(text) if text else None
        except ValueError:
            self.body = None

    def __repr__(self):
        return "<%d %s>" % (self.status, self.text[:500])


class Api:
    """Minimal HTTP/1.1 client of the management API (docs/api.md)."""

    def __init__(self, sock_path, timeout=10):
        self.sock_path = sock_path
        self.timeout = timeout

    def request(self, method, path, body=None, headers=None):
        conn = _UnixHTTPConnection(self.sock_path, scaled(self.timeout))
        try:
            hdrs = dict(headers or {})
            data = None
            if body is not None:
                data = body if isinstance(body, (bytes, str)) \
                    else json.dumps(body)
                hdrs.setdefault("Content-Type", "application/json")
            conn.request(method, path, body=data, headers=hdrs)
            resp = conn.getresponse()
            text = resp.read().decode("utf-8", "replace")
            return ApiResponse(resp.status, dict(resp.getheaders()), text)
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def ok(self, method, path, body=None, expect=(200, 201, 204)):
        """Request that must succeed; returns the parsed body."""
        r = self.request(method, path, body)
        if r.status not in expect:
            raise AssertionError("%s %s -> %d %s" % (method, path, r.status,
                                                     r.text))
        return r.body


class Zonegated:
    """One zonegated process on a state file that outlives restarts."""

    def __init__(self, workdir, listens=None, workers=2, log_level=None,
                 extra_args=(), argv=None):
        self.dir = os.path.abspath(workdir)
        os.makedirs(self.dir, exist_ok=True)
        self.state = os.path.join(self.dir, "state.db")
        self.sock = os.path.join(self.dir, "api.sock")
        self.logfile = os.path.join(self.dir, "zonegated.log")
        if listens is None:
            listens = [addrs.hostport(addrs.ZG), addrs.hostport(addrs.ZG6)]
        self.listens = list(listens)
        self.workers = workers
        self.log_level = log_level or os.environ.get("ZG_TEST_LOG_LEVEL",
                                                     "debug")
        self.extra_args = list(extra_args)
        self.argv_override = argv
        self.proc = None
        self.api = Api(self.sock)
        self.starts = 0

    def argv(self):
        if self.argv_override is not None:
            return [daemon_path()] + list(self.argv_override)
        argv = [daemon_path(), "--foreground", "--state", self.state,
                "--api-socket", self.sock, "--workers", str(self.workers),
                "--log-level", self.log_level]
        for listen in self.listens:
            argv += ["--dns-listen", listen]
        return argv + self.extra_args

    def start(self, timeout=15):
        if not os.access(daemon_path(), os.X_OK):
            raise RuntimeError("zonegated is not built: %s missing (set "
                               "ZONEGATE_BUILD or run make)" % daemon_path())
        self.starts += 1
        with open(self.logfile, "ab") as log:
            line = "==== start %d: %s\n" % (self.starts,
                                             " ".join(self.argv()))
            log.write(line.encode())
            log.flush()
            self.proc = subprocess.Popen(self.argv(), stdout=log,
                                         stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL,
                                         cwd=self.dir, start_new_session=True)
        self.wait_ready(timeout)
        if self.argv_override is None:
            self.wait_dns(timeout)
        return self

    def wait_ready(self, timeout=15):
        deadline = time.monotonic() + scaled(timeout)
        last = "never answered"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("zonegated exited with %d before it was "
                                   "ready:\n%s" % (self.proc.returncode,
                                                   self.log_tail()))
            if os.path.exists(self.sock):
                try:
                    r = self.api.get("/v1/status")
                    if r.status == 200:
                        return r.body
                    last = repr(r)
                except (OSError, http.client.HTTPException) as exc:
                    last = str(exc)
            time.sleep(0.05)
        raise RuntimeError("zonegated API not ready after %.0fs (%s):\n%s"
                           % (scaled(timeout), last, self.log_tail()))

    def wait_dns(self, timeout=15):
        """Waits until every --dns-listen address answers a UDP query
        (from a client in no VPC: REFUSED, nothing forwarded)."""
        from zgtest import dnsq
        deadline = time.monotonic() + scaled(timeout)
        for listen in self.listens:
            host, _, port = listen.rpartition(":")
            host = host.strip("[]")
            host = {"0.0.0.0": addrs.ZG, "::": addrs.ZG6}.get(host, host)
            source = addrs.CLIENT_NOVPC6 if addrs.is_v6(host) \
                else addrs.CLIENT_NOVPC
            while True:
                try:
                    dnsq.query(host, "probe.zonegate.test.", "SOA",
                               source=source, port=int(port), timeout=0.3)
                    break
                except dnsq.NoReply:
                    if self.proc.poll() is not None or \
                            time.monotonic() > deadline:
                        raise RuntimeError("zonegated does not answer DNS on"
                                           " %s:\n%s" % (listen,
                                                          self.log_tail()))

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=10):
        """SIGTERM, then SIGKILL after timeout. Returns the exit status;
        raises when the daemon had to be killed."""
        if self.proc is None:
            return None
        if self.proc.poll() is not None:
            return self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=scaled(timeout))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
            raise RuntimeError("zonegated ignored SIGTERM for %.0fs and was "
                               "killed" % scaled(timeout))

    def kill9(self):
        """SIGKILL now, as a crash or power loss would."""
        if self.running():
            self.proc.kill()
            self.proc.wait(timeout=10)

    def restart_after_kill9(self, timeout=15):
        """kill -9 and start again on the same state file."""
        self.kill9()
        return self.start(timeout)

    def restart(self, timeout=15):
        """Clean stop (must exit 0) and start again on the same state."""
        rc = self.stop()
        if rc != 0:
            raise AssertionError("zonegated exited with %r on SIGTERM" % rc)
        return self.start(timeout)

    def log_text(self):
        try:
            with open(self.logfile, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def log_tail(self, lines=80):
        return "".join(self.log_text().splitlines(True)[-lines:])
