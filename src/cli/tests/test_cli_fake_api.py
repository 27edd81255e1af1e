# SPDX-License-Identifier: GPL-3.0-or-later
"""The zonegate CLI against a fake management API on a unix socket.

The fake server answers canned routes and records every request, so the
tests assert the exact requests the CLI sends (method, target, JSON body,
If-Match) and what it prints and returns. Run with
/usr/bin/python3 -m pytest; ZONEGATE_CLI names the built binary (meson
sets it), else build-cli/src/cli/zonegate is used.
"""

import http.server
import json
import os
import pathlib
import shutil
import socketserver
import subprocess
import tempfile
import threading
import time

import pytest

REPO = pathlib.Path(__file__).resolve().parents[3]
CLI = os.environ.get("ZONEGATE_CLI",
                     str(REPO / "build-cli" / "src" / "cli" / "zonegate"))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def handle_any(self):
        api = self.server.api
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length) if length else b""
        api.requests.append({
            "method": self.command,
            "target": self.path,
            "if_match": self.headers.get("If-Match"),
            "content_type": self.headers.get("Content-Type"),
            "body": json.loads(raw) if raw else None,
        })
        route = api.routes.get((self.command, self.path))
        if route is None:
            route = (404, {"error": {"code": "not_found",
                                     "message": "no route in the fake"}},
                     False)
        status, body, chunked = route
        delay = api.delays.get((self.command, self.path))
        if delay:
            time.sleep(delay)
        data = body if isinstance(body, bytes) else (
            b"" if body is None else json.dumps(body).encode())
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(data), 7):
                piece = data[i:i + 7]
                self.wfile.write(b"%x;ext=1\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class FakeAPI:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="zg-cli-", dir="/tmp")
        self.socket = os.path.join(self.dir, "api.sock")
        self.routes = {}
        self.delays = {}
        self.requests = []
        self.server = Server(self.socket, Handler)
        self.server.api = self
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05})
        self.thread.start()

    def route(self, method, target, body=None, status=200, chunked=False,
              delay=0):
        self.routes[(method, target)] = (status, body, chunked)
        self.delays[(method, target)] = delay

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
        shutil.rmtree(self.dir, ignore_errors=True)

    def run(self, *args, env=None, cwd=None):
        """Runs the CLI with --api-socket pointing at the fake."""
        return run_cli("--api-socket", self.socket, *args, env=env, cwd=cwd)

    def sent(self):
        """The requests as (method, target, body) tuples."""
        return [(r["method"], r["target"], r["body"]) for r in self.requests]


def run_cli(*args, env=None, cwd=None):
    full_env = {"PATH": "/usr/bin:/bin"}
    for name in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if name in os.environ:
            full_env[name] = os.environ[name]
    full_env.update(env or {})
    return subprocess.run([CLI, *args], capture_output=True, text=True,
                          timeout=30, env=full_env, cwd=cwd)


@pytest.fixture
def api():
    fake = FakeAPI()
    yield fake
    fake.close()


def page(*items, next_cursor=None):
    return {"items": list(items), "next": next_cursor}


VPC1 = {"id": "vpc-1", "name": "prod", "account": "default", "version": 1,
        "cidrs": ["172.17.0.0/16"], "listen": ["127.0.0.53:53"],
        "builtin_zones": True}
VPC2 = {"id": "vpc-2", "name": "dev", "account": "default", "version": 3,
        "cidrs": ["10.9.0.0/16", "fd00:9::/48"], "listen": [],
        "builtin_zones": False}
ZONE1 = {"id": "zone-1", "name": "corp.example.", "kind": "private",
         "proxy_pattern": "zone", "serial": 3, "vpcs": ["vpc-1"],
         "version": 2}


def test_vpc_create_sends_the_resource_and_prints_it_id_first(api):
    api.route("POST", "/v1/vpcs", VPC1, status=201)
    r = api.run("vpc", "create", "prod", "--cidr", "172.17.0.0/16",
                "--listen", "127.0.0.53:53")
    assert r.returncode == 0, r.stderr
    assert api.sent() == [("POST", "/v1/vpcs", {
        "name": "prod", "cidrs": ["172.17.0.0/16"],
        "listen": ["127.0.0.53:53"]})]
    assert api.requests[0]["content_type"] == "application/json"
    assert r.stdout == "vpc-1  prod  cidrs=172.17.0.0/16 listen=127.0.0.53:53\n"
    assert r.stderr == ""


