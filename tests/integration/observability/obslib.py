# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers of the observability tests: reading the query log."""

import json
import time

from zgtest.util import scaled

PROBE = "probe.zonegate.test."


def read_text(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def query_log(z, count, timeout=5.0):
    """The first `count` lines of z's query log after the start-up
    probes (which the daemon fixture sends from a client in no VPC),
    parsed, once that many are written (the writer thread flushes every
    10 ms)."""
    deadline = time.monotonic() + scaled(timeout)
    while True:
        raw = [json.loads(ln) for ln in read_text(z.query_log).splitlines()
               if ln]
        lines = [ln for ln in raw if ln["name"] != PROBE]
        if len(lines) >= count or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert len(lines) >= count, "query log has %d lines, want %d:\n%s" % (
        len(lines), count, read_text(z.query_log))
    return lines[:count]
