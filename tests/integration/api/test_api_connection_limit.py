# SPDX-License-Identifier: GPL-3.0-or-later
"""The management API holds at most 64 connections (docs/api.md); more
are refused at once, and the refusals are logged at most once a minute
(with how many were held back), so a client opening connections in a
loop cannot flood the log. The API serves again once they close."""

import select
import socket
import time

from zgtest.util import scaled, wait_until

LINE = "API connections are open, the limit"


def test_refused_connections_are_logged_at_most_once_a_minute(zonegated):
    held = []
    try:
        for _ in range(3):
            for _ in range(40):
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.settimeout(scaled(5))
                s.connect(zonegated.sock)
                held.append(s)
            time.sleep(0.5)
        # 120 connections: at least 56 were refused.
        readable, _, _ = select.select(held, [], [], scaled(1))
        refused = 0
        for s in readable:
            try:
                refused += s.recv(10) == b""
            except OSError:
                refused += 1
        assert refused >= 40, refused
        wait_until(lambda: LINE in zonegated.log_text(), 5,
                   what="the refusal to be logged")
        assert zonegated.log_text().count(LINE) == 1, \
            zonegated.log_text().count(LINE)
    finally:
        for s in held:
            s.close()

    def serves():
        try:
            return zonegated.api.get("/v1/status").status == 200
        except OSError:
            return False
    wait_until(serves, 10, what="the API to serve again")
