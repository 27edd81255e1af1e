#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Smoke test of the management API over its unix socket against a real
zonegated: validation errors name their field, a replied change is
already served, change sets are all or nothing, If-Match, paging,
backup/restore and kill -9 durability.

Usage: check_api.py BUILD_DIR   (runs on 127.0.0.1 with a free port)
"""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import dns.message
import dns.query
import dns.rcode


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=10)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.connect(self.path)


class Daemon:
    def __init__(self, build, tmp, port):
        self.build = build
        self.tmp = tmp
        self.port = port
        self.sock = os.path.join(tmp, "api.sock")
        self.state = os.path.join(tmp, "state.db")
        self.proc = None

    def start(self):
        log = open(os.path.join(self.tmp, "zonegated.log"), "a")
        self.proc = subprocess.Popen(
            [os.path.join(self.build, "src/daemon/zonegated"), "-f",
             "--dns-listen", "127.0.0.1:%d" % self.port,
             "--api-socket", self.sock, "--state", self.state,
             "--workers", "1", "--log-level", "info"],
            stdout=log, stderr=log)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("zonegated exited with %d"
                                   % self.proc.returncode)
            try:
                if self.call("GET", "/v1/status")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("zonegated did not start")

    def stop(self, sig=signal.SIGTERM):
        code = None
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            code = self.proc.wait(timeout=10)
        self.proc = None
        return code

    def log_text(self):
        with open(os.path.join(self.tmp, "zonegated.log")) as f:
            return f.read()

    def call(self, method, path, body=None, headers=None):
        conn = UnixHTTPConnection(self.sock)
        data = json.dumps(body) if body is not None else None
        conn.request(method, path, body=data, headers=headers or {})
        resp = conn.getresponse()
        text = resp.read()
        conn.close()
        return resp.status, json.loads(text) if text else None

    def query(self, name, rdtype, addr="127.0.0.1", port=None):
        q = dns.message.make_query(name, rdtype)
        return dns.query.udp(q, addr, port=port or self.port, timeout=2)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


def expect_error(reply, status, field):
    expect(reply[0] == status, "status %d, wanted %d: %s"
           % (reply[0], status, reply[1]))
    expect(reply[1]["error"]["field"] == field,
           "field %r, wanted %r: %s"
           % (reply[1]["error"]["field"], field, reply[1]))


def check_validation(d):
    expect_error(d.call("POST", "/v1/vpcs", {
        "name": "prod", "cidrs": ["10.0.0.0/8", "10.0.0.1/8"]}),
        400, "cidrs[1]")
    st, vpc = d.call("POST", "/v1/vpcs", {
        "name": "prod", "cidrs": ["127.0.0.0/8"]})
    expect(st == 201 and vpc["id"] == "vpc-1", vpc)
    expect_error(d.call("POST", "/v1/vpcs", {
        "name": "dev", "cidrs": ["127.1.0.0/16"]}), 409, "cidrs[0]")
    expect_error(d.call("POST", "/v1/vpcs", {
        "name": "prod", "cidrs": ["192.0.2.0/24"]}), 409, "name")
    st, ep = d.call("POST", "/v1/endpoints", {
        "name": "ob", "vpc": "vpc-1", "sources": ["127.0.0.1"],
        "egress": [{"protocol": "udp", "port": 53,
                    "prefix": "127.0.0.0/8"}]})
    expect(st == 201, ep)
    expect_error(d.call("POST", "/v1/rules", {
        "name": "self", "domain": "a.example", "endpoint": "ep-1",
        "targets": ["127.0.0.1:%d" % d.port]}), 400, "targets[0]")
    st, err = d.call("POST", "/v1/rules", {
        "name": "blocked", "domain": "a.example", "endpoint": "ep-1",
        "targets": ["192.0.2.1"]})
    expect_error((st, err), 400, "targets[0]")
    expect("no egress rule allows" in err["error"]["message"], err)
    expect_error(d.call("POST", "/v1/rules", {
        "name": "mc", "domain": "a.example", "endpoint": "ep-1",
        "targets": ["224.0.0.1"]}), 400, "targets[0]")
    expect_error(d.call("GET", "/v1/vpcs/vpc-9"), 404, None)


def check_served_on_reply(d):
    st, zone = d.call("POST", "/v1/zones", {"name": "Corp.Example"})
    expect(st == 201 and zone["name"] == "corp.example."
           and zone["serial"] == 1, zone)
    expect(d.call("POST", "/v1/zones/zone-1/vpcs", {"vpc": "vpc-1"})[0]
           == 200, "bind")
    for i in range(5):
        st, rec = d.call("POST", "/v1/zones/zone-1/records", {
            "name": "h%d" % i, "type": "A", "value": "10.0.0.%d" % i})
        expect(st == 201, rec)
        # Served before the reply: the very next query sees it.
        r = d.query("h%d.corp.example." % i, "A")
        expect(r.rcode() == dns.rcode.NOERROR and len(r.answer) == 1,
               r.to_text())
    r = d.query("corp.example.", "SOA")
    expect(r.answer[0][0].serial == 6, r.to_text())

    st, rec = d.call("POST", "/v1/zones/zone-1/records", {
        "name": "h0", "type": "A", "value": "10.0.1.0", "ttl": 60})
    expect(rec.get("warning") == "ttl of the RRset h0 A changed from 300 to 60",
           rec)
    expect_error(d.call("POST", "/v1/zones/zone-1/records", {
        "name": "h0", "type": "CNAME", "value": "x.example."}), 400, "name")


def check_concurrent_changes(d):
    errors = []

    def add(i):
        st, rec = d.call("POST", "/v1/zones/zone-1/records", {
            "name": "c%d" % i, "type": "A", "value": "10.0.2.%d" % i})
        if st != 201:
            errors.append(rec)

    threads = [threading.Thread(target=add, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expect(not errors, errors)
    r = d.query("corp.example.", "SOA")
    expect(r.answer[0][0].serial == 7 + 16, r.to_text())


def check_change_set(d):
    st, res = d.call("POST", "/v1/changes", {"changes": [
        {"op": "create", "kind": "record", "zone": "zone-1",
         "data": {"name": "s1", "type": "A", "value": "10.0.3.1"}},
        {"op": "create", "kind": "record", "zone": "zone-1",
         "data": {"name": "s2", "type": "A", "value": "10.0.3"}}]})
    expect_error((st, res), 400, "changes[1].data.value")
    expect(d.query("s1.corp.example.", "A").rcode() == dns.rcode.NXDOMAIN,
           "half-applied change set")

    before = d.query("corp.example.", "SOA").answer[0][0].serial
    st, res = d.call("POST", "/v1/changes", {"changes": [
        {"op": "create", "kind": "zone", "data": {"name": "b.example"}},
        {"op": "create", "kind": "record", "zone": "$0",
         "data": {"name": "www", "type": "A", "value": "10.0.4.1"}},
        {"op": "bind", "kind": "zone", "id": "$0",
         "data": {"vpc": "vpc-1"}},
        {"op": "create", "kind": "record", "zone": "zone-1",
         "data": {"name": "s1", "type": "A", "value": "10.0.3.1"}},
        {"op": "create", "kind": "record", "zone": "zone-1",
         "data": {"name": "s2", "type": "A", "value": "10.0.3.2"}}]})
    expect(st == 200 and len(res["results"]) == 5, res)
    expect(d.query("corp.example.", "SOA").answer[0][0].serial
           == before + 1, "one serial bump per change set")
    expect(d.query("www.b.example.", "A").answer[0][0].address
           == "10.0.4.1", "zone created in a change set is served")


def check_versions_and_paging(d):
    st, vpc = d.call("GET", "/v1/vpcs/vpc-1")
    expect_error(d.call("PATCH", "/v1/vpcs/vpc-1", {"builtin_zones": False},
                        {"If-Match": str(vpc["version"] + 1)}), 409, None)
    st, vpc2 = d.call("PATCH", "/v1/vpcs/vpc-1", {"builtin_zones": False},
                      {"If-Match": str(vpc["version"])})
    expect(st == 200 and vpc2["version"] == vpc["version"] + 1, vpc2)

    seen = []
    after = None
    while True:
        path = "/v1/zones/zone-1/records?limit=7"
        if after:
            path += "&after=" + after
        st, page = d.call("GET", path)
        expect(st == 200, page)
        seen += [r["id"] for r in page["items"]]
        after = page["next"]
        if after is None:
            break
    expect(len(seen) == len(set(seen)) == 6 + 16 + 2, seen)


def check_backup_restore_and_kill(d, tmp):
    backup = os.path.join(tmp, "backup.db")
    expect(d.call("POST", "/v1/backup", {"path": backup})[0] == 200,
           "backup")
    st, res = d.call("DELETE", "/v1/zones/zone-2")
    expect(st == 200, res)
    expect(d.query("www.b.example.", "A").rcode() != dns.rcode.NOERROR,
           "deleted zone still served")
    st, res = d.call("POST", "/v1/restore", {"path": backup})
    expect(st == 200, res)
    expect(d.query("www.b.example.", "A").answer[0][0].address
           == "10.0.4.1", "restored zone served")

    st, rec = d.call("POST", "/v1/zones/zone-1/records", {
        "name": "durable", "type": "TXT", "value": '"kept"'})
    expect(st == 201, rec)
    d.stop(signal.SIGKILL)
    d.start()
    r = d.query("durable.corp.example.", "TXT")
    expect(r.rcode() == dns.rcode.NOERROR and len(r.answer) == 1,
           "lost after kill -9: " + r.to_text())
    st, status = d.call("GET", "/v1/status")
    expect(status["version"] == status["config_version"], status)


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1
                            else os.environ.get("ZONEGATE_BUILD", "build"))
    tmp = tempfile.mkdtemp(prefix="zg-api-check-")
    d = Daemon(build, tmp, free_port())
    ok = False
    try:
        d.start()
        check_validation(d)
        check_served_on_reply(d)
        check_concurrent_changes(d)
        check_change_set(d)
        check_versions_and_paging(d)
        check_backup_restore_and_kill(d, tmp)
        code = d.stop()
        expect(code == 0, "zonegated exited with %s" % code)
        expect("Sanitizer" not in d.log_text(), "sanitizer report in log")
        ok = True
        print("ok")
    finally:
        d.stop()
        if ok:
            shutil.rmtree(tmp)
        else:
            print("kept " + tmp, file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
