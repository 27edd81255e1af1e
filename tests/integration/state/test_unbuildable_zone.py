# SPDX-License-Identifier: GPL-3.0-or-later
"""A zone whose name is so long that its default server names
(ns1.<zone>, hostmaster.<zone>) would pass 255 octets is refused by the
API (400 `name`); a stored zone that cannot be built anyway (a state
written by an older version, a restored backup) is served as not loaded
(SERVFAIL, EDE 14) while every other zone and change is published, and
the daemon starts on such a state."""

import sqlite3

import pytest

from zgtest import addrs as A
from zgtest.check import expect

# 63+63+63+56 characters and three dots: 248. ns1.<name>. fits (253
# characters, 254 octets); hostmaster.<name>. does not (260).
LONG_RNAME = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 56])
# 63+63+63+58 and three dots: 250. ns1.<name>. is 255 characters, 256
# octets on the wire: too long as well.
LONG_BOTH = ".".join(["a" * 63, "b" * 63, "c" * 63, "e" * 58])


def snapshot(api):
    out = {}
    for coll in ("zones", "changes"):
        r = api.get("/v1/%s?limit=1000" % coll)
        assert r.status == 200, r
        out[coll] = r.body
    return out


def assert_invalid(r, field, *words):
    assert r.status == 400, r
    err = r.body["error"]
    assert (err["code"], err["field"]) == ("invalid", field), r
    for word in words:
        assert word in err["message"], r


@pytest.fixture
def world(baseline):
    baseline.make_zone("corp.example.", ["www.corp.example. 300 A 10.1.2.3"])
    baseline.make_zone("other.example.",
                       ["www.other.example. 300 A 10.1.2.4"])
    return baseline


def test_derived_server_names_too_long_refused(world, api):
    before = snapshot(api)
    r = api.post("/v1/zones", {"name": LONG_RNAME})
    assert_invalid(r, "name", "hostmaster.", "255")
    r = api.post("/v1/zones", {"name": LONG_BOTH})
    assert_invalid(r, "name", "ns1.", "hostmaster.", "255")
    # Giving the NS alone still leaves the default rname.
    r = api.post("/v1/zones", {"name": LONG_BOTH, "ns": ["ns.corp.example."]})
    assert_invalid(r, "name", "hostmaster.")
    r = api.post("/v1/changes", {"changes": [
        {"op": "create", "kind": "zone", "data": {"name": "fine.example."}},
        {"op": "create", "kind": "zone", "data": {"name": LONG_RNAME}}]})
    assert_invalid(r, "changes[1].data.name", "too long")
    assert snapshot(api) == before


def test_long_name_with_explicit_server_names_is_served(world, api, cli,
                                                        query):
    z = api.ok("POST", "/v1/zones", {
        "name": LONG_BOTH, "ns": ["ns.corp.example."],
        "soa": {"rname": "hostmaster.corp.example."}})
    assert z["soa"]["mname"] == "ns.corp.example."
    api.ok("POST", "/v1/zones/%s/records" % z["id"],
           {"name": "@", "type": "A", "value": "10.1.9.9"})
    cli("zone", "bind", z["id"], "--vpc", world.vpc["a"])
    expect(query(LONG_BOTH + "."), aa=True,
           answer=["%s. 300 A 10.1.9.9" % LONG_BOTH])


def break_zone_in(path, zone_id):
    """Gives zone_id an SOA rname of 255 characters (256 octets on the
    wire) in a state file, as older versions stored for long names."""
    rname = ".".join(["r" * 63, "s" * 63, "t" * 63, "u" * 62]) + "."
    assert len(rname) == 255
    db = sqlite3.connect(path)
    try:
        with db:
            n = db.execute("UPDATE zone SET soa_rname = ? WHERE zone_id = ?",
                           (rname, zone_id)).rowcount
        assert n == 1
    finally:
        db.close()


def assert_broken_zone_not_loaded(query):
    expect(query("www.corp.example."), "SERVFAIL", aa=False, answer=[],
           ede=14)
    expect(query("www.other.example."), aa=True,
           answer=["www.other.example. 300 A 10.1.2.4"])


def test_unbuildable_stored_zone_does_not_stop_the_others(
        world, zonegated, cli, api, query, tmp_path):
    backup = str(tmp_path / "backup.db")
    cli("backup", backup)
    break_zone_in(backup, world.zone["corp.example."])

    # Restore publishes: the broken zone is not loaded, the rest served.
    r = api.post("/v1/restore", {"path": backup})
    assert r.status == 200, r
    assert_broken_zone_not_loaded(query)
    status = api.ok("GET", "/v1/status")
    assert status["config_version"] == status["version"], status
    log = zonegated.log_text()
    assert "zone_id=%s" % world.zone["corp.example."] in log
    assert "cannot build zone corp.example." in log

    # Changes go on being published and acknowledged.
    world.add_record("other.example.", "new.other.example. 300 A 10.1.2.5")
    expect(query("new.other.example."), aa=True,
           answer=["new.other.example. 300 A 10.1.2.5"])

    # The daemon starts on such a state and serves the same.
    zonegated.restart()
    assert_broken_zone_not_loaded(query)

    # Fixing the zone through the API serves it again.
    api.ok("PATCH", "/v1/zones/%s" % world.zone["corp.example."],
           {"soa": {"rname": "hostmaster.corp.example."}})
    expect(query("www.corp.example."), aa=True,
           answer=["www.corp.example. 300 A 10.1.2.3"])
