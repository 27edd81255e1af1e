# SPDX-License-Identifier: GPL-3.0-or-later
"""Dynamic updates with nsupdate (issue 4 item 5, RFC 2136): changes are
served at once, one serial bump per update, prerequisites give their
RCODEs, the update policy limits each key, and the API's validation
applies."""

import dns.name
import dns.query
import dns.rcode
import dns.update

from conftest import (ACME_KEY, ACME_SECRET, ALGORITHM, IN_A, KEY, ONPREM,
                      WRONG_SECRET, ZONE, answer, keyring, nsupdate)


def grant(cli, zid, key=KEY, *opts):
    return cli("zone", "update-policy", zid, "--grant", key, *opts)


def test_add_and_delete_are_served_at_once_with_one_serial_bump(zs, cli):
    zid = zs.zone(records=["www 300 A 10.1.2.3"])
    grant(cli, zid)
    before = zs.serial(zid)

    rc, out = nsupdate(["update add host.%s 60 A 10.7.7.7" % ZONE,
                        "update add host.%s 60 A 10.7.7.8" % ZONE,
                        "update add host.%s 60 TXT \"hello\"" % ZONE])

    assert rc == 0, out
    assert zs.serial(zid) == before + 1
    # No wait: the answer was sent after the zone was published.
    assert answer("host." + ZONE) == (dns.rcode.NOERROR,
                                      ["10.7.7.7", "10.7.7.8"])

    rc, out = nsupdate(["update delete host.%s A 10.7.7.7" % ZONE])
    assert rc == 0, out
    assert answer("host." + ZONE) == (dns.rcode.NOERROR, ["10.7.7.8"])

    rc, out = nsupdate(["update delete host.%s" % ZONE])
    assert rc == 0, out
    assert answer("host." + ZONE)[0] == dns.rcode.NXDOMAIN
    assert zs.serial(zid) == before + 3
    records = cli("record", "list", zid)["items"]
    assert [r["name"] for r in records if r["name"] == "host"] == []


def test_update_that_changes_nothing_keeps_the_serial(zs, cli):
    zid = zs.zone(records=["www 300 A 10.1.2.3"])
    grant(cli, zid)
    before = zs.serial(zid)

    rc, out = nsupdate(["update add www.%s 300 A 10.1.2.3" % ZONE,
                        "update delete nothing.%s A" % ZONE])

    assert rc == 0, out
    assert zs.serial(zid) == before


def test_prerequisites_give_their_rcodes(zs, cli):
    zid = zs.zone(records=["www 300 A 10.1.2.3"])
    grant(cli, zid)
    before = zs.serial(zid)
    cases = [
        ("prereq yxdomain absent.%s" % ZONE, "NXDOMAIN"),
        ("prereq nxdomain www.%s" % ZONE, "YXDOMAIN"),
        ("prereq yxrrset www.%s MX" % ZONE, "NXRRSET"),
        ("prereq nxrrset www.%s A" % ZONE, "YXRRSET"),
        ("prereq yxrrset www.%s A 10.9.9.9" % ZONE, "NXRRSET"),
    ]
    for prereq, rcode in cases:
        rc, out = nsupdate([prereq,
                            "update add new.%s 60 A 10.0.0.9" % ZONE])
        assert rc != 0 and rcode in out, (prereq, out)
    assert zs.serial(zid) == before
    assert answer("new." + ZONE)[0] == dns.rcode.NXDOMAIN

    rc, out = nsupdate(["prereq yxrrset www.%s A 10.1.2.3" % ZONE,
                        "prereq nxdomain new.%s" % ZONE,
                        "update add new.%s 60 A 10.0.0.9" % ZONE])
    assert rc == 0, out
    assert answer("new." + ZONE)[1] == ["10.0.0.9"]


def test_acme_key_may_touch_only_its_txt(zs, cli):
    zid = zs.zone(records=["www 300 A 10.1.2.3"])
    cli("tsig", "create", ACME_KEY, "--secret", ACME_SECRET)
    grant(cli, zid, ACME_KEY, "--name", "_acme-challenge.www." + ZONE,
          "--types", "TXT")
    mark = zs.log_mark()
    acme = {"key": ACME_KEY, "secret": ACME_SECRET}

    rc, out = nsupdate(["update add _acme-challenge.www.%s 60 TXT \"tok\""
                        % ZONE], **acme)
    assert rc == 0, out
    assert answer("_acme-challenge.www." + ZONE, "TXT")[1] == ['"tok"']

    before = zs.serial(zid)
    # (nsupdate's own check-names keeps A and MX at this owner from
    # being sent at all, so the foreign type here is a CNAME.)
    for change in ["update add _acme-challenge.www.%s 60 CNAME www.%s"
                   % (ZONE, ZONE),
                   "update add www.%s 60 TXT \"evil\"" % ZONE,
                   "update delete www.%s A" % ZONE,
                   "update delete _acme-challenge.www.%s" % ZONE]:
        rc, out = nsupdate([change], **acme)
        assert rc != 0 and "REFUSED" in out, (change, out)
    assert zs.serial(zid) == before
    assert answer("www." + ZONE) == (dns.rcode.NOERROR, ["10.1.2.3"])
    zs.wait_log(mark, "REFUSED: the key is not granted a change it asks for")

    # Revoked: nothing any more.
    cli("zone", "update-policy", zid, "--revoke", ACME_KEY)
    rc, out = nsupdate(["update delete _acme-challenge.www.%s TXT" % ZONE],
                       **acme)
    assert rc != 0 and "REFUSED" in out