def test_vpc_create_takes_comma_lists_and_builtin_switch(api):
    api.route("POST", "/v1/vpcs", VPC2, status=201)
    r = api.run("vpc", "create", "dev", "--cidr", "10.9.0.0/16,fd00:9::/48",
                "--no-builtin-zones")
    assert r.returncode == 0, r.stderr
    assert api.sent() == [("POST", "/v1/vpcs", {
        "name": "dev", "cidrs": ["10.9.0.0/16", "fd00:9::/48"],
        "builtin_zones": False})]
    assert r.stdout == "vpc-2  dev  cidrs=10.9.0.0/16,fd00:9::/48 listen=-\n"


def test_name_is_resolved_to_the_id_through_the_list(api):
    api.route("GET", "/v1/vpcs?limit=1000", page(VPC1, VPC2))
    api.route("GET", "/v1/vpcs/vpc-2", VPC2)
    r = api.run("vpc", "show", "dev")
    assert r.returncode == 0, r.stderr
    assert api.sent() == [("GET", "/v1/vpcs?limit=1000", None),
                          ("GET", "/v1/vpcs/vpc-2", None)]
    assert r.stdout == ("id:            vpc-2\n"
                        "name:          dev\n"
                        "account:       default\n"
                        "version:       3\n"
                        "cidrs:         10.9.0.0/16,fd00:9::/48\n"
                        "listen:        -\n"
                        "builtin_zones: false\n")


def test_an_id_is_used_without_listing(api):
    api.route("GET", "/v1/vpcs/vpc-1", VPC1)
    r = api.run("vpc", "show", "vpc-1")
    assert r.returncode == 0, r.stderr
    assert api.sent() == [("GET", "/v1/vpcs/vpc-1", None)]


def test_a_name_shared_by_several_is_refused_with_their_ids(api):
    other = dict(VPC2, id="vpc-4", name="prod")
    api.route("GET", "/v1/vpcs?limit=1000", page(VPC1, VPC2, other))
    r = api.run("vpc", "delete", "prod")
    assert r.returncode == 1
    assert r.stderr == ("zonegate: 2 vpcs are named prod: vpc-1, vpc-4; "
                        "name one by its id\n")
    assert r.stdout == ""
    assert api.sent() == [("GET", "/v1/vpcs?limit=1000", None)]


def test_an_unknown_name_is_an_error(api):
    api.route("GET", "/v1/vpcs?limit=1000", page(VPC1))
    r = api.run("vpc", "show", "nope")
    assert r.returncode == 1
    assert r.stderr == "zonegate: no vpc named nope\n"


def test_zone_names_match_absolute_and_ignoring_case(api):
    other = dict(ZONE1, id="zone-2", name="corp.example.com.")
    api.route("GET", "/v1/zones?limit=1000", page(other, ZONE1))
    api.route("GET", "/v1/vpcs?limit=1000", page(VPC1, VPC2))
    api.route("POST", "/v1/zones/zone-1/vpcs", ZONE1)
    r = api.run("zone", "bind", "Corp.Example", "--vpc", "dev")
    assert r.returncode == 0, r.stderr
    assert api.sent() == [
        ("GET", "/v1/zones?limit=1000", None),
        ("GET", "/v1/vpcs?limit=1000", None),
        ("POST", "/v1/zones/zone-1/vpcs", {"vpc": "vpc-2"}),
    ]
    assert r.stdout == "zone-1 bound to vpc-2\n"


def test_unknown_zone_is_named_absolute(api):
    api.route("GET", "/v1/zones?limit=1000", page(ZONE1))
    r = api.run("record", "list", "other.example")
    assert r.returncode == 1
    assert r.stderr == "zonegate: no zone named other.example.\n"


