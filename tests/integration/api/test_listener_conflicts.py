# SPDX-License-Identifier: GPL-3.0-or-later
"""A VPC listener address (docs/api.md, VPCs) may not be one the daemon
already serves for every VPC: one of its --dns-listen addresses (same IP
and port), or an address a wildcard --dns-listen (0.0.0.0 or ::)
receives on its port; nor another VPC's listener. Each is 409 naming
`listen[i]`, changes nothing, and the shared listener keeps classifying
by source."""

import pytest

from zgtest import addrs as A
from zgtest.check import expect
from zgtest.cli import Cli
from zgtest.daemon import Zonegated
from zgtest.topo import Topo


def assert_conflict(r, field, *words):
    assert r.status == 409, r
    err = r.body["error"]
    assert (err["code"], err["field"]) == ("conflict", field), r
    for word in words:
        assert word in err["message"], r


@pytest.mark.parametrize("listen", [
    A.hostport(A.ZG), A.ZG, "[%s]:53" % A.ZG6, "[FD00:A::2]:53"])
def test_vpc_listener_on_a_dns_listen_address_refused(baseline, api, query,
                                                      listen):
    before = api.get("/v1/vpcs?limit=1000").body
    r = api.post("/v1/vpcs", {"name": "grab", "cidrs": ["10.5.0.0/16"],
                              "listen": [A.hostport(A.ZG3), listen]})
    assert_conflict(r, "listen[1]", "--dns-listen")
    r = api.patch("/v1/vpcs/%s" % baseline.vpc["b"], {"listen": [listen]})
    assert_conflict(r, "listen[0]", "--dns-listen")
    r = api.post("/v1/changes", {"changes": [
        {"op": "update", "kind": "vpc", "id": baseline.vpc["b"],
         "data": {"listen": [listen]}}]})
    assert_conflict(r, "changes[0].data.listen[0]", "--dns-listen")
    assert api.get("/v1/vpcs?limit=1000").body == before


def test_shared_listener_still_classifies_by_source(baseline, api, query):
    baseline.make_zone("split.example.", ["www.split.example. 300 A 10.1.1.1"],
                       vpcs=("a",), key="split-a")
    baseline.make_zone("split.example.", ["www.split.example. 300 A 10.2.2.2"],
                       vpcs=("b",), key="split-b")
    r = api.patch("/v1/vpcs/%s" % baseline.vpc["b"],
                  {"listen": [A.hostport(A.ZG)]})
    assert r.status == 409, r
    expect(query("www.split.example.", source=A.CLIENT_A), aa=True,
           answer=["www.split.example. 300 A 10.1.1.1"])
    expect(query("www.split.example.", source=A.CLIENT_B), aa=True,
           answer=["www.split.example. 300 A 10.2.2.2"])


def test_vpc_listener_of_another_vpc_refused(baseline, api):
    r = api.patch("/v1/vpcs/%s" % baseline.vpc["a"],
                  {"listen": [A.hostport(A.ZG3)]})
    assert r.status == 200, r
    for spelling in (A.hostport(A.ZG3), A.ZG3):
        r = api.patch("/v1/vpcs/%s" % baseline.vpc["b"],
                      {"listen": [spelling]})
        assert_conflict(r, "listen[0]", baseline.vpc["a"])
    r = api.post("/v1/changes", {"changes": [
        {"op": "create", "kind": "vpc",
         "data": {"name": "p1", "cidrs": ["10.5.0.0/16"],
                  "listen": [A.hostport(A.ZG4)]}},
        {"op": "create", "kind": "vpc",
         "data": {"name": "p2", "cidrs": ["10.6.0.0/16"],
                  "listen": [A.ZG4]}}]})
    assert_conflict(r, "changes[1].data.listen[0]")


@pytest.fixture
def wildcard(tmp_path, attach):
    z = Zonegated(tmp_path / "zg", listens=["0.0.0.0:5353", "[::]:5353"])
    attach("zonegated log", lambda: z.log_tail(200))
    z.start()
    yield z
    assert z.stop() == 0


@pytest.mark.parametrize("listen,ok", [
    ("10.0.0.3:5353", False), ("[fd00:a::3]:5353", False),
    ("10.0.0.3:53", True), ("[fd00:a::3]:53", True)])
def test_vpc_listener_under_a_wildcard_dns_listen(wildcard, listen, ok):
    topo = Topo(Cli(wildcard.sock), wildcard.api)
    r = wildcard.api.post("/v1/vpcs", {"name": "w", "cidrs": [A.CIDR_A],
                                       "listen": [listen]})
    if ok:
        assert r.status == 201, r
        return
    assert_conflict(r, "listen[0]", "wildcard")
    assert topo.api.get("/v1/vpcs").body["items"] == []
