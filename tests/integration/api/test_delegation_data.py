# SPDX-License-Identifier: GPL-3.0-or-later
"""Below the apex, a name with NS is a delegation: its other data would
never be answered (RFC 1034 section 4.2.1). NS at a name that has other
data, and other data at a delegation, are refused (400 `type`, "hidden
by the delegation"); glue for a server named like the cut, and glue
below the cut, are not."""

from zgtest.check import expect


def assert_hidden(r, field="type"):
    assert r.status == 400, r
    err = r.body["error"]
    assert (err["code"], err["field"]) == ("invalid", field), r
    assert "hid" in err["message"] and "delegation" in err["message"], r


def test_data_and_delegation_at_one_name_refused(baseline, api, query):
    z = baseline.make_zone("corp.example.", [
        "www.corp.example. 300 A 10.1.2.3",
        "sub.corp.example. 300 NS ns.sub.corp.example.",
        "ns.sub.corp.example. 300 A 10.1.2.53",
        "self.corp.example. 300 NS self.corp.example."])
    rec = "/v1/zones/%s/records" % z["id"]
    before = api.get(rec + "?limit=1000").body

    assert_hidden(api.post(rec, {"name": "www", "type": "NS",
                                 "value": "ns.other.example."}))
    for rtype, value in (("A", "10.1.2.4"), ("TXT", '"x"'),
                         ("MX", "10 mail.corp.example.")):
        assert_hidden(api.post(rec, {"name": "sub", "type": rtype,
                                     "value": value}))
    r = api.post("/v1/changes", {"changes": [
        {"op": "create", "kind": "record", "zone": z["id"],
         "data": {"name": "www", "type": "NS", "value": "ns.x.example."}}]})
    assert_hidden(r, "changes[0].data.type")
    assert api.get(rec + "?limit=1000").body == before

    # Allowed: more NS at the cut, glue below it, glue at a cut whose
    # server is named like the cut itself.
    api.ok("POST", rec, {"name": "sub", "type": "NS",
                         "value": "ns2.sub.corp.example."})
    api.ok("POST", rec, {"name": "ns2.sub", "type": "A",
                         "value": "10.1.2.54"})
    api.ok("POST", rec, {"name": "self", "type": "A", "value": "10.1.2.55"})
    assert_hidden(api.post(rec, {"name": "self", "type": "TXT",
                                 "value": '"x"'}))
    expect(query("www.corp.example."), aa=True,
           answer=["www.corp.example. 300 A 10.1.2.3"])