def test_every_page_of_a_list_is_fetched(api):
    api.route("GET", "/v1/vpcs?limit=1000", page(VPC1, next_cursor="c 1"))
    api.route("GET", "/v1/vpcs?limit=1000&after=c%201", page(VPC2))
    r = api.run("vpc", "list")
    assert r.returncode == 0, r.stderr
    assert [t for _, t, _ in api.sent()] == [
        "/v1/vpcs?limit=1000", "/v1/vpcs?limit=1000&after=c%201"]
    assert r.stdout == (
        "ID     NAME  CIDRS                    LISTEN         BUILTIN_ZONES\n"
        "vpc-1  prod  172.17.0.0/16            127.0.0.53:53  true\n"
        "vpc-2  dev   10.9.0.0/16,fd00:9::/48  -              false\n")


def test_json_prints_the_api_reply_exactly(api):
    raw = b'{"id":  "vpc-1",\n  "name": "prod", "cidrs": ["172.17.0.0/16"]}'
    api.route("GET", "/v1/vpcs/vpc-1", raw)
    before = api.run("--json", "vpc", "show", "vpc-1")
    after = api.run("vpc", "show", "vpc-1", "--json")
    between = api.run("vpc", "--json", "show", "vpc-1")
    for r in (before, after, between):
        assert r.returncode == 0, r.stderr
        assert r.stdout == raw.decode() + "\n"


def test_json_list_of_several_pages_is_merged(api):
    api.route("GET", "/v1/vpcs?limit=1000", page(VPC1, next_cursor=2))
    api.route("GET", "/v1/vpcs?limit=1000&after=2", page(VPC2))
    r = api.run("vpc", "list", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"items": [VPC1, VPC2], "next": None}


def test_api_errors_print_message_and_field(api):
    api.route("POST", "/v1/vpcs", {"error": {
        "code": "invalid", "field": "cidrs[1]",
        "message": "cidrs[1] 10.0.0.300/8 is not a CIDR; write it as "
                   "ADDRESS/LENGTH"}}, status=400)
    r = api.run("vpc", "create", "x", "--cidr", "10.0.0.0/8",
                "--cidr", "10.0.0.300/8")
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr == ("zonegate: cidrs[1] 10.0.0.300/8 is not a CIDR; "
                        "write it as ADDRESS/LENGTH (field: cidrs[1])\n")


def test_api_errors_without_field_print_the_message_only(api):
    api.route("DELETE", "/v1/vpcs/vpc-1", {"error": {
        "code": "conflict",
        "message": "vpc-1 is still used by zone-1; unbind it first"}},
        status=409)
    r = api.run("vpc", "delete", "vpc-1")
    assert r.returncode == 1
    assert r.stderr == ("zonegate: vpc-1 is still used by zone-1; "
                        "unbind it first\n")


def test_errors_that_are_not_json_still_say_something(api):
    api.route("GET", "/v1/status", b"bad gateway\nmore", status=502)
    r = api.run("status")
    assert r.returncode == 1
    assert r.stderr == "zonegate: the daemon answered HTTP 502: bad gateway\n"


def test_missing_daemon_exits_3_and_names_the_socket(tmp_path):
    sock = "/tmp/zg-cli-no-such-dir/api.sock"
    r = run_cli("--api-socket", sock, "vpc", "list")
    assert r.returncode == 3
    assert r.stderr == (
        "zonegate: cannot reach zonegated at " + sock + ": No such file or "
        "directory; start zonegated or point --api-socket or ZONEGATE_API "
        "at its socket\n")


def test_socket_comes_from_the_environment(api):
    api.route("GET", "/v1/status", {"version": 7, "config_version": 5,
                                    "uptime_s": 12})
    r = run_cli("status", env={"ZONEGATE_API": api.socket})
    assert r.returncode == 0, r.stderr
    assert r.stdout == "version:        7\nconfig_version: 5\nuptime_s:       12\n"


def test_chunked_replies_are_read(api):
    api.route("GET", "/v1/status", {"version": 70, "config_version": 5,
                                    "uptime_s": 1}, chunked=True)
    r = api.run("--json", "status")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"version": 70, "config_version": 5,
                                    "uptime_s": 1}


