# SPDX-License-Identifier: GPL-3.0-or-later
"""The zonegate CLI as the tests use it.

cli("vpc", "create", "vpc-a", "--cidr", "10.1.0.0/16") runs
`zonegate --api-socket SOCK --json vpc create ...` and returns the API's
JSON (None when the command printed nothing); a non-zero exit raises
CliError carrying stderr. cli.raw(...) returns (rc, stdout, stderr).
"""

import json
import os
import subprocess

from zgtest.daemon import cli_path
from zgtest.util import scaled


class CliError(Exception):
    def __init__(self, argv, rc, out, err):
        super().__init__("zonegate %s -> exit %d\nstderr: %s\nstdout: %s"
                         % (" ".join(argv), rc, err.strip(), out.strip()))
        self.argv = argv
        self.rc = rc
        self.out = out
        self.err = err


class Cli:
    def __init__(self, sock_path, timeout=20):
        self.sock = sock_path
        self.timeout = timeout
        self.history = []

    def argv(self, args, json_out=True):
        argv = [cli_path(), "--api-socket", self.sock]
        if json_out:
            argv.append("--json")
        return argv + [str(a) for a in args]

    def raw(self, *args, json_out=True):
        """(rc, stdout, stderr) of one CLI run."""
        if not os.access(cli_path(), os.X_OK):
            raise RuntimeError("zonegate CLI is not built: %s missing"
                               % cli_path())
        argv = self.argv(args, json_out)
        env = dict(os.environ, ZONEGATE_API=self.sock)
        p = subprocess.run(argv, capture_output=True, text=True, env=env,
                           timeout=scaled(self.timeout),
                           stdin=subprocess.DEVNULL)
        self.history.append((args, p.returncode, p.stderr.strip()))
        return p.returncode, p.stdout, p.stderr

    def __call__(self, *args):
        rc, out, err = self.raw(*args)
        if rc != 0:
            raise CliError([str(a) for a in args], rc, out, err)
        out = out.strip()
        if not out:
            return None
        try:
            return json.loads(out)
        except ValueError as exc:
            raise CliError([str(a) for a in args], rc, out,
                           "stdout is not JSON: %s" % exc) from exc

    def fails(self, *args):
        """Runs a command that must fail; returns (rc, stderr)."""
        rc, out, err = self.raw(*args)
        if rc == 0:
            raise AssertionError("zonegate %s succeeded, expected failure:"
                                 " %s" % (" ".join(map(str, args)), out))
        return rc, err

    def summary(self):
        """The commands run so far, for failure reports."""
        return "\n".join("%s -> %d %s" % (" ".join(map(str, a)), rc, e)
                         for a, rc, e in self.history) or "(none)"


def items(listing):
    """The list of resources in a `list --json` output: the API's
    {"items": [...]} or a plain list."""
    if isinstance(listing, dict):
        return listing.get("items", [])
    return listing or []
