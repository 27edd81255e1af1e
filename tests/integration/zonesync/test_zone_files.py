# SPDX-License-Identifier: GPL-3.0-or-later
"""Zone files (issue 4 item 7): export in RFC 1035 master format that
named-checkzone accepts, import that replaces the records all at once
or not at all with errors naming the line, SOA and apex NS into the
zone's fields, --create."""

import subprocess

import dns.rcode
import dns.rdatatype
import dns.zone

from conftest import IN_A, IN_B, ZONE, answer, xfr_messages, xfr_rrs

ZONE_FILE = """$ORIGIN corp.example.
$TTL 600
@   3600 IN SOA ns1 hostmaster 4000 7200 900 1209600 120
@   3600 IN NS  ns1
@   3600 IN NS  ns2.example.net.
ns1      IN A   10.0.0.2
www  300 IN A   10.1.2.3
www  300 IN A   10.1.2.4
mail     IN MX  10 www
_sip._tcp IN SRV 10 5 5060 www
txt      IN TXT "hello world" "two"
alias    IN CNAME www
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def checkzone(tmp_path, text, zone=ZONE):
    path = write(tmp_path, "check.zone", text)
    p = subprocess.run(["named-checkzone", zone.rstrip("."), path],
                       capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout + p.stderr


def test_import_with_create_then_export_round_trips(zs, cli, tmp_path):
    res = cli("zone", "import", ZONE, write(tmp_path, "in.zone", ZONE_FILE),
              "--create")
    zone = res["zone"]
    assert res["records"] == 7     # SOA and apex NS are fields
    assert zone["kind"] == "private"
    # The file's SOA and apex NS became the zone's fields; its serial
    # is newer than the new zone's, so it is kept.
    assert zone["serial"] == 4000
    assert zone["soa"] == {"ttl": 3600, "mname": "ns1.corp.example.",
                           "rname": "hostmaster.corp.example.",
                           "refresh": 7200, "retry": 900,
                           "expire": 1209600, "minimum": 120}
    assert zone["ns"] == ["ns1.corp.example.", "ns2.example.net."]

    text = cli("zone", "export", zone["id"])["text"]
    rc, out = checkzone(tmp_path, text)
    assert rc == 0, out
    assert "serial 4000" in out

    # The export imports into a second zone as the same records.
    other = cli("zone", "import", "copy.example.", write(
        tmp_path, "copy.zone", text.replace(ZONE, "copy.example.")),
        "--create")["zone"]
    again = cli("zone", "export", other["id"])["text"]
    assert again.replace("copy.example.", ZONE).splitlines()[2:] == \
        text.splitlines()[2:]


def test_import_replaces_records_all_at_once(zs, cli, tmp_path):
    zid = zs.zone(records=["old 300 A 10.9.9.9", "www 300 A 10.1.2.3"])
    before = zs.serial(zid)

    res = cli("zone", "import", zid, write(tmp_path, "z", ZONE_FILE))

    assert res["deleted"] >= 1      # old (and the ns1 TTL-3600 glue)
    assert zs.serial(zid) == 4000   # the file's newer serial
    assert answer("old." + ZONE)[0] == dns.rcode.NXDOMAIN
    assert answer("www." + ZONE)[1] == ["10.1.2.3", "10.1.2.4"]
    assert answer("alias." + ZONE, "CNAME")[1] == ["www.corp.example."]
    assert before < 4000

    # Importing the same file again changes nothing.
    res = cli("zone", "import", zid, write(tmp_path, "z", ZONE_FILE))
    assert res["added"] == 0 and res["deleted"] == 0
    assert zs.serial(zid) == 4000


def test_import_error_names_the_line_and_changes_nothing(zs, cli,
                                                          tmp_path):
    zid = zs.zone(records=["www 300 A 10.1.2.3"])
    before = cli("zone", "export", zid)["text"]
    serial = zs.serial(zid)
    cases = [
        (ZONE_FILE + "bad IN A 10.1.2.300\n", "line 13"),
        (ZONE_FILE + "x IN DNAME www\n", "line 13"),
        (ZONE_FILE + "www IN CNAME mail\n", "line 13"),
        (ZONE_FILE.replace("ns1      IN A", "ns1.other.org. IN A"),
         "line 6"),
        ("$INCLUDE /etc/passwd\n" + ZONE_FILE, "line 1"),
    ]
    for text, where in cases:
        rc, err = cli.fails("zone", "import", zid,
                            write(tmp_path, "bad.zone", text))
        assert where in err, (where, err)
        assert "field: text" in err
    assert zs.serial(zid) == serial
    assert cli("zone", "export", zid)["text"] == before
    assert answer("www." + ZONE)[1] == ["10.1.2.3"]


def test_failed_import_with_create_leaves_no_zone(zs, cli, tmp_path):
    rc, err = cli.fails("zone", "import", "new.example.", write(
        tmp_path, "bad", "www IN A 10.1.2.300\n"), "--create")
    assert "line 1" in err
    assert [z for z in cli("zone", "list")["items"]
            if z["name"] == "new.example."] == []


def test_export_prints_a_zone_file(zs, cli, tmp_path):
    zid = zs.zone(records=["www 300 A 10.1.2.3"])
    rc, out, err = cli.raw("zone", "export", zid, json_out=False)
    assert rc == 0, err
    assert out.startswith(";; zone corp.example. at serial")
    rc, msg = checkzone(tmp_path, out)
    assert rc == 0, msg


NO_SOA = ("line 1: the file has no SOA record at the zone apex; a zone "
          "file starts with the zone's SOA (RFC 1035 section 5.2)")


def test_file_without_soa_is_refused_and_changes_nothing(zs, cli, api,
                                                         tmp_path):
    """BIND and named-checkzone load no zone without its SOA; an empty
    file must not empty the zone."""
    zid = zs.zone(records=["www 300 A 10.1.2.3"])
    before = cli("zone", "export", zid)["text"]
    serial = zs.serial(zid)
    no_soa = "\n".join(ln for ln in ZONE_FILE.splitlines()
                       if " SOA " not in ln) + "\n"
    for text in ["", "\n; nothing but a comment\n", "$TTL 300\n", no_soa]:
        rc, err = cli.fails("zone", "import", zid,
                            write(tmp_path, "bad.zone", text))
        assert err == "zonegate: %s (field: text)\n" % NO_SOA, (text, err)

        r = api.post("/v1/zones/%s/import" % zid, {"text": text})
        assert r.status == 400, r
        assert r.body["error"] == {"code": "invalid", "field": "text",
                                   "message": NO_SOA}
    assert zs.serial(zid) == serial
    assert cli("zone", "export", zid)["text"] == before
    assert answer("www." + ZONE)[1] == ["10.1.2.3"]

    # --create of such a file creates no zone either.
    rc, err = cli.fails("zone", "import", "new.example.",
                        write(tmp_path, "empty.zone", ""), "--create")
    assert NO_SOA in err
    assert [z for z in cli("zone", "list")["items"]
            if z["name"] == "new.example."] == []


def test_second_soa_is_refused_naming_its_line(zs, cli, tmp_path):
    """SOA is a singleton (BIND: "multiple RRs of singleton type")."""
    zid = zs.zone(records=["www 300 A 10.1.2.3"])
    before = cli("zone", "export", zid)["text"]
    second = "@ 3600 IN SOA ns1 hostmaster 4001 7200 900 1209600 120\n"
    same = "@ 3600 IN SOA ns1 hostmaster 4000 7200 900 1209600 120\n"
    for extra in [second, same]:
        rc, err = cli.fails("zone", "import", zid,
                            write(tmp_path, "two.zone", ZONE_FILE + extra))
        assert err == ("zonegate: line 13: a second SOA record at the zone "
                       "apex; the zone has one, at line 3 (field: text)\n")
    assert cli("zone", "export", zid)["text"] == before


def test_unsupported_directives_are_named(zs, cli, tmp_path):
    zid = zs.zone(records=["www 300 A 10.1.2.3"])
    before = cli("zone", "export", zid)["text"]
    cases = [
        ("$GENERATE 1-10 host$ A 10.0.0.$\n",
         "line 13: $GENERATE is not supported; expand the records first"),
        ("$generate 1-2 h$ A 10.0.0.$\n",
         "line 13: $GENERATE is not supported; expand the records first"),
        ("$FOO bar\n", "line 13: $FOO is not a zone file directive "
         "zonegate takes; $ORIGIN and $TTL are"),
    ]
    for extra, message in cases:
        rc, err = cli.fails("zone", "import", zid,
                            write(tmp_path, "gen.zone", ZONE_FILE + extra))
        assert err == "zonegate: %s (field: text)\n" % message, err
    rc, err = cli.fails("zone", "import", zid, write(
        tmp_path, "inc.zone", "$INCLUDE /etc/passwd\n" + ZONE_FILE))
    assert err == ("zonegate: line 1: $INCLUDE is not accepted; put the "
                   "records in the file itself (field: text)\n")
    assert cli("zone", "export", zid)["text"] == before


def test_export_loads_in_named_checkzone_once_the_ns_has_an_address(
        zs, cli, tmp_path):
    """named-checkzone (and a BIND primary) load no zone whose NS name
    inside the zone has no address record: the default NS ns1.<zone>
    needs its A or AAAA (docs/api.md, Zone files)."""
    zid = cli("zone", "create", ZONE)["id"]
    cli("record", "add", zid, "www", "A", "10.1.2.3")
    rc, out = checkzone(tmp_path, cli("zone", "export", zid)["text"])
    assert rc == 1
    assert "NS 'ns1.corp.example' has no address records (A or AAAA)" in out

    cli("record", "add", zid, "ns1", "A", "10.0.0.2")
    rc, out = checkzone(tmp_path, cli("zone", "export", zid)["text"])
    assert rc == 0, out
    assert out.splitlines()[-2:] == [
        "zone corp.example/IN: loaded serial %d" % zs.serial(zid), "OK"]

    # An NS outside the zone needs no address here.
    cli("zone", "set", zid, "--ns", "ns.example.net.")
    cli("record", "delete", zid, "ns1", "A")
    rc, out = checkzone(tmp_path, cli("zone", "export", zid)["text"])
    assert rc == 0, out


def test_export_loads_in_named_checkzone_with_the_generated_ns_address(
        zs, cli, tmp_path):
    """A zone bound to a VPC with an inbound endpoint (in-a, 10.0.0.5)
    needs no address of the operator's at ns1: it is generated from the
    endpoint's listener with the apex NS TTL (resolution.md section 3),
    so export and named-checkzone agree with what queries get."""
    zid = cli("zone", "create", ZONE)["id"]
    cli("zone", "bind", zid, "--vpc", zs.vpc_a)
    cli("record", "add", zid, "www", "A", "10.1.2.3")

    text = cli("zone", "export", zid)["text"]
    zone = dns.zone.from_text(text, origin=ZONE, relativize=False)
    ns1 = zone.get_node("ns1.corp.example.")
    assert [(rds.ttl, dns.rdatatype.to_text(rds.rdtype),
             [rd.to_text() for rd in rds]) for rds in ns1] == [
        (3600, "A", [IN_A])]
    rc, out = checkzone(tmp_path, text)
    assert rc == 0, out
    assert out.splitlines()[-2:] == [
        "zone corp.example/IN: loaded serial %d" % zs.serial(zid), "OK"]


def test_transfers_carry_the_generated_ns_address_and_follow_it(zs, cli):
    """AXFR holds the generated A; a change of the inbound endpoint, or
    of the operator's records at ns1, raises the serial and an IXFR from
    before it is answered with the whole zone (RFC 1995 section 4), so a
    secondary never keeps a stale address."""
    zid = cli("zone", "create", ZONE)["id"]
    cli("zone", "bind", zid, "--vpc", zs.vpc_a)
    zs.allow_transfer(zid, notify=())
    old = zs.serial(zid)
    ns1 = ("ns1.corp.example.", 3600, "A", IN_A)
    assert ns1 in xfr_rrs(xfr_messages(ZONE))

    cli("inbound", "update", zs.in_a, "--listen", IN_A + "," + IN_B)
    new = zs.serial(zid)
    assert new == old + 1
    rrs = xfr_rrs(xfr_messages(ZONE, "IXFR", serial=old))
    # The AXFR form: SOA, the zone, SOA (no old SOA in second place).
    assert rrs[0][2] == "SOA" and rrs[-1][2] == "SOA"
    assert [rr for rr in rrs if rr[2] == "SOA"][1:] == [rrs[-1]]
    assert ns1 in rrs and ("ns1.corp.example.", 3600, "A", IN_B) in rrs

    # The operator's own A at ns1 replaces both: whole zone again.
    cli("record", "add", zid, "ns1", "A", "192.0.2.53", "--ttl", "300")
    assert zs.serial(zid) == new + 1
    rrs = xfr_rrs(xfr_messages(ZONE, "IXFR", serial=new))
    assert len([rr for rr in rrs if rr[2] == "SOA"]) == 2
    assert [rr for rr in rrs if rr[0] == "ns1.corp.example."] == [
        ("ns1.corp.example.", 300, "A", "192.0.2.53")]

    # A change elsewhere goes by IXFR as usual.
    cli("record", "add", zid, "www", "A", "10.1.2.3")
    rrs = xfr_rrs(xfr_messages(ZONE, "IXFR", serial=new + 1))
    assert len([rr for rr in rrs if rr[2] == "SOA"]) == 4
