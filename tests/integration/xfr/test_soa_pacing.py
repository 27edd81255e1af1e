# SPDX-License-Identifier: GPL-3.0-or-later
"""SOA checks are paced across secondary zones as BIND's
serial-query-rate (XFR_SOA_CHECKS_PER_S, 20 a second): after a restart
45 zones of one primary all check it, 20 in the first second, 20 in the
next, 5 after, rather than all at once. The primary here answers SOA
and AXFR for any zone name and notes when each SOA query arrived."""

import socket
import threading
import time

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset

from zgtest import addrs
from zgtest.primary import ScriptedPrimary
from zgtest.util import scaled, wait_until

N_ZONES = 45
SERIAL = 2024010101
ZONES = ["z%02d.pace.example." % i for i in range(N_ZONES)]


def soa_rrset(zone):
    return dns.rrset.from_text(
        zone, 300, "IN", "SOA",
        "ns1.%s hostmaster.%s %d 3600 3600 7200 60"
        % (zone, zone, SERIAL))


class ManyZonesPrimary(ScriptedPrimary):
    """Serves ZONES (SOA, NS, one A) on PRI:53, UDP and TCP, unsigned:
    ScriptedPrimary's sockets, threads and TCP framing, answers of its
    own."""

    def __init__(self):
        super().__init__(key=False)
        self.soa = []           # (monotonic time, zone) of SOA queries
        self.lock = threading.Lock()

    def soa_queries(self):
        with self.lock:
            return list(self.soa)

    def clear(self):
        with self.lock:
            self.soa = []

    def _answer(self, q):
        zone = q.question[0].name.to_text().lower()
        qtype = q.question[0].rdtype
        r = dns.message.make_response(q)
        r.flags |= dns.flags.AA
        if zone not in ZONES:
            r.set_rcode(dns.rcode.REFUSED)
            return r
        soa = soa_rrset(zone)
        if qtype == dns.rdatatype.SOA:
            with self.lock:
                self.soa.append((time.monotonic(), zone))
            r.answer.append(soa)
        elif qtype in (dns.rdatatype.AXFR, dns.rdatatype.IXFR):
            r.answer.append(soa)
            r.answer.append(dns.rrset.from_text(zone, 300, "IN", "NS",
                                                "ns1." + zone))
            r.answer.append(dns.rrset.from_text("ns1." + zone, 300, "IN",
                                                "A", "192.0.2.10"))
            r.answer.append(soa_rrset(zone))
        else:
            r.set_rcode(dns.rcode.NOTIMP)
        return r

    def _serve_udp(self, sock):
        while not self._stop.is_set():
            try:
                wire, peer = sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                r = self._answer(dns.message.from_wire(wire))
                sock.sendto(r.to_wire(), peer)
            except Exception:  # a test primary never dies
                continue

    def _answer_tcp(self, conn, q, peer):
        self._send(conn, self._answer(q))


def test_restart_paces_soa_checks_at_20_a_second(zg, attach):
    p = ManyZonesPrimary().start()
    attach("SOA queries seen",
           lambda: "\n".join("%.3f %s" % q for q in p.soa_queries()))
    try:
        ids = [zg.cli("secondary", "create", zone, "--primary",
                      addrs.PRI)["id"] for zone in ZONES]

        def all_loaded():
            return all(zg.cli("zone", "show", i)["sync"]["state"] ==
                       "loaded" for i in ids)
        wait_until(all_loaded, 30, interval=0.5,
                   what="all %d zones transferred" % N_ZONES)

        assert zg.z.stop() == 0
        p.clear()
        zg.z.start()
        wait_until(lambda: len({z for _, z in p.soa_queries()}) ==
                   N_ZONES, 10, interval=0.1,
                   what="an SOA query for each of the %d zones" % N_ZONES)

        first = {}
        for when, zone in p.soa_queries():
            first.setdefault(zone, when)
        times = sorted(first.values())
        t0 = times[0]
        early = [t for t in times if t - t0 < 0.5]
        # 20 start in the first window, the next ones 1 s later at the
        # soonest, the last 5 at least 2 s after the first.
        assert len(early) <= 20, "%d SOA queries in the first 0.5 s" \
            % len(early)
        assert times[-1] - t0 >= 1.5
        assert times[-1] - t0 <= scaled(10)
        # Every zone kept serving meanwhile.
        assert zg.cli("zone", "show", ids[-1])["sync"]["state"] == \
            "loaded"
    finally:
        p.stop()
