# SPDX-License-Identifier: GPL-3.0-or-later
"""Record types that real zone files and nsupdate, ACME and external-dns
clients use (issue 4: updates and imports take what the API takes, and
the API takes every type with data of its own): each is answered with
its exact rdata, whether it came through the API, nsupdate or a zone
file; an RFC 3597 type round-trips; DNAME and the DNSSEC types but DS
are refused, naming the line or reason; an update is applied whole or
not at all when one of its RRs breaks a rule; imports apply the
delegation and RRset-size rules, naming the line."""

import subprocess

import dns.flags
import dns.name
import dns.query
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.update

from conftest import (ALGORITHM, IN_A, KEY, ONPREM, ZONE, keyring,
                      nsupdate, xfr_messages)
from zgtest import addrs, dnsq
from zgtest.util import scaled

HEX = "0123456789abcdef" * 4       # 32 octets: a SHA-256 digest

# (owner relative to ZONE, type, value in presentation form). The
# expected answer is the rdata these lines mean per their RFCs (6698,
# 4255/6594, 3403, 1035, 9460, 1876, 7553, 4034, 3597), built by
# dnspython, not by zonegate.
TYPES = [
    ("_443._tcp.www", "TLSA", "3 1 1 " + HEX),
    ("host", "SSHFP", "4 2 " + HEX),
    ("sip", "NAPTR", '100 10 "S" "SIP+D2U" "" _sip._udp.corp.example.'),
    ("box", "HINFO", '"PC" "Linux"'),
    ("_dns.resolver", "SVCB", "1 dns.corp.example. alpn=dot port=853"),
    ("web", "HTTPS", "1 . alpn=h2,h3 ipv4hint=192.0.2.1"),
    ("office", "LOC", "52 22 23.000 N 4 53 32.000 E -2.00m 0.00m "
     "10000m 10m"),
    ("_http._tcp", "URI", '10 1 "https://www.corp.example/"'),
    ("signed", "DS", "12345 13 2 " + HEX),
    ("gen", "TYPE65400", r"\# 4 0a000001"),
]


def expected(rtype, value):
    return dns.rdata.from_text(dns.rdataclass.IN, rtype, value).to_wire()


def served(owner, rtype):
    """(ttl, [rdata wire]) of the authoritative answer to a VPC client."""
    qname = owner + "." + ZONE
    r = dnsq.query(addrs.ZG, qname, rtype, source=addrs.CLIENT_A)
    assert r.msg.rcode() == dns.rcode.NOERROR, r.msg
    assert r.msg.flags & dns.flags.AA, r.msg
    code = dns.rdatatype.from_text(rtype)
    sets = [s for s in r.msg.answer if s.rdtype == code]
    assert len(sets) == 1, r.msg
    assert sets[0].name == dns.name.from_text(qname), r.msg
    return sets[0].ttl, sorted(rd.to_wire() for rd in sets[0])


def assert_all_served(ttl):
    for owner, rtype, value in TYPES:
        assert served(owner, rtype) == (ttl, [expected(rtype, value)]), \
            (owner, rtype)


def zone_file(records, serial=10):
    lines = ["$ORIGIN %s" % ZONE, "$TTL 600",
             "@ 3600 IN SOA ns1 hostmaster %d 3600 600 604800 300" % serial,
             "@ 3600 IN NS ns1", "ns1 3600 IN A %s" % addrs.ZG]
    return "\n".join(lines + list(records)) + "\n"


def export_lines(cli, zid):
    """The zone's export, one RR a line, blanks made single."""
    return [" ".join(ln.split())
            for ln in cli("zone", "export", zid)["text"].splitlines()]


