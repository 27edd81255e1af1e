# SPDX-License-Identifier: GPL-3.0-or-later
"""BC-27: a search-list walk (ndots:5, search corp.example) gets a fast
authoritative NXDOMAIN for the suffixed names and NODATA (with SOA) for
existing names of another type; a wildcard answers per RFC 4592 with no
special case."""

import pytest

from zgtest.check import assert_silent, expect
from zgtest.util import scaled


@pytest.fixture
def setup(baseline, pub):
    pub.add("api.partner.example.", "A", 60, "203.0.113.60")
    baseline.make_zone("corp.example.", ["db.corp.example. 300 A 10.1.3.3"])
    return baseline


@pytest.mark.parametrize("qtype", ["A", "AAAA"])
def test_bc27ab_suffixed_name_nxdomain_fast(setup, pub, query, qtype):
    r = query("api.partner.example.corp.example.", qtype)
    expect(r, "NXDOMAIN", aa=True, answer=[],
           authority=[setup.soa("corp.example.")])
    assert r.elapsed < scaled(1.0), r.elapsed
    assert_silent(pub)


def test_bc27c_real_name_via_upstream(setup, pub, query):
    r = query("api.partner.example.", "A")
    expect(r, aa=False, answer=["api.partner.example. <=60 A 203.0.113.60"])


def test_bc27d_existing_name_other_type_nodata(setup, query):
    r = query("db.corp.example.", "AAAA")
    expect(r, aa=True, answer=[], authority=[setup.soa("corp.example.")])


def test_bc27e_wildcard_answers_suffixed_name(setup, pub, query):
    setup.add_record("corp.example.", "*.corp.example. 300 A 10.1.0.99")
    r = query("api.partner.example.corp.example.", "A")
    expect(r, aa=True, answer=[
        "api.partner.example.corp.example. 300 A 10.1.0.99"])
    assert_silent(pub)
