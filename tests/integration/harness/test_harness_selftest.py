# SPDX-License-Identifier: GPL-3.0-or-later
"""The harness checked on its own, without zonegate: the fake upstream,
a real BIND 9, the query helper and the assertions. If these fail, the
other results mean nothing."""

import socket
import time

import dns.flags
import dns.rcode
import pytest

from zgtest import addrs, dnsq
from zgtest.bind9 import SEED_ZONE
from zgtest.check import Ttl, ede_list, expect


def test_namespace_holds_every_test_address():
    for a in addrs.IPV4 + addrs.IPV6:
        fam = socket.AF_INET6 if addrs.is_v6(a) else socket.AF_INET
        with socket.socket(fam, socket.SOCK_DGRAM) as s:
            s.bind((a, 0))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        with pytest.raises(OSError):
            s.bind((addrs.ZG_LATE, 0))


def test_fake_answers_canned_records_over_udp_and_tcp(op1):
    op1.add("www.corp.example.", "A", 60, "10.10.0.5")
    for tcp in (False, True):
        r = dnsq.query(addrs.OP1, "WwW.Corp.Example.", "A",
                       source=addrs.OB1_SOURCES[0], tcp=tcp)
        expect(r, aa=False, ra=True,
               answer=["www.corp.example. 60 A 10.10.0.5"])
    log = op1.queries(name="www.corp.example.")
    assert [e.transport for e in log] == ["udp", "tcp"]
    assert all(e.src == addrs.OB1_SOURCES[0] for e in log)
    assert log[0].qname == "WwW.Corp.Example."
    assert log[0].edns == 0 and log[0].payload == 1232


def test_fake_suffix_and_negative_answers(pub):
    pub.add_suffix("corp.example.", "A", 60, "10.10.0.5")
    pub.add_negative("nope.example.com.", "NXDOMAIN",
                     "example.com. 900 SOA pubns.example.com. "
                     "ops.example.com. 77 7200 900 1209600 900")
    r = dnsq.query(addrs.PUB, "x.y.corp.example.", "A", source=addrs.PUB)
    expect(r, answer=["x.y.corp.example. 60 A 10.10.0.5"], aa=False)
    r = dnsq.query(addrs.PUB, "nope.example.com.", "A", source=addrs.PUB)
    expect(r, "NXDOMAIN", answer=[], authority=[
        "example.com. 900 SOA pubns.example.com. ops.example.com. 77 7200 "
        "900 1209600 900"])
    r = dnsq.query(addrs.PUB, "other.example.", "A", source=addrs.PUB)
    expect(r, "REFUSED")


def test_fake_modes_drop_servfail_truncate(op2):
    op2.add("big.onprem.example.", "TXT", 60, '"' + "x" * 200 + '"')
    op2.mode = "drop"
    q = dnsq.make_query("big.onprem.example.", "TXT")
    assert dnsq.expect_no_reply(addrs.OP2, q.to_wire(), source=addrs.OP2,
                                wait=0.5)
    op2.mode = "servfail"
    expect(dnsq.query(addrs.OP2, "big.onprem.example.", "TXT",
                      source=addrs.OP2), "SERVFAIL")
    op2.mode = "truncate"
    r = dnsq.query(addrs.OP2, "big.onprem.example.", "TXT", source=addrs.OP2)
    expect(r, tc=True, answer=[])
    r = dnsq.query(addrs.OP2, "big.onprem.example.", "TXT", source=addrs.OP2,
                   tcp=True)
    expect(r, tc=False, answer=['big.onprem.example. 60 TXT "%s"'
                                % ("x" * 200)])
    assert len(op2.queries(transport="udp")) == 3
    assert len(op2.queries(transport="tcp")) == 1


def test_fake_logs_do_cd_and_ecs(pub):
    pub.add("a.example.", "A", 5, "192.0.2.1")
    dnsq.query(addrs.PUB, "a.example.", "A", source=addrs.CLIENT_A, do=True,
               cd=True, options=[dnsq.ecs_option("10.1.0.0", 24)])
    e = pub.queries()[0]
    assert e.do and e.cd and e.ecs
    assert e.src == addrs.CLIENT_A and e.dst == addrs.PUB


def test_fake_handler_and_ipv6(pub):
    def handler(q, entry):
        import dns.message
        r = dns.message.make_response(q)
        r.set_rcode(dns.rcode.NXDOMAIN)
        r.use_edns(0, 0, 1232, options=[dnsq.ede_option(22, "test")])
        return r
    pub.set_handler(handler)
    r = dnsq.query(addrs.PUB6, "h.example.", "A", source=addrs.CLIENT_A6)
    expect(r, "NXDOMAIN", ra=False, ede=22)
    assert ede_list(r.msg) == [(22, "test")]
    assert pub.queries()[0].src == addrs.CLIENT_A6


def test_source_ports_of_the_query_helper_vary(pub):
    pub.add("p.example.", "A", 5, "192.0.2.1")
    for _ in range(5):
        dnsq.query(addrs.PUB, "p.example.", "A", source=addrs.CLIENT_A)
    ports = {e.sport for e in pub.queries()}
    ids = {e.qid for e in pub.queries()}
    assert len(ports) >= 4 and len(ids) >= 4