def test_endpoint_allow_keeps_ipv6_prefixes_whole(api):
    created = {"id": "ep-1", "name": "ob", "vpc": "vpc-1",
               "sources": ["127.0.0.60", "::1"],
               "egress": [{"protocol": "udp", "port": 53,
                           "prefix": "0.0.0.0/0"},
                          {"protocol": "any", "port": 0, "prefix": "::/0"}]}
    api.route("GET", "/v1/vpcs?limit=1000", page(VPC1))
    api.route("POST", "/v1/endpoints", created, status=201)
    r = api.run("endpoint", "create", "ob", "--vpc", "prod",
                "--source", "127.0.0.60,::1", "--allow", "udp:53:0.0.0.0/0",
                "--allow", "ANY:0:::/0")
    assert r.returncode == 0, r.stderr
    assert api.sent()[-1] == ("POST", "/v1/endpoints", {
        "name": "ob", "vpc": "vpc-1", "sources": ["127.0.0.60", "::1"],
        "egress": [{"protocol": "udp", "port": 53, "prefix": "0.0.0.0/0"},
                   {"protocol": "any", "port": 0, "prefix": "::/0"}]})
    assert r.stdout == ("ep-1  ob  vpc=vpc-1 sources=127.0.0.60,::1 "
                        "egress=udp:53:0.0.0.0/0,any:0:::/0\n")


def test_endpoint_without_allow_leaves_the_default_to_the_api(api):
    api.route("POST", "/v1/endpoints", {"id": "ep-2", "name": "ob2"})
    r = api.run("endpoint", "create", "ob2", "--vpc", "vpc-1",
                "--source", "127.0.0.61")
    assert r.returncode == 0, r.stderr
    assert api.sent() == [("POST", "/v1/endpoints", {
        "name": "ob2", "vpc": "vpc-1", "sources": ["127.0.0.61"]})]


@pytest.mark.parametrize("allow", ["any:0", "icmp:0:0.0.0.0/0",
                                   "udp:70000:0.0.0.0/0", "udp:53:::/200"])
def test_bad_allow_is_a_usage_error_and_sends_nothing(api, allow):
    r = api.run("endpoint", "create", "ob", "--vpc", "vpc-1",
                "--source", "127.0.0.60", "--allow", allow)
    assert r.returncode == 2
    assert r.stderr.startswith(
        "zonegate: invalid --allow value '%s'\nusage: zonegate endpoint "
        "create NAME --vpc VPC" % allow)
    assert api.sent() == []


def test_endpoint_update_edits_egress_against_the_current_version(api):
    current = {"id": "ep-1", "name": "ob", "vpc": "vpc-1", "version": 9,
               "sources": ["127.0.0.60"],
               "egress": [{"protocol": "udp", "port": 53,
                           "prefix": "0.0.0.0/0"},
                          {"protocol": "tcp", "port": 53, "prefix": "::/0"}]}
    api.route("GET", "/v1/endpoints/ep-1", current)
    api.route("PATCH", "/v1/endpoints/ep-1", dict(current, version=10))
    r = api.run("endpoint", "update", "ep-1", "--del-allow", "tcp:53:::/0",
                "--add-allow", "any:0:fd00::/8")
    assert r.returncode == 0, r.stderr
    assert api.sent()[1] == ("PATCH", "/v1/endpoints/ep-1", {"egress": [
        {"protocol": "udp", "port": 53, "prefix": "0.0.0.0/0"},
        {"protocol": "any", "port": 0, "prefix": "fd00::/8"}]})
    assert api.requests[1]["if_match"] == "9"


def test_record_add_keeps_a_value_with_spaces_as_one(api):
    api.route("GET", "/v1/zones?limit=1000", page(ZONE1))
    api.route("POST", "/v1/zones/zone-1/records", {
        "id": "rec-5", "name": "mail", "fqdn": "mail.corp.example.",
        "type": "MX", "ttl": 60, "value": "10 mail.example.com.",
        "warning": "ttl of the RRset mail MX changed from 300 to 60"},
        status=201)
    r = api.run("record", "add", "corp.example", "mail", "mx",
                "10 mail.example.com.", "--ttl", "60")
    assert r.returncode == 0, r.stderr
    assert api.sent()[-1] == ("POST", "/v1/zones/zone-1/records", {
        "name": "mail", "type": "MX", "value": "10 mail.example.com.",
        "ttl": 60})
    assert r.stdout == "rec-5  mail.corp.example.  60  MX  10 mail.example.com.\n"
    assert r.stderr == ("warning: ttl of the RRset mail MX changed from "
                        "300 to 60\n")


