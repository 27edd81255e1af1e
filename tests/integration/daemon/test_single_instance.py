# SPDX-License-Identifier: GPL-3.0-or-later
"""One state file, one daemon; one API socket, one daemon. A second
zonegated on the --state of a running one refuses to start, naming the
lock file and the pid holding it; one on its --api-socket (another
state) refuses too ("another zonegated serves PATH"). Neither disturbs
the running daemon: its API socket stays, its answers go on. A socket
file left by a killed daemon is still replaced."""

import os
import subprocess

from zgtest import addrs as A
from zgtest.check import expect
from zgtest.daemon import Zonegated
from zgtest.util import scaled


def second(tmp_path, name, state=None, api_socket=None):
    """A second daemon's argv, on ZG2 (so it would not need the first's
    listener), with its own state and socket unless given."""
    z = Zonegated(tmp_path / name, listens=[A.hostport(A.ZG2)])
    argv = z.argv()
    if state is not None:
        argv[argv.index("--state") + 1] = state
    if api_socket is not None:
        argv[argv.index("--api-socket") + 1] = api_socket
    return z, argv


def run_refused(argv):
    p = subprocess.run(argv, capture_output=True, text=True,
                       timeout=scaled(20), stdin=subprocess.DEVNULL)
    assert p.returncode != 0, p
    return p.stdout + p.stderr


def assert_first_serves(zonegated, world, query):
    assert os.path.exists(zonegated.sock)
    assert zonegated.api.get("/v1/status").status == 200
    expect(query("www.corp.example."), aa=True,
           answer=["www.corp.example. 300 A 10.1.2.3"])


def world_of(baseline):
    baseline.make_zone("corp.example.", ["www.corp.example. 300 A 10.1.2.3"])
    return baseline


def test_second_daemon_on_the_same_state_refused(baseline, zonegated,
                                                 tmp_path, query):
    world = world_of(baseline)
    _, argv = second(tmp_path, "two", state=zonegated.state)
    out = run_refused(argv)
    assert zonegated.state + ".lock" in out, out
    assert "pid %d" % zonegated.proc.pid in out, out
    assert "not starting" in out, out
    assert_first_serves(zonegated, world, query)
    # Its state is untouched: a change still commits and is served.
    world.add_record("corp.example.", "new.corp.example. 300 A 10.1.2.4")
    expect(query("new.corp.example."), aa=True,
           answer=["new.corp.example. 300 A 10.1.2.4"])


def test_second_daemon_on_the_same_api_socket_refused(baseline, zonegated,
                                                      tmp_path, query):
    world = world_of(baseline)
    _, argv = second(tmp_path, "two", api_socket=zonegated.sock)
    out = run_refused(argv)
    assert "another zonegated serves %s" % zonegated.sock in out, out
    assert_first_serves(zonegated, world, query)


def test_lock_released_and_stale_socket_replaced(baseline, zonegated,
                                                 query):
    world = world_of(baseline)
    # kill -9 leaves the socket file and the lock file behind; neither
    # stops the next start on the same state and socket.
    zonegated.restart_after_kill9()
    assert_first_serves(zonegated, world, query)
    zonegated.restart()
    assert_first_serves(zonegated, world, query)
