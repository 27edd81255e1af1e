# SPDX-License-Identifier: GPL-3.0-or-later
"""Target health and failover (issue 3 items 1 and 2): a silent target is
deprioritised after its timeout, targets that keep failing are marked
down and probed with SOA queries, a rule whose targets are all down gets
SERVFAIL with EDE 22 at once, recovery needs nobody, and the targets'
state is visible in the API and the CLI. Bugcorpus BC-12 and the first
half of BC-14 (its second half, the failure cache, is in
cache/test_cache_bugcorpus.py)."""

import socket
import threading
import time

import dns.edns
import dns.exception
import dns.message
import dns.rrset
import pytest

from zgtest import addrs as A
from zgtest.check import assert_silent, expect
from zgtest.util import scaled, wait_until


def assert_from_endpoint(*fakes):
    """Every packet the fakes received left from ob-1's sources."""
    for fake in fakes:
        for e in fake.queries():
            assert e.src in A.OB1_SOURCES, (
                "%s got a query from %s, not from ob-1:\n%s"
                % (fake.role, e.src, fake.summary()))


def targets(api, rule_id):
    """{address: health object} from GET /v1/rules/{id}/targets."""
    body = api.ok("GET", "/v1/rules/%s/targets" % rule_id)
    assert body["rule"] == rule_id
    return {t["target"]: t for t in body["targets"]}


def state_of(api, rule_id, addr):
    return targets(api, rule_id)[A.hostport(addr)]["state"]