def test_record_add_without_ttl_leaves_the_default_to_the_api(api):
    api.route("POST", "/v1/zones/zone-1/records", {"id": "rec-6"})
    r = api.run("record", "add", "zone-1", "@", "TXT", '"v=spf1 -all"')
    assert r.returncode == 0, r.stderr
    assert api.sent() == [("POST", "/v1/zones/zone-1/records", {
        "name": "@", "type": "TXT", "value": '"v=spf1 -all"'})]


def test_record_delete_names_rrset_value_or_id(api):
    for target in ("/v1/zones/zone-1/records?name=www&type=A",
                   "/v1/zones/zone-1/records?name=%40&type=TXT&value="
                   "%22v%3Dspf1%20-all%22",
                   "/v1/zones/zone-1/records/rec-5"):
        api.route("DELETE", target, None, status=204)
    runs = [api.run("record", "delete", "zone-1", "www", "a"),
            api.run("record", "delete", "zone-1", "@", "TXT",
                    '"v=spf1 -all"'),
            api.run("record", "delete", "zone-1", "rec-5")]
    assert [r.returncode for r in runs] == [0, 0, 0], runs
    assert [(m, t) for m, t, _ in api.sent()] == [
        ("DELETE", "/v1/zones/zone-1/records?name=www&type=A"),
        ("DELETE", "/v1/zones/zone-1/records?name=%40&type=TXT&value="
                   "%22v%3Dspf1%20-all%22"),
        ("DELETE", "/v1/zones/zone-1/records/rec-5")]
    assert runs[0].stdout == "deleted www A from zone-1\n"
    assert runs[2].stdout == "deleted rec-5 from zone-1\n"


def test_record_show_gets_one_record_of_the_zone(api):
    api.route("GET", "/v1/zones?limit=1000", page(ZONE1))
    api.route("GET", "/v1/zones/zone-1/records/rec-5", {
        "id": "rec-5", "name": "www", "fqdn": "www.corp.example.",
        "type": "A", "ttl": 300, "value": "10.1.2.3"})
    r = api.run("record", "show", "corp.example.", "rec-5")
    assert r.returncode == 0, r.stderr
    assert api.sent()[-1] == ("GET", "/v1/zones/zone-1/records/rec-5", None)
    assert r.stdout == ("id:    rec-5\nname:  www\nfqdn:  www.corp.example.\n"
                        "type:  A\nttl:   300\nvalue: 10.1.2.3\n")


def test_vpc_update_edits_lists_and_sends_if_match(api):
    current = dict(VPC1, version=4, cidrs=["172.17.0.0/16"],
                   listen=["127.0.0.53:53", "[::1]:5353"])
    api.route("GET", "/v1/vpcs/vpc-1", current)
    api.route("PATCH", "/v1/vpcs/vpc-1", dict(current, version=5))
    r = api.run("vpc", "update", "vpc-1", "--add-cidr", "fd00:17::/48",
                "--del-listen", "[::1]:5353", "--name", "prod2")
    assert r.returncode == 0, r.stderr
    assert api.sent() == [
        ("GET", "/v1/vpcs/vpc-1", None),
        ("PATCH", "/v1/vpcs/vpc-1", {
            "name": "prod2", "cidrs": ["172.17.0.0/16", "fd00:17::/48"],
            "listen": ["127.0.0.53:53"]})]
    assert api.requests[1]["if_match"] == "4"


def test_vpc_update_refuses_to_remove_what_is_absent(api):
    api.route("GET", "/v1/vpcs/vpc-1", VPC1)
    r = api.run("vpc", "update", "vpc-1", "--del-cidr", "10.0.0.0/8")
    assert r.returncode == 1
    assert r.stderr == "zonegate: vpc-1 has no cidr 10.0.0.0/8\n"
    assert [m for m, _, _ in api.sent()] == ["GET"]


