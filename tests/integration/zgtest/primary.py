# SPDX-License-Identifier: GPL-3.0-or-later
"""Primaries for zonegate's secondary zones (shared/cases/bugcorpus.md G).

BindPrimary   a real BIND 9 on PRI (192.0.2.10) serving onprem-sec.example.
              with TSIG key xfr-key.: transfers and updates need the key,
              NOTIFYs go to zonegate (10.0.0.2) signed, from 192.0.2.10,
              without delay; changes made with nsupdate are kept in its
              journal and served as real IXFR (ixfr-from-differences,
              max-ixfr-ratio unlimited).
ScriptedPrimary  a primary in Python for the replies BIND cannot be made
              to send on purpose: IXFR in AXFR form, a single SOA, unsigned
              replies, a transfer that stalls, serials of any value.
send_notify   a NOTIFY to zonegate from any address, signed with the
              right key, an unknown key, a wrong secret or not at all.
"""

import os
import socket
import struct
import subprocess
import threading
import time
from dataclasses import dataclass

import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdatatype
import dns.rrset
import dns.tsig

from zgtest import addrs
from zgtest.bind9 import Bind9
from zgtest.util import scaled

ZONE = "onprem-sec.example."
KEY_NAME = "xfr-key."
# 32 random bytes, base64 (the case's "<32 random bytes, base64>").
KEY_SECRET = "5JMiyAjXjcR8yLbxNp3Jdh5UoZwYqALuGvgUOZm/hp8="
OTHER_SECRET = "nfQ4U0VkXRD7Zd8l0CpjwsV0TgWRdsxZgA0Zu7/8Y0Q="
ROGUE_KEY = "rogue-key."
ALGORITHM = "hmac-sha256"

V1_SERIAL = 2026120401
V2_SERIAL = 2026120402


def soa_line(serial, refresh=60, retry=30, expire=120, minimum=60,
             zone=ZONE):
    return ("%s 300 IN SOA pri.%s h.%s %d %d %d %d %d"
            % (zone, zone, zone, serial, refresh, retry, expire, minimum))


# Version V1 of the case, without its SOA; V2 deletes old, adds new.
V1_RECORDS = [
    "%s 300 IN NS pri.%s" % (ZONE, ZONE),
    "pri.%s 300 IN A 192.0.2.10" % ZONE,
    "old.%s 300 IN A 10.50.0.1" % ZONE,
    "keep.%s 300 IN A 10.50.0.3" % ZONE,
]
V2_RECORDS = [r for r in V1_RECORDS if not r.startswith("old.")] + [
    "new.%s 300 IN A 10.50.0.2" % ZONE,
]


def zone_text(serial, records, **timers):
    return "\n".join([soa_line(serial, **timers)] + list(records)) + "\n"


def keyring(name=KEY_NAME, secret=KEY_SECRET):
    n = dns.name.from_text(name)
    return {n: dns.tsig.Key(n, secret, ALGORITHM)}


# ---- BIND 9 --------------------------------------------------------------

class BindPrimary(Bind9):
    """named on PRI as the on-premises primary of one zone."""

    def __init__(self, workdir, text, zone=ZONE, notify_to=(addrs.ZG,),
                 secret=KEY_SECRET):
        super().__init__(workdir, listen=(addrs.PRI,),
                         zones={zone.rstrip("."): text})
        self.zone = zone
        self.notify_to = list(notify_to)
        self.secret = secret

    def _conf(self):
        notify = "notify no;"
        if self.notify_to:
            notify = "notify explicit;\n\talso-notify { %s };" % " ".join(
                "%s key \"%s\";" % (a, KEY_NAME) for a in self.notify_to)
        zones = "\n".join(
            'zone "%s" { type primary; file "%s.zone"; };' % (n, n)
            for n in self.zones)
        return """key "%(key)s" { algorithm %(alg)s; secret "%(secret)s"; };
options {
	directory "%(dir)s";
	pid-file "%(dir)s/named.pid";
	session-keyfile "%(dir)s/session.key";
	managed-keys-directory "%(dir)s";
	listen-on port 53 { %(pri)s; };
	listen-on-v6 { none; };
	recursion no;
	allow-query { any; };
	dnssec-validation no;
	%(notify)s
	notify-source %(pri)s;
	transfer-source %(pri)s;
	notify-delay 0;
	allow-transfer { key "%(key)s"; };
	allow-update { key "%(key)s"; };
	ixfr-from-differences yes;
	max-ixfr-ratio unlimited;
	querylog yes;
};
controls { };
%(zones)s
""" % {"key": KEY_NAME, "alg": ALGORITHM, "secret": self.secret,
            "dir": self.dir, "pri": addrs.PRI, "notify": notify,
            "zones": zones}

    def nsupdate(self, *commands):
        """Runs nsupdate with the key; commands are "update add ..." lines
        (server and zone are added)."""
        script = "server %s\nzone %s\n%s\nsend\n" % (
            addrs.PRI, self.zone, "\n".join(commands))
        p = subprocess.run(
            ["nsupdate", "-y", "%s:%s:%s" % (ALGORITHM, KEY_NAME,
                                             self.secret)],
            input=script, capture_output=True, text=True,
            timeout=scaled(20))
        if p.returncode != 0:
            raise RuntimeError("nsupdate failed: %s %s"
                               % (p.stdout, p.stderr))

    def log_text(self):
        try:
            with open(self.logfile, errors="replace") as f:
                return f.read()
        except OSError:
            return ""


