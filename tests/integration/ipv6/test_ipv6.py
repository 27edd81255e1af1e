# SPDX-License-Identifier: GPL-3.0-or-later
"""IPv6 everywhere (issue 2 item 2, resolution.md: IPv4 and IPv6 are
equal): clients, shared and VPC listeners, CIDRs, endpoint sources, rule
targets and upstreams; AAAA data; ip6.arpa built-ins."""

import pytest

from zgtest import addrs as A
from zgtest.check import assert_silent, expect


@pytest.fixture
def corp(baseline):
    baseline.make_zone("corp.example.", [
        "www.corp.example. 300 AAAA fd00:1::80",
        "www.corp.example. 300 A 10.1.0.80",
    ])
    return baseline


def test_v6_client_classified_by_v6_cidr(corp, pub, query):
    r = query("www.corp.example.", "AAAA", server=A.ZG6, source=A.CLIENT_A6)
    expect(r, aa=True, answer=["www.corp.example. 300 AAAA fd00:1::80"])
    assert_silent(pub)


def test_v6_client_of_other_vpc_goes_upstream(corp, pub, query):
    pub.add("www.corp.example.", "AAAA", 60, "2001:db8:1::80")
    r = query("www.corp.example.", "AAAA", server=A.ZG6, source=A.CLIENT_B6)
    expect(r, aa=False, answer=["www.corp.example. <=60 AAAA 2001:db8:1::80"])


def test_v6_client_without_vpc_refused(corp, pub, query):
    r = query("www.corp.example.", "AAAA", server=A.ZG6,
              source=A.CLIENT_NOVPC6)
    expect(r, "REFUSED", ra=None, aa=False, answer=[], ede=18)
    assert_silent(pub)


def test_v6_tcp(corp, query):
    r = query("www.corp.example.", "A", server=A.ZG6, source=A.CLIENT_A6,
              tcp=True)
    expect(r, aa=True, answer=["www.corp.example. 300 A 10.1.0.80"])


def test_v6_vpc_listener(corp, query):
    corp.make_vpc("x", ["fd00:8::/64"], listen=[A.hostport(A.ZG6_2)])
    corp.make_zone("x.example.", ["www.x.example. 300 AAAA fd00:8::1"],
                   vpcs=("x",))
    r = query("www.x.example.", "AAAA", server=A.ZG6_2, source=A.CLIENT_B6)
    expect(r, aa=True, answer=["www.x.example. 300 AAAA fd00:8::1"])


def test_v6_endpoint_and_target(corp, op1, pub, query):
    op1.add("h.onprem.example.", "AAAA", 60, "2001:db8::81")
    corp.make_endpoint("ob-6", "a", A.OB1_SOURCES6)
    corp.make_rule("rop6", "onprem.example.", [A.OP1_6], endpoint="ob-6")
    r = query("h.onprem.example.", "AAAA", server=A.ZG6, source=A.CLIENT_A6)
    expect(r, aa=False, answer=["h.onprem.example. <=60 AAAA 2001:db8::81"])
    log = op1.queries(name="h.onprem.example.")
    assert len(log) == 1
    assert log[0].src in A.OB1_SOURCES6 and log[0].dst == A.OP1_6
    assert_silent(pub)


def test_v4_client_v6_target(corp, op1, query):
    """The family of the client and of the target are independent."""
    op1.add("m.onprem.example.", "A", 60, "192.0.2.85")
    corp.make_endpoint("ob-6", "a", A.OB1_SOURCES6)
    corp.make_rule("rop6", "onprem.example.", [A.OP1_6], endpoint="ob-6")
    r = query("m.onprem.example.", "A", server=A.ZG, source=A.CLIENT_A)
    expect(r, aa=False, answer=["m.onprem.example. <=60 A 192.0.2.85"])
    assert op1.queries()[0].src in A.OB1_SOURCES6


def test_mixed_endpoint_picks_source_of_target_family(corp, op1, op2, query):
    op1.add("v4.onprem.example.", "A", 60, "192.0.2.86")
    op2.add("v6.onprem2.example.", "A", 60, "192.0.2.87")
    corp.make_endpoint("ob-mix", "a", A.OB1_SOURCES + A.OB1_SOURCES6)
    corp.make_rule("r4", "onprem.example.", [A.OP1], endpoint="ob-mix")
    corp.make_rule("r6", "onprem2.example.", [A.OP2_6], endpoint="ob-mix")
    expect(query("v4.onprem.example."), aa=False)
    expect(query("v6.onprem2.example."), aa=False)
    assert op1.queries()[0].src in A.OB1_SOURCES
    assert op2.queries()[0].src in A.OB1_SOURCES6


def test_v6_global_upstream(baseline, pub, query):
    pub.add("www.public.example.", "A", 60, "203.0.113.66")
    baseline.set_upstream([A.hostport(A.PUB6)])
    r = query("www.public.example.", "A")
    expect(r, aa=False, answer=["www.public.example. <=60 A 203.0.113.66"])
    assert pub.queries()[0].dst == A.PUB6


def test_v6_cidr_validation(baseline, api):
    r = api.post("/v1/vpcs", {"name": "bad6", "cidrs": ["fd00:9::/129"]})
    assert r.status == 400, r
    assert r.body["error"]["field"] == "cidrs[0]"
