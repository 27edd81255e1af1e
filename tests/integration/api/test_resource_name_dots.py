# SPDX-License-Identifier: GPL-3.0-or-later
"""Names of VPCs, endpoints and rules may not be path steps ('.', '..')
nor hold control characters (400 `name`)."""

import pytest

from zgtest import addrs as A


@pytest.mark.parametrize("name", [".", "..", "...", "a\tb", "a\x7fb",
                                  "a\x01", "a\nb"])
def test_dot_and_control_names_refused(baseline, api, name):
    bodies = {
        "/v1/vpcs": {"name": name, "cidrs": ["10.7.0.0/16"]},
        "/v1/endpoints": {"name": name, "vpc": baseline.vpc["a"],
                          "sources": ["10.0.255.12"]},
        "/v1/rules": {"name": name, "domain": "x.example.",
                      "endpoint": baseline.ep["ob-1"], "targets": [A.OP1]},
    }
    for path, body in bodies.items():
        before = api.get(path + "?limit=1000").body
        r = api.post(path, body)
        assert r.status == 400, (path, r)
        assert r.body["error"]["field"] == "name", (path, r)
        assert api.get(path + "?limit=1000").body == before
    r = api.get("/v1/vpcs/..")
    assert r.status in (400, 404), r