def test_zone_set_sends_only_what_changes(api):
    api.route("PATCH", "/v1/zones/zone-1", ZONE1)
    r = api.run("zone", "set", "zone-1", "--soa-ttl", "60",
                "--soa-minimum", "30", "--ns", "ns1.corp.example.",
                "--proxy-pattern", "record")
    assert r.returncode == 0, r.stderr
    assert api.sent() == [("PATCH", "/v1/zones/zone-1", {
        "proxy_pattern": "record", "soa": {"ttl": 60, "minimum": 30},
        "ns": ["ns1.corp.example."]})]
    assert api.requests[0]["if_match"] is None
    assert r.stdout == ("zone-1  corp.example.  proxy_pattern=zone serial=3 "
                        "vpcs=vpc-1\n")


def test_rule_create_resolves_the_endpoint(api):
    rule = {"id": "rule-1", "name": "to-idc",
            "domain": "alidns-example.com.", "endpoint": "ep-1",
            "targets": ["127.0.0.70:53"], "vpcs": []}
    api.route("GET", "/v1/endpoints?limit=1000", page(
        {"id": "ep-1", "name": "ob"}, {"id": "ep-2", "name": "ob-b"}))
    api.route("POST", "/v1/rules", rule, status=201)
    r = api.run("rule", "create", "to-idc", "--domain", "alidns-example.com",
                "--endpoint", "ob", "--target", "127.0.0.70:53")
    assert r.returncode == 0, r.stderr
    assert api.sent()[-1] == ("POST", "/v1/rules", {
        "name": "to-idc", "domain": "alidns-example.com",
        "targets": ["127.0.0.70:53"], "endpoint": "ep-1"})
    assert r.stdout == ("rule-1  to-idc  domain=alidns-example.com. "
                        "endpoint=ep-1 targets=127.0.0.70:53 vpcs=-\n")


def test_rule_unbind_and_delete_by_name(api):
    api.route("GET", "/v1/rules?limit=1000", page(
        {"id": "rule-3", "name": "to-idc"}))
    api.route("DELETE", "/v1/rules/rule-3/vpcs/vpc-1", None, status=204)
    api.route("DELETE", "/v1/rules/rule-3", None, status=204)
    unbind = api.run("rule", "unbind", "to-idc", "--vpc", "vpc-1")
    delete = api.run("rule", "delete", "to-idc")
    assert (unbind.returncode, delete.returncode) == (0, 0)
    assert unbind.stdout == "rule-3 unbound from vpc-1\n"
    assert delete.stdout == "deleted rule-3\n"
    assert [(m, t) for m, t, _ in api.sent()
            if not t.startswith("/v1/rules?")] == [
        ("DELETE", "/v1/rules/rule-3/vpcs/vpc-1"),
        ("DELETE", "/v1/rules/rule-3")]


def test_upstream_set_global_and_per_vpc(api):
    api.route("PUT", "/v1/upstreams/global", {
        "id": "upstream-global", "vpc": None,
        "targets": ["127.0.0.80:53"], "source": None})
    api.route("GET", "/v1/vpcs?limit=1000", page(VPC1))
    api.route("PUT", "/v1/upstreams/vpc-1", {
        "id": "upstream-vpc-1", "vpc": "vpc-1",
        "targets": ["127.0.0.81:53", "[::1]:53"], "source": "127.0.0.61"})
    g = api.run("upstream", "set", "127.0.0.80:53")
    v = api.run("upstream", "set", "127.0.0.81:53,[::1]:53", "--vpc", "prod",
                "--source", "127.0.0.61")
    assert (g.returncode, v.returncode) == (0, 0), (g.stderr, v.stderr)
    assert api.sent() == [
        ("PUT", "/v1/upstreams/global",
         {"targets": ["127.0.0.80:53"], "source": None}),
        ("GET", "/v1/vpcs?limit=1000", None),
        ("PUT", "/v1/upstreams/vpc-1",
         {"targets": ["127.0.0.81:53", "[::1]:53"], "source": "127.0.0.61"})]
    assert g.stdout == "upstream-global  vpc=- targets=127.0.0.80:53 source=-\n"


def test_upstream_show_of_nothing_set_is_an_api_error(api):
    api.route("GET", "/v1/upstreams/global", {"error": {
        "code": "not_found", "message": "no global upstream is set"}},
        status=404)
    r = api.run("upstream", "show")
    assert r.returncode == 1
    assert r.stderr == "zonegate: no global upstream is set\n"


