# SPDX-License-Identifier: GPL-3.0-or-later
"""Send one DNS query from a chosen client address and return the reply.

The socket is bound to the client address (e.g. 10.1.0.10, a vpc-a
client), so the server sees that source. For UDP the reply must come
from the address and port the query was sent to (resolution.md §1.1: the
answer leaves from the address the query arrived on) and carry the same
ID; anything else is ignored, as a real stub would, and shows up as a
timeout with the stray replies listed.
"""

import socket
import struct
import time
from dataclasses import dataclass, field

import dns.edns
import dns.flags
import dns.message
import dns.opcode
import dns.rdatatype

from zgtest import addrs
from zgtest.util import scaled

DEFAULT_TIMEOUT = 8.0


class NoReply(Exception):
    """No matching reply before the timeout."""


@dataclass
class Reply:
    """One exchange: what was sent and what came back."""
    msg: object         # dns.message.Message, None when not parsed
    wire: bytes
    query_wire: bytes
    server: tuple
    source: tuple
    tcp: bool
    elapsed: float
    stray: list = field(default_factory=list)

    @property
    def size(self):
        """Size of the reply in octets (without the TCP length)."""
        return len(self.wire)


def make_query(qname, qtype="A", *, rd=True, edns=0, payload=1232,
               do=False, cd=False, ad=False, options=(), qid=None,
               opcode=dns.opcode.QUERY):
    """A query message. edns=None sends no OPT record; edns=N uses EDNS
    version N (N > 0 is for BADVERS tests)."""
    flags = dns.flags.RD if rd else 0
    if cd:
        flags |= dns.flags.CD
    if ad:
        flags |= dns.flags.AD
    q = dns.message.make_query(qname, qtype, use_edns=False, id=qid,
                               flags=flags)
    if edns is not None:
        # Not make_query(want_dnssec=...): dnspython 2.3 clears the EDNS
        # version bits when it clears DO.
        q.use_edns(edns, ednsflags=int(dns.flags.DO) if do else 0,
                   payload=payload, options=list(options))
    q.set_opcode(opcode)
    return q


def _family(addr):
    return socket.AF_INET6 if addrs.is_v6(addr) else socket.AF_INET


def _same_addr(a, b):
    return socket.inet_pton(_family(a), a) == socket.inet_pton(_family(b), b)


def recv_exact(sock, n, deadline):
    """Reads exactly n octets from a stream socket before deadline."""
    data = b""
    while len(data) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise NoReply("TCP read timed out")
        sock.settimeout(left)
        try:
            chunk = sock.recv(n - len(data))
        except socket.timeout as exc:
            raise NoReply("TCP read timed out") from exc
        if not chunk:
            raise NoReply("TCP connection closed after %d of %d octets"
                          % (len(data), n))
        data += chunk
    return data


def exchange_udp(server, wire, *, source, port=53, timeout=DEFAULT_TIMEOUT):
    """Sends wire over UDP from (source, random port) and returns
    (reply_wire, local_addr, stray) for the first reply from
    (server, port) with the query's ID."""
    qid = wire[:2]
    deadline = time.monotonic() + scaled(timeout)
    stray = []
    with socket.socket(_family(server), socket.SOCK_DGRAM) as s:
        s.bind((source, 0))
        s.sendto(wire, (server, port))
        local = s.getsockname()[:2]
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise NoReply("no UDP reply from %s port %d to %s in %.1fs"
                              "; stray replies: %r"
                              % (server, port, source, scaled(timeout),
                                 stray))
            s.settimeout(left)
            try:
                data, peer = s.recvfrom(65535)
            except socket.timeout:
                continue
            ok_peer = _same_addr(peer[0], server) and peer[1] == port
            if ok_peer and data[:2] == qid:
                return data, local, stray
            stray.append((peer[:2], data[:12].hex()))


def exchange_tcp(server, wire, *, source, port=53, timeout=DEFAULT_TIMEOUT):
    """Sends wire over TCP from source; returns (reply_wire, local_addr,
    [])."""
    deadline = time.monotonic() + scaled(timeout)
    with socket.socket(_family(server), socket.SOCK_STREAM) as s:
        s.bind((source, 0))
        s.settimeout(scaled(timeout))
        try:
            s.connect((server, port))
        except OSError as exc:
            raise NoReply("TCP connect to %s port %d failed: %s"
                          % (server, port, exc)) from exc
        local = s.getsockname()[:2]
        s.sendall(struct.pack("!H", len(wire)) + wire)
        (length,) = struct.unpack("!H", recv_exact(s, 2, deadline))
        return recv_exact(s, length, deadline), local, []


def send_wire(server, wire, *, source=addrs.CLIENT_A, tcp=False, port=53,
              timeout=DEFAULT_TIMEOUT, parse=True):
    """Sends raw octets (possibly malformed) and returns a Reply; with
    parse=False its msg is None (for replies dnspython cannot read, such
    as unknown opcodes)."""
    start = time.monotonic()
    if tcp:
        data, local, stray = exchange_tcp(server, wire, source=source,
                                          port=port, timeout=timeout)
    else:
        data, local, stray = exchange_udp(server, wire, source=source,
                                          port=port, timeout=timeout)
    elapsed = time.monotonic() - start
    msg = dns.message.from_wire(data) if parse else None
    return Reply(msg=msg, wire=data, query_wire=wire, server=(server, port),
                 source=local, tcp=tcp, elapsed=elapsed, stray=stray)


def query(server, qname, qtype="A", *, source=addrs.CLIENT_A, tcp=False,
          port=53, timeout=DEFAULT_TIMEOUT, **qopts):
    """Sends a query built by make_query(qname, qtype, **qopts) from
    source to server and returns the Reply. Raises NoReply."""
    q = make_query(qname, qtype, **qopts)
    return send_wire(server, q.to_wire(), source=source, tcp=tcp, port=port,
                     timeout=timeout)


def expect_no_reply(server, wire, *, source=addrs.CLIENT_A, port=53,
                    wait=1.0):
    """True when nothing at all comes back over UDP within wait seconds."""
    with socket.socket(_family(server), socket.SOCK_DGRAM) as s:
        s.bind((source, 0))
        s.sendto(wire, (server, port))
        s.settimeout(scaled(wait))
        try:
            s.recvfrom(65535)
        except socket.timeout:
            return True
    return False


def ede_option(code, text=None):
    """An EDE option, for the fake upstream's answers."""
    return dns.edns.EDEOption(code, text)


def ecs_option(address, srclen):
    """An EDNS Client Subnet option (RFC 7871)."""
    return dns.edns.ECSOption(address, srclen)


def rdtype(text):
    """The numeric type of a type mnemonic."""
    return dns.rdatatype.from_text(text)
