# SPDX-License-Identifier: GPL-3.0-or-later
"""What a private zone's NOTIFYs carry and how often they go (issue 4
item 4): the zone's SOA in the answer section (RFC 1996 section 3.7, as
BIND and Knot DNS send it), the first change of a quiet spell at once,
and the changes of a burst sharing NOTIFYs, the last one carrying the
final serial, while a real BIND 9 secondary ends in sync."""

import re
import time

import dns.message
import dns.opcode
import dns.rdatatype

from conftest import IN_A, ONPREM, ZONE
from zgtest import addrs
from zgtest.util import scaled, wait_until

FAKE = addrs.OP1                # 192.0.2.53, a second notify target


class NotifyLog:
    """A secondary on FAKE:53 that answers every NOTIFY at once and keeps
    (monotonic time, source address, serial of the answer-section SOA or
    None) of each; the zones' NOTIFYs are unsigned here."""

    def __init__(self, fake_upstream):
        self.seen = []
        self.fake = fake_upstream("NOTIFY", [FAKE])
        self.fake.set_handler(self._answer)

    def _answer(self, q, entry):
        if q.opcode() != dns.opcode.NOTIFY:
            return None
        soas = [rrset for rrset in q.answer
                if rrset.rdtype == dns.rdatatype.SOA]
        self.seen.append((entry.time, entry.src,
                          soas[0][0].serial if soas else None))
        return dns.message.make_response(q)

    def since(self, start):
        return [(when, source, serial) for when, source, serial in self.seen
                if when >= start]


def change(zs, zid, i):
    """One change set through the API: one serial bump."""
    zs.api.ok("POST", "/v1/changes", {"changes": [
        {"op": "create", "kind": "record", "zone": zid,
         "data": {"name": "burst%d" % i, "type": "A", "ttl": 300,
                  "value": "10.1.3.%d" % i}}]})


def test_notify_carries_the_zone_soa(zs, fake_upstream):
    zid = zs.zone()
    fake = NotifyLog(fake_upstream)
    zs.allow_transfer(zid, key=None, notify=(FAKE,))
    time.sleep(scaled(1.5))     # past the hold of the settings' round
    start = time.monotonic()
    change(zs, zid, 1)
    serial = zs.serial(zid)
    wait_until(lambda: fake.since(start), scaled(5),
               what="a NOTIFY at the fake secondary")

    assert not fake.fake.errors, fake.fake.errors
    assert [(source, soa) for _, source, soa in fake.since(start)] == \
        [(IN_A, serial)]


def test_a_burst_of_changes_shares_notifies(zs, bind_sec, fake_upstream):
    zid = zs.zone(records=["www 300 A 10.1.2.3"])
    fake = NotifyLog(fake_upstream)
    zs.allow_transfer(zid, key=None, notify=(ONPREM, FAKE))
    sec = bind_sec()
    sec.wait_serial(zs.serial(zid))
    time.sleep(scaled(1.5))     # a quiet spell: past every hold
    mark = zs.log_mark()

    start = time.monotonic()
    change(zs, zid, 1)
    first_done = time.monotonic()
    for i in range(2, 7):
        change(zs, zid, i)
    final = zs.serial(zid)
    sec.wait_serial(final)
    # The last round comes at most a hold (1 s) after the first.
    time.sleep(scaled(2))
    seen = fake.since(start)

    assert not fake.fake.errors, fake.fake.errors
    serials = [soa for _, _, soa in seen]
    # Six change sets, six serials, fewer NOTIFYs; the first goes out at
    # once (no delay before it), the last carries the final serial.
    assert len(seen) < 6, serials
    assert seen[0][0] - first_done < scaled(0.5), seen
    assert serials[-1] == final, serials
    assert all(source == IN_A for _, source, _ in seen), seen
    assert serials == sorted(serials), serials
    # BIND read the serial of each NOTIFY (it logged "no serial" before):
    # "serial N", or "zone is up to date" when it had N already.
    with open(sec.logfile, errors="replace") as f:
        notes = re.findall(r"notify from %s#\d+: ([^\n]*)"
                           % re.escape(IN_A), f.read())
    assert notes, "BIND logged no NOTIFY"
    assert not [n for n in notes if n.startswith("no serial")], notes
    assert [n for n in notes if n.startswith("serial ")], notes
    for i in range(1, 7):
        assert sec.lookup("burst%d.%s" % (i, ZONE)).answer[0][0].address \
            == "10.1.3.%d" % i
    log = zs.log_since(mark)
    assert log.count("target=192.0.2.53:53 source=10.0.0.5: notify for"
                     " %s serial" % ZONE) == len(seen), log
