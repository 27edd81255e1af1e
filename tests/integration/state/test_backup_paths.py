# SPDX-License-Identifier: GPL-3.0-or-later
"""`zonegate backup PATH` refuses every file of the live state database
(docs/api.md, Backup): the database, its -wal, -shm and -journal files
and the daemon's lock file, however the path is spelt ("..", a symlink
to the directory). A backup renamed over the WAL would lose the
acknowledged changes it holds at the next start."""

import os

import pytest

from zgtest.check import expect


@pytest.mark.parametrize("spelling", [
    "{d}/state.db-wal", "{d}/state.db-shm", "{d}/state.db-journal",
    "{d}/state.db.lock", "{d}/state.db", "{d}/sub/../state.db-wal",
    "{d}/link/state.db-wal"])
def test_backup_over_a_live_file_refused(baseline, zonegated, cli, api,
                                         query, spelling):
    d = zonegated.dir
    os.makedirs(os.path.join(d, "sub"), exist_ok=True)
    if not os.path.lexists(os.path.join(d, "link")):
        os.symlink(d, os.path.join(d, "link"))
    baseline.make_zone("corp.example.", ["www.corp.example. 300 A 10.1.2.3"])
    version = api.ok("GET", "/v1/status")["version"]

    path = spelling.format(d=d)
    rc, err = cli.fails("backup", path)
    assert "live state database" in err, err
    r = api.post("/v1/backup", {"path": path})
    assert r.status == 400 and r.body["error"]["field"] == "path", r

    # Every acknowledged change survives a crash and a restart.
    zonegated.restart_after_kill9()
    assert api.ok("GET", "/v1/status")["version"] == version
    expect(query("www.corp.example."), aa=True,
           answer=["www.corp.example. 300 A 10.1.2.3"])