def query_all(query, names, timeout):
    """Sends the queries at once, one thread each; returns the replies."""
    replies = {}

    def ask(name):
        replies[name] = query(name, timeout=timeout)
    threads = [threading.Thread(target=ask, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join(scaled(timeout) + 5)
    return replies


def bring_down(api, query, rule_id, names):
    """Queries until both targets of the rule are marked down."""
    for r in query_all(query, names, timeout=15).values():
        expect(r, "SERVFAIL", aa=False, answer=[], ede=22)
    wait_until(lambda: all(t["state"] == "down"
                           for t in targets(api, rule_id).values()),
               20, interval=0.2, what="both targets marked down")


@pytest.fixture
def corp(baseline, pub, op1, op2):
    """BC-12/BC-14 set-up: rule r for corp.example. to OP1 and OP2 from
    ob-1, bound to vpc-a; PUB answers anything."""
    pub.add_suffix(".", "A", 60, "203.0.113.5")
    rule = baseline.make_rule("r", "corp.example.", [A.OP1, A.OP2])
    return rule["id"]


def test_bc12_failover_moves_traffic_and_comes_back(corp, cli, pub, op1,
                                                    op2, query):
    cli("rule", "update", corp, "--try-timeout-ms", "800")
    op1.mode = "drop"
    op2.add_suffix("corp.example.", "A", 0, "10.20.0.5")

    r = query("h1.corp.example.", timeout=10)
    expect(r, aa=False, answer=["h1.corp.example. 0 A 10.20.0.5"])
    assert r.elapsed <= scaled(2.0), r.elapsed

    latencies = []
    for i in range(2, 22):
        name = "h%d.corp.example." % i
        r = query(name)
        expect(r, aa=False, answer=["%s 0 A 10.20.0.5" % name])
        latencies.append(r.elapsed)
        # Each went to OP2 once: OP1 is no longer waited for.
        assert len(op2.queries(name=name, qtype="A")) == 1, op2.summary()
    latencies.sort()
    assert latencies[18] <= scaled(0.3), latencies   # p95
    assert latencies[-1] < scaled(0.8), latencies    # no 800 ms timeout
    # OP1 is asked now and then in parallel, never first.
    assert len(op1.queries(qtype="A")) <= 4, op1.summary()
    assert_from_endpoint(op1, op2)
    assert_silent(pub, under="corp.example.")

    # OP1 comes back: within 60 s it gets queries again.
    op1.add_suffix("corp.example.", "A", 0, "10.20.0.5")
    op1.mode = "answer"
    op1.clear_log()
    start = time.monotonic()
    n = [0]

    def op1_used():
        n[0] += 1
        expect(query("back%d.corp.example." % n[0]), aa=False)
        return op1.queries(qtype="A")
    wait_until(op1_used, 60, interval=0.5, what="OP1 used again")
    assert time.monotonic() - start <= 60
    assert_from_endpoint(op1, op2)
    assert_silent(pub, under="corp.example.")


def test_bc14_both_targets_dead_servfail_within_limit(corp, pub, op1, op2,
                                                      query):
    op1.mode = op2.mode = "drop"
    r = query("secret.corp.example.", timeout=15)
    expect(r, "SERVFAIL", aa=False, answer=[], ede=22)
    assert r.elapsed <= scaled(6.0) + 0.5, r.elapsed
    assert op1.queries(name="secret.corp.example.")
    assert op2.queries(name="secret.corp.example.")
    assert_from_endpoint(op1, op2)
    assert_silent(pub, under="corp.example.")


def test_all_targets_down_fail_at_once_without_asking(corp, api, pub, op1,
                                                      op2, query):
    op1.mode = op2.mode = "drop"
    bring_down(api, query, corp, ["d%d.corp.example." % i for i in range(4)])
    op1.clear_log()
    op2.clear_log()

    r = query("fresh.corp.example.")
    expect(r, "SERVFAIL", aa=False, answer=[], ede=22)
    assert r.elapsed <= scaled(0.5), r.elapsed
    # Nothing for the question; only the SOA probes of the rule's domain
    # from the endpoint's sources.
    assert not op1.queries(name="fresh.corp.example.")
    assert not op2.queries(name="fresh.corp.example.")
    time.sleep(scaled(2.5))
    for fake in (op1, op2):
        probes = fake.queries()
        assert probes, "%s was not probed" % fake.role
        for e in probes:
            assert (e.name, e.qtype) == ("corp.example.", "SOA"), \
                fake.summary()
    assert_from_endpoint(op1, op2)
    assert_silent(pub, under="corp.example.")


def test_down_target_recovers_by_itself(corp, api, cli, pub, op1, op2,
                                        query):
    op1.mode = op2.mode = "drop"
    bring_down(api, query, corp, ["d%d.corp.example." % i for i in range(4)])
    down = targets(api, corp)[A.hostport(A.OP1)]
    assert down["failures"] >= 3
    assert down["last_change"] is not None

    op1.add_suffix("corp.example.", "A", 60, "10.20.0.7")
    op1.add("corp.example.", "SOA", 60,
            "ns.corp.example. h.corp.example. 1 3600 600 86400 60")
    op1.mode = "answer"
    wait_until(lambda: state_of(api, corp, A.OP1) == "up", 20,
               interval=0.2, what="OP1 up again")
    # Two probe answers in a row brought it back (hysteresis).
    soa = op1.queries(name="corp.example.", qtype="SOA")
    assert len(soa) >= 2, op1.summary()
    r = query("back.corp.example.")
    expect(r, aa=False, answer=["back.corp.example. <=60 A 10.20.0.7"])
    assert state_of(api, corp, A.OP2) == "down"
    assert_from_endpoint(op1, op2)

    # The same view through the CLI.
    shown = cli("rule", "targets", corp)
    states = {t["target"]: t["state"] for t in shown["targets"]}
    assert states == {A.hostport(A.OP1): "up", A.hostport(A.OP2): "down"}
    rc, out, _ = cli.raw("rule", "targets", "r", json_out=False)
    assert rc == 0
    assert "STATE" in out and "down" in out and "up" in out, out


def test_targets_view_reports_rtt_and_timeout(corp, api, op1, op2, query):
    op1.add_suffix("corp.example.", "A", 60, "10.20.0.7")
    view = targets(api, corp)
    assert view[A.hostport(A.OP1)]["state"] == "unknown"
    assert view[A.hostport(A.OP1)]["timeout_ms"] == 800
    for i in range(3):
        expect(query("t%d.corp.example." % i), aa=False)
    t1 = targets(api, corp)[A.hostport(A.OP1)]
    assert api.ok("GET", "/v1/rules/%s/targets" % corp)["quarantine"] == \
        {"active": False, "count": 0}
    assert t1["state"] == "up"
    assert t1["queries"] >= 3 and t1["answers"] >= 3
    assert t1["srtt_ms"] is not None and t1["srtt_ms"] < 800
    # SRTT + 4 x RTTVAR of a loopback target: the 250 ms floor.
    assert t1["timeout_ms"] == 250
    assert t1["failures"] == 0


# ---- rule options -------------------------------------------------------

def test_rule_options_shown_and_changed(corp, api, cli):
    rule = api.ok("GET", "/v1/rules/%s" % corp)
    assert rule["try_timeout_ms"] is None
    assert rule["total_timeout_ms"] == 6000
    assert (rule["tcp_only"], rule["authoritative"], rule["cookies"],
            rule["case_randomization"], rule["hedging"]) == \
        (False, False, True, False, True)

    got = cli("rule", "update", corp, "--try-timeout-ms", "300",
              "--total-timeout-ms", "2000", "--tcp-only", "yes",
              "--cookies", "no", "--case-randomization", "yes",
              "--hedging", "no")
    assert got["try_timeout_ms"] == 300
    assert got["total_timeout_ms"] == 2000
    assert (got["tcp_only"], got["cookies"], got["case_randomization"],
            got["hedging"]) == (True, False, True, False)

    bad = api.patch("/v1/rules/%s" % corp, {"try_timeout_ms": 10})
    assert bad.status == 400, bad
    assert bad.body["error"]["field"] == "try_timeout_ms"
    bad = api.patch("/v1/rules/%s" % corp, {"total_timeout_ms": 9000})
    assert bad.status == 400, bad
    assert bad.body["error"]["field"] == "total_timeout_ms"
    bad = api.patch("/v1/rules/%s" % corp, {"tcp_only": "yes"})
    assert bad.status == 400, bad
    rc, _, err = cli.raw("rule", "update", corp, "--tcp-only", "maybe")
    assert rc != 0 and "yes or no" in err, err
    back = api.ok("PATCH", "/v1/rules/%s" % corp, {"try_timeout_ms": None})
    assert back["try_timeout_ms"] is None


def test_tcp_only_rule_asks_over_tcp(corp, cli, op1, query):
    op1.add_suffix("corp.example.", "A", 60, "10.20.0.7")
    cli("rule", "update", corp, "--tcp-only", "yes")
    for i in range(3):
        expect(query("tcp%d.corp.example." % i), aa=False,
               answer=["tcp%d.corp.example. <=60 A 10.20.0.7" % i])
    assert not op1.queries(transport="udp"), op1.summary()
    assert len(op1.queries(transport="tcp")) == 3
    assert_from_endpoint(op1)


def test_case_randomization_on_the_wire_not_to_the_client(corp, cli, op1,
                                                         query):
    op1.add_suffix("corp.example.", "A", 60, "10.20.0.7")
    cli("rule", "update", corp, "--case-randomization", "yes")
    name = "abcdefghijklmnopqrst.corp.example."
    r = query(name)
    # expect() checks the question came back byte for byte.
    expect(r, aa=False, answer=["%s <=60 A 10.20.0.7" % name])
    sent = op1.queries(name=name)[0].qname
    assert sent.lower() == name and sent != name, sent


def test_cookie_learnt_from_a_target_is_sent_back(corp, op1, query):
    server_cookie = bytes(range(1, 9))

    def cookie_server(q, entry):
        client = None
        for opt in q.options:
            if int(opt.otype) == 10:
                client = opt.to_wire()[:8]
        r = dns.message.make_response(q, recursion_available=True)
        r.answer.append(dns.rrset.from_text(q.question[0].name, 60, "IN",
                                            "A", "10.20.0.7"))
        if client is not None:
            r.use_edns(0, options=[dns.edns.GenericOption(
                10, client + server_cookie)])
        return r
    op1.set_handler(cookie_server)
    for i in range(2):
        expect(query("c%d.corp.example." % i), aa=False,
               answer=["c%d.corp.example. <=60 A 10.20.0.7" % i])
    first, second = op1.queries(qtype="A")[:2]

    def cookie(entry):
        q = dns.message.from_wire(entry.wire)
        for opt in q.options:
            if int(opt.otype) == 10:
                return opt.to_wire()
        return None
    # RFC 7873 5.1: the client cookie alone, then with the server's.
    assert len(cookie(first)) == 8
    assert cookie(second) == cookie(first) + server_cookie


# ---- authoritative targets and delegations -------------------------------

PARENT_ZONE = """$TTL 300
@       IN SOA  ns1.corp.example. hostmaster.corp.example. 1 3600 600 86400 300
@       IN NS   ns1
ns1     IN A    192.0.2.53
sub     IN NS   ns.sub
ns.sub  IN A    192.0.2.54
"""

CHILD_ZONE = """$TTL 300
@       IN SOA  ns.sub.corp.example. hostmaster.sub.corp.example. 1 3600 600 86400 300
@       IN NS   ns
ns      IN A    192.0.2.54
www     IN A    10.30.0.7
"""


def test_authoritative_targets_follow_the_referral_chain(topo, cli, pub,
                                                        bind9, query):
    topo.baseline()
    bind9(listen=[A.OP1], zones={"corp.example": PARENT_ZONE})
    bind9(listen=[A.OP2], zones={"sub.corp.example": CHILD_ZONE})
    rule = topo.make_rule("r", "corp.example.", [A.OP1])
    cli("rule", "update", rule["id"], "--authoritative", "yes")

    # OP1 (BIND, no recursion) refers to sub.corp.example. at OP2.
    r = query("www.sub.corp.example.")
    expect(r, aa=False, answer=["www.sub.corp.example. <=300 A 10.30.0.7"])
    r = query("nope.sub.corp.example.")
    expect(r, "NXDOMAIN", aa=False, answer=[])
    assert_silent(pub)


def test_authoritative_target_with_upward_referral_fails(corp, cli, pub,
                                                        op1, op2, query):
    def upward(q, entry):
        r = dns.message.make_response(q)     # AA and RA clear
        r.authority.append(dns.rrset.from_text("example.", 3600, "IN",
                                               "NS", "a.example-tld."))
        return r
    op1.set_handler(upward)
    op2.set_handler(upward)
    cli("rule", "update", corp, "--authoritative", "yes")
    r = query("www.corp.example.", timeout=10)
    expect(r, "SERVFAIL", aa=False, answer=[], ede=22)
    for fake in (op1, op2):
        got = fake.queries(name="www.corp.example.")
        assert got and not any(e.rd for e in got), fake.summary()
    assert_silent(pub, under="corp.example.")


def test_rd_query_below_private_delegation_asks_its_servers(baseline, pub,
                                                           op2, query):
    baseline.make_zone("corp.example.", [
        "sub.corp.example. 3600 NS ns.sub.corp.example.",
        "ns.sub.corp.example. 3600 A %s" % A.OP2,
    ])
    op2.aa = True
    op2.add("www.sub.corp.example.", "A", 300, "10.30.0.8")

    r = query("www.sub.corp.example.")
    expect(r, aa=False, answer=["www.sub.corp.example. <=300 A 10.30.0.8"])
    got = op2.queries(name="www.sub.corp.example.")
    assert len(got) == 1 and not got[0].rd, op2.summary()

    # Without RD: the referral, and nothing asked (resolution.md 3).
    r = query("www.sub.corp.example.", rd=False)
    expect(r, aa=False, answer=[], authority=[
        "sub.corp.example. 3600 NS ns.sub.corp.example."])
    assert len(op2.queries(name="www.sub.corp.example.")) == 1
    assert_silent(pub)


# ---- loops refused at configuration time (BC-11 A) -----------------------

def test_bc11a_self_target_refused_naming_the_rule(corp, api, cli, baseline,
                                                  op1, query):
    op1.add_suffix("corp.example.", "A", 60, "10.20.0.9")
    ep = baseline.ep["ob-1"]
    body = {"name": "rself", "domain": "loop.example.", "endpoint": ep,
            "targets": [A.hostport(A.ZG)]}
    resp = api.post("/v1/rules", body)
    assert resp.status == 400, resp
    err = resp.body["error"]
    assert err["field"] == "targets[0]"
    assert "rself" in err["message"] and "itself" in err["message"], err
    rc, _, stderr = cli.raw("rule", "create", "rself", "--domain",
                            "loop.example.", "--endpoint", ep, "--target",
                            A.hostport(A.ZG))
    assert rc != 0 and "rself" in stderr, stderr

    # An existing rule cannot be turned into a loop either...
    resp = api.patch("/v1/rules/%s" % corp, {"targets": [A.ZG]})
    assert resp.status == 400, resp
    assert corp in resp.body["error"]["message"], resp
    # ...and the configuration served stays as it was.
    assert api.ok("GET", "/v1/rules/%s" % corp)["targets"] == \
        [A.hostport(A.OP1), A.hostport(A.OP2)]
    assert [r["name"] for r in api.ok("GET", "/v1/rules")["items"]] == ["r"]
    expect(query("still.corp.example."), aa=False,
           answer=["still.corp.example. <=60 A 10.20.0.9"])


def test_inbound_endpoint_address_refused_as_target(corp, api, baseline):
    ib = api.post("/v1/inbound", {"name": "from-idc",
                                  "vpc": baseline.vpc["a"],
                                  "listen": [A.ZG3],
                                  "allow": ["192.0.2.0/24"]})
    assert ib.status == 201, ib
    resp = api.patch("/v1/rules/%s" % corp, {"targets": [A.ZG3]})
    assert resp.status == 400, resp
    assert "itself" in resp.body["error"]["message"], resp


def test_quarantine_after_a_loop_shows_in_targets_view(baseline, api, cli,
                                                      fake_upstream, query):
    """BC-11 B's set-up (a reflector sending every query back to
    zonegate): the loop the cache detects shows in the rule's view."""
    def reflect(q, entry):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind((A.REFLECTOR, 0))
            s.settimeout(scaled(3))
            s.sendto(q.to_wire(), (A.ZG, 53))
            try:
                reply = dns.message.from_wire(s.recv(4096))
            except (socket.timeout, OSError, dns.exception.DNSException):
                return "drop"
        reply.id = q.id
        return reply
    refl = fake_upstream("REFLECTOR", [A.REFLECTOR])
    refl.set_handler(reflect)
    cli("vpc", "update", baseline.vpc["a"], "--add-cidr",
        A.REFLECTOR + "/32")
    rule = baseline.make_rule("rrefl", "loop.example.", [A.REFLECTOR])

    # The client gets SERVFAIL: EDE 0 when the loop's detection ends the
    # exchange, EDE 22 when the target's relayed SERVFAIL does first (the
    # cache's race, not this view's); the quarantine is set either way.
    r = query("x.loop.example.", timeout=10)
    expect(r, "SERVFAIL", aa=False, answer=[])
    wait_until(lambda: api.ok("GET", "/v1/rules/%s/targets" % rule["id"])
               ["quarantine"] == {"active": True, "count": 1}, 5,
               what="the quarantine in the rule's targets view")
