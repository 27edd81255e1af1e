# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures of the observability tests: the daemon writes a query log."""

import pytest

from zgtest.daemon import Zonegated

from obslib import read_text


@pytest.fixture
def zonegated(tmp_path, attach):
    """zonegated as in the suite's conftest, with --query-log."""
    z = Zonegated(tmp_path / "zonegated",
                  extra_args=["--query-log",
                              str(tmp_path / "zonegated" / "query.log")])
    z.query_log = str(tmp_path / "zonegated" / "query.log")
    attach("zonegated log", lambda: z.log_tail(200))
    attach("query log", lambda: read_text(z.query_log))
    z.start()
    yield z
    rc = z.stop()
    assert rc == 0, "zonegated exited with status %r on SIGTERM" % rc
