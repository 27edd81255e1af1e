# SPDX-License-Identifier: GPL-3.0-or-later
"""BC-08: a public CNAME chain leading into a private ("privatelink")
zone bound to the VPC is cut at that name and the rest answered from the
zone (resolution.md §4: a CNAME from the default upstream whose target
falls under a zone bound to the VPC is re-resolved; RFC 2181 §5.4.1,
RFC 6604 §3 for the RCODE of the last name)."""

import dns.message
import dns.rrset
import pytest

from zgtest import addrs as A
from zgtest.check import expect

CHAINS = [
    [("mydb.db.example.net.", 300, "CNAME",
      "mydb.privatelink.db.example.net."),
     ("mydb.privatelink.db.example.net.", 300, "CNAME",
      "cr7.cloudapp.example.net."),
     ("cr7.cloudapp.example.net.", 60, "A", "203.0.113.40")],
    [("other.db.example.net.", 300, "CNAME",
      "other.privatelink.db.example.net."),
     ("other.privatelink.db.example.net.", 300, "CNAME",
      "cr8.cloudapp.example.net."),
     ("cr8.cloudapp.example.net.", 60, "A", "203.0.113.41")],
]


def public_resolver(q, entry):
    """PUB as a recursive resolver: the chain from the asked name on."""
    qname = q.question[0].name.to_text().lower()
    for chain in CHAINS:
        for i, (owner, _, _, _) in enumerate(chain):
            if owner == qname:
                resp = dns.message.make_response(q, recursion_available=True)
                for o, ttl, t, v in chain[i:]:
                    resp.answer.append(dns.rrset.from_text(o, ttl, "IN", t,
                                                           v))
                return resp
    return None


@pytest.fixture
def setup(baseline, pub):
    pub.set_handler(public_resolver)
    baseline.make_zone("privatelink.db.example.net.", [
        "mydb.privatelink.db.example.net. 300 A 10.1.5.4",
    ], vpcs=("a",), proxy="zone")
    return baseline


def test_bc08a_chain_cut_at_the_private_zone(setup, query):
    r = query("mydb.db.example.net.", "A", source=A.CLIENT_A)
    expect(r, aa=False, answer=[
        "mydb.db.example.net. <=300 CNAME mydb.privatelink.db.example.net.",
        "mydb.privatelink.db.example.net. 300 A 10.1.5.4",
    ])


def test_bc08b_other_vpc_gets_the_public_chain(setup, query):
    r = query("mydb.db.example.net.", "A", source=A.CLIENT_B)
    expect(r, aa=False, answer=[
        "mydb.db.example.net. <=300 CNAME mydb.privatelink.db.example.net.",
        "mydb.privatelink.db.example.net. <=300 CNAME "
        "cr7.cloudapp.example.net.",
        "cr7.cloudapp.example.net. <=60 A 203.0.113.40",
    ])


def test_bc08c_missing_private_name_is_nxdomain(setup, query):
    r = query("other.db.example.net.", "A", source=A.CLIENT_A)
    expect(r, "NXDOMAIN", aa=False, answer=[
        "other.db.example.net. <=300 CNAME other.privatelink.db.example.net.",
    ], authority=[setup.soa("privatelink.db.example.net.")])


def test_bc08d_proxy_pattern_record_falls_back_to_public(setup, cli, pub,
                                                         query):
    cli("zone", "set", setup.zone["privatelink.db.example.net."],
        "--proxy-pattern", "record")
    r = query("other.db.example.net.", "A", source=A.CLIENT_A)
    expect(r, aa=False, answer=[
        "other.db.example.net. <=300 CNAME other.privatelink.db.example.net.",
        "other.privatelink.db.example.net. <=300 CNAME "
        "cr8.cloudapp.example.net.",
        "cr8.cloudapp.example.net. <=60 A 203.0.113.41",
    ])
    assert pub.queries(name="other.privatelink.db.example.net."), \
        pub.summary()
