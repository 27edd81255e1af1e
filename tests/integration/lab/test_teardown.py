# SPDX-License-Identifier: GPL-3.0-or-later
"""`make demo` (scripts/demo-seed.sh) runs the whole seed, and leaves
nothing behind: not when it ends, not when it is interrupted with
Ctrl-C (SIGINT to its process group) at any point, not with KEEP=1 once
it is stopped as it says. Nothing: no namespace of its prefix, no
/etc/netns directory, no process running from its files, no files."""

import os
import signal
import subprocess
import time

import pytest

from zgtest.util import scaled

from seedlab import TOP

DEMO = os.path.join(TOP, "scripts", "demo-seed.sh")
LABCTL = os.path.join(TOP, "scripts", "lab", "labctl")


def leftovers(prefix, tmpdir):
    """What a demo with prefix and TMPDIR tmpdir left behind."""
    out = subprocess.run(["ip", "netns", "list"], capture_output=True,
                         text=True, timeout=10, check=True).stdout
    left = [line.split()[0] for line in out.splitlines()
            if line.startswith(prefix + "-")]
    if os.path.isdir("/etc/netns"):
        left += ["/etc/netns/" + d for d in os.listdir("/etc/netns")
                 if d.startswith(prefix + "-")]
    left += [os.path.join(tmpdir, f) for f in os.listdir(tmpdir)]
    left += ["process %d" % pid for pid in processes_using(tmpdir)]
    return left


def processes_using(path):
    """Pids whose command line or environment names path (charon is
    found by its STRONGSWAN_CONF, the others by their arguments)."""
    found = []
    key = path.encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        for name in ("cmdline", "environ"):
            try:
                with open("/proc/%s/%s" % (entry, name), "rb") as f:
                    if key in f.read():
                        found.append(int(entry))
                        break
            except OSError:
                break
    return found


def default_signals():
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)


def run_demo(tmp_path, tag, env=None, interrupt_after=None, timeout=180):
    prefix = "%s-%s" % (os.environ["ZG_LAB_PREFIX"], tag)
    tmpdir = tmp_path / tag
    tmpdir.mkdir()
    env = dict(os.environ, LAB_PREFIX=prefix, TMPDIR=str(tmpdir),
               **(env or {}))
    with open(tmp_path / (tag + ".out"), "wb") as out:
        # As from a terminal: SIGINT not ignored (run.sh starts pytest
        # in the background, where a shell ignores it, and a shell
        # cannot trap a signal ignored when it started).
        p = subprocess.Popen([DEMO], stdout=out, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, env=env,
                             start_new_session=True,
                             preexec_fn=default_signals)
        try:
            if interrupt_after is not None:
                time.sleep(interrupt_after)
                os.killpg(p.pid, signal.SIGINT)
            rc = p.wait(timeout=scaled(timeout))
        except BaseException:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait(timeout=30)
            subprocess.run([LABCTL, "purge", prefix], timeout=60)
            raise
    text = (tmp_path / (tag + ".out")).read_text(errors="replace")
    return rc, text, prefix, str(tmpdir)


def test_demo_shows_the_three_solutions_and_cleans_up(tmp_path):
    rc, text, prefix, tmpdir = run_demo(tmp_path, "demo")
    assert rc == 0, text[-3000:]
    assert ("solution 1  alidns-example.com -> 15.15.15.15 via rule to-idc "
            "from 172.17.0.253 through the tunnel (AA=0)") in text
    assert ("solution 2  alidns-example.com -> 15.15.15.15 from BIND "
            "172.28.0.7 through the tunnel (AA)") in text
    solution3 = [line for line in text.splitlines()
                 if line.startswith("solution 3  ")]
    assert len(solution3) == 1, text[-3000:]
    assert solution3[0] in (
        "solution 3  alidns-example.com -> 15.15.15.15 from zonegate's "
        "secondary copy, BIND stopped (AA)",
        "solution 3  skipped: this zonegate has no secondary zones "
        "(zonegate secondary create, issue 4)")
    assert leftovers(prefix, tmpdir) == []


@pytest.mark.parametrize("after", [0.3, 0.8, 1.6, 2.5])
def test_demo_interrupted_leaves_nothing(tmp_path, after):
    rc, text, prefix, tmpdir = run_demo(tmp_path, "int", interrupt_after=after)
    # 130 when the signal came in time, 0 when the demo had already
    # finished (its clean-up ignores a late Ctrl-C).
    assert rc in (0, 130), (rc, text[-2000:])
    assert leftovers(prefix, tmpdir) == [], text[-2000:]


def test_demo_keep_leaves_the_lab_until_stopped(tmp_path):
    rc, text, prefix, tmpdir = run_demo(tmp_path, "keep", env={"KEEP": "1"})
    assert rc == 0, text[-3000:]
    stop = [line.split("stop it:", 1)[1].split() for line in
            text.splitlines() if "stop it:" in line]
    assert len(stop) == 1 and stop[0][0] == LABCTL, text[-1500:]
    left = leftovers(prefix, tmpdir)
    assert prefix + "-ecs" in left
    # It answers from the ECS while it is kept.
    out = subprocess.run(["ip", "netns", "exec", prefix + "-ecs", "dig",
                          "+short", "+time=3", "+tries=1",
                          "alidns-example.com"], capture_output=True,
                         text=True, timeout=scaled(20)).stdout
    assert out.strip() == "15.15.15.15"
    subprocess.run(stop[0], timeout=scaled(120), check=True)
    assert leftovers(prefix, tmpdir) == []
