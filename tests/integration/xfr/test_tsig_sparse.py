# SPDX-License-Identifier: GPL-3.0-or-later
"""A signed transfer whose messages are not all signed (RFC 8945 section
5.3.1): the first and the last message must carry a TSIG, and at least
one in every 100; each MAC covers the prior MAC, the unsigned messages
since and the signed one. The primary here sends one record a message
and computes every MAC itself with hmac/hashlib from those components,
so neither dnspython's nor libknot's TSIG code signs the transfer."""

import base64
import hashlib
import hmac
import struct
import time

import dns.message
import dns.name
import dns.rcode
import dns.rdatatype

from zgtest.primary import (KEY_NAME, KEY_SECRET, V1_RECORDS, V1_SERIAL,
                            V2_SERIAL, ZONE, ScriptedPrimary)
from zgtest.util import wait_until

FUDGE = 300
HOSTS = ["h%d.%s 300 IN A 10.60.%d.%d" % (i, ZONE, i // 200, i % 200 + 1)
         for i in range(150)]
V2_RECORDS = V1_RECORDS + HOSTS + ["new.%s 300 IN A 10.50.0.2" % ZONE]
# SOA, the records, SOA: one message each.
V1_MESSAGES = 1 + len(V1_RECORDS) + len(HOSTS) + 1
V2_MESSAGES = 1 + len(V2_RECORDS) + 1

KEY_WIRE = dns.name.from_text(KEY_NAME).to_wire()
ALG_WIRE = dns.name.from_text("hmac-sha256.").to_wire()
SECRET = base64.b64decode(KEY_SECRET)


def tsig_rr(wire, mac, now):
    """The TSIG RR of a message (RFC 8945 section 4.2), error 0."""
    rdata = (ALG_WIRE + now.to_bytes(6, "big") + struct.pack("!H", FUDGE) +
             struct.pack("!H", len(mac)) + mac + wire[0:2] +
             struct.pack("!HH", 0, 0))
    return KEY_WIRE + struct.pack("!HHIH", 250, 255, 0, len(rdata)) + rdata


def with_tsig(wire, mac, now):
    arcount = struct.unpack("!H", wire[10:12])[0]
    return (wire[:10] + struct.pack("!H", arcount + 1) + wire[12:] +
            tsig_rr(wire, mac, now))


class Signer:
    """The primary's TSIG state over one transfer."""

    def __init__(self, request_mac):
        self.prior = request_mac
        self.first = True
        self.pending = b""

    def sign(self, wire, bad=False):
        now = int(time.time())
        timers = now.to_bytes(6, "big") + struct.pack("!H", FUDGE)
        h = hmac.new(SECRET, digestmod=hashlib.sha256)
        h.update(struct.pack("!H", len(self.prior)) + self.prior)
        if self.first:
            # Section 4.3.3: request MAC, message, TSIG variables.
            h.update(wire + KEY_WIRE + struct.pack("!HI", 255, 0) +
                     ALG_WIRE + timers + struct.pack("!HH", 0, 0))
        else:
            # Section 5.3.1: prior MAC, unsigned messages, this one,
            # timers.
            h.update(self.pending + wire + timers)
        mac = h.digest()
        if bad:
            mac = bytes([mac[0] ^ 0x01]) + mac[1:]
        self.prior, self.first, self.pending = mac, False, b""
        return with_tsig(wire, mac, now)

    def skip(self, wire):
        self.pending += wire
        return wire


class SparsePrimary(ScriptedPrimary):
    """ScriptedPrimary whose transfers (AXFR, and IXFR answered in AXFR
    form) go one record a message, signed as plan(i, n) says: "S"
    signed, "U" unsigned, "X" signed with a wrong MAC."""

    def __init__(self):
        super().__init__()
        self.plan = lambda i, n: "S"

    def _answer_tcp(self, conn, q, peer):
        if not q.question or q.question[0].rdtype not in (
                dns.rdatatype.AXFR, dns.rdatatype.IXFR):
            return super()._answer_tcp(conn, q, peer)
        self._record(q, "tcp", peer[0])
        with self._lock:
            serial = self.serial
        rrsets = self._rrsets(serial) + [self._soa(serial)]
        signer = Signer(q.mac)
        for i, rrset in enumerate(rrsets):
            r = dns.message.make_response(q)
            r.tsig = None
            r.flags |= 0x0400
            if i > 0:
                r.question = []
            r.answer.append(rrset)
            wire = r.to_wire()
            how = self.plan(i, len(rrsets))
            wire = signer.skip(wire) if how == "U" else \
                signer.sign(wire, bad=(how == "X"))
            conn.sendall(struct.pack("!H", len(wire)) + wire)


def signed_at(*where):
    """A plan signing the messages at the given indexes (-1: the last)."""
    return lambda i, n: "S" if i in where or (i == n - 1 and -1 in where) \
        else "U"


def every(i, n):
    return "S"


def start(zg, plan=every):
    """The primary at V1, sending with plan, and the secondary zone."""
    p = SparsePrimary()
    p.add_version(V1_SERIAL, V1_RECORDS + HOSTS)
    p.add_version(V2_SERIAL, V2_RECORDS)
    p.plan = plan
    p.start()
    zg.create()
    return p


def refused_v2(zg, p, plan):
    """V1 loaded fully signed; V2 is sent with plan: refused, V1 kept."""
    zg.wait_serial(V1_SERIAL)
    p.plan = plan
    p.set_serial(V2_SERIAL)
    zg.cli("secondary", "refresh", zg.zone_id)
    wait_until(lambda: zg.sync()["last_error"], 10, what="the refusal")
    s = zg.sync()
    assert s["serial"] == V1_SERIAL and s["state"] == "loaded", s
    assert zg.query("h1." + ZONE).msg.rcode() == dns.rcode.NOERROR
    assert zg.query("new." + ZONE).msg.rcode() == dns.rcode.NXDOMAIN
    assert [q for q in p.queries("IXFR") if q.signed], p.summary()
    return s["last_error"]


def test_gaps_of_up_to_99_unsigned_with_last_signed_are_accepted(zg):
    # Unsigned runs of 99 (1..99) and 55 (101..155), the last signed.
    p = start(zg, signed_at(0, 100, -1))
    try:
        s = zg.wait_serial(V1_SERIAL)
        assert s["records"] == V1_MESSAGES - 1
        assert zg.query("h149." + ZONE).msg.rcode() == dns.rcode.NOERROR

        # An IXFR answered the same way brings V2 in.
        p.set_serial(V2_SERIAL)
        zg.cli("secondary", "refresh", zg.zone_id)
        zg.wait_serial(V2_SERIAL)
        assert zg.query("new." + ZONE).msg.rcode() == dns.rcode.NOERROR
        assert zg.sync()["last_error"] is None
    finally:
        p.stop()
    assert not p.errors, p.errors


def test_unsigned_last_message_is_refused(zg):
    p = start(zg)
    try:
        why = refused_v2(zg, p, signed_at(0, 99))
    finally:
        p.stop()
    assert "IXFR from 192.0.2.10:53" in why
    assert "not signed" in why and "last one" in why, why


def test_100_unsigned_messages_in_a_row_are_refused(zg):
    p = start(zg)
    try:
        why = refused_v2(zg, p, signed_at(0, 101, -1))
    finally:
        p.stop()
    assert "more than 99 messages in a row" in why, why


def test_wrong_intermediate_mac_is_refused(zg):
    p = start(zg)

    def bad_middle(i, n):
        return "X" if i == 50 else signed_at(0, 100, -1)(i, n)
    try:
        why = refused_v2(zg, p, bad_middle)
    finally:
        p.stop()
    assert "BADSIG" in why, why
