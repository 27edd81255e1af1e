# SPDX-License-Identifier: GPL-3.0-or-later
"""The answer to a signed NOTIFY (RFC 8945 section 5.3): zonegate signs
the NOTIFYs of a zone whose transfers use a key, and only an answer
signed with that key over the NOTIFY's MAC stops the resending; an
unsigned or wrongly signed answer counts as no answer."""

import socket
import threading
import time

import dns.message
import dns.name

from conftest import ALGORITHM, KEY, ONPREM, WRONG_SECRET, ZONE, keyring
from zgtest.util import scaled, wait_until


class FakeSecondary:
    """Answers NOTIFYs on ONPREM:53 (UDP): "good" signed with the key,
    "unsigned", or "bad" signed with another secret under the key's
    name. Keeps the time and verdict of every NOTIFY received."""

    def __init__(self, mode):
        self.mode = mode
        self.seen = []          # (monotonic time, request verified)
        self.errors = []
        self._stop = threading.Event()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((ONPREM, 53))
        self._sock.settimeout(0.1)
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                wire, peer = self._sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                q = dns.message.from_wire(wire, keyring=keyring())
            except Exception as exc:  # report, never die
                self.errors.append("NOTIFY does not verify: %r" % exc)
                continue
            self.seen.append((time.monotonic(), q.had_tsig))
            r = dns.message.make_response(q)
            if self.mode == "unsigned":
                r.tsig = None
            elif self.mode == "bad":
                r.use_tsig(keyring(KEY, WRONG_SECRET),
                           keyname=dns.name.from_text(KEY),
                           algorithm=ALGORITHM)
                r.request_mac = q.mac
            self._sock.sendto(r.to_wire(), peer)

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=5)
        self._sock.close()


def notify_with(zs, mode):
    """A zone notifying ONPREM with the key, a change, and the secondary
    answering in mode; returns (secondary, log mark before the change)."""
    zid = zs.zone(records=["www 300 A 10.1.2.3"])
    sec = FakeSecondary(mode)
    zs.allow_transfer(zid)
    # Whatever the settings change itself sent is left behind.
    time.sleep(scaled(0.5))
    mark = zs.log_mark()
    start = time.monotonic()
    zs.cli("record", "add", zid, "new", "A", "10.1.2.4")
    return sec, mark, start


def after(sec, start):
    return [signed for when, signed in sec.seen if when >= start]


def test_answer_signed_with_the_key_stops_the_resending(zs):
    sec, mark, start = notify_with(zs, "good")
    try:
        zs.wait_log(mark, "answered with NOERROR")
        time.sleep(scaled(2.5))
        seen = after(sec, start)
    finally:
        sec.stop()
    assert seen == [True], seen
    assert "taken as no answer" not in zs.log_since(mark)
    assert not sec.errors, sec.errors


def test_unsigned_answer_counts_as_no_answer(zs):
    sec, mark, start = notify_with(zs, "unsigned")
    try:
        wait_until(lambda: len(after(sec, start)) >= 2, 5,
                   what="the NOTIFY sent again")
        seen = after(sec, start)
    finally:
        sec.stop()
    assert all(seen), seen
    log = zs.log_since(mark)
    assert "answered, but the answer is not signed; taken as no answer" \
        in log, log
    assert "answered with NOERROR" not in log
    assert not sec.errors, sec.errors


def test_answer_with_a_bad_mac_counts_as_no_answer(zs):
    sec, mark, start = notify_with(zs, "bad")
    try:
        wait_until(lambda: len(after(sec, start)) >= 2, 5,
                   what="the NOTIFY sent again")
    finally:
        sec.stop()
    log = zs.log_since(mark)
    assert "does not verify (BADSIG); taken as no answer" in log, log
    assert "answered with NOERROR" not in log
    assert not sec.errors, sec.errors
