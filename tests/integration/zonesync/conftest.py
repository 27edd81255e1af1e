# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures of the zone sync tests (issue 4: inbound endpoints, transfers
out, dynamic updates, zone files).

Topology (addresses from zgtest/addrs.py, on lo of the suite's netns):

    zonegated    shared listener 10.0.0.2 (VPC by source CIDR)
    in-a         inbound endpoint 10.0.0.5:53 answering as vpc-a for
                 192.0.2.0/24 (the on-premises network, PRI is there)
    in-b         inbound endpoint 10.0.0.4:53 answering as vpc-b (split
                 horizon tests only)
    BIND 9       secondary of zonegate on 192.0.2.10 (PRI), transferring
                 from 10.0.0.5 with TSIG key xfr-out., NOTIFYs expected
                 from there
    REFLECTOR    192.0.2.99, on premises but outside the allow-lists of
                 the zone's transfers (192.0.2.10/32)

Fixtures:
    zs          Sync helper: zonegated with vpc-a, vpc-b, in-a, key
                xfr-out. (and acme. for updates)
    bind_sec    factory: bind_sec(zone) -> a started BIND 9 secondary
"""

import os
import subprocess
import time

import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.tsig
import dns.tsigkeyring
import dns.update
import pytest

from zgtest import addrs, dnsq
from zgtest.bind9 import Bind9
from zgtest.util import scaled, wait_until

ZONE = "corp.example."
IN_A = addrs.ZG4          # 10.0.0.5
IN_B = addrs.ZG3          # 10.0.0.4
ONPREM = addrs.PRI        # 192.0.2.10
OUTSIDER = addrs.REFLECTOR  # 192.0.2.99

KEY = "xfr-out."
SECRET = "qK1n9bX0oWfVt5mBz3rGJYc2uE8dHsLaPiN4vTxRkQw="
WRONG_SECRET = "nfQ4U0VkXRD7Zd8l0CpjwsV0TgWRdsxZgA0Zu7/8Y0Q="
ACME_KEY = "acme."
ACME_SECRET = "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5"
ALGORITHM = "hmac-sha256"


def keyring(name=KEY, secret=SECRET):
    n = dns.name.from_text(name)
    return {n: dns.tsig.Key(n, secret, ALGORITHM)}


class BindSecondary(Bind9):
    """named on PRI as a secondary of zonegate for some zones."""

    def __init__(self, workdir, zones, primary=IN_A, secret=SECRET):
        super().__init__(workdir, listen=(ONPREM,),
                         zones={z.rstrip("."): "" for z in zones})
        self.primary = primary
        self.secret = secret

    def _conf(self):
        zones = "\n".join(
            'zone "%s" { type secondary; primaries { %s key "%s"; };'
            ' file "%s.db"; masterfile-format text; };'
            % (n, self.primary, KEY, n) for n in self.zones)
        return """key "%(key)s" { algorithm %(alg)s; secret "%(secret)s"; };
options {
	directory "%(dir)s";
	pid-file "%(dir)s/named.pid";
	session-keyfile "%(dir)s/session.key";
	managed-keys-directory "%(dir)s";
	listen-on port 53 { %(me)s; };
	listen-on-v6 { none; };
	recursion no;
	allow-query { any; };
	allow-transfer { any; };
	dnssec-validation no;
	notify no;
	transfer-source %(me)s;
	notify-source %(me)s;
	query-source address %(me)s;
	querylog yes;
};
server %(pri)s { request-ixfr yes; };
controls { };
%(zones)s
""" % {"key": KEY, "alg": ALGORITHM, "secret": self.secret,
            "dir": self.dir, "me": ONPREM, "pri": self.primary,
            "zones": zones}

    def start(self, timeout=20):
        # Secondaries start without a zone file: the first AXFR writes
        # it, so only the configuration is written here.
        os.makedirs(self.dir, exist_ok=True)
        conf = os.path.join(self.dir, "named.conf")
        with open(conf, "w") as f:
            f.write(self._conf())
        log = open(self.logfile, "ab")
        try:
            self.proc = subprocess.Popen(
                ["/usr/sbin/named", "-g", "-n", "1", "-u", "root", "-c",
                 conf], stdout=log, stderr=subprocess.STDOUT, cwd=self.dir,
                start_new_session=True)
        finally:
            log.close()
        self._wait_ready(timeout)
        return self

    def serial(self, zone=ZONE):
        """The serial BIND serves for zone now, or None."""
        try:
            r = dnsq.query(ONPREM, zone, "SOA", source=ONPREM, timeout=0.5)
        except dnsq.NoReply:
            return None
        for rrset in r.msg.answer:
            if rrset.rdtype == dns.rdatatype.SOA:
                return rrset[0].serial
        return None

    def wait_serial(self, serial, zone=ZONE, timeout=15):
        return wait_until(lambda: self.serial(zone) == serial, timeout,
                          interval=0.1,
                          what="BIND to serve %s at serial %d (has %r)"
                          % (zone, serial, self.serial(zone)))

    def lookup(self, name, qtype="A"):
        return dnsq.query(ONPREM, name, qtype, source=ONPREM).msg

    def axfr(self, zone=ZONE):
        """The zone as BIND serves it: every RR of an unsigned AXFR."""
        return xfr_messages(zone, server=ONPREM, source=ONPREM, key=None)


class Sync:
    """zonegated with the resources of the zone sync tests."""

    def __init__(self, z, cli, api):
        self.z = z
        self.cli = cli
        self.api = api
        self.vpc_a = cli("vpc", "create", "vpc-a", "--cidr",
                         addrs.CIDR_A)["id"]
        self.vpc_b = cli("vpc", "create", "vpc-b", "--cidr",
                         addrs.CIDR_B)["id"]
        self.in_a = cli("inbound", "create", "in-a", "--vpc", self.vpc_a,
                        "--listen", IN_A, "--allow", "192.0.2.0/24")["id"]
        cli("tsig", "create", KEY, "--secret", SECRET)

    def zone(self, name=ZONE, vpcs=None, records=()):
        """A private zone bound to vpc-a (or vpcs) with ns1 glue and
        records ("owner ttl TYPE value" relative owners)."""
        obj = self.cli("zone", "create", name)
        zid = obj["id"]
        self.cli("record", "add", zid, "ns1", "A", addrs.ZG, "--ttl",
                 "3600")
        for line in records:
            owner, ttl, rtype, value = line.split(None, 3)
            self.cli("record", "add", zid, owner, rtype, value, "--ttl",
                     ttl)
        for vpc in (vpcs if vpcs is not None else [self.vpc_a]):
            self.cli("zone", "bind", zid, "--vpc", vpc)
        return zid

    def allow_transfer(self, zid, allow=ONPREM + "/32", key=KEY,
                       notify=(ONPREM,)):
        args = ["zone", "transfer", zid, "--allow", allow]
        if key:
            args += ["--tsig", key]
        if notify:
            args += ["--notify", ",".join(notify)]
        return self.cli(*args)

    def serial(self, zid):
        return self.cli("zone", "show", zid)["serial"]

    def log_mark(self):
        return len(self.z.log_text())

    def log_since(self, mark):
        return self.z.log_text()[mark:]

    def wait_log(self, mark, text, timeout=10):
        return wait_until(lambda: text in self.log_since(mark), timeout,
                          interval=0.1, what="log line %r" % text)


@pytest.fixture
def zs(zonegated, cli, api):
    return Sync(zonegated, cli, api)


@pytest.fixture
def bind_sec(tmp_path, attach):
    started = []

    def make(zones=(ZONE,), **kw):
        b = BindSecondary(tmp_path / ("secondary%d" % len(started)),
                          zones, **kw)
        started.append(b)
        attach("BIND secondary log %d" % len(started), b.log_tail)
        return b.start()
    yield make
    for b in started:
        b.stop()


# ---- DNS helpers ---------------------------------------------------------

def xfr_messages(zone, rdtype="AXFR", server=IN_A, source=ONPREM,
                 serial=0, key=KEY, secret=SECRET):
    """Every message of a zone transfer, TSIG checked across them by
    dnspython (RFC 8945 section 5.3.1); key None sends it unsigned."""
    kw = {}
    if key is not None:
        kw = {"keyring": keyring(key, secret),
              "keyname": dns.name.from_text(key),
              "keyalgorithm": ALGORITHM}
    return list(dns.query.xfr(server, zone, rdtype=rdtype, serial=serial,
                              source=source, timeout=scaled(8),
                              lifetime=scaled(20), relativize=False, **kw))


def xfr_rrs(messages):
    """(owner, ttl, type, rdata text) of every RR of the answers, in
    order."""
    out = []
    for m in messages:
        for rrset in m.answer:
            for rd in rrset:
                out.append((rrset.name.to_text(), rrset.ttl,
                            dns.rdatatype.to_text(rrset.rdtype),
                            rd.to_text()))
    return out


def raw_exchange(msg, server=IN_A, source=ONPREM, tcp=True):
    """Sends a message (signed or not) and returns the reply's wire."""
    wire = msg.to_wire()
    if tcp:
        data, _, _ = dnsq.exchange_tcp(server, wire, source=source)
    else:
        data, _, _ = dnsq.exchange_udp(server, wire, source=source)
    return data


def rcode_of(wire):
    """The RCODE of a reply (header bits only, extended RCODE aside)."""
    return wire[3] & 0x0F


def nsupdate(commands, server=IN_A, source=ONPREM, key=KEY, secret=SECRET,
             zone=ZONE):
    """Runs nsupdate; returns (rc, stdout + stderr). key None: unsigned."""
    script = "server %s\nlocal %s\nzone %s\n%s\nsend\n" % (
        server, source, zone, "\n".join(commands))
    argv = ["nsupdate", "-t", "10"]
    if key is not None:
        argv += ["-y", "%s:%s:%s" % (ALGORITHM, key, secret)]
    p = subprocess.run(argv, input=script, capture_output=True, text=True,
                       timeout=scaled(30))
    return p.returncode, p.stdout + p.stderr


def answer(name, qtype="A", server=addrs.ZG, source=addrs.CLIENT_A):
    """(rcode, sorted rdata texts) of a query from a VPC client."""
    r = dnsq.query(server, name, qtype, source=source)
    values = sorted(rd.to_text() for rrset in r.msg.answer
                    if rrset.rdtype == dns.rdatatype.from_text(qtype)
                    for rd in rrset)
    return r.msg.rcode(), values


def wait_answer(name, want, qtype="A", timeout=10, **kw):
    return wait_until(lambda: answer(name, qtype, **kw)[1] == want,
                      timeout, interval=0.1,
                      what="%s %s to be %r" % (name, qtype, want))
