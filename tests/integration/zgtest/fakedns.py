# SPDX-License-Identifier: GPL-3.0-or-later
"""A programmable DNS responder playing PUB, OP1, OP2 of the bugcorpus.

It answers over UDP and TCP on the addresses it is given, from canned
records (per name and type, or for every name under a suffix), canned
negative answers, or a handler function, and it records every query it
receives in a log, so tests can assert "PUB saw 0 queries", "every query
left from 10.0.255.10 or .11", "no ECS option was sent".

Modes: "answer" (default), "drop" (no reply), "servfail", "refused",
"formerr", "truncate" (UDP answers TC=1 with no records; TCP in full).
By default it plays a recursive resolver: RA=1, AA=0.

Everything runs in one thread (plus one short-lived thread per TCP
connection, at most 32); stop() closes the sockets and joins it.
"""

import selectors
import socket
import struct
import threading
import time
from dataclasses import dataclass, field

import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

from zgtest import addrs

MAX_TCP_CONNS = 32
TCP_IDLE_S = 5.0


@dataclass
class Entry:
    """One query as the responder received it."""
    time: float
    transport: str
    src: str
    sport: int
    dst: str
    qid: int
    qname: str          # as received, case kept
    qtype: str
    rd: bool
    cd: bool
    ad: bool
    do: bool
    edns: int           # EDNS version, -1 without OPT
    payload: int
    options: list = field(default_factory=list)   # option codes
    ecs: bool = False
    wire: bytes = b""

    @property
    def name(self):
        """The query name, lower case, absolute."""
        return self.qname.lower()


@dataclass
class Canned:
    ttl: int
    rdatas: list