def test_explain_prints_every_step(api):
    api.route("GET", "/v1/vpcs?limit=1000", page(VPC1))
    api.route("POST", "/v1/explain", {"vpc": "vpc-1", "steps": [{
        "step": "rule", "name": "alidns-example.com.",
        "resource": "rule-1", "matched": "alidns-example.com.",
        "targets": ["127.0.0.70:53"],
        "reason": "rule to-idc (rule-1) is the longest match"}]})
    r = api.run("explain", "--vpc", "prod", "alidns-example.com", "aaaa")
    assert r.returncode == 0, r.stderr
    assert api.sent()[-1] == ("POST", "/v1/explain", {
        "vpc": "vpc-1", "name": "alidns-example.com", "type": "AAAA"})
    assert r.stdout == (
        "vpc:       vpc-1\n"
        " 1. rule  alidns-example.com.\n"
        "     resource: rule-1\n"
        "     matched:  alidns-example.com.\n"
        "     targets:  127.0.0.70:53\n"
        "     reason:   rule to-idc (rule-1) is the longest match\n")


def test_explain_asks_for_a_by_default(api):
    api.route("POST", "/v1/explain", {"vpc": "vpc-1", "steps": []})
    r = api.run("explain", "www.corp.example", "--vpc", "vpc-1")
    assert r.returncode == 0, r.stderr
    assert api.sent() == [("POST", "/v1/explain", {
        "vpc": "vpc-1", "name": "www.corp.example", "type": "A"})]


def test_changes_are_listed_as_a_table(api):
    api.route("GET", "/v1/changes?limit=1000", page({
        "version": 1, "time": "2024-05-01T10:00:00Z", "uid": 0,
        "pid": 42, "op": "create", "kind": "vpc", "resource": "vpc-1",
        "summary": "created vpc prod"}))
    r = api.run("changes")
    assert r.returncode == 0, r.stderr
    assert r.stdout == (
        "VERSION  TIME                  UID  PID  OP      KIND  RESOURCE  "
        "SUMMARY\n"
        "1        2024-05-01T10:00:00Z  0    42   create  vpc   vpc-1     "
        "created vpc prod\n")


def test_backup_and_restore_send_an_absolute_path(api, tmp_path):
    api.route("POST", "/v1/backup", {"path": str(tmp_path / "b.db")})
    api.route("POST", "/v1/restore", {"version": 3})
    b = api.run("backup", "b.db", cwd=str(tmp_path))
    r = api.run("restore", "/var/tmp/x.db")
    assert (b.returncode, r.returncode) == (0, 0), (b.stderr, r.stderr)
    assert api.sent() == [
        ("POST", "/v1/backup", {"path": str(tmp_path / "b.db")}),
        ("POST", "/v1/restore", {"path": "/var/tmp/x.db"})]
    assert b.stdout == "backup written to %s\n" % (tmp_path / "b.db")


def test_zone_import_reads_the_serial_then_posts_the_file(api, tmp_path):
    zone_file = tmp_path / "in.zone"
    zone_file.write_text("@ IN SOA ns1 h 5 3600 600 604800 300\n")
    api.route("GET", "/v1/zones/zone-1", ZONE1)
    api.route("POST", "/v1/zones/zone-1/import", {
        "zone": dict(ZONE1, serial=5), "records": 0, "added": 0,
        "deleted": 1})
    r = api.run("zone", "import", "zone-1", str(zone_file))
    assert r.returncode == 0, r.stderr
    assert api.sent() == [
        ("GET", "/v1/zones/zone-1", None),
        ("POST", "/v1/zones/zone-1/import",
         {"text": "@ IN SOA ns1 h 5 3600 600 604800 300\n"})]
    assert r.stdout == ("zone-1 corp.example. imported: 0 records "
                        "(0 added, 1 deleted), serial 5\n")


TIMEOUT_1S = ("zonegate: no reply from zonegated at %s within 1 s; check "
              "that the daemon is running and not stuck (ZONEGATE_TIMEOUT "
              "sets the timeout in seconds)\n")


