# SPDX-License-Identifier: GPL-3.0-or-later
"""CIDR text is strict (docs/api.md, Conventions): the prefix length is
plain decimal digits, without sign, blanks or leading zeros, so one
network has one spelling; anything else is 400 naming the field and
changes nothing. Checked for VPC CIDRs and egress prefixes."""

import pytest

BAD = ["10.5.0.0/016", "10.5.0.0/0016", "10.5.0.0/+16", "10.5.0.0/-1",
       "10.5.0.0/ 16", "10.5.0.0/16 ", " 10.5.0.0/16", "10.5.0.0/1 6",
       "10.5.0.0/16/16", "010.5.0.0/16", "fd00:5::/064", "fd00:5::/+64"]


def assert_invalid(r, field):
    assert r.status == 400, r
    err = r.body["error"]
    assert (err["code"], err["field"]) == ("invalid", field), r
    assert "host bits" not in err["message"], r


@pytest.mark.parametrize("cidr", BAD)
def test_vpc_cidr_text_is_strict(baseline, api, cidr):
    before = api.get("/v1/vpcs?limit=1000").body
    r = api.post("/v1/vpcs", {"name": "strict", "cidrs": ["10.6.0.0/16",
                                                          cidr]})
    assert_invalid(r, "cidrs[1]")
    assert api.get("/v1/vpcs?limit=1000").body == before


@pytest.mark.parametrize("cidr", BAD[:4])
def test_egress_prefix_text_is_strict(baseline, api, cidr):
    r = api.post("/v1/endpoints", {
        "name": "e-strict", "vpc": baseline.vpc["a"],
        "sources": ["10.0.255.12"], "egress": [{"prefix": cidr}]})
    assert_invalid(r, "egress[0].prefix")


def test_canonical_cidrs_still_accepted(baseline, api):
    r = api.post("/v1/vpcs", {"name": "canon",
                              "cidrs": ["10.5.0.0/16", "10.7.0.0/0",
                                        "fd00:5::/64"]})
    # 10.7.0.0/0 has host bits; the others are fine on their own.
    assert r.status == 400 and r.body["error"]["field"] == "cidrs[1]", r
    assert "host bits" in r.body["error"]["message"], r
    r = api.post("/v1/vpcs", {"name": "canon",
                              "cidrs": ["10.5.0.0/16", "fd00:5::/64"]})
    assert r.status == 201, r
    assert r.body["cidrs"] == ["10.5.0.0/16", "fd00:5::/64"]
