# SPDX-License-Identifier: GPL-3.0-or-later
"""TSIG keys and secondary zones through the API and the CLI (issue 4,
items 1, 2, 8 and 9)."""

import dns.rcode

from zgtest import addrs
from zgtest.primary import KEY_NAME, V1_SERIAL, ZONE, send_notify


def test_tsig_secret_is_shown_at_creation_and_on_request_only(zg):
    rc, out, _ = zg.cli.raw("tsig", "create", "K1", json_out=False)
    assert rc == 0
    secret = [line.split(": ", 1)[1] for line in out.splitlines()
              if line.startswith("secret: ")][0]
    assert len(secret) == 44          # 32 bytes of hmac-sha256, base64

    listing = zg.cli("tsig", "list")["items"]
    assert [k["name"] for k in listing] == ["k1."]
    assert "secret" not in listing[0]
    assert "secret" not in zg.cli("tsig", "show", "k1.")
    assert zg.cli("tsig", "show", "k1.", "--secret")["secret"] == secret
    r = zg.z.api.get("/v1/tsig-keys/k1.?secret=true")
    assert r.status == 200 and r.body["secret"] == secret
    assert r.body["algorithm"] == "hmac-sha256"
    assert secret not in zg.z.log_text()


def test_tsig_algorithms_and_given_secrets(zg):
    for alg, size in (("hmac-sha384", 48), ("hmac-sha512", 64),
                      ("hmac-sha1", 20)):
        k = zg.cli("tsig", "create", "k-%s." % alg, "--algorithm", alg)
        assert k["algorithm"] == alg
        assert len(k["secret"]) == 4 * ((size + 2) // 3)
    rc, err = zg.cli.fails("tsig", "create", "md5.", "--algorithm",
                           "hmac-md5")
    assert rc == 1 and "algorithm" in err
    rc, err = zg.cli.fails("tsig", "create", "bad.", "--secret", "%%%")
    assert rc == 1 and "base64" in err
    k = zg.cli("tsig", "create", "given.", "--secret", "c2VjcmV0")
    assert k["secret"] == "c2VjcmV0"
    r = zg.z.api.post("/v1/tsig-keys", {"name": "given.", "secret": "YQ=="})
    assert r.status == 409


def test_key_in_use_cannot_be_deleted(zg):
    zg.create(bind=False)
    r = zg.z.api.delete("/v1/tsig-keys/%s" % KEY_NAME)
    assert r.status == 409
    assert zg.zone_id in r.body["error"]["message"]
    zg.cli("secondary", "update", zg.zone_id, "--no-tsig")
    assert zg.zone()["tsig"] is None
    zg.cli("tsig", "delete", KEY_NAME)
    assert zg.cli("tsig", "list")["items"] == []


def test_unknown_key_on_create_is_404(zg):
    r = zg.z.api.post("/v1/zones", {"name": ZONE, "kind": "secondary",
                                    "primaries": [addrs.PRI],
                                    "tsig": "nope."})
    assert r.status == 404
    assert r.body["error"]["field"] == "tsig"


def test_record_writes_to_a_secondary_are_refused(zg):
    zg.create(key=False, bind=False)
    r = zg.z.api.post("/v1/zones/%s/records" % zg.zone_id,
                      {"name": "www", "type": "A", "value": "192.0.2.1"})
    assert r.status == 400
    assert "secondary zone" in r.body["error"]["message"]
    assert zg.zone_id in r.body["error"]["message"]
    rc, err = zg.cli.fails("record", "add", zg.zone_id, "www", "A",
                           "192.0.2.1")
    assert rc == 1 and "secondary zone" in err
    r = zg.z.api.delete("/v1/zones/%s/records?name=www&type=A"
                        % zg.zone_id)
    assert r.status == 400


def test_fields_of_the_other_kind_are_refused(zg):
    r = zg.z.api.post("/v1/zones", {"name": ZONE, "kind": "secondary",
                                    "primaries": [addrs.PRI],
                                    "soa": {"ttl": 60}})
    assert r.status == 400 and r.body["error"]["field"] == "soa"
    r = zg.z.api.post("/v1/zones", {"name": "p.example.",
                                    "primaries": [addrs.PRI]})
    assert r.status == 400 and r.body["error"]["field"] == "primaries"
    r = zg.z.api.post("/v1/zones", {"name": ZONE, "kind": "secondary"})
    assert r.status == 400 and r.body["error"]["field"] == "primaries"
    zg.create(key=False, bind=False)
    r = zg.z.api.patch("/v1/zones/%s" % zg.zone_id, {"kind": "private"})
    assert r.status == 400 and r.body["error"]["field"] == "kind"
    r = zg.z.api.patch("/v1/zones/%s" % zg.zone_id, {"serial": 5})
    assert r.status == 400
    private = zg.cli("zone", "create", "p.example.")["id"]
    r = zg.z.api.post("/v1/zones/%s/refresh" % private)
    assert r.status == 400


def test_status_shows_sync_and_update_changes_settings(zg, scripted):
    scripted(key=False)
    zg.create(key=False)
    zg.wait_serial(V1_SERIAL)
    rc, out, _ = zg.cli.raw("secondary", "status", json_out=False)
    assert rc == 0
    header, row = out.splitlines()[:2]
    for col in ("STATE", "SERIAL", "LAST SUCCESS", "NEXT REFRESH", "LAG S",
                "JOURNAL", "LAST ERROR"):
        assert col in header
    assert ZONE in row and "loaded" in row and str(V1_SERIAL) in row
    listed = zg.cli("secondary", "status")["items"]
    assert [z["id"] for z in listed] == [zg.zone_id]
    zone = zg.cli("zone", "list")["items"][0]
    assert zone["kind"] == "secondary" and zone["serial"] == V1_SERIAL
    assert zg.cli("secondary", "refresh", ZONE)["refresh"] == "scheduled"

    # Only primaries and the allow-notify list may send NOTIFYs.
    r = send_notify(key=None, source=addrs.STRANGER)
    assert r.rcode == dns.rcode.REFUSED
    zg.cli("secondary", "update", ZONE, "--allow-notify", addrs.STRANGER)
    assert zg.zone()["allow_notify"] == [addrs.STRANGER]
    r = send_notify(key=None, source=addrs.STRANGER)
    assert r.rcode == dns.rcode.NOERROR
    zg.cli("secondary", "update", ZONE, "--no-allow-notify")
    assert zg.zone()["allow_notify"] == []
