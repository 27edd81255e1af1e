# SPDX-License-Identifier: GPL-3.0-or-later
"""Small helpers: scaled timeouts and bounded waiting."""

import os
import time

# Every timeout of the harness is multiplied by this (ASan runs use 3).
SLOW = float(os.environ.get("ZG_TEST_SLOW", "1"))


def scaled(seconds):
    """A timeout in seconds, stretched for slow builds (sanitizers)."""
    return seconds * SLOW


def wait_until(predicate, timeout, interval=0.05, what="condition"):
    """Calls predicate() until it returns a true value, at most timeout
    seconds (scaled). Returns that value; raises TimeoutError naming
    `what` otherwise."""
    deadline = time.monotonic() + scaled(timeout)
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError("timed out after %.1fs waiting for %s"
                               % (scaled(timeout), what))
        time.sleep(interval)
