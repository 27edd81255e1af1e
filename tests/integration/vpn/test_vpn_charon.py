# SPDX-License-Identifier: GPL-3.0-or-later
"""zonegated driving a real charon over VICI: connections loaded,
disabled, deleted; status while charon runs, stops and comes back; and
real tunnels to a peer charon in another network namespace, configured
with what `zonegate vpn download` prints, in both formats."""

import time

import pytest

from zgtest.util import scaled, wait_until

from vpnlab import (OUR_NET, OUR_WAN, PEER_NET, PEER_WAN, Charon,
                    udp_echo_through, wait_state)


def make_connection(cli, *extra):
    cli("vpc", "create", "prod", "--cidr", OUR_NET)
    cli("vpn", "gateway", "create", "vpcgw", "--vpc", "prod", "--public-ip",
        OUR_WAN, "--local-subnet", OUR_NET)
    cli("vpn", "customer-gateway", "create", "idc", "--ip", PEER_WAN)
    return cli("vpn", "connection", "create", "toMyIdc", "--gateway",
               "vpcgw", "--customer-gateway", "idc", "--remote-subnet",
               PEER_NET, *extra)


def loaded(cli, conn="toMyIdc"):
    st = cli("vpn", "status", conn)
    return st if st["loaded"] else None


def test_connection_loaded_disabled_and_deleted(vcli, charon,
                                                vpn_zonegated):
    make_connection(vcli)
    st = wait_until(lambda: loaded(vcli), 15, what="the connection loaded")
    assert st["id"] == "vco-1" and st["name"] == "toMyIdc"
    assert st["error"] is None
    # No peer answers at 203.0.113.2 here: IKE keeps trying.
    assert st["state"] in ("connecting", "down")
    assert st["charon"]["connected"] is True
    assert st["charon"]["version"] == "5.9.8"
    assert charon.conns() == ["zonegate-vco-1"]
    creds = charon.swanctl("--list-conns").stdout
    assert "local:  %s" % OUR_NET in creds
    assert "remote: %s" % PEER_NET in creds

    text = vcli.raw("vpn", "status", json_out=False)[1]
    assert text.startswith("charon: connected at %s, strongSwan 5.9.8\n"
                           % charon.vici)
    assert "\nvco-1 (toMyIdc): tunnel " in text

    vcli("vpn", "connection", "terminate", "toMyIdc")
    wait_until(lambda: charon.conns() == [], 15,
               what="the disabled connection gone from charon")
    assert vcli("vpn", "status", "toMyIdc")["state"] == "disabled"
    vcli("vpn", "connection", "initiate", "toMyIdc")
    wait_until(lambda: charon.conns() == ["zonegate-vco-1"], 15,
               what="the connection back in charon")

    # With no IKE_SA left (ended here by hand), "initiate" has charon
    # initiate it now rather than at its next retry.
    wait_until(lambda: loaded(vcli), 15, what="the connection loaded")
    charon.swanctl("--terminate", "--ike", "zonegate-vco-1", "--force",
                   "--timeout", "2", check=False)
    wait_until(lambda: vcli("vpn", "status", "toMyIdc")["ike_sa"] is None,
               15, what="no IKE_SA")
    vcli("vpn", "connection", "initiate", "toMyIdc")
    wait_until(lambda: "asked charon to initiate the tunnel now" in
               vpn_zonegated.log_text(), 15, what="the initiate request")
    with open(charon.dir + "/charon.log") as f:
        assert "vici initiate CHILD_SA 'zonegate-vco-1'" in f.read()

    vcli("vpn", "connection", "delete", "toMyIdc")
    wait_until(lambda: charon.conns() == [], 15,
               what="the deleted connection gone from charon")
    assert vcli("vpn", "status")["connections"] == []


def test_charon_stopping_is_reported_and_retried(vcli, charon,
                                                vpn_zonegated):
    make_connection(vcli)
    wait_until(lambda: loaded(vcli), 15, what="the connection loaded")
    charon.stop()

    def unreachable():
        st = vcli("vpn", "status")
        return st if not st["charon"]["connected"] else None
    st = wait_until(unreachable, 15, what="status saying charon is gone")
    # "lost charon at PATH (...)", then "charon is not reachable at PATH"
    assert "charon" in st["charon"]["error"]
    assert charon.vici in st["charon"]["error"]
    assert st["charon"]["retry_in_s"] >= 0
    assert st["connections"][0]["state"] == "down"
    text = vcli.raw("vpn", "status", json_out=False)[1]
    assert text.startswith("charon: NOT CONNECTED at %s: " % charon.vici)
    assert "retrying in" in text
    log = vpn_zonegated.log_text()
    assert "lost charon" in log or "charon is not reachable" in log

    # A new charon knows nothing: zonegated loads the connection again.
    charon.start()
    st = wait_until(lambda: loaded(vcli), 40, what="the connection reloaded")
    assert st["charon"]["connected"] is True
    assert charon.conns() == ["zonegate-vco-1"]


