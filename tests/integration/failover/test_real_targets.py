# SPDX-License-Identifier: GPL-3.0-or-later
"""Real on-premises servers as a rule's targets (issue 3, Tests): BIND 9
(authoritative for the domain) first and Unbound (a resolver with local
data for it) second. zonegate forwards to BIND, moves to Unbound when
BIND stops, takes Unbound's NXDOMAIN as final with its SOA at the
negative TTL (RFC 2308 section 3), and every packet leaves from the
endpoint's source addresses (shared/resolution.md section 4)."""

import os
import signal
import subprocess
import time

import dns.rcode
import pytest

from zgtest import addrs as A
from zgtest import dnsq
from zgtest.check import expect
from zgtest.util import scaled

UNBOUND = "/usr/sbin/unbound"

ONPREM_ZONE = """$TTL 60
@   IN SOA ns.onprem.example. h.onprem.example. 5 3600 600 86400 60
@   IN NS  ns.onprem.example.
ns  IN A   192.0.2.53
app IN A   192.0.2.81
"""


class Unbound:
    """unbound -d answering onprem.example. from local data on addr."""

    def __init__(self, workdir, addr):
        self.dir = str(workdir)
        self.addr = addr
        self.log = os.path.join(self.dir, "unbound.log")
        self.proc = None

    def start(self):
        os.makedirs(self.dir, exist_ok=True)
        conf = os.path.join(self.dir, "unbound.conf")
        with open(conf, "w") as f:
            f.write("""server:
	interface: %(addr)s
	port: 53
	access-control: 0.0.0.0/0 allow
	access-control: ::/0 allow
	username: ""
	chroot: ""
	directory: "%(dir)s"
	pidfile: "%(dir)s/unbound.pid"
	logfile: "%(log)s"
	use-syslog: no
	verbosity: 1
	log-queries: yes
	do-not-query-localhost: yes
	local-zone: "onprem.example." static
	local-data: "onprem.example. 600 IN SOA ns.onprem.example. h.onprem.example. 9 3600 600 86400 120"
	local-data: "app.onprem.example. 60 IN A 192.0.2.82"
remote-control:
	control-enable: no
""" % {"addr": self.addr, "dir": self.dir, "log": self.log})
        self.proc = subprocess.Popen([UNBOUND, "-d", "-c", conf],
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + scaled(15)
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log_tail()
            try:
                r = dnsq.query(self.addr, "app.onprem.example.", "A",
                               source=self.addr, timeout=0.5)
                if r.msg.answer:
                    return self
            except dnsq.NoReply:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("unbound not ready:\n" + self.log_tail())

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(scaled(10))
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def clients(self, qname):
        """Source addresses of the queries for qname in unbound's log."""
        found = []
        try:
            with open(self.log, errors="replace") as f:
                # log-queries lines: "... info: <client> <name> <type> IN"
                for line in f:
                    words = line.split("info: ", 1)[-1].split()
                    if len(words) >= 2 and \
                            words[1].rstrip(".") == qname.rstrip("."):
                        found.append(words[0])
        except (OSError, IndexError):
            pass
        return found

    def log_tail(self, lines=40):
        try:
            with open(self.log, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return "(no log)"


@pytest.fixture
def unbound(tmp_path, attach):
    u = Unbound(tmp_path / "unbound", A.OP2)
    attach("unbound log", u.log_tail)
    yield u.start()
    u.stop()


@pytest.fixture
def onprem(topo, bind9, unbound):
    topo.baseline()
    named = bind9(listen=[A.OP1], zones={"onprem.example": ONPREM_ZONE})
    rule_id = topo.make_rule("real", "onprem.example.", [A.OP1, A.OP2])["id"]
    return named, rule_id


def test_bind_answers_first(onprem, query):
    named, _ = onprem
    r = query("app.onprem.example.")
    expect(r, aa=False, answer=["app.onprem.example. <=60 A 192.0.2.81"])
    assert set(named.clients("app.onprem.example.")) <= set(A.OB1_SOURCES)
    assert named.clients("app.onprem.example.")


def test_unbound_answers_when_bind_stops(onprem, unbound, query):
    named, _ = onprem
    named.stop()
    r = query("app.onprem.example.", timeout=scaled(10))
    # Unbound's local data (192.0.2.82), not BIND's: the second target.
    expect(r, aa=False, answer=["app.onprem.example. <=60 A 192.0.2.82"])
    sources = unbound.clients("app.onprem.example.")
    # Unbound's own readiness probe came from its address; the rest
    # from ob-1.
    forwarded = [s for s in sources if s != A.OP2]
    assert forwarded and set(forwarded) <= set(A.OB1_SOURCES), sources


def test_unbound_nxdomain_is_final_with_negative_ttl(onprem, unbound,
                                                     query):
    named, _ = onprem
    named.stop()
    r = query("gone.onprem.example.", timeout=scaled(10))
    # RFC 2308 section 3: the SOA's TTL is min(600, MINIMUM 120).
    expect(r, "NXDOMAIN", aa=False, answer=[], authority=[
        "onprem.example. <=120 SOA ns.onprem.example. h.onprem.example."
        " 9 3600 600 86400 120"])