class FakeUpstream:
    """A DNS responder on addresses [(ip, port)]."""

    def __init__(self, role, ips, port=53, aa=False, ra=True):
        self.role = role
        self.ips = list(ips)
        self.port = port
        self.aa = aa
        self.ra = ra
        self.mode = "answer"
        self.handler = None
        self.pre_replies = None
        self.delay_s = 0.0      # every reply this much later
        self.records = {}       # (name, rdtype) -> Canned
        self.suffixes = []      # (suffix Name, rdtype) -> Canned
        self.negatives = {}     # name -> (rcode, soa rrset text or None)
        self.default_rcode = dns.rcode.REFUSED
        self.log = []
        self.errors = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._socks = []
        self._thread = None
        self._tcp_threads = []

    # ---- configuration ------------------------------------------------

    def add(self, name, rtype, ttl, *rdatas):
        """Answer `name rtype` with these records (master-file rdata)."""
        key = (dns.name.from_text(name), dns.rdatatype.from_text(rtype))
        self.records[key] = Canned(ttl, list(rdatas))

    def add_suffix(self, suffix, rtype, ttl, *rdatas):
        """Answer `rtype` for every name at or below suffix."""
        self.suffixes.append((dns.name.from_text(suffix),
                              dns.rdatatype.from_text(rtype),
                              Canned(ttl, list(rdatas))))

    def add_negative(self, name, rcode, soa=None):
        """Answer every type of name with rcode (NXDOMAIN, or NOERROR for
        NODATA) and, when given, an SOA line in the authority section.
        Wins over add_suffix(); records added with add() for the name win
        over it."""
        self.negatives[dns.name.from_text(name)] = (
            dns.rcode.from_text(rcode), soa)

    def set_handler(self, fn):
        """fn(query Message, Entry) -> Message, or None to fall back to the
        canned data, or "drop" to send nothing."""
        self.handler = fn

    def set_pre_replies(self, fn):
        """fn(query Message) -> [Message]: sent over UDP before the real
        reply (spoofing attempts: wrong ID, wrong question)."""
        self.pre_replies = fn

    # ---- log ----------------------------------------------------------

    def queries(self, name=None, qtype=None, transport=None, under=None):
        """Logged queries, optionally filtered (names case-insensitive;
        under= keeps names at or below a suffix)."""
        with self._lock:
            out = list(self.log)
        if name is not None:
            want = dns.name.from_text(name)
            out = [e for e in out if dns.name.from_text(e.qname) == want]
        if under is not None:
            top = dns.name.from_text(under)
            out = [e for e in out
                   if dns.name.from_text(e.qname).is_subdomain(top)]
        if qtype is not None:
            out = [e for e in out if e.qtype == qtype]
        if transport is not None:
            out = [e for e in out if e.transport == transport]
        return out

    def clear_log(self):
        with self._lock:
            self.log.clear()

    def summary(self):
        """The log as text lines, for failure reports."""
        lines = []
        for e in self.queries():
            lines.append("%.3f %s %s#%d -> %s id=%d %s %s rd=%d cd=%d do=%d"
                         " edns=%d opts=%s" % (e.time, e.transport, e.src,
                                               e.sport, e.dst, e.qid,
                                               e.qname, e.qtype, e.rd, e.cd,
                                               e.do, e.edns, e.options))
        return "\n".join(lines) or "(no queries)"

    # ---- answering ----------------------------------------------------

    def _lookup(self, q, resp):
        qname = q.question[0].name
        qtype = q.question[0].rdtype
        canned = self.records.get((qname, qtype))
        if canned is None and qname not in self.negatives:
            for suffix, rdtype, c in self.suffixes:
                if rdtype == qtype and qname.is_subdomain(suffix):
                    canned = c
                    break
        if canned is not None:
            rrset = dns.rrset.from_text_list(qname, canned.ttl, "IN",
                                             dns.rdatatype.to_text(qtype),
                                             canned.rdatas)
            resp.answer.append(rrset)
            return
        neg = self.negatives.get(qname)
        if neg is not None:
            rcode, soa = neg
            resp.set_rcode(rcode)
            if soa:
                owner, ttl, _, rest = soa.split(None, 3)  # _ is "SOA"
                resp.authority.append(dns.rrset.from_text(
                    owner, int(ttl), "IN", "SOA", rest))
            return
        resp.set_rcode(self.default_rcode)

    def respond(self, q, entry, transport):
        """The reply to q, or None for no reply."""
        if self.mode == "drop":
            return None
        resp = dns.message.make_response(q, recursion_available=self.ra,
                                         our_payload=1232)
        if q.flags & dns.flags.CD:
            resp.flags |= dns.flags.CD
        if q.edns >= 0 and q.ednsflags & dns.flags.DO:
            resp.want_dnssec(True)
        if self.aa:
            resp.flags |= dns.flags.AA
        if self.mode == "servfail":
            resp.set_rcode(dns.rcode.SERVFAIL)
            return resp
        if self.mode == "refused":
            resp.set_rcode(dns.rcode.REFUSED)
            return resp
        if self.mode == "formerr":
            resp.set_rcode(dns.rcode.FORMERR)
            return resp
        if self.mode == "truncate" and transport == "udp":
            resp.flags |= dns.flags.TC
            return resp
        if self.handler is not None:
            got = self.handler(q, entry)
            if got == "drop":
                return None
            if got is not None:
                return got
        self._lookup(q, resp)
        return resp

    def _entry(self, wire, q, transport, src, dst):
        question = q.question[0] if len(q.question) else None
        opts = [int(o.otype) for o in q.options]
        return Entry(
            time=time.monotonic(), transport=transport, src=src[0],
            sport=src[1], dst=dst, qid=q.id,
            qname=(question.name.to_text()
                   if question is not None else ""),
            qtype=(dns.rdatatype.to_text(question.rdtype)
                   if question is not None else ""),
            rd=bool(q.flags & dns.flags.RD), cd=bool(q.flags & dns.flags.CD),
            ad=bool(q.flags & dns.flags.AD),
            do=bool(q.edns >= 0 and q.ednsflags & dns.flags.DO),
            edns=q.edns,
            payload=q.payload if q.edns >= 0 else 0, options=opts,
            ecs=int(dns.edns.OptionType.ECS) in opts, wire=wire)

    def _handle(self, wire, transport, src, dst):
        """Parses, logs and answers one message; returns reply wire or
        None."""
        try:
            q = dns.message.from_wire(wire)
        except Exception as exc:    # malformed input is logged, not fatal
            self.errors.append("%s from %s: %s" % (transport, src, exc))
            return None
        entry = self._entry(wire, q, transport, src, dst)
        with self._lock:
            self.log.append(entry)
        resp = self.respond(q, entry, transport)
        if resp is None:
            return None
        if transport == "tcp":
            return resp.to_wire(max_size=65535)
        limit = max(512, q.payload) if q.edns >= 0 else 512
        try:
            return resp.to_wire(max_size=limit)
        except dns.exception.TooBig:
            resp.answer.clear()
            resp.authority.clear()
            resp.additional.clear()
            resp.flags |= dns.flags.TC
            return resp.to_wire(max_size=limit)

    # ---- sockets ------------------------------------------------------

    def start(self):
        sel = selectors.DefaultSelector()
        try:
            for ip in self.ips:
                fam = socket.AF_INET6 if addrs.is_v6(ip) else socket.AF_INET
                u = socket.socket(fam, socket.SOCK_DGRAM)
                self._socks.append(u)
                u.bind((ip, self.port))
                sel.register(u, selectors.EVENT_READ, ("udp", ip))
                t = socket.socket(fam, socket.SOCK_STREAM)
                self._socks.append(t)
                t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                t.bind((ip, self.port))
                t.listen(16)
                sel.register(t, selectors.EVENT_READ, ("tcp", ip))
        except OSError:
            sel.close()
            self._close()
            raise
        self._thread = threading.Thread(target=self._run, args=(sel,),
                                        name="fake-%s" % self.role,
                                        daemon=True)
        self._thread.start()
        return self

    def _run(self, sel):
        try:
            while not self._stop.is_set():
                for key, _ in sel.select(timeout=0.1):
                    kind, ip = key.data
                    try:
                        if kind == "udp":
                            self._udp(key.fileobj, ip)
                        else:
                            self._accept(key.fileobj, ip)
                    except OSError as exc:
                        if not self._stop.is_set():
                            self.errors.append("%s %s: %s" % (kind, ip, exc))
        finally:
            sel.close()

    def _udp(self, sock, ip):
        wire, src = sock.recvfrom(65535)
        if self.pre_replies is not None:
            try:
                q = dns.message.from_wire(wire)
            except Exception:   # _handle logs malformed input
                q = None
            for extra in (self.pre_replies(q) if q is not None else []):
                sock.sendto(extra.to_wire(), src)
        out = self._handle(wire, "udp", src[:2], ip)
        if out is None:
            return
        if self.delay_s:
            # Later, without holding up other queries.
            t = threading.Timer(self.delay_s, self._send_late,
                                args=(sock, out, src))
            t.daemon = True
            t.start()
            return
        sock.sendto(out, src)

    def _send_late(self, sock, out, src):
        if self._stop.is_set():
            return
        try:
            sock.sendto(out, src)
        except OSError as exc:
            self.errors.append("late reply to %s: %s" % (src, exc))

    def _accept(self, lsock, ip):
        conn, src = lsock.accept()
        self._tcp_threads = [t for t in self._tcp_threads if t.is_alive()]
        if len(self._tcp_threads) >= MAX_TCP_CONNS:
            conn.close()
            self.errors.append("too many TCP connections")
            return
        t = threading.Thread(target=self._tcp_conn,
                             args=(conn, src[:2], ip), daemon=True)
        self._tcp_threads.append(t)
        t.start()

    def _tcp_conn(self, conn, src, ip):
        with conn:
            conn.settimeout(TCP_IDLE_S)
            try:
                while not self._stop.is_set():
                    head = self._read(conn, 2)
                    if head is None:
                        return
                    (length,) = struct.unpack("!H", head)
                    wire = self._read(conn, length)
                    if wire is None:
                        return
                    out = self._handle(wire, "tcp", src, ip)
                    if out is None:
                        continue
                    if self.delay_s:
                        time.sleep(self.delay_s)
                    conn.sendall(struct.pack("!H", len(out)) + out)
            except OSError:
                return

    @staticmethod
    def _read(conn, n):
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    def _close(self):
        for s in self._socks:
            try:
                s.close()
            except OSError:
                pass
        self._socks = []

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        for t in self._tcp_threads:
            t.join(timeout=TCP_IDLE_S + 1)
        self._close()
        alive = self._thread is not None and self._thread.is_alive()
        self._thread = None
        if alive:
            raise RuntimeError("fake upstream %s did not stop" % self.role)