def test_bind_serves_the_seed_zone(bind9):
    named = bind9(listen=[addrs.PRI])
    r = dnsq.query(addrs.PRI, "Alidns-Example.COM.", "A",
                   source=addrs.OB1_SOURCES[0])
    expect(r, aa=True, ra=False,
           answer=["alidns-example.com. 3600 A 15.15.15.15"])
    assert named.clients("alidns-example.com.", "A") == \
        [addrs.OB1_SOURCES[0]]
    r = dnsq.query(addrs.PRI, SEED_ZONE + ".", "SOA", source=addrs.PRI,
                   tcp=True)
    expect(r, aa=True, ra=False, answer=[
        "alidns-example.com. 3600 SOA 172.28.0.7. admin.alidns-example.com."
        " 8 86400 3600 604800 10800"])
    r = dnsq.query(addrs.PRI, "nx.alidns-example.com.", "A", source=addrs.PRI)
    expect(r, "NXDOMAIN", aa=True, ra=False, answer=[], authority=[
        "alidns-example.com. 3600 SOA 172.28.0.7. admin.alidns-example.com."
        " 8 86400 3600 604800 10800"])


def test_bind_on_ipv6_and_custom_zone(bind9):
    bind9(listen=[addrs.PRI6], zones={"onprem.example": """$TTL 60
@ IN SOA ns.onprem.example. h.onprem.example. 9 3600 600 86400 120
@ IN NS ns
ns IN A 192.0.2.10
h IN A 192.0.2.81
"""})
    r = dnsq.query(addrs.PRI6, "h.onprem.example.", "A",
                   source=addrs.OB1_SOURCES6[0])
    expect(r, aa=True, ra=False, answer=["h.onprem.example. 60 A 192.0.2.81"])


def test_expect_detects_every_kind_of_mismatch(op1):
    op1.add("www.corp.example.", "A", 60, "10.10.0.5")
    r = dnsq.query(addrs.OP1, "www.corp.example.", "A", source=addrs.OP1)
    wrong = [
        dict(rcode="NXDOMAIN"),
        dict(aa=True),
        dict(ra=False),
        dict(answer=["www.corp.example. 60 A 10.10.0.6"]),
        dict(answer=["www.corp.example. 61 A 10.10.0.5"]),
        dict(answer=["www.corp.example. <=59 A 10.10.0.5"]),
        dict(answer=[]),
        dict(authority=["corp.example. 60 NS ns.corp.example."]),
        dict(ede=18),
        dict(opt=False),
    ]
    for kw in wrong:
        with pytest.raises(AssertionError):
            expect(r, **kw)
    expect(r, answer=["www.corp.example. <=60 A 10.10.0.5"], ede=False)
    assert Ttl("<=60").ok(0) and not Ttl("<=60").ok(61)


def test_query_helper_rejects_reply_from_other_address(pub):
    """A reply from another address than the one asked is not taken."""
    import threading
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as srv, \
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as other:
        srv.bind((addrs.REFLECTOR, 5300))
        other.bind((addrs.OP2, 5300))
        srv.settimeout(5)

        def answer_from_elsewhere():
            wire, peer = srv.recvfrom(4096)
            import dns.message
            q = dns.message.from_wire(wire)
            other.sendto(dns.message.make_response(q).to_wire(), peer)
        t = threading.Thread(target=answer_from_elsewhere)
        t.start()
        start = time.monotonic()
        with pytest.raises(dnsq.NoReply):
            dnsq.query(addrs.REFLECTOR, "x.example.", port=5300,
                       source=addrs.CLIENT_A, timeout=0.5)
        t.join(5)
        assert time.monotonic() - start < 5


def test_query_helper_edns_version_and_do():
    q = dnsq.make_query("a.example.", edns=1, do=False)
    assert q.edns == 1 and not q.ednsflags & dns.flags.DO
    q = dnsq.make_query("a.example.", edns=0, do=True, payload=4096)
    assert q.edns == 0 and q.ednsflags & dns.flags.DO and q.payload == 4096
    q = dnsq.make_query("a.example.", edns=None, do=True)
    assert q.edns == -1


def test_fake_negative_wins_over_suffix(op1):
    op1.add_suffix("onprem.example.", "A", 60, "192.0.2.81")
    op1.add_negative("gone.onprem.example.", "NXDOMAIN")
    r = dnsq.query(addrs.OP1, "gone.onprem.example.", source=addrs.OP1)
    expect(r, "NXDOMAIN", answer=[])


def test_fake_delay_does_not_hold_up_other_queries(op1):
    op1.add_suffix("d.example.", "A", 5, "192.0.2.1")
    op1.delay_s = 0.5
    import socket as so
    start = time.monotonic()
    socks = []
    for i in range(3):
        s = so.socket(so.AF_INET, so.SOCK_DGRAM)
        s.bind((addrs.CLIENT_A, 0))
        s.sendto(dnsq.make_query("q%d.d.example." % i).to_wire(),
                 (addrs.OP1, 53))
        socks.append(s)
    for s in socks:
        s.settimeout(3)
        s.recvfrom(512)
        s.close()
    elapsed = time.monotonic() - start
    assert 0.45 < elapsed < 1.0, elapsed
