# SPDX-License-Identifier: GPL-3.0-or-later
"""A zone whose name starts with a label of the form of an id (docs/api.md,
Conventions) is refused: the CLI takes `zone-1` for the id zone-1, so
`zonegate record add zone-1 ...` would edit another zone."""

import pytest

from zgtest.check import expect


@pytest.mark.parametrize("name", [
    "zone-1", "ZONE-1", "zone-1.", "zone-7.example", "vpc-1", "rec-2.x",
    "ep-3", "rule-4.corp", "in-5", "vgw-6", "cgw-7", "vco-8", "vrt-9"])
def test_zone_named_like_an_id_refused(baseline, api, name):
    before = api.get("/v1/zones?limit=1000").body
    r = api.post("/v1/zones", {"name": name})
    assert r.status == 400, r
    assert (r.body["error"]["code"], r.body["error"]["field"]) == \
        ("invalid", "name"), r
    assert "id" in r.body["error"]["message"], r
    r = api.post("/v1/changes", {"changes": [
        {"op": "create", "kind": "zone", "data": {"name": name}}]})
    assert r.status == 400, r
    assert r.body["error"]["field"] == "changes[0].data.name", r
    assert api.get("/v1/zones?limit=1000").body == before


def test_cli_names_the_right_zone(baseline, cli, api, query):
    """The tester's case: with zone-1 existing, a zone named zone-1 would
    have been edited as zone-1 by the CLI. Names like it still work."""
    first = baseline.make_zone("corp.example.",
                               ["www.corp.example. 300 A 10.1.2.3"])
    assert first["id"] == "zone-1"
    rc, err = cli.fails("zone", "create", "zone-1")
    assert "id" in err, err
    other = cli("zone", "create", "zone-one.example")
    cli("record", "add", "zone-one.example", "www", "A", "10.1.2.9")
    cli("zone", "bind", "zone-one.example", "--vpc", baseline.vpc["a"])
    expect(query("www.zone-one.example."), aa=True,
           answer=["www.zone-one.example. 300 A 10.1.2.9"])
    expect(query("www.corp.example."), aa=True,
           answer=["www.corp.example. 300 A 10.1.2.3"])
    assert other["id"] != "zone-1"
