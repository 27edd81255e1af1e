# SPDX-License-Identifier: GPL-3.0-or-later
"""Running Python code inside one of the lab's network namespaces.

setns(2) with CLONE_NEWNET changes the namespace of the calling thread
only, and a socket belongs for its whole life to the namespace it was
created in. So run_in(ns, fn) runs fn in a fresh thread that first joins
/run/netns/<ns>: every socket fn opens lives there, nothing of the test
process changes, and no subprocess is needed per query.
"""

import ctypes
import ctypes.util
import os
import threading

from zgtest.util import scaled

CLONE_NEWNET = 0x40000000

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6",
                    use_errno=True)


class NetnsError(Exception):
    pass


def _join(ns):
    fd = os.open(os.path.join("/run/netns", ns), os.O_RDONLY | os.O_CLOEXEC)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise NetnsError("setns(%s): %s" % (ns, os.strerror(err)))
    finally:
        os.close(fd)


def run_in(ns, fn, *args, run_timeout=30, **kwargs):
    """fn(*args, **kwargs) inside network namespace ns; returns its value
    or raises its exception. Bounded: a thread still running after
    run_timeout seconds (scaled) is left behind as a daemon thread and
    NetnsError is raised."""
    box = {}

    def body():
        try:
            _join(ns)
            box["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc

    t = threading.Thread(target=body, name="netns-%s" % ns, daemon=True)
    t.start()
    t.join(scaled(run_timeout))
    if t.is_alive():
        raise NetnsError("%s: %r still running after %.0fs"
                         % (ns, fn, scaled(run_timeout)))
    if "error" in box:
        raise box["error"]
    return box["value"]
