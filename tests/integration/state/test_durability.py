# SPDX-License-Identifier: GPL-3.0-or-later
"""State (issue 2 item 3): an acknowledged change survives kill -9; on
start the daemon serves what the store holds; SQLite in WAL mode;
`zonegate backup` and `restore` while the daemon runs."""

import os
import sqlite3
import subprocess

import pytest

from zgtest import addrs as A
from zgtest.check import expect
from zgtest.util import wait_until


@pytest.fixture
def world(baseline, op1, pub):
    op1.add_suffix("onprem.example.", "A", 60, "192.0.2.81")
    pub.add("www.public.example.", "A", 60, "203.0.113.5")
    baseline.make_zone("corp.example.", ["www.corp.example. 300 A 10.1.2.3"])
    baseline.make_rule("rop", "onprem.example.", [A.OP1])
    return baseline


def assert_world_served(query):
    expect(query("www.corp.example."), aa=True,
           answer=["www.corp.example. 300 A 10.1.2.3"])
    expect(query("h.onprem.example."), aa=False,
           answer=["h.onprem.example. <=60 A 192.0.2.81"])
    expect(query("www.public.example."), aa=False,
           answer=["www.public.example. <=60 A 203.0.113.5"])


def test_kill9_right_after_change_loses_nothing(world, zonegated, cli,
                                                query):
    world.add_record("corp.example.", "new.corp.example. 300 A 10.1.2.9")
    zonegated.restart_after_kill9()
    expect(query("new.corp.example."), aa=True,
           answer=["new.corp.example. 300 A 10.1.2.9"])
    assert_world_served(query)


@pytest.mark.parametrize("change", ["vpc", "rule", "zone-set", "unbind",
                                    "delete-record", "upstream"])
def test_kill9_after_each_kind_of_change(world, zonegated, cli, api, query,
                                         change):
    if change == "vpc":
        cli("vpc", "update", world.vpc["b"], "--add-listen",
            A.hostport(A.ZG2))
    elif change == "rule":
        cli("rule", "update", world.rule["rop"], "--target",
            A.hostport(A.OP2))
    elif change == "zone-set":
        cli("zone", "set", world.zone["corp.example."], "--soa-minimum", "42")
    elif change == "unbind":
        cli("zone", "unbind", world.zone["corp.example."], "--vpc",
            world.vpc["a"])
    elif change == "delete-record":
        cli("record", "delete", world.zone["corp.example."], "www", "A")
    elif change == "upstream":
        cli("upstream", "set", A.hostport(A.OP2))
    before = {p: api.get(p).body for p in ("/v1/vpcs", "/v1/zones",
                                            "/v1/rules", "/v1/endpoints",
                                            "/v1/upstreams")}
    zonegated.restart_after_kill9()
    after = {p: api.get(p).body for p in before}
    assert after == before


def test_clean_restart_serves_the_store(world, zonegated, query):
    zonegated.restart()
    assert_world_served(query)


def test_ids_never_reused_after_restart(world, zonegated, cli, api):
    v = cli("vpc", "create", "tmp", "--cidr", "10.5.0.0/16")
    cli("vpc", "delete", v["id"])
    zonegated.restart_after_kill9()
    v2 = cli("vpc", "create", "tmp2", "--cidr", "10.5.0.0/16")
    assert v2["id"] != v["id"]
    assert int(v2["id"].split("-")[1]) > int(v["id"].split("-")[1])


def test_state_is_sqlite_in_wal_mode(world, zonegated):
    db = sqlite3.connect("file:%s?mode=ro" % zonegated.state, uri=True,
                         timeout=5)
    try:
        mode = db.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        db.close()
    assert mode == "wal"


def test_backup_and_restore_while_running(world, zonegated, cli, api,
                                          tmp_path, query):
    backup = str(tmp_path / "backup.db")
    cli("backup", backup)
    assert os.path.getsize(backup) > 0
    check = subprocess.run(["sqlite3", backup, "PRAGMA integrity_check"],
                           capture_output=True, text=True, timeout=20)
    assert check.stdout.strip() == "ok", check

    # Change things after the backup ...
    world.add_record("corp.example.", "after.corp.example. 300 A 10.1.2.8")
    cli("record", "delete", world.zone["corp.example."], "www", "A")
    expect(query("www.corp.example."), "NXDOMAIN", aa=True, answer=[])

    # ... and restore: the backup's state is served again.
    cli("restore", backup)

    def restored():
        r = query("www.corp.example.")
        return r.msg.answer and r
    r = wait_until(restored, 5, what="the restored record to be served")
    expect(r, aa=True, answer=["www.corp.example. 300 A 10.1.2.3"])
    expect(query("after.corp.example."), "NXDOMAIN", aa=True)
    assert_world_served(query)

    # It is also what the store holds now.
    zonegated.restart_after_kill9()
    assert_world_served(query)
    expect(query("after.corp.example."), "NXDOMAIN", aa=True)


def test_restore_of_garbage_refused(world, cli, tmp_path, query):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not a database" * 100)
    rc, err = cli.fails("restore", str(bad))
    assert err.strip()
    assert_world_served(query)
