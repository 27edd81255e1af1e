# SPDX-License-Identifier: GPL-3.0-or-later
"""Assertions on DNS answers.

Expected records are written as master-file lines:

    "app.dev.corp.example. <=60 A 10.20.0.5"

TTL is an exact number, "<=N" (forwarded data: at most the upstream TTL)
or "*" (any). Owner names and names inside RDATA compare case-insensitively
(RFC 4343); the question section compares byte for byte. Consecutive lines
with the same owner and type form one RRset; RRsets must come in the
given order, the records inside an RRset in any order.
"""

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype

SECTIONS = ("answer", "authority", "additional")


class Ttl:
    """A TTL expectation: exact, at most, or any."""

    def __init__(self, spec):
        spec = str(spec)
        self.spec = spec
        if spec == "*":
            self.op, self.value = "any", None
        elif spec.startswith("<="):
            self.op, self.value = "le", int(spec[2:])
        else:
            self.op, self.value = "eq", int(spec)

    def ok(self, ttl):
        if self.op == "any":
            return True
        if self.op == "le":
            return 0 <= ttl <= self.value
        return ttl == self.value

    def __repr__(self):
        return self.spec


def parse_rr(line):
    """(owner Name, Ttl, rdtype, rdata) from a master-file line."""
    owner, ttl, rtype, rest = line.split(None, 3)
    rdtype = dns.rdatatype.from_text(rtype)
    rdata = dns.rdata.from_text(dns.rdataclass.IN, rdtype, rest)
    return dns.name.from_text(owner), Ttl(ttl), rdtype, rdata


def group_expected(lines):
    """Groups expected lines into RRsets: [(owner, rdtype, Ttl, [rdata])]."""
    groups = []
    for line in lines:
        owner, ttl, rdtype, rdata = parse_rr(line)
        if groups and groups[-1][0] == owner and groups[-1][1] == rdtype:
            groups[-1][3].append(rdata)
            continue
        groups.append((owner, rdtype, ttl, [rdata]))
    return groups


def section(msg, name):
    """The RRsets of a section (OPT and TSIG are never in them)."""
    return list(getattr(msg, name))


def rr_lines(msg, name):
    """Section as text lines, for messages."""
    out = []
    for rrset in section(msg, name):
        out.extend(rrset.to_text().splitlines())
    return out


def describe(reply_or_msg):
    """A readable dump of a reply for assertion messages."""
    msg = getattr(reply_or_msg, "msg", reply_or_msg)
    text = msg.to_text()
    size = getattr(reply_or_msg, "size", None)
    if size is not None:
        text += "\n;; size %d, %s" % (size,
                                       "TCP" if reply_or_msg.tcp else "UDP")
    return text


def compare_section(msg, name, expected):
    """None when section `name` of msg matches the expected lines, else a
    sentence saying what differs."""
    want = group_expected(expected)
    have = section(msg, name)
    if len(want) != len(have):
        return ("%s: %d RRsets, expected %d:\n  got      %s\n  expected %s"
                % (name, len(have), len(want), rr_lines(msg, name),
                   list(expected)))
    for i, (w, h) in enumerate(zip(want, have)):
        owner, rdtype, ttl, rdatas = w
        if h.name != owner or h.rdtype != rdtype:
            return ("%s RRset %d is %s %s, expected %s %s"
                    % (name, i, h.name, dns.rdatatype.to_text(h.rdtype),
                       owner, dns.rdatatype.to_text(rdtype)))
        if set(h) != set(rdatas) or len(h) != len(rdatas):
            return ("%s RRset %s %s has %s, expected %s"
                    % (name, owner, dns.rdatatype.to_text(rdtype),
                       sorted(r.to_text() for r in h),
                       sorted(r.to_text() for r in rdatas)))
        if not ttl.ok(h.ttl):
            return ("%s RRset %s %s has TTL %d, expected %r"
                    % (name, owner, dns.rdatatype.to_text(rdtype), h.ttl,
                       ttl))
    return None


def ede_list(msg):
    """[(info_code, text)] of the Extended DNS Errors in msg."""
    out = []
    for opt in msg.options:
        if opt.otype == dns.edns.OptionType.EDE:
            out.append((int(opt.code), opt.text))
    return out


def question_wire_len(wire):
    """Length of the single uncompressed question after the header."""
    pos = 12
    while True:
        n = wire[pos]
        if n == 0:
            return pos + 1 + 4 - 12
        if n & 0xC0:
            raise ValueError("compressed name in question")
        pos += 1 + n


def flag(msg, bit):
    return bool(msg.flags & bit)


