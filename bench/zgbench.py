#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""zonegate's benchmark, run by bench/run.sh inside its own namespace.

Three parts, each reported as zonegate's figure, the reference's figure
and their ratio (bench/README.md describes every field):

  failover    two targets for one domain; the first stops answering
              mid-run; time until every query is answered promptly
              again and the queries lost, for zonegate, dnsdist and
              Unbound asked the same questions at the same moment
  throughput  answers per second and CPU per answered query for a name
              of a private zone, against BIND 9 and Knot DNS serving the
              same zone authoritatively (dnsperf, one worker each)
  memory      resident memory added by a zone of N records, against
              BIND 9 and Knot DNS loading the same zone

Every process started here is stopped here (by pid); every wait is
bounded. Run outside a namespace it refuses to start.
"""

import http.client
import json
import os
import re
import selectors
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset

ADDR = {
    "zonegate": "10.53.0.1",
    "dnsdist": "10.53.0.2",
    "unbound": "10.53.0.3",
    "bind9": "10.53.0.4",
    "knot": "10.53.0.5",
    "t1": "10.53.1.1",
    "t2": "10.53.1.2",
    "client": "10.53.2.1",
    "source": "10.53.3.1",
}
VPC_CIDR = "10.53.2.0/24"
DOMAIN = "bench.example."
ZONE = "zone.bench."

# Failover: queries per second to each resolver, how long before and
# after the first target blackholes, and what counts as lost or slow.
RATE = 100
WARM_S = 4.0
AFTER_S = 8.0
LOST_AFTER_S = 2.0
SLOW_MS = 100.0

THROUGHPUT_S = 5
THROUGHPUT_NAMES = 1000

OUT = os.environ.get("BENCH_OUT", "/tmp/zg-bench")
BUILD = os.environ.get("ZONEGATE_BUILD", "build")
RECORDS = int(os.environ.get("BENCH_RECORDS", "20000"))

CLK_TCK = os.sysconf("SC_CLK_TCK")


def say(text):
    print("bench: " + text, flush=True)


# ---- processes ---------------------------------------------------------

class Proc:
    """A process of this run, stopped by pid: SIGTERM, then SIGKILL."""

    def __init__(self, name, argv, cwd=None):
        self.name = name
        self.log_path = os.path.join(OUT, name + ".log")
        self.log = open(self.log_path, "ab")
        self.p = subprocess.Popen(argv, stdout=self.log,
                                  stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, cwd=cwd,
                                  start_new_session=True)

    @property
    def pid(self):
        return self.p.pid

    def alive(self):
        return self.p.poll() is None

    def cpu_s(self):
        """User plus system CPU of the process, all threads."""
        with open("/proc/%d/stat" % self.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def rss_kib(self):
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait(timeout=10)
        self.log.close()


def wait_dns(ip, qname, source=None, timeout=15.0, name="server"):
    """Waits until ip answers a query for qname (any RCODE)."""
    deadline = time.monotonic() + timeout
    q = dns.message.make_query(qname, "SOA")
    while time.monotonic() < deadline:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            if source:
                s.bind((source, 0))
            s.settimeout(0.3)
            s.sendto(q.to_wire(), (ip, 53))
            s.recvfrom(4096)
            return
        except OSError:
            time.sleep(0.1)
        finally:
            s.close()
    raise RuntimeError("%s does not answer on %s" % (name, ip))


# ---- fake targets ------------------------------------------------------

class Target(threading.Thread):
    """A recursive resolver as a rule sees it: A queries get the target's
    own marker address with TTL 0 (nothing is cached anywhere), other
    types an empty NOERROR. blackhole = True: every query is dropped."""

    def __init__(self, ip, marker):
        super().__init__(daemon=True)
        self.ip = ip
        self.marker = marker
        self.blackhole = False
        self.received = 0
        self.answered = 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((ip, 53))
        self.sock.settimeout(0.2)
        self._halt = threading.Event()

    def run(self):
        while not self._halt.is_set():
            try:
                wire, src = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            self.received += 1
            if self.blackhole:
                continue
            try:
                q = dns.message.from_wire(wire)
            except Exception:  # a bench target ignores what it cannot read
                continue
            r = dns.message.make_response(q)
            r.flags |= 0x80  # RA
            if q.question and q.question[0].rdtype == dns.rdatatype.A:
                r.answer.append(dns.rrset.from_text(
                    q.question[0].name, 0, "IN", "A", self.marker))
            self.sock.sendto(r.to_wire(), src)
            self.answered += 1

    def stop(self):
        self._halt.set()
        self.join(5)
        self.sock.close()


# ---- zonegate's API ----------------------------------------------------

class UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=120)
        self.path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(120)
        s.connect(self.path)
        self.sock = s


class Zonegate:
    def __init__(self, name, workers=1):
        self.dir = os.path.join(OUT, name)
        os.makedirs(self.dir, exist_ok=True)
        self.sock = os.path.join(self.dir, "api.sock")
        state = os.path.join(self.dir, "state.db")
        for path in (state, self.sock):
            if os.path.exists(path):
                os.unlink(path)
        self.proc = Proc(name, [
            os.path.join(BUILD, "src", "daemon", "zonegated"),
            "--foreground", "--state", state, "--api-socket", self.sock,
            "--workers", str(workers), "--log-level", "notice",
            "--dns-listen", ADDR["zonegate"] + ":53"])
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if not self.proc.alive():
                raise RuntimeError("zonegated exited; see %s"
                                   % self.proc.log_path)
            try:
                if self.api("GET", "/v1/status")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.05)
        else:
            raise RuntimeError("zonegated's API did not come up")
        wait_dns(ADDR["zonegate"], "probe.invalid.", name="zonegated")

    def api(self, method, path, body=None):
        c = UnixHTTP(self.sock)
        try:
            data = json.dumps(body) if body is not None else None
            c.request(method, path, body=data,
                      headers={"Content-Type": "application/json"})
            r = c.getresponse()
            text = r.read().decode()
            return r.status, json.loads(text) if text else None
        finally:
            c.close()

    def ok(self, method, path, body=None):
        status, reply = self.api(method, path, body)
        if status not in (200, 201):
            raise RuntimeError("%s %s: %d %s" % (method, path, status,
                                                 reply))
        return reply

    def vpc(self):
        return self.ok("POST", "/v1/vpcs", {"name": "bench",
                                             "cidrs": [VPC_CIDR]})["id"]

    def changes(self, changes, chunk=1000):
        for i in range(0, len(changes), chunk):
            self.ok("POST", "/v1/changes", {"changes":
                                            changes[i:i + chunk]})

    def stop(self):
        self.proc.stop()


# ---- failover ----------------------------------------------------------

class Client:
    """Sends RATE queries a second to each resolver from the client
    address, each for a new name, and records when each was answered,
    with what RCODE and by which target (the marker address)."""

    def __init__(self, resolvers):
        self.resolvers = resolvers
        self.sel = selectors.DefaultSelector()
        self.socks = {}
        self.sent = {name: {} for name in resolvers}
        self.got = {name: {} for name in resolvers}
        for name, ip in resolvers.items():
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((ADDR["client"], 0))
            s.setblocking(False)
            self.socks[name] = s
            self.sel.register(s, selectors.EVENT_READ, name)

    def run(self, duration_s, at_s=None, action=None):
        start = time.monotonic()
        seq = 0
        next_send = start
        acted = None
        while True:
            now = time.monotonic()
            if at_s is not None and acted is None and now - start >= at_s:
                action()
                acted = now
            if now - start >= duration_s:
                break
            if now >= next_send:
                for name, ip in self.resolvers.items():
                    qid = seq % 65536
                    q = dns.message.make_query(
                        "q%d.%s.%s" % (seq, name, DOMAIN), "A", id=qid)
                    self.sent[name][qid] = (time.monotonic(), seq)
                    self.socks[name].sendto(q.to_wire(),
                                            (ip, 53))
                seq += 1
                next_send += 1.0 / RATE
            wait = max(0.0, min(next_send - time.monotonic(), 0.005))
            for key, _ in self.sel.select(wait):
                self._receive(key.fileobj, key.data)
        # Drain what is still coming, up to the lost bound.
        drain_until = time.monotonic() + LOST_AFTER_S
        while time.monotonic() < drain_until:
            for key, _ in self.sel.select(0.05):
                self._receive(key.fileobj, key.data)
        return start, acted

    def _receive(self, sock, name):
        now = time.monotonic()
        while True:
            try:
                wire, _ = sock.recvfrom(4096)
            except BlockingIOError:
                return
            try:
                r = dns.message.from_wire(wire)
            except Exception:  # counted as not answered
                continue
            if r.id in self.got[name]:
                continue
            marker = None
            for rrset in r.answer:
                if rrset.rdtype == dns.rdatatype.A:
                    marker = rrset[0].address
            self.got[name][r.id] = (now, r.rcode(), marker)

    def close(self):
        for s in self.socks.values():
            s.close()


def failover_figures(client, name, t_fail, t_end):
    """Figures of one resolver: before and after the blackhole."""
    before, after = [], []
    for qid, (t_sent, seq) in client.sent[name].items():
        got = client.got[name].get(qid)
        ok = (got is not None and got[1] == dns.rcode.NOERROR and
              got[2] is not None and got[0] - t_sent <= LOST_AFTER_S)
        latency_ms = (got[0] - t_sent) * 1000 if ok else None
        row = (t_sent, ok, latency_ms, got[2] if ok else None)
        (before if t_sent < t_fail else after).append(row)
    before.sort()
    after = sorted(r for r in after if r[0] <= t_end)

    lost = [r for r in after if not r[1]]
    slow = [r for r in after if r[1] and r[2] > SLOW_MS]
    disrupted = lost + slow
    # Traffic has moved once every later query is answered promptly.
    moved_s = max((r[0] - t_fail for r in disrupted), default=0.0)
    settled = all(r[0] < t_end - 1.0 for r in disrupted)
    lat_before = [r[2] for r in before if r[1]]
    return {
        "queries_before": len(before),
        "answered_before": len(lat_before),
        "p50_ms_before": round(statistics.median(lat_before), 3)
        if lat_before else None,
        "share_t1_before": round(sum(1 for r in before
                                     if r[3] == ADDR["t1"]) /
                                 max(1, len(lat_before)), 3),
        "queries_after": len(after),
        "lost": len(lost),
        "slow": len(slow),
        "failover_s": round(moved_s, 3),
        "settled": settled,
        "first_t2_s": round(min((r[0] - t_fail for r in after
                                 if r[3] == ADDR["t2"]), default=-1), 3),
    }


def start_dnsdist():
    conf = os.path.join(OUT, "dnsdist.conf")
    with open(conf, "w") as f:
        f.write("""-- zonegate bench: two backends, the first preferred
