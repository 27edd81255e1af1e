# SPDX-License-Identifier: GPL-3.0-or-later
"""The seed lab as the tests see it: the seed's addresses (as
scripts/lab/lib.sh sets them) and Lab, one running lab described by its
lab.env, with queries from inside its namespaces, BIND's query log and
the tunnel's counters."""

import os
import re
import subprocess
import time

from zgtest import dnsq
from zgtest.cli import Cli
from zgtest.util import scaled, wait_until

import labnet
import labswan

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..",
                                   ".."))

# The seed's addresses, as scripts/lab/lib.sh sets them.
ECS = "172.17.0.10"
VPC_CIDR = "172.17.0.0/16"
VPC_GW = "172.17.0.1"
VPC_WAN = "198.51.100.152"
IDC_WAN = "198.51.100.44"
IDC_CIDR = "172.28.0.0/16"
IDC_DNS = "172.28.0.7"
ZG_LISTEN = "172.17.0.53"
ZG_SOURCE = "172.17.0.253"
ZONE = "alidns-example.com."
# The IPsec connection's name in zonegate (scripts/lab/lib.sh).
CONN = "to-idc-vpn"
# The seed's zone (shared/seed, Step 7).
SEED_A = "alidns-example.com. %s A 15.15.15.15"
SEED_SOA = ("alidns-example.com. %s SOA 172.28.0.7. "
            "admin.alidns-example.com. 8 86400 3600 604800 10800")


def _read_env(path):
    env = {}
    with open(path) as f:
        for line in f:
            key, sep, value = line.rstrip("\n").partition("=")
            if sep:
                env[key] = value
    return env


def tail(path, lines=40):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return "(no %s)" % path