def write(tmp_path, text, name="in.zone"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def send_update(*adds):
    """A signed update of adds ((owner, ttl, type, value) relative to
    ZONE) over TCP; returns the reply."""
    u = dns.update.UpdateMessage(ZONE, keyring=keyring(),
                                 keyname=dns.name.from_text(KEY),
                                 keyalgorithm=ALGORITHM)
    for add in adds:
        u.add(*add)
    return dns.query.tcp(u, IN_A, source=ONPREM, timeout=scaled(10))


def test_each_type_added_through_the_api_is_answered_exactly(zs, cli):
    zid = zs.zone()

    for owner, rtype, value in TYPES:
        rec = cli("record", "add", zid, owner, rtype, value, "--ttl", "300")
        assert rec["type"] == rtype

    assert_all_served(300)
    gen = [r for r in cli("record", "list", zid)["items"]
           if r["name"] == "gen"]
    assert [(r["type"], r["value"]) for r in gen] == \
        [("TYPE65400", r"\# 4 0A000001")]


def test_each_type_added_with_nsupdate_is_answered_exactly(zs, cli):
    zid = zs.zone()
    cli("zone", "update-policy", zid, "--grant", KEY)
    before = zs.serial(zid)

    rc, out = nsupdate(["update add %s.%s 120 %s %s" % (o, ZONE, t, v)
                        for o, t, v in TYPES])

    assert rc == 0, out
    assert zs.serial(zid) == before + 1
    assert_all_served(120)


def test_each_type_imported_is_answered_and_exported(zs, cli, tmp_path):
    zid = zs.zone()
    text = zone_file("%s 900 IN %s %s" % (o, t, v) for o, t, v in TYPES)

    res = cli("zone", "import", zid, write(tmp_path, text))

    assert res["records"] == len(TYPES) + 1
    assert_all_served(900)
    assert "gen.corp.example. 900 IN TYPE65400 \\# 4 0A000001" in \
        export_lines(cli, zid)
    export = cli("zone", "export", zid)["text"]
    p = subprocess.run(["named-checkzone", ZONE.rstrip("."),
                        write(tmp_path, export, "out.zone")],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stdout + p.stderr
    # What was exported imports back as the same records.
    res = cli("zone", "import", zid, write(tmp_path, export, "again.zone"))
    assert (res["added"], res["deleted"]) == (0, 0)


def test_ixfr_carries_each_type_exactly(zs, cli, tmp_path):
    zid = zs.zone()
    zs.allow_transfer(zid, notify=())
    old = zs.serial(zid)
    cli("zone", "import", zid, write(tmp_path, zone_file(
        "%s 900 IN %s %s" % (o, t, v) for o, t, v in TYPES)))

    rrs = [(s.name.to_text(), s.rdtype, rd.to_wire())
           for m in xfr_messages(ZONE, "IXFR", serial=old)
           for s in m.answer for rd in s]

    soas = [i for i, rr in enumerate(rrs)
            if rr[1] == dns.rdatatype.SOA]
    assert len(soas) == 4, rrs
    added = sorted(rrs[soas[2] + 1:soas[3]])
    assert added == sorted((o + "." + ZONE, dns.rdatatype.from_text(t),
                            expected(t, v)) for o, t, v in TYPES)


def test_bind_secondary_serves_each_type_exactly(zs, cli, bind_sec,
                                                 tmp_path):
    """Interop: BIND 9 takes every type by AXFR, then by IXFR."""
    half = len(TYPES) // 2
    zid = zs.zone()
    for owner, rtype, value in TYPES[:half]:
        cli("record", "add", zid, owner, rtype, value, "--ttl", "300")
    zs.allow_transfer(zid)
    sec = bind_sec()
    sec.wait_serial(zs.serial(zid))

    cli("zone", "update-policy", zid, "--grant", KEY)
    rc, out = nsupdate(["update add %s.%s 300 %s %s" % (o, ZONE, t, v)
                        for o, t, v in TYPES[half:]])
    assert rc == 0, out
    sec.wait_serial(zs.serial(zid))

    for owner, rtype, value in TYPES:
        msg = sec.lookup(owner + "." + ZONE, rtype)
        assert [(s.ttl, [rd.to_wire() for rd in s]) for s in msg.answer] \
            == [(300, [expected(rtype, value)])], (owner, rtype, msg)


def test_generic_type_round_trips(zs, cli, tmp_path):
    zid = zs.zone()

    cli("zone", "import", zid, write(tmp_path, zone_file(
        [r"gen 60 IN TYPE65400 \# 4 0a000001"])))

    r = dnsq.query(addrs.ZG, "gen." + ZONE, "TYPE65400",
                   source=addrs.CLIENT_A)
    assert r.msg.rcode() == dns.rcode.NOERROR
    assert [(s.rdtype, s.ttl, [rd.to_wire() for rd in s])
            for s in r.msg.answer] == [(65400, 60, [b"\x0a\x00\x00\x01"])]
    assert "gen.corp.example. 60 IN TYPE65400 \\# 4 0A000001" in \
        export_lines(cli, zid)


def test_import_refusals_name_the_line_and_change_nothing(zs, cli,
                                                          tmp_path):
    zid = zs.zone(records=["www 300 A 10.1.2.3"])
    before = cli("zone", "export", zid)["text"]
    big = " ".join(['"' + "y" * 255 + '"'] * 200)   # 51,600 octets
    cases = [
        (["x IN DNAME www"], "line 6", "type DNAME is not accepted"),
        (["x IN RRSIG A 13 3 300 20300101000000 20200101000000 1 "
          "corp.example. AAAA"], "line 6", "does not sign zones"),
        ([r"x IN A \# 3 0a0000"], "line 6", "RFC 3597"),
        (["@ IN DS 12345 13 2 " + HEX], "line 6", "parent zone"),
        # The TXT comes first; the NS that would hide it is named.
        (["sub IN TXT \"x\"", "www IN A 10.1.2.3",
          "sub IN NS ns.example.net."], "line 8", "hide"),
        (["sub IN NS ns.example.net.", "sub IN NS ns2.example.net.",
          "sub IN MX 10 www"], "line 8", "hidden by the delegation"),
        (["big IN TXT " + big, "www IN A 10.1.2.3",
          "big IN TXT " + big.replace("y", "z")], "line 8", "65535"),
    ]
    for records, where, why in cases:
        rc, err = cli.fails("zone", "import", zid,
                            write(tmp_path, zone_file(records), "bad.zone"))
        assert where in err and why in err, (records[0], err)
    assert cli("zone", "export", zid)["text"] == before

    # Glue for a server named like the cut, and DS, sit at a delegation.
    cli("zone", "import", zid, write(tmp_path, zone_file([
        "sub IN A 10.9.9.9", "sub IN NS sub", "sub IN DS 1 13 2 " + HEX,
        "sub IN NS ns.example.net."])))


def test_update_breaking_a_rule_is_refused_whole_and_logged(zs, cli):
    zid = zs.zone(records=["www 300 A 10.1.2.3", "sub 300 TXT \"x\""])
    cli("zone", "update-policy", zid, "--grant", KEY)
    before = zs.serial(zid)
    mark = zs.log_mark()

    # The first RR alone would be fine; the NS would hide the TXT.
    r = send_update(("fine", 60, "A", "10.0.0.1"),
                    ("sub", 60, "NS", "ns.example.net."))

    assert r.rcode() == dns.rcode.REFUSED
    assert zs.serial(zid) == before
    assert dnsq.query(addrs.ZG, "fine." + ZONE, "A",
                      source=addrs.CLIENT_A).msg.rcode() == \
        dns.rcode.NXDOMAIN
    zs.wait_log(mark, "which NS there would hide")
    line = [ln for ln in zs.log_since(mark).splitlines()
            if "which NS there would hide" in ln][0]
    assert "zone_id=%s" % zid in line and "key=%s" % KEY in line, line
    assert "update of %s answered REFUSED" % ZONE in line, line

    for adds, why in [
            ([("ok", 60, "A", "10.0.0.2"), ("d", 60, "DNAME", "www")],
             "type DNAME is not accepted"),
            ([("ok", 60, "A", "10.0.0.2"), ("@", 60, "DS",
                                             "1 13 2 " + HEX)],
             "parent zone")]:
        mark = zs.log_mark()
        assert send_update(*adds).rcode() == dns.rcode.REFUSED, why
        zs.wait_log(mark, why)
    assert zs.serial(zid) == before

    # DS beside NS at a delegation is the parent side of the cut.
    r = send_update(("cut", 60, "NS", "ns.example.net."),
                    ("cut", 60, "DS", "1 13 2 " + HEX))
    assert r.rcode() == dns.rcode.NOERROR
    assert zs.serial(zid) == before + 1


def test_update_that_would_overflow_an_rrset_is_refused(zs, cli):
    zid = zs.zone()
    cli("zone", "update-policy", zid, "--grant", KEY)
    strings = ['"' + "y" * 255 + '"']
    big = " ".join(strings * 200)                   # 51,600 octets
    assert send_update(("big", 60, "TXT", big)).rcode() == \
        dns.rcode.NOERROR
    before = zs.serial(zid)
    mark = zs.log_mark()

    r = send_update(("other", 60, "A", "10.0.0.3"),
                    ("big", 60, "TXT", " ".join(strings * 60)))

    assert r.rcode() == dns.rcode.REFUSED
    zs.wait_log(mark, "more than the 65535 a DNS message can hold")
    assert zs.serial(zid) == before
    assert len([rec for rec in cli("record", "list", zid)["items"]
                if rec["name"] in ("big", "other")]) == 1


def test_large_import_keeps_what_is_unchanged(zs, cli, tmp_path):
    """3,000 records, then a file with half of them changed: the import
    matches the stored records against the file's (both sorted, then
    merged), so only the difference is written. (The rules over 20,000
    records at once are checked in the unit tests of validate.c.)"""
    zid = zs.zone()
    n = 3000

    def records(changed):
        for i in range(n):
            net = 1 if i < changed else 0
            yield "h%d 300 IN A 10.%d.%d.%d" % (i, net, i // 256, i % 256)

    res = cli("zone", "import", zid,
              write(tmp_path, zone_file(records(0))))
    assert res["records"] == n + 1

    res = cli("zone", "import", zid,
              write(tmp_path, zone_file(records(n // 2), serial=11)))

    # ns1 stays; so do the 10,000 records not changed.
    assert (res["records"], res["added"], res["deleted"]) == \
        (n + 1, n // 2, n // 2)
    assert served("h0", "A") == (300, [bytes([10, 1, 0, 0])])
    assert served("h2999", "A") == (300, [bytes([10, 0, 11, 183])])
    res = cli("zone", "import", zid,
              write(tmp_path, zone_file(records(n // 2), serial=11)))
    assert (res["added"], res["deleted"]) == (0, 0)
