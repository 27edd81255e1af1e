# SPDX-License-Identifier: GPL-3.0-or-later
"""Zone files (issue 4 item 7): export in RFC 1035 master format that
named-checkzone accepts, import that replaces the records all at once
or not at all with errors naming the line, SOA and apex NS into the
zone's fields, --create."""

import subprocess

import dns.rcode

from conftest import ZONE, answer

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