class Lab:
    """One running lab, described by its lab.env."""

    def __init__(self, workdir):
        self.dir = workdir
        self.env = _read_env(os.path.join(workdir, "lab.env"))
        self.ns_ecs = self.env["LAB_NS_ECS"]
        self.ns_vpc = self.env["LAB_NS_VPC"]
        self.ns_idc = self.env["LAB_NS_IDC"]
        self.vici_vpc = self.env["LAB_VICI_VPC"]
        self.vici_idc = self.env["LAB_VICI_IDC"]
        self.cli = Cli(self.env["LAB_ZG_SOCK"])
        self.vpn_mode = self.env.get("LAB_VPN_MODE", "lab")
        self.named_log = os.path.join(workdir, "idcgw", "named", "named.log")

    # ---- processes -------------------------------------------------------

    def pid(self, name):
        """The pid lab_track recorded for name (e.g. "named")."""
        pid = None
        with open(os.path.join(self.dir, "pids")) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2 and parts[0] == name:
                    pid = int(parts[1])
        return pid

    def stop(self, name, timeout=10):
        """Stops a lab process (SIGTERM, then SIGKILL) and waits."""
        pid = self.pid(name)
        if pid is None:
            raise AssertionError("no process %s in the lab" % name)
        try:
            os.kill(pid, 15)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + scaled(timeout)
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        os.kill(pid, 9)

    def running(self, name):
        pid = self.pid(name)
        try:
            os.kill(pid, 0)
            return True
        except (TypeError, ProcessLookupError):
            return False

    # ---- DNS -------------------------------------------------------------

    def query(self, server, qname, qtype="A", *, ns=None, source=ECS,
              tcp=False, timeout=5, **kw):
        """dnsq.query from inside namespace ns (default: the ECS)."""
        return labnet.run_in(ns or self.ns_ecs, dnsq.query, server, qname,
                             qtype, source=source, tcp=tcp, timeout=timeout,
                             run_timeout=timeout + 10, **kw)

    def dig(self, *args, timeout=15):
        """dig run in the ECS namespace (its resolv.conf applies):
        (status, flags, server, [answer lines])."""
        p = subprocess.run(["ip", "netns", "exec", self.ns_ecs, "dig",
                            "+time=3", "+tries=1", *args],
                           capture_output=True, text=True,
                           timeout=scaled(timeout))
        out = p.stdout
        status = re.search(r"status: (\w+)", out)
        flags = re.search(r";; flags: ([a-z ]*);", out)
        server = re.search(r";; SERVER: ([0-9.]+)#", out)
        answer = []
        m = re.search(r";; ANSWER SECTION:\n(.*?)\n\n", out, re.S)
        if m:
            answer = [" ".join(line.split()) for line in
                      m.group(1).splitlines()]
        return (status.group(1) if status else None,
                flags.group(1).split() if flags else None,
                server.group(1) if server else None, answer, out)

    def set_resolv(self, nameserver):
        """The ECS's /etc/netns/<ns>/resolv.conf, as lab_resolv writes."""
        path = "/etc/netns/%s/resolv.conf" % self.ns_ecs
        with open(path, "w") as f:
            f.write("nameserver %s\noptions timeout:2 attempts:2\n"
                    % nameserver)

    def bind_queries(self):
        """[(client, name, type)] from BIND's query log, in order."""
        pattern = re.compile(r"client @\S+ ([0-9.]+)#\d+ \([^)]*\): "
                             r"query: (\S+) IN (\S+) ")
        try:
            with open(self.named_log, errors="replace") as f:
                text = f.read()
        except OSError:
            return []
        return [(c, n.lower().rstrip(".") + ".", t)
                for c, n, t in pattern.findall(text)]

    def wait_bind_query(self, qname, qtype, timeout=5):
        """The client address of the first logged query for qname."""
        qname = qname.lower()
        deadline = time.monotonic() + scaled(timeout)
        while True:
            for client, name, rtype in self.bind_queries():
                if name == qname and rtype == qtype:
                    return client
            if time.monotonic() > deadline:
                return None
            time.sleep(0.05)

    # ---- the tunnel ------------------------------------------------------

    def vpc_packets(self):
        """(packets in, packets out) of the VPC gateway's CHILD_SAs."""
        return labswan.child_packets(self.vici_vpc)

    def _swanctl(self, *args):
        subprocess.run([labswan.SWANCTL, *args, "--uri",
                        "unix://" + self.vici_vpc], capture_output=True,
                       timeout=scaled(30), check=True)

    def cut_tunnel(self):
        """Takes the tunnel down and waits until no CHILD_SA is left:
        through zonegate when it owns the connection (terminate also
        disables it, so the peer's retries are refused), else with
        swanctl on the VPC gateway's charon."""
        if self.vpn_mode == "zonegate":
            self.cli("vpn", "connection", "terminate", CONN)
        else:
            self._swanctl("--terminate", "--ike", self.env["LAB_VPN_CHILD"],
                          "--timeout", "10")
        wait_until(lambda: not labswan.installed_children(self.vici_vpc),
                   10, what="the CHILD_SA to go")

    def restore_tunnel(self):
        """Brings the tunnel back and waits for its CHILD_SA."""
        if self.vpn_mode == "zonegate":
            self.cli("vpn", "connection", "initiate", CONN)
        else:
            self._swanctl("--initiate", "--child",
                          self.env["LAB_VPN_CHILD"], "--timeout", "20")
        wait_until(lambda: labswan.installed_children(self.vici_vpc), 30,
                   what="the CHILD_SA to come back")
        if self.vpn_mode == "zonegate":
            wait_until(lambda: self.cli("vpn", "status", CONN)["state"] ==
                       "up", 10, interval=0.1,
                       what="zonegate to see the tunnel up")

    # ---- reports ---------------------------------------------------------

    def zonegated_log(self):
        try:
            with open(os.path.join(self.dir, "vpcgw", "zonegated.log"),
                      errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def logs(self):
        parts = []
        for rel in ("up.log", "vpcgw/zonegated.log", "vpcgw/charon.log",
                    "idcgw/charon.log", "idcgw/named/named.log"):
            parts.append("---- %s\n%s" % (rel, tail(os.path.join(self.dir,
                                                                    rel))))
        return "\n".join(parts)