def expect(reply, rcode="NOERROR", *, aa=None, tc=False, ra=True, rd=None,
           ad=False, cd=None, answer=None, authority=None, additional=None,
           ede=None, opt=None):
    """Asserts the reply. None skips a check; answer=[] means empty.

    rcode  mnemonic ("NXDOMAIN", "BADVERS") or number
    ede    an info code that must be present, False for none, None skip
    opt    True/False: OPT present; default: present iff the query had one
    Also always checked: QR=1, opcode echoed, question byte for byte.
    """
    msg = reply.msg
    problems = []

    def need(cond, text):
        if not cond:
            problems.append(text)

    need(flag(msg, dns.flags.QR), "QR is clear")
    query = dns.message.from_wire(reply.query_wire)
    need(msg.opcode() == query.opcode(), "opcode %s, query had %s"
         % (dns.opcode.to_text(msg.opcode()),
            dns.opcode.to_text(query.opcode())))
    qlen = question_wire_len(reply.query_wire)
    if len(query.question) == 1:
        need(reply.wire[4:6] == b"\x00\x01", "QDCOUNT is not 1")
        need(reply.wire[12:12 + qlen] == reply.query_wire[12:12 + qlen],
             "question not echoed byte for byte: %r vs %r"
             % (reply.wire[12:12 + qlen], reply.query_wire[12:12 + qlen]))

    if rcode is not None:
        want = rcode if isinstance(rcode, int) else dns.rcode.from_text(rcode)
        need(msg.rcode() == want, "rcode %s, expected %s"
             % (dns.rcode.to_text(msg.rcode()), dns.rcode.to_text(want)))
    for bit, name, value in ((dns.flags.AA, "AA", aa),
                             (dns.flags.TC, "TC", tc),
                             (dns.flags.RA, "RA", ra),
                             (dns.flags.AD, "AD", ad),
                             (dns.flags.CD, "CD", cd)):
        if value is not None:
            need(flag(msg, bit) == value, "%s=%d, expected %d"
                 % (name, flag(msg, bit), value))
    if rd is None:
        rd = flag(query, dns.flags.RD)
    need(flag(msg, dns.flags.RD) == rd, "RD=%d, expected %d (copied)"
         % (flag(msg, dns.flags.RD), rd))

    if opt is None:
        opt = query.edns >= 0
    need((msg.edns >= 0) == opt, "OPT %s, expected %s"
         % ("present" if msg.edns >= 0 else "absent",
            "present" if opt else "absent"))

    for name, lines in (("answer", answer), ("authority", authority),
                        ("additional", additional)):
        if lines is not None:
            diff = compare_section(msg, name, lines)
            if diff:
                problems.append(diff)

    if ede is False:
        need(not ede_list(msg), "unexpected EDE %r" % ede_list(msg))
    elif ede is not None:
        need(ede in [c for c, _ in ede_list(msg)], "EDE %d missing (have %r)"
             % (ede, ede_list(msg)))

    if problems:
        raise AssertionError("; ".join(problems) + "\n--- reply ---\n"
                             + describe(reply))


def soa_line(owner, ttl, zone):
    """Expected SOA line from an API zone object (its "soa" fields and
    "serial"), with the given owner and TTL."""
    soa = zone["soa"]
    return ("%s %s SOA %s %s %d %d %d %d %d"
            % (owner, ttl, soa["mname"], soa["rname"], zone["serial"],
               soa["refresh"], soa["retry"], soa["expire"], soa["minimum"]))


def names_asked(fake, qtype=None):
    """Lower-case names a fake upstream was asked, in order."""
    return [e.name for e in fake.queries(qtype=qtype)]


def assert_asked_once_from(fake, qname, qtype, sources):
    """fake received exactly one query for qname/qtype (over any
    transport, retries over TCP excepted), from one of sources."""
    got = [e for e in fake.queries(name=qname, qtype=qtype)
           if e.transport == "udp"]
    assert len(got) == 1, ("%s saw %d UDP queries for %s %s, expected 1:\n%s"
                           % (fake.role, len(got), qname, qtype,
                              fake.summary()))
    assert got[0].src in sources, ("%s query for %s left from %s, not from"
                                   " %s" % (fake.role, qname, got[0].src,
                                            list(sources)))


def assert_silent(*fakes, under=None):
    """None of the fakes saw a query (at or below `under`, if given)."""
    for fake in fakes:
        got = fake.queries(under=under)
        assert not got, ("%s saw %d queries%s, expected none:\n%s"
                         % (fake.role, len(got),
                            " under %s" % under if under else "",
                            fake.summary()))
