# SPDX-License-Identifier: GPL-3.0-or-later
"""Names as an operator from BIND means them, and ports in range:

- update-policy grant names are fully qualified, as in BIND's
  update-policy (final dot optional); a name outside the zone is 400
  naming the field and saying which name to write;
- a record name stays relative (master-file rules), but one that ends
  with the zone's own name gets a warning (API "warning", CLI stderr);
- a port out of 1-65535 in IP[:PORT] fields is named as the reason."""

import pytest

ZONE = "corp.internal."


@pytest.fixture
def zone(cli):
    cli("tsig", "create", "acme.")
    return cli("zone", "create", ZONE)["id"]


def grants(api, zid):
    return api.get("/v1/zones/%s/update-policy" % zid).body["grants"]


@pytest.mark.parametrize("field,given,stored", [
    ("subtree", "_acme-challenge.corp.internal",
     "_acme-challenge.corp.internal."),
    ("subtree", "_ACME-challenge.corp.internal.",
     "_acme-challenge.corp.internal."),
    ("name", "_acme-challenge.www.corp.internal",
     "_acme-challenge.www.corp.internal."),
    ("name", "corp.internal", "corp.internal."),
    ("name", "@", "corp.internal."),
])
def test_grant_names_are_fully_qualified(api, zone, field, given, stored):
    r = api.post("/v1/zones/%s/update-policy" % zone,
                 {"key": "acme.", field: given, "types": ["TXT"]})
    assert r.status == 200, r
    assert grants(api, zone) == [{"key": "acme.", "match": field,
                                  "name": stored, "types": ["TXT"]}]


def test_grant_name_outside_the_zone_is_refused(api, cli, zone):
    r = api.post("/v1/zones/%s/update-policy" % zone,
                 {"key": "acme.", "subtree": "_acme-challenge"})
    assert r.status == 400, r
    assert r.body["error"] == {
        "code": "invalid", "field": "subtree",
        "message": "_acme-challenge. is not inside the zone corp.internal.; "
                   "names in an update policy are fully qualified, as in "
                   "BIND's update-policy (for this name in the zone write "
                   "_acme-challenge.corp.internal.)"}
    r = api.post("/v1/zones/%s/update-policy" % zone,
                 {"key": "acme.", "name": "www.corp.example."})
    assert r.status == 400, r
    assert r.body["error"] == {
        "code": "invalid", "field": "name",
        "message": "www.corp.example. is not inside the zone "
                   "corp.internal."}

    rc, err = cli.fails("zone", "update-policy", zone, "--grant", "acme.",
                        "--name", "www")
    assert err == ("zonegate: www. is not inside the zone corp.internal.; "
                   "names in an update policy are fully qualified, as in "
                   "BIND's update-policy (for this name in the zone write "
                   "www.corp.internal.) (field: name)\n")
    assert grants(api, zone) == []


RELATIVE_WARNING = ("www.corp.internal is relative: it becomes "
                    "www.corp.internal.corp.internal.; end it with a dot for "
                    "the absolute name")


def test_record_name_repeating_the_zone_is_kept_relative_with_a_warning(
        api, cli, zone):
    r = api.post("/v1/zones/%s/records" % zone,
                 {"name": "www.corp.internal", "type": "A",
                  "value": "10.0.0.1"})
    assert r.status == 201, r
    assert r.body["fqdn"] == "www.corp.internal.corp.internal."
    assert r.body["warning"] == RELATIVE_WARNING

    rc, out, err = cli.raw("record", "add", zone, "www.corp.internal", "A",
                           "10.0.0.2", json_out=False)
    assert rc == 0, err
    assert err == "warning: %s\n" % RELATIVE_WARNING

    # Absolute or plainly relative names get no warning.
    for i, name in enumerate(["www.corp.internal.", "mail", "mail.corp"]):
        rc, out, err = cli.raw("record", "add", zone, name, "A",
                               "10.0.1.%d" % i, json_out=False)
        assert (rc, err) == (0, ""), (name, err)
    r = api.post("/v1/zones/%s/records" % zone,
                 {"name": "api.corp.internal.", "type": "A",
                  "value": "10.0.0.1"})
    assert r.status == 201 and "warning" not in r.body, r


def test_record_warnings_are_joined(api, zone):
    """The RRset TTL warning and the name warning both reach the
    caller."""
    api.post("/v1/zones/%s/records" % zone,
             {"name": "www.corp.internal.corp.internal.", "type": "A",
              "value": "10.0.0.1", "ttl": 300})
    r = api.post("/v1/zones/%s/records" % zone,
                 {"name": "www.corp.internal", "type": "A",
                  "value": "10.0.0.2", "ttl": 60})
    assert r.status == 201, r
    assert r.body["warning"] == (
        RELATIVE_WARNING + "; ttl of the RRset www.corp.internal A changed "
        "from 300 to 60")


@pytest.mark.parametrize("addr", ["[::1]:99999", "192.0.2.53:0",
                                  "192.0.2.53:65536"])
def test_port_out_of_range_is_named(api, cli, zone, addr):
    message = "'%s': the port must be 1-65535" % addr
    r = api.put("/v1/zones/%s/transfer" % zone,
                {"allow": ["192.0.2.0/24"], "notify": [addr]})
    assert r.status == 400, r
    assert r.body["error"] == {"code": "invalid", "field": "notify[0]",
                               "message": message}
    r = api.post("/v1/zones", {"name": "sec.example.", "kind": "secondary",
                               "primaries": ["192.0.2.10", addr]})
    assert r.status == 400, r
    assert r.body["error"] == {"code": "invalid", "field": "primaries[1]",
                               "message": message}
    r = api.post("/v1/vpcs", {"name": "v", "cidrs": ["10.5.0.0/16"],
                              "listen": [addr]})
    assert r.status == 400, r
    assert r.body["error"] == {"code": "invalid", "field": "listen[0]",
                               "message": message}
    rc, err = cli.fails("secondary", "create", "sec.example.", "--primary",
                        addr)
    assert err == "zonegate: %s (field: primaries[0])\n" % message
