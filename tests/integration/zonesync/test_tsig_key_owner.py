# SPDX-License-Identifier: GPL-3.0-or-later
"""A TSIG key belongs to one zone instance (issue 4 item 6): attaching a
key that another zone uses (secondary key, transfer key, update grant)
is refused with 409 naming the field; one zone may use a key in every
role; a key a zone let go can be attached elsewhere."""

from zgtest import addrs

from conftest import IN_A, KEY, ONPREM, ZONE, nsupdate, xfr_messages
from conftest import xfr_rrs

OTHER = "other.example."


def transfer(api, zid, key):
    return api.put("/v1/zones/%s/transfer" % zid,
                   {"allow": [ONPREM + "/32"], "tsig": key})


def grant(api, zid, key):
    return api.post("/v1/zones/%s/update-policy" % zid, {"key": key})


def assert_taken(r, field, owner_id, owner_name=ZONE):
    assert r.status == 409, (r.status, r.body)
    err = r.body["error"]
    assert err["field"] == field, err
    assert err["message"] == (
        "TSIG key %s already belongs to zone %s (zone id %s); a key serves"
        " one zone instance, create another key" % (KEY, owner_name,
                                                   owner_id)), err


def test_same_name_in_two_vpcs_needs_two_keys(zs, api):
    za = zs.zone()
    zb = zs.zone(vpcs=[zs.vpc_b])
    assert transfer(api, za, KEY).status == 200

    assert_taken(transfer(api, zb, KEY), "tsig", za)
    assert_taken(grant(api, zb, KEY), "key", za)
    assert api.get("/v1/zones/%s/transfer" % zb).body["tsig"] is None
    assert api.get("/v1/zones/%s/update-policy" % zb).body["grants"] == []


def test_another_zone_name_cannot_take_the_key(zs, api, cli):
    za = zs.zone()
    zo = zs.zone(name=OTHER)
    assert grant(api, za, KEY).status == 200

    assert_taken(transfer(api, zo, KEY), "tsig", za)
    assert_taken(grant(api, zo, KEY), "key", za)
    # A secondary zone naming the key is refused and not created.
    r = api.post("/v1/zones", {"name": "sec.example.", "kind": "secondary",
                               "primaries": [addrs.PRI], "tsig": KEY})
    assert_taken(r, "tsig", za)
    names = [z["name"] for z in api.get("/v1/zones").body["items"]]
    assert "sec.example." not in names
    # The CLI shows the same refusal.
    rc, err = cli.fails("zone", "transfer", zo, "--allow", ONPREM + "/32",
                        "--tsig", KEY)
    assert "already belongs to zone %s" % ZONE in err, err


def test_secondary_key_is_owned_too(zs, api):
    sec = api.post("/v1/zones", {"name": "sec.example.", "kind": "secondary",
                                 "primaries": [addrs.PRI], "tsig": KEY})
    assert sec.status == 201, sec.body
    zid = sec.body["id"]
    za = zs.zone()
    assert_taken(transfer(api, za, KEY), "tsig", zid, "sec.example.")

    # Changing other settings of the owner keeps its key.
    r = api.patch("/v1/zones/%s" % zid, {"allow_notify": [addrs.PRI]})
    assert r.status == 200, r.body
    # Naming the key again on its own zone is no conflict.
    r = api.patch("/v1/zones/%s" % zid, {"tsig": KEY})
    assert r.status == 200, r.body

    r = api.patch("/v1/zones/%s" % zid, {"tsig": None})
    assert r.status == 200, r.body
    assert transfer(api, za, KEY).status == 200


def test_one_zone_uses_the_key_for_transfers_and_updates(zs, api):
    za = zs.zone(records=["www 300 A 10.1.2.3"])
    assert transfer(api, za, KEY).status == 200
    assert grant(api, za, KEY).status == 200

    rc, out = nsupdate(["update add dyn.%s 60 A 10.1.9.9" % ZONE],
                       server=IN_A)
    assert rc == 0, out
    rrs = xfr_rrs(xfr_messages(ZONE))
    assert ("dyn.%s" % ZONE, 60, "A", "10.1.9.9") in rrs


def test_key_let_go_can_be_attached_elsewhere(zs, api, cli):
    za = zs.zone()
    zb = zs.zone(vpcs=[zs.vpc_b])
    zo = zs.zone(name=OTHER)
    assert transfer(api, za, KEY).status == 200
    assert grant(api, za, KEY).status == 200

    # Still granted to za after its transfer settings go.
    assert api.delete("/v1/zones/%s/transfer" % za).status == 200
    assert_taken(transfer(api, zb, KEY), "tsig", za)
    assert api.delete("/v1/zones/%s/update-policy/%s"
                      % (za, KEY)).status == 200
    assert transfer(api, zb, KEY).status == 200
    assert_taken(grant(api, zo, KEY), "key", zb)

    # Deleting the zone lets the key go as well.
    cli("zone", "delete", zb)
    assert grant(api, zo, KEY).status == 200
