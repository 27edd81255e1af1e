# SPDX-License-Identifier: GPL-3.0-or-later
"""PATCH {} changes nothing: the version stays, the change log gets no
entry, the reply is the resource as GET shows it; a stale If-Match is
still 409 and a missing resource 404."""

from zgtest import addrs as A


def test_empty_patch_changes_nothing(baseline, api):
    z = baseline.make_zone("corp.example.", ["www.corp.example. 300 A 10.1.2.3"])
    baseline.make_rule("rop", "onprem.example.", [A.OP1])
    www = api.get("/v1/zones/%s/records?name=www" % z["id"]).body["items"][0]
    paths = ["/v1/vpcs/%s" % baseline.vpc["a"], "/v1/zones/%s" % z["id"],
             "/v1/zones/%s/records/%s" % (z["id"], www["id"]),
             "/v1/endpoints/%s" % baseline.ep["ob-1"],
             "/v1/rules/%s" % baseline.rule["rop"]]
    log = api.get("/v1/changes?limit=1000").body["items"]
    status = api.ok("GET", "/v1/status")
    for path in paths:
        before = api.get(path).body
        r = api.patch(path, {})
        assert r.status == 200, (path, r)
        assert r.body == before, path
        assert api.get(path).body == before, path
        r = api.patch(path, {}, headers={"If-Match": str(before["version"]
                                                         + 1)})
        assert r.status == 409, (path, r)
    assert api.get("/v1/changes?limit=1000").body["items"] == log
    assert api.ok("GET", "/v1/status")["version"] == status["version"]
    assert api.patch("/v1/vpcs/vpc-99", {}).status == 404
    # A real change still bumps.
    r = api.patch(paths[0], {"builtin_zones": False})
    assert r.body["version"] == api.get(paths[0]).body["version"]
    assert len(api.get("/v1/changes?limit=1000").body["items"]) == \
        len(log) + 1