setLocal("%s:53")
setACL({"0.0.0.0/0"})
newServer({address="%s:53", name="t1", order=1})
newServer({address="%s:53", name="t2", order=2})
setServerPolicy(firstAvailable)
""" % (ADDR["dnsdist"], ADDR["t1"], ADDR["t2"]))
    p = Proc("dnsdist", ["dnsdist", "--supervised", "--disable-syslog",
                         "-C", conf])
    wait_dns(ADDR["dnsdist"], "probe." + DOMAIN, name="dnsdist")
    return p


def start_unbound():
    d = os.path.join(OUT, "unbound")
    os.makedirs(d, exist_ok=True)
    conf = os.path.join(d, "unbound.conf")
    with open(conf, "w") as f:
        f.write("""# zonegate bench: the domain forwarded to two targets
server:
    interface: %s
    port: 53
    access-control: 0.0.0.0/0 allow
    do-not-query-localhost: no
    num-threads: 1
    username: ""
    chroot: ""
    directory: "%s"
    pidfile: "%s/unbound.pid"
    logfile: ""
    use-syslog: no
    verbosity: 0
    module-config: "iterator"
    do-ip6: no
    root-hints: ""
forward-zone:
    name: "%s"
    forward-addr: %s
    forward-addr: %s
""" % (ADDR["unbound"], d, d, DOMAIN, ADDR["t1"], ADDR["t2"]))
    p = Proc("unbound", ["unbound", "-d", "-c", conf])
    wait_dns(ADDR["unbound"], "probe." + DOMAIN, name="unbound")
    return p


def bench_failover(results):
    say("failover: %d queries/s to each of zonegate, dnsdist, unbound; "
        "target 1 blackholes after %.0f s" % (RATE, WARM_S))
    t1 = Target(ADDR["t1"], ADDR["t1"])
    t2 = Target(ADDR["t2"], ADDR["t2"])
    t1.start()
    t2.start()
    procs = []
    zg = None
    try:
        zg = Zonegate("zonegated-failover", workers=1)
        vpc = zg.vpc()
        ep = zg.ok("POST", "/v1/endpoints", {
            "name": "bench", "vpc": vpc,
            "sources": [ADDR["source"]]})["id"]
        rule = zg.ok("POST", "/v1/rules", {
            "name": "bench", "domain": DOMAIN, "endpoint": ep,
            "targets": [ADDR["t1"] + ":53", ADDR["t2"] + ":53"]})["id"]
        zg.ok("POST", "/v1/rules/%s/vpcs" % rule, {"vpc": vpc})
        procs.append(start_dnsdist())
        procs.append(start_unbound())

        client = Client({"zonegate": ADDR["zonegate"],
                         "dnsdist": ADDR["dnsdist"],
                         "unbound": ADDR["unbound"]})

        def blackhole():
            t1.blackhole = True

        start, t_fail = client.run(WARM_S + AFTER_S, WARM_S, blackhole)
        t_end = start + WARM_S + AFTER_S
        client.close()
        out = {name: failover_figures(client, name, t_fail, t_end)
               for name in client.resolvers}
        status, stats = zg.api("GET", "/v1/rules/%s/stats" % rule)
        out["zonegate_rule_stats"] = stats if status == 200 else None
    finally:
        for p in procs:
            p.stop()
        if zg is not None:
            zg.stop()
        t1.stop()
        t2.stop()

    for ref in ("dnsdist", "unbound"):
        out["ratio_failover_vs_" + ref] = ratio(
            out["zonegate"]["failover_s"], out[ref]["failover_s"])
        out["ratio_lost_vs_" + ref] = ratio(out["zonegate"]["lost"],
                                            out[ref]["lost"])
    results["failover"] = out


def ratio(a, b):
    if b in (0, None) or a is None:
        return None
    return round(a / b, 3)


# ---- throughput --------------------------------------------------------

def zone_lines(n, with_apex=True):
    lines = []
    if with_apex:
        lines += ["$ORIGIN %s" % ZONE, "$TTL 3600",
                  "@ SOA ns1 hostmaster 1 3600 600 604800 300",
                  "@ NS ns1", "ns1 A 10.53.0.9"]
    lines += ["h%d A 10.%d.%d.%d" % (i, 60 + i // 65536,
                                      (i // 256) % 256, i % 256)
              for i in range(n)]
    return lines


def write_zone(path, n):
    with open(path, "w") as f:
        f.write("\n".join(zone_lines(n)) + "\n")


def start_bind9(name, zonefile):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    conf = os.path.join(d, "named.conf")
    with open(conf, "w") as f:
        f.write("""options {
    directory "%s";
    pid-file "%s/named.pid";
    listen-on port 53 { %s; };
    listen-on-v6 { none; };
    recursion no;
    notify no;
};
zone "%s" { type primary; file "%s"; };
""" % (d, d, ADDR["bind9"], ZONE.rstrip("."), zonefile))
    p = Proc(name, ["named", "-g", "-n", "1", "-u", "root", "-c", conf])
    wait_dns(ADDR["bind9"], ZONE, name="named")
    return p


def start_knot(name, zonefile):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    conf = os.path.join(d, "knot.conf")
    with open(conf, "w") as f:
        f.write("""server:
    rundir: "%s"
    listen: %s@53
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: "%s"
log:
  - target: stdout
    any: warning