# ---- a scripted primary --------------------------------------------------

@dataclass
class Logged:
    """One request the scripted primary received."""
    when: float
    transport: str          # "udp" or "tcp"
    qtype: str
    signed: bool            # carried a TSIG that verified
    source: str
    client_serial: int      # IXFR: the serial in the authority SOA


def _recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


class ScriptedPrimary:
    """Serves versions of one zone on PRI:53 over UDP and TCP.

    versions    {serial: (records, timers)}; set_serial() picks the one
                served; SOA queries, AXFR and IXFR follow it.
    ixfr_mode   "incremental": one diff from the client's version (when
                known), "axfr-style": the whole zone (RFC 1995 section 4).
                A client at the current serial or newer gets a single SOA.
    unsigned    qtypes ("SOA", "IXFR", "AXFR") answered without TSIG even
                when the request is signed (BC-31 g).
    soa_serial  when set, SOA queries are answered with this version's
                SOA while transfers serve the current one (a primary whose
                servers disagree; BC-28 c needs an IXFR to be sent).
    stall       AXFR/IXFR: send the first half of the zone, then hold the
                connection without sending more until stop().
    """

    def __init__(self, zone=ZONE, addr=addrs.PRI, port=53, key=True):
        self.zone = zone
        self.addr = addr
        self.port = port
        self.keyring = keyring() if key else None
        self.versions = {}
        self.serial = None
        self.ixfr_mode = "incremental"
        self.unsigned = set()
        self.soa_serial = None
        self.stall = False
        self.log = []
        self.closed = []        # (time single SOA sent, time client closed)
        self.errors = []
        self._stop = threading.Event()
        self._threads = []
        self._socks = []
        self._lock = threading.Lock()

    # -- zone data --

    def add_version(self, serial, records, **timers):
        self.versions[serial] = (list(records), timers)
        if self.serial is None:
            self.serial = serial
        return self

    def set_serial(self, serial):
        with self._lock:
            self.serial = serial

    def _rrsets(self, serial, with_soa=True):
        records, timers = self.versions[serial]
        lines = ([soa_line(serial, zone=self.zone, **timers)]
                 if with_soa else []) + records
        return [dns.rrset.from_text(*_split(line)) for line in lines]

    def _soa(self, serial):
        _, timers = self.versions[serial]
        return dns.rrset.from_text(*_split(soa_line(serial, zone=self.zone,
                                                    **timers)))

    # -- queries seen --

    def queries(self, qtype=None, transport=None):
        with self._lock:
            return [q for q in self.log
                    if (qtype is None or q.qtype == qtype) and
                    (transport is None or q.transport == transport)]

    def summary(self):
        return "\n".join("%.3f %s %s signed=%s from=%s serial=%s"
                         % (q.when, q.transport, q.qtype, q.signed, q.source,
                            q.client_serial) for q in self.log) or "(none)"

    # -- serving --

    def start(self):
        family = socket.AF_INET6 if addrs.is_v6(self.addr) else socket.AF_INET
        u = socket.socket(family, socket.SOCK_DGRAM)
        u.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        u.bind((self.addr, self.port))
        u.settimeout(0.2)
        t = socket.socket(family, socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        t.bind((self.addr, self.port))
        t.listen(16)
        t.settimeout(0.2)
        self._socks = [u, t]
        for fn, s in ((self._serve_udp, u), (self._serve_tcp, t)):
            th = threading.Thread(target=fn, args=(s,), daemon=True)
            th.start()
            self._threads.append(th)
        return self

    def stop(self):
        self._stop.set()
        for th in self._threads:
            th.join(timeout=5)
        for s in self._socks:
            s.close()

    def _parse(self, wire):
        try:
            return dns.message.from_wire(wire, keyring=self.keyring)
        except Exception as exc:  # a test primary reports, never dies
            self.errors.append("cannot parse a request: %r" % exc)
            return None

    def _record(self, q, transport, source):
        qtype = dns.rdatatype.to_text(q.question[0].rdtype) \
            if q.question else "?"
        client_serial = -1
        if q.authority and q.authority[0].rdtype == dns.rdatatype.SOA:
            client_serial = q.authority[0][0].serial
        with self._lock:
            self.log.append(Logged(time.monotonic(), transport, qtype,
                                   q.had_tsig, source, client_serial))
        return qtype, client_serial

    def _response(self, q, qtype):
        r = dns.message.make_response(q)
        r.flags |= dns.flags.AA
        if q.had_tsig and qtype in self.unsigned:
            r.tsig = None
        return r

    def _serve_udp(self, sock):
        while not self._stop.is_set():
            try:
                wire, peer = sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            q = self._parse(wire)
            if q is None:
                continue
            qtype, _ = self._record(q, "udp", peer[0])
            r = self._response(q, qtype)
            with self._lock:
                serial = self.soa_serial or self.serial
            if qtype == "SOA":
                r.answer.append(self._soa(serial))
            else:
                r.set_rcode(dns.rcode.REFUSED)
            try:
                sock.sendto(r.to_wire(), peer)
            except OSError as exc:
                self.errors.append("udp send: %r" % exc)

    def _serve_tcp(self, sock):
        while not self._stop.is_set():
            try:
                conn, peer = sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            th = threading.Thread(target=self._tcp_conn, args=(conn, peer),
                                  daemon=True)
            th.start()
            self._threads.append(th)

    def _send(self, conn, msg):
        wire = msg.to_wire()
        conn.sendall(struct.pack("!H", len(wire)) + wire)

    def _tcp_conn(self, conn, peer):
        conn.settimeout(0.2)
        try:
            while not self._stop.is_set():
                try:
                    head = _recv_exact(conn, 2)
                except socket.timeout:
                    continue
                if head is None:
                    return
                conn.settimeout(5)
                wire = _recv_exact(conn, struct.unpack("!H", head)[0])
                conn.settimeout(0.2)
                q = self._parse(wire) if wire else None
                if q is None:
                    return
                self._answer_tcp(conn, q, peer)
        except OSError as exc:
            self.errors.append("tcp: %r" % exc)
        finally:
            conn.close()

    def _answer_tcp(self, conn, q, peer):
        qtype, client_serial = self._record(q, "tcp", peer[0])
        with self._lock:
            serial = self.serial
            soa_serial = self.soa_serial or serial
        r = self._response(q, qtype)
        if qtype == "SOA":
            r.answer.append(self._soa(soa_serial))
            self._send(conn, r)
            return
        if qtype == "IXFR" and client_serial >= 0 and \
                _serial_ge(client_serial, serial):
            r.answer.append(self._soa(serial))
            self._send(conn, r)
            self._watch_close(conn)
            return
        if qtype == "IXFR" and self.ixfr_mode == "incremental" and \
                client_serial in self.versions:
            r.answer.extend(self._diff(client_serial, serial))
        elif qtype in ("AXFR", "IXFR"):
            zone = self._rrsets(serial)
            r.answer.extend(zone + [self._soa(serial)])
        else:
            r.set_rcode(dns.rcode.REFUSED)
        if self.stall and qtype in ("AXFR", "IXFR"):
            half = r.answer[:max(1, len(r.answer) // 2)]
            r.answer = half
            self._send(conn, r)
            self._stop.wait(scaled(60))
            return
        self._send(conn, r)

    def _diff(self, old, new):
        """SOA(new) SOA(old) deletions SOA(new) additions SOA(new)."""
        old_set = set(_canon(x) for x in self.versions[old][0])
        new_set = set(_canon(x) for x in self.versions[new][0])
        out = [self._soa(new), self._soa(old)]
        out += [dns.rrset.from_text(*_split(x))
                for x in self.versions[old][0] if _canon(x) not in new_set]
        out.append(self._soa(new))
        out += [dns.rrset.from_text(*_split(x))
                for x in self.versions[new][0] if _canon(x) not in old_set]
        out.append(self._soa(new))
        return out

    def _watch_close(self, conn):
        """After a single-SOA reply: how long until the client closes."""
        sent = time.monotonic()
        deadline = sent + scaled(5)
        conn.settimeout(0.05)
        while time.monotonic() < deadline and not self._stop.is_set():
            try:
                if conn.recv(1) == b"":
                    break
            except socket.timeout:
                continue
            except OSError:
                break
        with self._lock:
            self.closed.append((sent, time.monotonic()))


def _serial_ge(a, b):
    """a is b or newer (RFC 1982)."""
    return a == b or ((b - a) % 2**32) > 2**31


def _split(line):
    owner, ttl, cls, rtype, rdata = line.split(None, 4)
    return owner, int(ttl), cls, rtype, rdata


def _canon(line):
    return " ".join(line.lower().split())


# ---- NOTIFY to zonegate --------------------------------------------------

@dataclass
class NotifyReply:
    rcode: int
    opcode: int
    aa: bool
    qr: bool
    question: str
    tsig_error: int          # -1 when the reply has no TSIG
    mac_len: int             # -1 when the reply has no TSIG
    verified: bool           # the reply's TSIG verifies with our key
    reply_from: str          # source address of the reply


def _skip_name(wire, pos):
    while True:
        n = wire[pos]
        if n == 0:
            return pos + 1
        if n & 0xC0:
            return pos + 2
        pos += 1 + n


def tsig_of(wire):
    """(error, mac_len) of the TSIG at the end of wire, or None."""
    qd, an, ns, ar = struct.unpack("!HHHH", wire[4:12])
    if ar == 0:
        return None
    pos = 12
    for _ in range(qd):
        pos = _skip_name(wire, pos) + 4
    last = None
    for _ in range(an + ns + ar):
        start = pos
        pos = _skip_name(wire, pos)
        rtype, _, _, rdlen = struct.unpack("!HHIH", wire[pos:pos + 10])
        last = (start, rtype, pos + 10, rdlen)
        pos += 10 + rdlen
    _, rtype, rd, _ = last
    if rtype != dns.rdatatype.TSIG:
        return None
    p = _skip_name(wire, rd) + 6 + 2
    mac_len = struct.unpack("!H", wire[p:p + 2])[0]
    p += 2 + mac_len + 2
    error = struct.unpack("!H", wire[p:p + 2])[0]
    return error, mac_len


def send_notify(zone=ZONE, *, server=addrs.ZG, source=addrs.PRI, key="xfr",
                serial=V2_SERIAL, tcp=False, timeout=5):
    """Sends a NOTIFY for zone with the SOA serial in the answer section.
    key: "xfr" (valid), "rogue" (unknown key name), "wrong" (xfr-key. with
    another secret) or None (unsigned)."""
    q = dns.message.make_query(zone, "SOA", use_edns=False)
    # The opcode lives in the flags word: set it after the flags.
    q.flags = dns.flags.AA
    q.set_opcode(dns.opcode.NOTIFY)
    q.answer.append(dns.rrset.from_text(*_split(soa_line(serial,
                                                         zone=zone))))
    if key is not None:
        name, secret = {"xfr": (KEY_NAME, KEY_SECRET),
                        "rogue": (ROGUE_KEY, KEY_SECRET),
                        "wrong": (KEY_NAME, OTHER_SECRET)}[key]
        q.use_tsig(keyring(name, secret), keyname=name)
    wire = q.to_wire()
    family = socket.AF_INET6 if addrs.is_v6(server) else socket.AF_INET
    if tcp:
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.bind((source, 0))
            s.settimeout(scaled(timeout))
            s.connect((server, 53))
            s.sendall(struct.pack("!H", len(wire)) + wire)
            n = struct.unpack("!H", _recv_exact(s, 2))[0]
            reply, peer = _recv_exact(s, n), s.getpeername()
    else:
        with socket.socket(family, socket.SOCK_DGRAM) as s:
            s.bind((source, 0))
            s.settimeout(scaled(timeout))
            s.sendto(wire, (server, 53))
            reply, peer = s.recvfrom(65535)
    flags = struct.unpack("!H", reply[2:4])[0]
    tsig = tsig_of(reply)
    verified = False
    if tsig is not None and tsig[1] > 0:
        try:
            dns.message.from_wire(reply, keyring=keyring(),
                                  request_mac=q.mac)
            verified = True
        except Exception:
            verified = False
    qlen = 12
    question = ""
    if struct.unpack("!H", reply[4:6])[0] == 1:
        end = _skip_name(reply, 12) + 4
        question = reply[qlen:end].hex()
    return NotifyReply(
        rcode=flags & 0xF, opcode=(flags >> 11) & 0xF,
        aa=bool(flags & 0x0400), qr=bool(flags & 0x8000),
        question=question,
        tsig_error=tsig[0] if tsig else -1,
        mac_len=tsig[1] if tsig else -1, verified=verified,
        reply_from=peer[0])


def question_hex(zone=ZONE):
    """The question section a NOTIFY for zone carries, as hex."""
    return (dns.name.from_text(zone).to_wire() +
            struct.pack("!HH", dns.rdatatype.SOA, 1)).hex()


def wait_log(zonegated, text, timeout=10, start=0):
    """Waits until zonegated's log (from offset start) holds text."""
    deadline = time.monotonic() + scaled(timeout)
    while time.monotonic() < deadline:
        if text in zonegated.log_text()[start:]:
            return True
        time.sleep(0.05)
    return False


def ensure_dir(path):
    os.makedirs(path, exist_ok=True)
    return path
