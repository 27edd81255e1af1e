# SPDX-License-Identifier: GPL-3.0-or-later
"""An RRset must fit a DNS message (65535 octets): a record that would
make its RRset larger is refused (400 `value`), on POST, PATCH and in
change sets, and the zone stays served."""

from zgtest.check import expect


def txt(strings):
    """A TXT value of `strings` strings of 255 octets."""
    return " ".join(['"' + "y" * 255 + '"'] * strings)


def assert_too_big(r, field="value"):
    assert r.status == 400, r
    err = r.body["error"]
    assert (err["code"], err["field"]) == ("invalid", field), r
    assert "65535" in err["message"], r


def test_rrset_larger_than_a_message_refused(baseline, api, query):
    z = baseline.make_zone("corp.example.",
                           ["www.corp.example. 300 A 10.1.2.3"])
    rec = "/v1/zones/%s/records" % z["id"]
    # 200 strings: 51200 octets of rdata; such a record fits, and a
    # small one beside it.
    api.ok("POST", rec, {"name": "big", "type": "TXT", "value": txt(200)})
    small = api.ok("POST", rec, {"name": "big", "type": "TXT",
                                 "value": txt(10)})
    before = api.get(rec + "?limit=1000").body

    assert_too_big(api.post(rec, {"name": "big", "type": "TXT",
                                  "value": txt(100)}))
    r = api.post("/v1/changes", {"changes": [
        {"op": "create", "kind": "record", "zone": z["id"],
         "data": {"name": "big", "type": "TXT", "value": txt(60)}}]})
    assert_too_big(r, "changes[0].data.value")
    assert_too_big(api.patch("%s/%s" % (rec, small["id"]),
                             {"value": txt(100)}))
    # One value alone past the limit is refused as well.
    r = api.post(rec, {"name": "huge", "type": "TXT", "value": txt(300)})
    assert r.status == 400 and r.body["error"]["field"] == "value", r

    assert api.get(rec + "?limit=1000").body == before
    expect(query("www.corp.example."), aa=True,
           answer=["www.corp.example. 300 A 10.1.2.3"])
    r = query("big.corp.example.", "TXT", tcp=True)
    assert len(r.msg.answer) == 1 and len(r.msg.answer[0]) == 2, r