zone:
  - domain: %s
    file: "%s"
    journal-content: none
    zonefile-load: whole
""" % (d, ADDR["knot"], d, ZONE, zonefile))
    p = Proc(name, ["knotd", "-c", conf])
    wait_dns(ADDR["knot"], ZONE, name="knotd")
    return p


def dnsperf(ip, qfile, source=None):
    argv = ["dnsperf", "-s", ip, "-d", qfile, "-l", str(THROUGHPUT_S),
            "-c", "4", "-q", "200", "-t", "2"]
    if source:
        argv += ["-a", source]
    out = subprocess.run(argv, capture_output=True, text=True,
                         timeout=THROUGHPUT_S + 30).stdout

    def num(label):
        m = re.search(label + r":\s+([0-9.]+)", out)
        return float(m.group(1)) if m else 0.0
    return {"completed": int(num("Queries completed")),
            "lost": int(num("Queries lost")),
            "qps": round(num("Queries per second"), 1)}


def measure(proc, ip, qfile, source=None):
    cpu0 = proc.cpu_s()
    r = dnsperf(ip, qfile, source)
    cpu = proc.cpu_s() - cpu0
    r["cpu_us_per_answer"] = round(cpu * 1e6 / r["completed"], 2) \
        if r["completed"] else None
    return r


def bench_throughput(results):
    say("throughput: dnsperf for %d s against a private zone of zonegate "
        "and the same zone in BIND 9 and Knot (one worker each)"
        % THROUGHPUT_S)
    zonefile = os.path.join(OUT, "throughput.zone")
    write_zone(zonefile, THROUGHPUT_NAMES)
    qfile = os.path.join(OUT, "throughput.queries")
    with open(qfile, "w") as f:
        for i in range(THROUGHPUT_NAMES):
            f.write("h%d.%s A\n" % (i, ZONE))

    out = {}
    zg = Zonegate("zonegated-throughput", workers=1)
    try:
        load_zone(zg, THROUGHPUT_NAMES)
        out["zonegate"] = measure(zg.proc, ADDR["zonegate"], qfile,
                                  ADDR["client"])
    finally:
        zg.stop()
    for name, start, ip in (("bind9", start_bind9, ADDR["bind9"]),
                            ("knot", start_knot, ADDR["knot"])):
        p = start(name + "-throughput", zonefile)
        try:
            out[name] = measure(p, ip, qfile)
        finally:
            p.stop()
    for ref in ("bind9", "knot"):
        out["ratio_qps_vs_" + ref] = ratio(out["zonegate"]["qps"],
                                           out[ref]["qps"])
        out["ratio_cpu_vs_" + ref] = ratio(
            out["zonegate"]["cpu_us_per_answer"],
            out[ref]["cpu_us_per_answer"])
    results["throughput"] = out


def load_zone(zg, n):
    """Creates the zone with n names, bound to a new VPC."""
    vpc = zg.vpc()
    zone = zg.ok("POST", "/v1/zones", {"name": ZONE})["id"]
    changes = []
    for line in zone_lines(n, with_apex=False):
        owner, rtype, value = line.split()
        changes.append({"op": "create", "kind": "record", "zone": zone,
                        "data": {"name": owner, "type": rtype,
                                 "ttl": 3600, "value": value}})
    zg.changes(changes)
    zg.ok("POST", "/v1/zones/%s/vpcs" % zone, {"vpc": vpc})
    # The last name answers: the zone is published.
    q = dns.message.make_query("h%d.%s" % (n - 1, ZONE), "A")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((ADDR["client"], 0))
    s.settimeout(2)
    try:
        s.sendto(q.to_wire(), (ADDR["zonegate"], 53))
        r = dns.message.from_wire(s.recvfrom(4096)[0])
    finally:
        s.close()
    if not r.answer:
        raise RuntimeError("zonegate does not answer from the loaded zone")


# ---- memory ------------------------------------------------------------

def settle_rss(proc):
    time.sleep(1.0)
    return proc.rss_kib()


def bench_memory(results):
    say("memory: resident memory added by a zone of %d A records" % RECORDS)
    out = {"records": RECORDS}

    zg = Zonegate("zonegated-memory", workers=1)
    try:
        base = settle_rss(zg.proc)
        t0 = time.monotonic()
        load_zone(zg, RECORDS)
        load_s = time.monotonic() - t0
        full = settle_rss(zg.proc)
        out["zonegate"] = {"rss_empty_kib": base, "rss_kib": full,
                           "added_kib": full - base,
                           "load_s": round(load_s, 2)}
    finally:
        zg.stop()

    empty = os.path.join(OUT, "memory-empty.zone")
    full_zone = os.path.join(OUT, "memory.zone")
    write_zone(empty, 0)
    write_zone(full_zone, RECORDS)
    for name, start in (("bind9", start_bind9), ("knot", start_knot)):
        figures = {}
        for label, path in (("rss_empty_kib", empty),
                            ("rss_kib", full_zone)):
            p = start("%s-memory-%s" % (name, label), path)
            try:
                figures[label] = settle_rss(p)
            finally:
                p.stop()
        figures["added_kib"] = figures["rss_kib"] - figures["rss_empty_kib"]
        out[name] = figures
    for ref in ("bind9", "knot"):
        out["ratio_added_vs_" + ref] = ratio(out["zonegate"]["added_kib"],
                                             out[ref]["added_kib"])
        out["ratio_rss_vs_" + ref] = ratio(out["zonegate"]["rss_kib"],
                                           out[ref]["rss_kib"])
    results["memory"] = out


# ---- report ------------------------------------------------------------

def report(results):
    lines = []
    f = results.get("failover")
    if f:
        lines.append("failover (target 1 blackholed; %d q/s per resolver)"
                     % RATE)
        lines.append("  %-9s %11s %6s %6s %10s %9s" % (
            "", "failover_s", "lost", "slow", "p50_ms", "settled"))
        for name in ("zonegate", "dnsdist", "unbound"):
            r = f[name]
            lines.append("  %-9s %11.3f %6d %6d %10s %9s" % (
                name, r["failover_s"], r["lost"], r["slow"],
                r["p50_ms_before"], r["settled"]))
        for ref in ("dnsdist", "unbound"):
            lines.append("  zonegate/%s: failover %s, lost %s" % (
                ref, f["ratio_failover_vs_" + ref],
                f["ratio_lost_vs_" + ref]))
    t = results.get("throughput")
    if t:
        lines.append("throughput (private-zone answer, 1 worker)")
        for name in ("zonegate", "bind9", "knot"):
            r = t[name]
            lines.append("  %-9s %10.1f q/s %8s us CPU/answer" % (
                name, r["qps"], r["cpu_us_per_answer"]))
        for ref in ("bind9", "knot"):
            lines.append("  zonegate/%s: q/s %s, CPU per answer %s" % (
                ref, t["ratio_qps_vs_" + ref], t["ratio_cpu_vs_" + ref]))
    m = results.get("memory")
    if m:
        lines.append("memory (zone of %d records)" % m["records"])
        for name in ("zonegate", "bind9", "knot"):
            r = m[name]
            lines.append("  %-9s %8d KiB added, %8d KiB RSS" % (
                name, r["added_kib"], r["rss_kib"]))
        for ref in ("bind9", "knot"):
            lines.append("  zonegate/%s: added %s, RSS %s" % (
                ref, m["ratio_added_vs_" + ref], m["ratio_rss_vs_" + ref]))
    return "\n".join(lines)


def main(argv):
    if "--addresses" in argv:
        for ip in ADDR.values():
            print(ip)
        return 0
    ns = subprocess.run(["ip", "netns", "identify", str(os.getpid())],
                        capture_output=True, text=True).stdout.strip()
    if not ns.startswith("zg-"):
        print("zgbench: run through bench/run.sh (own namespace)",
              file=sys.stderr)
        return 2
    parts = [argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "--only"]
    parts = parts or ["failover", "throughput", "memory"]
    os.makedirs(OUT, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))

    results = {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
               "cpus": os.cpu_count()}
    for part in parts:
        {"failover": bench_failover, "throughput": bench_throughput,
         "memory": bench_memory}[part](results)
    path = os.path.join(OUT, "results.json")
    with open(path, "w") as f:
        json.dump(results, f, indent=2)
    print(report(results))
    say("results in %s" % path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
