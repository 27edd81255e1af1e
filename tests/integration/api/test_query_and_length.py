# SPDX-License-Identifier: GPL-3.0-or-later
"""Unknown query parameters are refused like unknown body fields (400
naming the parameter), so a typo never widens a listing or a deletion;
a Content-Length over the 4 MiB body limit is answered 413 at once,
before any of the body is sent."""

import socket
import time

from zgtest.util import scaled


def test_unknown_query_parameter_refused(baseline, api):
    z = baseline.make_zone("corp.example.", ["www.corp.example. 300 A 10.1.2.3",
                                             "ftp.corp.example. 300 A 10.1.2.4"])
    rec = "/v1/zones/%s/records" % z["id"]
    before = api.get(rec + "?limit=1000").body
    for method, path in (("GET", "/v1/vpcs?bogus=1"),
                         ("GET", "/v1/vpcs/%s?x=1" % baseline.vpc["a"]),
                         ("GET", rec + "?nmae=www"),
                         ("DELETE", rec + "?nmae=www&type=A"),
                         ("GET", "/v1/status?verbose=1")):
        r = api.request(method, path)
        assert r.status == 400, (path, r)
        err = r.body["error"]
        assert err["code"] == "invalid", r
        assert err["field"] in ("bogus", "x", "nmae", "verbose"), r
        assert err["field"] in err["message"], r
    assert api.get(rec + "?limit=1000").body == before
    # The parameters the API takes still work.
    r = api.get(rec + "?name=www&type=A&limit=5")
    assert r.status == 200 and len(r.body["items"]) == 1, r
    r = api.delete(rec + "?name=ftp&type=A&value=10.1.2.4")
    assert r.status == 200, r


def test_content_length_over_the_limit_is_413_at_once(zonegated):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(scaled(5))
    try:
        s.connect(zonegated.sock)
        start = time.monotonic()
        s.sendall(b"POST /v1/vpcs HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Type: application/json\r\n"
                  b"Content-Length: 999999999999\r\n\r\n{}")
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = s.recv(4096)
            if not chunk:
                break
            head += chunk
        assert head.startswith(b"HTTP/1.1 413"), head[:200]
        assert time.monotonic() - start < scaled(2)
    finally:
        s.close()
    # The API still serves.
    assert zonegated.api.get("/v1/status").status == 200
