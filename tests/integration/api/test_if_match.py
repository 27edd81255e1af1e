# SPDX-License-Identifier: GPL-3.0-or-later
"""If-Match (docs/api.md, Conventions): a stale version of a record gets
409 naming the record and its own version (not the zone's); "*" matches
any current version (RFC 9110 section 13.1.1)."""


def test_stale_record_version_names_the_record(baseline, api):
    z = baseline.make_zone("corp.example.", ["www.corp.example. 300 A 10.1.2.3"])
    rec = "/v1/zones/%s/records" % z["id"]
    www = api.get(rec + "?name=www&type=A").body["items"][0]
    zone_version = api.get("/v1/zones/%s" % z["id"]).body["version"]
    assert zone_version != www["version"]
    stale = www["version"] + 5
    for method, body in (("PATCH", {"ttl": 60}), ("DELETE", None)):
        r = api.request(method, "%s/%s" % (rec, www["id"]), body,
                        headers={"If-Match": str(stale)})
        assert r.status == 409, r
        msg = r.body["error"]["message"]
        assert msg.startswith("%s is at version %d, not %d" %
                              (www["id"], www["version"], stale)), msg
    r = api.patch("%s/%s" % (rec, www["id"]), {"ttl": 60},
                  headers={"If-Match": '"%d"' % www["version"]})
    assert r.status == 200, r


def test_if_match_star_matches_any_version(baseline, api):
    vpc = "/v1/vpcs/%s" % baseline.vpc["c"]
    r = api.patch(vpc, {"builtin_zones": False}, headers={"If-Match": "*"})
    assert r.status == 200, r
    z = baseline.make_zone("corp.example.", ["www.corp.example. 300 A 10.1.2.3"])
    rec = "/v1/zones/%s/records" % z["id"]
    www = api.get(rec + "?name=www&type=A").body["items"][0]
    r = api.patch("%s/%s" % (rec, www["id"]), {"ttl": 60},
                  headers={"If-Match": "*"})
    assert r.status == 200 and r.body["ttl"] == 60, r
    r = api.delete(vpc, headers={"If-Match": "*"})
    assert r.status == 200, r
    r = api.delete(vpc, headers={"If-Match": "*"})
    assert r.status == 404, r