def test_default_grant_spares_apex_soa_and_ns(zs, cli):
    zid = zs.zone()
    grant(cli, zid)

    rc, out = nsupdate(["update add %s 60 NS ns2.example.net." % ZONE])

    assert rc != 0 and "REFUSED" in out
    assert cli("zone", "show", zid)["ns"] == ["ns1.%s" % ZONE]


def test_unsigned_and_badly_signed_updates_are_refused(zs, cli):
    zid = zs.zone()
    grant(cli, zid)
    before = zs.serial(zid)

    rc, out = nsupdate(["update add x.%s 60 A 10.0.0.1" % ZONE], key=None)
    assert rc != 0 and "REFUSED" in out, out

    rc, out = nsupdate(["update add x.%s 60 A 10.0.0.1" % ZONE],
                       secret=WRONG_SECRET)
    assert rc != 0, out
    assert "NOTAUTH" in out or "tsig" in out.lower(), out
    assert zs.serial(zid) == before


def test_api_validation_refuses_a_cname_beside_other_data(zs, cli):
    zid = zs.zone(records=["www 300 A 10.1.2.3"])
    grant(cli, zid)
    before = zs.serial(zid)

    rc, out = nsupdate(["update add alias.%s 60 A 10.0.0.1" % ZONE,
                        "update add www.%s 60 CNAME alias.%s" % (ZONE,
                                                                 ZONE)])

    # All or nothing: the A before the refused CNAME is not kept.
    assert rc != 0 and "REFUSED" in out, out
    assert zs.serial(zid) == before
    assert answer("alias." + ZONE)[0] == dns.rcode.NXDOMAIN

    rc, out = nsupdate(["update add x.%s 60 DNAME www.%s" % (ZONE, ZONE)])
    assert rc != 0 and "REFUSED" in out, out

    # A CNAME replaces a CNAME (RFC 2136 section 3.4.2.2).
    rc, out = nsupdate(["update add c.%s 60 CNAME www.%s" % (ZONE, ZONE)])
    assert rc == 0, out
    rc, out = nsupdate(["update add c.%s 60 CNAME alias.%s" % (ZONE, ZONE)])
    assert rc == 0, out
    cnames = [r["value"] for r in cli("record", "list", zid)["items"]
              if r["name"] == "c"]
    assert cnames == ["alias.%s" % ZONE]


def test_ttl_of_an_added_rr_becomes_the_rrsets(zs, cli):
    zid = zs.zone(records=["www 300 A 10.1.2.3"])
    grant(cli, zid)

    rc, out = nsupdate(["update add www.%s 60 A 10.1.2.4" % ZONE])

    assert rc == 0, out
    ttls = {r["ttl"] for r in cli("record", "list", zid)["items"]
            if r["name"] == "www"}
    assert ttls == {60}


def test_answers_are_signed_and_refusals_carry_an_ede(zs, cli):
    zid = zs.zone(records=["www 300 A 10.1.2.3"])
    grant(cli, zid, KEY, "--subtree", "dyn." + ZONE)

    def send(add):
        u = dns.update.UpdateMessage(ZONE, keyring=keyring(),
                                     keyname=dns.name.from_text(KEY),
                                     keyalgorithm=ALGORITHM)
        u.use_edns(0)
        u.add(*add)
        # dnspython checks the answer's TSIG against the request's MAC.
        return dns.query.tcp(u, IN_A, source=ONPREM, timeout=10)

    ok = send(("h.dyn", 60, "A", "10.0.0.1"))
    assert ok.rcode() == dns.rcode.NOERROR and ok.had_tsig

    refused = send(("www", 60, "A", "10.0.0.1"))
    assert refused.rcode() == dns.rcode.REFUSED and refused.had_tsig
    assert [o.code for o in refused.options if o.otype == 15] == [18]

    invalid = send(("bad.dyn", 60, "CNAME", "www"))
    assert invalid.rcode() == dns.rcode.NOERROR
    invalid = send(("bad.dyn", 60, "A", "10.0.0.2"))
    assert invalid.rcode() == dns.rcode.REFUSED
    assert [o.code for o in invalid.options if o.otype == 15] == [0]
