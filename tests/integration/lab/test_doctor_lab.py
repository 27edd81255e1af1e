# SPDX-License-Identifier: GPL-3.0-or-later
"""`zonegate doctor` on the seed lab: the rule to-idc's path from the
endpoint address 172.17.0.253 through the IPsec tunnel to BIND, checked
while it works, with the tunnel cut, and with BIND stopped. A lab of its
own, since these tests break it."""

import json

import pytest

from seedlab import IDC_DNS, ZG_SOURCE

TARGET = IDC_DNS + ":53"


@pytest.fixture(scope="module")
def dlab(lab_factory):
    return lab_factory("doctor")


@pytest.fixture
def doc(dlab, attach):
    attach("lab logs", dlab.logs)
    attach("CLI commands", dlab.cli.summary)
    return dlab


def rows(rule):
    return [(c["check"], c["status"], c["target"], c["source"],
             c["protocol"]) for c in rule["checks"]]


def doctor(lab, *extra):
    rc, out, err = lab.cli.raw("doctor", "to-idc", *extra)
    assert rc in (0, 1), err
    return rc, json.loads(out)


def tunnel_status(lab):
    return "ok" if lab.vpn_mode == "zonegate" else "skip"


def test_doctor_sees_the_path_through_the_tunnel(doc):
    rc, report = doctor(doc)
    assert (rc, report["ok"]) == (0, True), report
    [rule] = report["rules"]
    assert (rule["name"], rule["domain"], rule["endpoint_name"]) == (
        "to-idc", "alidns-example.com.", "seed-ob")
    assert rows(rule) == [
        ("source", "ok", None, ZG_SOURCE, None),
        ("loop", "ok", TARGET, None, None),
        ("egress", "ok", TARGET, None, None),
        ("route", "ok", TARGET, ZG_SOURCE, None),
        ("tunnel", tunnel_status(doc), TARGET, None, None),
        ("health", "ok", TARGET, None, None),
        ("soa", "ok", TARGET, ZG_SOURCE, "udp"),
        ("soa", "ok", TARGET, ZG_SOURCE, "tcp"),
    ]
    checks = rule["checks"]
    assert checks[3]["detail"] == ("172.28.0.7 from 172.17.0.253: unicast "
                                   "dev ipsec0 table 220 (strongSwan's "
                                   "routes)")
    for c in checks[6:]:
        assert c["detail"].startswith(
            "172.28.0.7:53 answered the SOA of alidns-example.com. over "
            "%s from 172.17.0.253: serial 8, " % c["protocol"]), c
        assert c["detail"].endswith(", authoritative"), c
    # BIND saw the probes from the endpoint address.
    soa = [c for c, n, t in doc.bind_queries()
           if n == "alidns-example.com." and t == "SOA"]
    assert soa.count(ZG_SOURCE) >= 2, doc.bind_queries()


def test_doctor_without_the_tunnel_names_the_route(doc):
    doc.cut_tunnel()
    try:
        rc, report = doctor(doc, "--timeout", "500")
        assert (rc, report["ok"]) == (1, False)
        rule = report["rules"][0]
        route = [c for c in rule["checks"] if c["check"] == "route"]
        assert [(c["status"], c["detail"]) for c in route] == [
            ("fail", "the kernel has no route to 172.28.0.7 from "
                     "172.17.0.253: Network is unreachable")]
        assert route[0]["fix"].startswith("add a route to 172.28.0.7: ")
        [tunnel] = [c for c in rule["checks"] if c["check"] == "tunnel"]
        if doc.vpn_mode == "zonegate":
            assert (tunnel["status"], tunnel["detail"]) == (
                "fail", "172.28.0.7 is behind connection vco-1, whose "
                        "tunnel is down: the rule's queries to it fail")
            assert tunnel["fix"].startswith("zonegate vpn status vco-1 ")
        else:
            assert tunnel["status"] == "skip"
        assert rows(rule)[-1] == ("soa", "skip", TARGET, None, None)
    finally:
        doc.restore_tunnel()
    rc, report = doctor(doc)
    assert rc == 0, report


def test_doctor_with_bind_stopped_names_the_server(doc):
    doc.stop("named")
    rc, report = doctor(doc, "--timeout", "1000")
    assert (rc, report["ok"]) == (1, False)
    rule = report["rules"][0]
    soa = [c for c in rule["checks"] if c["check"] == "soa"]
    # The port unreachable (UDP) and the reset (TCP) come back through
    # the tunnel: the path works, the server does not.
    assert [(c["status"], c["protocol"], c["detail"]) for c in soa] == [
        ("fail", "udp", "172.28.0.7:53 refused udp from 172.17.0.253: "
                        "nothing listens on that port"),
        ("fail", "tcp", "172.28.0.7:53 refused tcp from 172.17.0.253: "
                        "nothing listens on that port")]
    assert [c["status"] for c in rule["checks"]
            if c["check"] == "route"] == ["ok"]
