# SPDX-License-Identifier: GPL-3.0-or-later
"""';' outside quotes starts a comment in master-file syntax: a record
value holding one would be cut silently, so it is refused (400 `value`);
quoted or escaped it is kept whole."""

import pytest

from zgtest.check import expect


@pytest.mark.parametrize("rtype,value", [
    ("TXT", "a ; comment"), ("A", "10.1.2.4 ; x"), ("TXT", "v=spf1;x"),
    ("MX", "10 mail ; backup")])
def test_unquoted_semicolon_refused(baseline, api, rtype, value):
    z = baseline.make_zone("corp.example.")
    rec = "/v1/zones/%s/records" % z["id"]
    before = api.get(rec).body
    r = api.post(rec, {"name": "www", "type": rtype, "value": value})
    assert r.status == 400, r
    assert r.body["error"]["field"] == "value", r
    assert "';'" in r.body["error"]["message"], r
    assert api.get(rec).body == before


def test_quoted_or_escaped_semicolon_kept(baseline, api, query):
    z = baseline.make_zone("corp.example.")
    rec = "/v1/zones/%s/records" % z["id"]
    a = api.ok("POST", rec, {"name": "t", "type": "TXT",
                             "value": '"v=spf1; -all"'})
    assert a["value"] == '"v=spf1; -all"', a
    b = api.ok("POST", rec, {"name": "t", "type": "TXT",
                             "value": "a\\;b"})
    assert b["value"] == '"a;b"', b
    expect(query("t.corp.example.", "TXT"), aa=True,
           answer=['t.corp.example. 300 TXT "v=spf1; -all"',
                   't.corp.example. 300 TXT "a;b"'])
