# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures of the seed lab (scripts/lab/lib.sh): the seed scenario in
network namespaces of its own, ECS -- VPC gateway (zonegated, charon) --
"internet" -- IDC gateway (charon, BIND 9).

The lab needs namespaces of its own, not the suite's single one, so it
runs from tests/integration/lab/run.sh (make check-integration calls
both runners). That runner sets ZG_LAB_PREFIX; without it, as under
../run.sh, nothing here is collected.

Fixtures:
    lab     one lab for the whole run (labctl up at first use, labctl
            down at the end): namespaces, addresses, the zonegate CLI,
            queries from inside a namespace, BIND's query log, the
            tunnel's state
"""

import os
import subprocess

import pytest

from zgtest.util import scaled

from seedlab import Lab, tail

if not os.environ.get("ZG_LAB_PREFIX"):
    # Run by ../run.sh: the lab is tests/integration/lab/run.sh's job.
    collect_ignore_glob = ["test_*.py"]

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
LABCTL = os.path.join(TOP, "scripts", "lab", "labctl")
# How long `labctl up` may take (it takes about 2 s here).
UP_TIMEOUT_S = 120
# What ASan, LSan and UBSan write when they find something.
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                   "runtime error:")


def _labctl(*args, timeout, env=None):
    return subprocess.run([LABCTL, *args], capture_output=True, text=True,
                          timeout=scaled(timeout), stdin=subprocess.DEVNULL,
                          env=dict(os.environ, **(env or {})))


@pytest.fixture(scope="session")
def lab_factory(tmp_path_factory):
    """lab_factory(tag, env=None) -> a started Lab (env: extra
    environment for labctl, e.g. LAB_VPN_PROFILE); all are removed at
    the end. A tag that failed once fails again at once."""
    prefix = os.environ["ZG_LAB_PREFIX"]
    base = os.environ.get("ZG_LAB_WORK") or str(tmp_path_factory.mktemp(
        "lab"))
    started = []
    failed = {}

    def make(tag, env=None):
        if tag in failed:
            pytest.fail(failed[tag])
        workdir = os.path.join(base, tag)
        try:
            p = _labctl("up", workdir, "%s-%s" % (prefix, tag),
                        timeout=UP_TIMEOUT_S, env=env)
        except subprocess.TimeoutExpired:
            _labctl("purge", "%s-%s" % (prefix, tag), timeout=60)
            failed[tag] = ("labctl up took more than %.0fs"
                           % scaled(UP_TIMEOUT_S))
            pytest.fail(failed[tag])
        if p.returncode != 0:
            failed[tag] = ("labctl up failed (%d):\n%s\n%s\n%s"
                           % (p.returncode, p.stderr,
                              tail(os.path.join(workdir, "up.log")),
                              tail(os.path.join(workdir, "vpcgw",
                                                "zonegated.log"))))
            pytest.fail(failed[tag])
        lab = Lab(workdir)
        started.append(lab)
        return lab

    yield make
    reports = []
    for lab in started:
        # zonegated is stopped first, so that a sanitizer build writes
        # its report (leaks at exit) before the files go.
        if lab.running("zonegated"):
            lab.stop("zonegated")
        text = lab.zonegated_log()
        if any(m in text for m in SANITIZER_MARKS):
            reports.append("%s:\n%s" % (lab.dir, text[-4000:]))
        _labctl("down", lab.dir, timeout=120)
    assert not reports, "sanitizer reports:\n" + "\n".join(reports)


@pytest.fixture(scope="session")
def lab(lab_factory):
    """The seed lab shared by the tests of this folder."""
    return lab_factory("seed")


@pytest.fixture
def lab_logs(lab, attach):
    """Attaches the lab's logs to the report of a failing test."""
    attach("lab logs", lab.logs)
    attach("CLI commands", lab.cli.summary)
    return lab
