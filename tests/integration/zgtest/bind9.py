# SPDX-License-Identifier: GPL-3.0-or-later
"""A real BIND 9 (named) for one test: the on-premises DNS.

named runs in the foreground (-g, logging to stderr, captured to a file)
with a configuration written into a private directory: listen only on
the given addresses, no recursion, no control channel, the given zones
as primary zones from text. It is ready when it answers the SOA of its
first zone; stop() sends SIGTERM and SIGKILL after a bound.
"""

import os
import re
import signal
import subprocess
import time

import dns.rcode

from zgtest import addrs, dnsq
from zgtest.util import scaled

NAMED = os.environ.get("ZG_NAMED", "/usr/sbin/named")

# The on-premises zone of shared/seed/ (Alibaba Cloud Resolver example).
SEED_ZONE = "alidns-example.com"
SEED_ZONE_TEXT = """$TTL 3600
@       IN SOA  172.28.0.7. admin.alidns-example.com. (
                        8       ; serial
                        1D      ; refresh
                        1H      ; retry
                        1W      ; expire
                        3H )    ; minimum
@       IN      NS      172.28.0.7.
@       IN      A       15.15.15.15
"""


class Bind9:
    """named serving zones {name: master-file text} on addresses."""

    def __init__(self, workdir, listen=(addrs.PRI,), zones=None, port=53,
                 extra_options=""):
        self.dir = os.path.abspath(workdir)
        self.listen = list(listen)
        self.zones = dict(zones or {SEED_ZONE: SEED_ZONE_TEXT})
        self.port = port
        self.extra_options = extra_options
        self.logfile = os.path.join(self.dir, "named.log")
        self.proc = None

    def _conf(self):
        v4 = [a for a in self.listen if not addrs.is_v6(a)]
        v6 = [a for a in self.listen if addrs.is_v6(a)]

        def alist(lst):
            return "{ %s };" % " ".join(a + ";" for a in lst) if lst \
                else "{ none; };"

        zones = []
        for name in self.zones:
            zones.append('zone "%s" { type primary; file "%s.zone"; };'
                         % (name, name))
        return """options {
	directory "%(dir)s";
	pid-file "%(dir)s/named.pid";
	session-keyfile "%(dir)s/session.key";
	managed-keys-directory "%(dir)s";
	listen-on port %(port)d %(v4)s
	listen-on-v6 port %(port)d %(v6)s
	recursion no;
	allow-query { any; };
	dnssec-validation no;
	notify no;
	querylog yes;
	%(extra)s
};
controls { };
%(zones)s
""" % {"dir": self.dir, "port": self.port, "v4": alist(v4),
            "v6": alist(v6), "extra": self.extra_options,
            "zones": "\n".join(zones)}

    def start(self, timeout=15):
        os.makedirs(self.dir, exist_ok=True)
        conf = os.path.join(self.dir, "named.conf")
        with open(conf, "w") as f:
            f.write(self._conf())
        for name, text in self.zones.items():
            with open(os.path.join(self.dir, name + ".zone"), "w") as f:
                f.write(text)
        log = open(self.logfile, "ab")
        try:
            self.proc = subprocess.Popen(
                [NAMED, "-g", "-n", "1", "-u", "root", "-c", conf],
                stdout=log, stderr=subprocess.STDOUT, cwd=self.dir,
                start_new_session=True)
        finally:
            log.close()
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout):
        first = next(iter(self.zones))
        server = self.listen[0]
        deadline = time.monotonic() + scaled(timeout)
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("named exited with %d:\n%s"
                                   % (self.proc.returncode, self.log_tail()))
            try:
                r = dnsq.query(server, first, "SOA", source=server,
                               port=self.port, timeout=0.5)
                if r.msg.rcode() == dns.rcode.NOERROR and r.msg.answer:
                    return
                last = r.msg.to_text()
            except dnsq.NoReply as exc:
                last = str(exc)
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("named not ready after %.0fs (last: %s):\n%s"
                           % (scaled(timeout), last, self.log_tail()))

    def clients(self, qname, qtype="A"):
        """Source addresses of the queries for qname/qtype in the query
        log, in order."""
        pattern = (r"client @\S+ ([0-9a-fA-F.:]+)#\d+ \([^)]*\): query: "
                   + re.escape(qname.rstrip(".")) + r" IN " + qtype + r" ")
        try:
            with open(self.logfile, errors="replace") as f:
                text = f.read()
        except OSError:
            return []
        return re.findall(pattern, text, flags=re.IGNORECASE)

    def log_tail(self, lines=60):
        try:
            with open(self.logfile, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self, timeout=10):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=scaled(timeout))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