def test_daemon_without_connections_leaves_charon_alone(vcli, charon,
                                                       vpn_zonegated):
    st = vcli("vpn", "status")
    assert st["charon"]["connected"] is False
    assert st["charon"]["error"] == \
        "not contacted: no IPsec connection is configured"
    assert " vpn " not in vpn_zonegated.log_text()
    # The fixture's own check that charon listens is client 1.
    with open(charon.dir + "/charon.log") as f:
        assert "vici client 2 " not in f.read()


@pytest.mark.slow
def test_real_tunnel_ikev2_with_downloaded_swanctl(vcli, charon, charon_at,
                                                   peer_ns, tmp_path,
                                                   vpn_zonegated):
    make_connection(vcli, "--dpd-interval", "5")
    peer_dir = tmp_path / "peer"
    peer_dir.mkdir()
    vcli.raw("vpn", "download", "toMyIdc", "--output-dir", str(peer_dir),
             json_out=False)
    peer = Charon(peer_dir, netns=peer_ns)
    peer.start()
    try:
        peer.swanctl("--load-all", "--noprompt", "--file",
                     str(peer_dir / "swanctl.conf"))
        st = wait_state(vcli, "toMyIdc", ("up",), timeout=40)
        assert st["ike_sa"]["state"] == "ESTABLISHED"
        assert st["ike_sa"]["version"] == 2
        assert st["ike_sa"]["local_host"] == OUR_WAN
        assert st["ike_sa"]["remote_host"] == PEER_WAN
        assert st["ike_sa"]["proposal"] == \
            "AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048"
        child = st["child_sas"][0]
        assert child["state"] == "INSTALLED"
        assert (child["local_ts"], child["remote_ts"]) == \
            ([OUR_NET], [PEER_NET])

        # Both ends start the tunnel; when both did at once, zonegate
        # closes the extra IKE_SA and the peer does not start another:
        # one IKE_SA at each end, and it stays one.
        one = [("zonegate-vco-1", "ESTABLISHED")]
        wait_until(lambda: charon.ike_sas() == one and
                   peer.ike_sas() == one, 30, what="one IKE_SA each end")
        time.sleep(scaled(6))
        assert (charon.ike_sas(), peer.ike_sas()) == (one, one)

        # A datagram crosses the tunnel each way: 20 + 8 + 27 octets.
        assert udp_echo_through(peer_ns) == b"zonegate-through-the-tunnel"
        st = vcli("vpn", "status", "toMyIdc")
        child = st["child_sas"][0]
        assert child["packets_out"] >= 1 and child["packets_in"] >= 1
        assert child["bytes_out"] >= 55 and child["bytes_in"] >= 55
        text = vcli.raw("vpn", "status", "toMyIdc", json_out=False)[1]
        assert "vco-1 (toMyIdc): tunnel up since " in text
        assert "%s === %s" % (OUR_NET, PEER_NET) in text

        # The peer goes away: dead peer detection takes the tunnel down.
        peer.stop()
        st = wait_state(vcli, "toMyIdc", ("down", "connecting"),
                        timeout=60)
        assert "tunnel_id=vco-1 peer=%s: tunnel %s (was up)" % (
            PEER_WAN, st["state"]) in vpn_zonegated.log_text()

        # And back: charon, kept trying by zonegate's config, finds it.
        peer.start()
        peer.swanctl("--load-all", "--noprompt", "--file",
                     str(peer_dir / "swanctl.conf"))
        wait_state(vcli, "toMyIdc", ("up",), timeout=60)
        assert udp_echo_through(peer_ns) == b"zonegate-through-the-tunnel"
    finally:
        peer.stop()


@pytest.mark.slow
def test_real_tunnel_seed_legacy_profile_with_ipsec_conf(vcli, charon,
                                                         peer_ns, tmp_path):
    make_connection(vcli, "--ike-version", "1", "--ike-encryption", "3des",
                    "--ike-integrity", "md5", "--ike-dh-group", "modp1024",
                    "--esp-encryption", "3des", "--esp-integrity", "md5",
                    "--esp-pfs", "none", "--psk", "1234567",
                    "--allow-weak-crypto")
    peer_dir = tmp_path / "peer"
    peer_dir.mkdir()
    vcli.raw("vpn", "download", "toMyIdc", "--format", "ipsec",
             "--output-dir", str(peer_dir), json_out=False)
    # The seed's way: the starter reads ipsec.conf, charon ipsec.secrets.
    peer = Charon(peer_dir, netns=peer_ns,
                  starter_conf=str(peer_dir / "ipsec.conf"))
    peer.start()
    try:
        st = wait_state(vcli, "toMyIdc", ("up",), timeout=40)
        assert st["ike_sa"]["version"] == 1
        assert st["ike_sa"]["proposal"] == \
            "3DES_CBC/HMAC_MD5_96/PRF_HMAC_MD5/MODP_1024"
        child = st["child_sas"][0]
        assert (child["encryption"], child["integrity"]) == \
            ("3DES_CBC", "HMAC_MD5_96")
        assert udp_echo_through(peer_ns) == b"zonegate-through-the-tunnel"
    finally:
        peer.stop()