def test_import_past_the_timeout_says_how_to_tell_if_it_applied(api,
                                                                 tmp_path):
    zone_file = tmp_path / "in.zone"
    zone_file.write_text("@ IN SOA ns1 h 5 3600 600 604800 300\n")
    api.route("GET", "/v1/zones/zone-1", ZONE1)
    api.route("POST", "/v1/zones/zone-1/import", {}, delay=3)
    r = api.run("zone", "import", "zone-1", str(zone_file),
                env={"ZONEGATE_TIMEOUT": "1"})
    assert r.returncode == 3
    assert r.stderr == TIMEOUT_1S % api.socket + (
        "zonegate: the import may still be applied: zone-1 was at serial 3 "
        "before it, and `zonegate zone show zone-1` shows a higher serial "
        "once it is (a file that changes nothing keeps the serial)\n")

    api.route("POST", "/v1/zones/import", {}, delay=3)
    r = api.run("zone", "import", "new.example.", str(zone_file),
                "--create", env={"ZONEGATE_TIMEOUT": "1"})
    assert r.returncode == 3
    assert r.stderr == TIMEOUT_1S % api.socket + (
        "zonegate: the import may still be applied: once it is, `zonegate "
        "zone show new.example.` finds the zone (a failed import leaves "
        "none)\n")


def test_backup_and_restore_past_the_timeout_say_how_to_check(api,
                                                                tmp_path):
    api.route("POST", "/v1/backup", {}, delay=3)
    api.route("POST", "/v1/restore", {}, delay=3)
    b = api.run("backup", "/var/tmp/b.db", env={"ZONEGATE_TIMEOUT": "1"})
    r = api.run("restore", "/var/tmp/r.db", env={"ZONEGATE_TIMEOUT": "1"})
    assert (b.returncode, r.returncode) == (3, 3)
    assert b.stderr == TIMEOUT_1S % api.socket + (
        "zonegate: the backup may still be written: the daemon renames the "
        "finished copy to /var/tmp/b.db, so that file, once it is newer "
        "than this command, is complete\n")
    assert r.stderr == TIMEOUT_1S % api.socket + (
        "zonegate: the restore from /var/tmp/r.db may still be applied: "
        "`zonegate changes` ends with its restore entry once it is\n")


@pytest.mark.parametrize("args,message", [
    (["vpc"], None),
    (["vpc", "frob"], "zonegate: unknown verb 'frob' for vpc\n"),
    (["frob"], "zonegate: unknown command 'frob'; see zonegate --help\n"),
    (["vpc", "show"], "zonegate: missing arguments\n"),
    (["vpc", "show", "a", "b"], "zonegate: unexpected argument 'b'\n"),
    (["vpc", "list", "--cidr", "x"], "zonegate: unknown option --cidr\n"),
    (["record", "add", "z", "www", "A"], "zonegate: missing arguments\n"),
    (["record", "add", "z", "www", "A", "1.2.3.4", "--ttl", "x"],
     "zonegate: --ttl takes a number of seconds, not 'x'\n"),
    (["record", "delete", "z", "www"],
     "zonegate: give the TYPE of www, or a record id\n"),
    (["zone", "bind", "z"], "zonegate: --vpc is required\n"),
    (["zone", "create", "z", "--proxy-pattern", "both"],
     "zonegate: --proxy-pattern is zone or record, not 'both'\n"),
    (["vpc", "update", "vpc-1"], "zonegate: nothing to change\n"),
    (["explain", "www.example"], "zonegate: --vpc is required\n"),
    (["--bogus", "vpc", "list"],
     "zonegate: unknown option --bogus before the command; see zonegate "
     "--help\n"),
])
def test_usage_errors_exit_2_without_requests(api, args, message):
    r = api.run(*args)
    assert r.returncode == 2
    if message is not None:
        assert r.stderr.startswith(message)
    assert r.stdout == ""
    assert api.sent() == []


def test_help_is_printed_on_request(api):
    top = api.run("--help")
    noun = api.run("rule", "--help")
    verb = api.run("record", "add", "--help")
    assert (top.returncode, noun.returncode, verb.returncode) == (0, 0, 0)
    assert "zonegate endpoint create NAME --vpc VPC --source ADDR" in top.stdout
    assert "zonegate rule bind RULE --vpc VPC" in noun.stdout
    assert verb.stdout.startswith(
        "usage: zonegate record add ZONE NAME TYPE VALUE [--ttl N]\n")
    assert api.sent() == []
