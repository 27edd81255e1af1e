# SPDX-License-Identifier: GPL-3.0-or-later
"""The zonegate CLI (issue 2 item 7): resources named by id or name, an
ambiguous name refused with the ids, create prints the id first, --json
prints the API's JSON, errors on stderr with a non-zero exit, list/show/
delete for every resource, explain."""

import re

from zgtest import addrs as A
from zgtest.cli import items


def test_create_prints_id_first_without_json(topo, cli):
    rc, out, err = cli.raw("vpc", "create", "plain", "--cidr", "10.5.0.0/16",
                           json_out=False)
    assert rc == 0, err
    first = out.split()[0] if out.split() else ""
    assert re.fullmatch(r"vpc-\d+", first.strip(":,")), out


def test_json_output_is_the_api_object(topo, cli, api):
    v = cli("vpc", "create", "j", "--cidr", "10.5.0.0/16", "--cidr",
            "fd00:5::/64", "--listen", A.hostport(A.ZG2))
    assert v["cidrs"] == ["10.5.0.0/16", "fd00:5::/64"]
    assert v["listen"] == ["10.0.0.3:53"]
    assert api.get("/v1/vpcs/%s" % v["id"]).body == v


def test_names_and_ids_both_accepted(topo, cli):
    v = cli("vpc", "create", "byname", "--cidr", "10.5.0.0/16")
    assert cli("vpc", "show", "byname")["id"] == v["id"]
    assert cli("vpc", "show", v["id"])["name"] == "byname"


def test_ambiguous_name_refused_with_ids(baseline, cli):
    z1 = cli("zone", "create", "split.example")
    z2 = cli("zone", "create", "split.example")
    rc, err = cli.fails("zone", "show", "split.example.")
    assert z1["id"] in err and z2["id"] in err, err


def test_errors_go_to_stderr_with_nonzero_exit(baseline, cli):
    rc, out, err = cli.raw("vpc", "create", "bad", "--cidr", "10.5.0.0/33")
    assert rc != 0
    assert err.strip()
    assert "cidr" in err.lower(), err
    rc, out, err = cli.raw("vpc", "show", "no-such-vpc")
    assert rc != 0 and err.strip()
    rc, out, err = cli.raw("frobnicate")
    assert rc != 0 and err.strip()


def test_unreachable_daemon_is_an_error(tmp_path):
    from zgtest.cli import Cli
    c = Cli(str(tmp_path / "nothing.sock"))
    rc, out, err = c.raw("vpc", "list")
    assert rc != 0 and err.strip()


def test_list_show_delete_every_resource(baseline, cli):
    b = baseline
    z = b.make_zone("corp.example.", ["www.corp.example. 300 A 10.1.2.3"])
    rule = b.make_rule("rop", "onprem.example.", [A.OP1])
    recs = items(cli("record", "list", z["id"]))
    assert any(r["name"] == "www" and r["value"] == "10.1.2.3"
               for r in recs), recs
    for kind, rid in (("vpc", b.vpc["c"]), ("zone", z["id"]),
                      ("endpoint", b.ep["ob-1"]), ("rule", rule["id"])):
        ids = [x["id"] for x in items(cli(kind, "list"))]
        assert rid in ids, (kind, ids)
        assert cli(kind, "show", rid)["id"] == rid
    cli("rule", "delete", rule["id"])
    assert rule["id"] not in [x["id"] for x in items(cli("rule", "list"))]
    cli("zone", "unbind", z["id"], "--vpc", b.vpc["a"])
    cli("zone", "delete", z["id"])
    cli("endpoint", "delete", b.ep["ob-1"])
    cli("vpc", "delete", b.vpc["c"])
    assert b.vpc["c"] not in [x["id"] for x in items(cli("vpc", "list"))]


def test_endpoint_update_sources(baseline, cli):
    ep = cli("endpoint", "update", baseline.ep["ob-1"], "--source",
             "10.0.255.10")
    shown = cli("endpoint", "show", baseline.ep["ob-1"])
    assert shown["sources"] == ["10.0.255.10"], (ep, shown)


def test_upstream_cli(baseline, cli):
    shown = cli("upstream", "show")
    assert shown["targets"] == ["198.51.100.53:53"]
    cli("upstream", "set", "192.0.2.54:53", "--vpc", baseline.vpc["b"])
    assert cli("upstream", "show", "--vpc",
               baseline.vpc["b"])["targets"] == ["192.0.2.54:53"]
    cli("upstream", "unset", "--vpc", baseline.vpc["b"])
    rc, err = cli.fails("upstream", "show", "--vpc", baseline.vpc["b"])


def test_zone_set_fields(baseline, cli):
    z = baseline.make_zone("corp.example.")
    out = cli("zone", "set", z["id"], "--soa-ttl", "7200", "--soa-refresh",
              "1000", "--soa-retry", "100", "--soa-expire", "100000",
              "--soa-minimum", "60", "--ns", "dns.corp.example.")
    z2 = cli("zone", "show", z["id"])
    assert (z2["soa"]["ttl"], z2["soa"]["refresh"], z2["soa"]["retry"],
            z2["soa"]["expire"], z2["soa"]["minimum"]) == (7200, 1000, 100,
                                                          100000, 60), out
    assert z2["ns"] == ["dns.corp.example."]
    assert z2["serial"] > z["serial"]
