# SPDX-License-Identifier: GPL-3.0-or-later
"""VPN resources through the CLI: gateways, customer gateways, IPsec
connections, routes; the pre-shared key shown once and never listed;
the crypto policy refusing weak choices unless allowed; the downloaded
peer configuration checked with the real strongSwan tools."""

import os
import subprocess

from vpnlab import OUR_NET, OUR_WAN, PEER_NET, PEER_WAN

SEED_LEGACY = ["--ike-version", "1", "--ike-encryption", "3des",
               "--ike-integrity", "md5", "--ike-dh-group", "modp1024",
               "--esp-encryption", "3des", "--esp-integrity", "md5",
               "--esp-pfs", "none"]


def make_gateways(cli):
    cli("vpc", "create", "prod", "--cidr", OUR_NET)
    gw = cli("vpn", "gateway", "create", "vpcgw", "--vpc", "prod",
             "--public-ip", OUR_WAN, "--local-subnet", OUR_NET)
    cgw = cli("vpn", "customer-gateway", "create", "idc", "--ip", PEER_WAN)
    return gw, cgw


def test_resources_and_generated_key(vcli, vpn_zonegated):
    gw, cgw = make_gateways(vcli)
    assert gw["id"] == "vgw-1"
    assert gw["vpc"] == "vpc-1"
    assert gw["public_ip"] == OUR_WAN
    assert gw["local_subnets"] == [OUR_NET]
    assert cgw["id"] == "cgw-1" and cgw["ip"] == PEER_WAN

    # Without --psk a key is generated and shown in the create reply.
    rc, out, err = vcli.raw("vpn", "connection", "create", "toMyIdc",
                            "--gateway", "vpcgw", "--customer-gateway",
                            "idc", "--remote-subnet", PEER_NET,
                            json_out=False)
    assert rc == 0, err
    lines = out.strip().splitlines()
    assert lines[0].startswith("vco-1  toMyIdc  ")
    assert "shown once" in lines[1]
    psk = lines[2]
    assert len(psk) == 32 and psk.isalnum()

    # Never in lists, shows, logs; only through show --psk.
    listing = vcli.raw("vpn", "connection", "list")[1]
    shown = vcli.raw("vpn", "connection", "show", "toMyIdc")[1]
    table = vcli.raw("vpn", "connection", "list", json_out=False)[1]
    assert psk not in listing and psk not in shown and psk not in table
    assert '"psk"' not in listing and '"psk"' not in shown
    assert psk not in vpn_zonegated.log_text()
    assert vcli.raw("vpn", "connection", "show", "vco-1", "--psk",
                    json_out=False)[1] == psk + "\n"
    conn = vcli("vpn", "connection", "show", "toMyIdc")
    assert conn["local_subnets"] == [OUR_NET]	# the gateway's
    assert conn["remote_subnets"] == [PEER_NET]
    assert (conn["ike_version"], conn["ike_encryption"],
            conn["ike_integrity"], conn["ike_dh_group"]) == \
        (2, "aes256", "sha256", "modp2048")
    assert (conn["esp_encryption"], conn["esp_integrity"],
            conn["esp_pfs"]) == ("aes256", "sha256", "modp2048")
    assert conn["enabled"] is True and conn["allow_weak_crypto"] is False
    assert "pre-shared key read through the API" in \
        vpn_zonegated.log_text()


def test_routes_and_refused_deletes(vcli):
    make_gateways(vcli)
    vcli("vpn", "connection", "create", "c1", "--gateway", "vpcgw",
         "--customer-gateway", "idc", "--remote-subnet", PEER_NET)
    route = vcli("vpn", "route", "add", "10.202.0.0/16", "--connection",
                 "c1")
    assert (route["id"], route["destination"], route["connection"]) == \
        ("vrt-1", "10.202.0.0/16", "vco-1")

    # A route into our own subnet, or twice the same, is refused.
    rc, err = vcli.fails("vpn", "route", "add", "10.200.0.128/25",
                         "--connection", "c1")
    assert rc == 1 and "local subnet" in err and "destination" in err
    rc, err = vcli.fails("vpn", "route", "add", "10.202.0.0/16",
                         "--connection", "c1")
    assert rc == 1 and "already routes" in err

    # What refers to something cannot go first.
    rc, err = vcli.fails("vpn", "connection", "delete", "c1")
    assert rc == 1 and "vrt-1" in err
    rc, err = vcli.fails("vpn", "gateway", "delete", "vpcgw")
    assert rc == 1 and "vco-1" in err
    rc, err = vcli.fails("vpn", "customer-gateway", "delete", "idc")
    assert rc == 1 and "vco-1" in err
    rc, err = vcli.fails("vpc", "delete", "prod")
    assert rc == 1 and "vgw-1" in err

    # The peer's configuration carries the route as its local selector.
    files = vcli("vpn", "download", "c1")["files"]
    assert "local_ts = 10.201.0.0/24,10.202.0.0/16" in files[0]["content"]

    assert vcli("vpn", "route", "delete", "10.202.0.0/16") == \
        {"deleted": ["vrt-1"]}
    assert vcli("vpn", "connection", "delete", "c1") == \
        {"deleted": ["vco-1"]}
    assert vcli("vpn", "gateway", "delete", "vpcgw") == \
        {"deleted": ["vgw-1"]}
    assert vcli("vpn", "customer-gateway", "delete", "idc") == \
        {"deleted": ["cgw-1"]}


def test_weak_crypto_refused_unless_allowed(vcli, vpn_zonegated):
    make_gateways(vcli)
    base = ["vpn", "connection", "create", "toMyIdc", "--gateway", "vpcgw",
            "--customer-gateway", "idc", "--remote-subnet", PEER_NET]

    rc, err = vcli.fails(*base, *SEED_LEGACY, "--psk", "1234567")
    assert rc == 1
    assert "ike_encryption 3des is weak crypto" in err
    assert "(field: ike_encryption)" in err
    assert "allow_weak_crypto" in err

    for opt, value, field in (("--ike-dh-group", "modp1024", "ike_dh_group"),
                              ("--esp-integrity", "sha1", "esp_integrity"),
                              ("--psk", "1234567", "psk"),
                              ("--psk", "1234567890123456789", "psk")):
        rc, err = vcli.fails(*base, opt, value)
        assert rc == 1 and "(field: %s)" % field in err, err
    rc, err = vcli.fails(*base, "--ike-version", "1", "--ike-mode",
                         "aggressive")
    assert "(field: ike_mode)" in err and "weak" in err
    rc, err = vcli.fails(*base, "--ike-encryption", "rot13")
    assert "(field: ike_encryption)" in err and "unknown value" in err
    assert vcli("vpn", "connection", "list")["items"] == []

    # The seed's legacy profile with --allow-weak-crypto: accepted,
    # warned about in the reply and the log.
    rc, out, err = vcli.raw(*base, *SEED_LEGACY, "--psk", "1234567",
                            "--allow-weak-crypto", json_out=False)
    assert rc == 0, err
    assert err.startswith("warning: weak crypto accepted because "
                          "allow_weak_crypto is set: ")
    for what in ("3des", "md5", "modp1024", "psk is weak"):
        assert what in err
    assert "pre-shared key" not in out	# given, so not shown
    log = vpn_zonegated.log_text()
    assert "warning vpn tunnel_id=vco-1: weak crypto accepted" in log
    assert "1234567" not in log

    # Turning the flag off again is refused while the profile is weak.
    rc, err = vcli.fails("vpn", "connection", "update", "toMyIdc",
                         "--no-allow-weak-crypto")
    assert "(field: ike_encryption)" in err


def test_downloaded_swanctl_loads_into_real_charon(vcli, charon_at,
                                                  tmp_path):
    make_gateways(vcli)
    vcli("vpn", "connection", "create", "toMyIdc", "--gateway", "vpcgw",
         "--customer-gateway", "idc", "--remote-subnet", PEER_NET)
    psk = vcli.raw("vpn", "connection", "show", "toMyIdc", "--psk",
                   json_out=False)[1].strip()
    out = tmp_path / "peer"
    out.mkdir()
    rc, text, err = vcli.raw("vpn", "download", "toMyIdc", "--format",
                             "swanctl", "--output-dir", str(out),
                             json_out=False)
    assert rc == 0, err
    path = out / "swanctl.conf"
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    content = path.read_text()
    assert 'secret = "%s"' % psk in content
    assert "local_addrs = %s" % PEER_WAN in content
    assert "remote_addrs = %s" % OUR_WAN in content

    peer = charon_at("peer-swanctl")
    load = peer.swanctl("--load-all", "--noprompt", "--file", str(path))
    assert "loaded ike secret 'ike-zonegate-vco-1'" in load.stdout
    assert "loaded connection 'zonegate-vco-1'" in load.stdout
    assert "successfully loaded 1 connections, 0 unloaded" in load.stdout
    listed = peer.swanctl("--list-conns").stdout
    assert "local:  %s" % PEER_WAN in listed
    assert "remote: %s" % OUR_WAN in listed
    assert "local:  %s" % PEER_NET in listed
    assert "remote: %s" % OUR_NET in listed


def test_downloaded_ipsec_conf_runs_in_the_starter(vcli, charon_at,
                                                  tmp_path):
    make_gateways(vcli)
    vcli("vpn", "connection", "create", "toMyIdc", "--gateway", "vpcgw",
         "--customer-gateway", "idc", "--remote-subnet", PEER_NET,
         *SEED_LEGACY, "--psk", "1234567", "--allow-weak-crypto")
    peer_dir = tmp_path / "peer-starter"
    peer_dir.mkdir()
    rc, _, err = vcli.raw("vpn", "download", "toMyIdc", "--format", "ipsec",
                          "--output-dir", str(peer_dir), json_out=False)
    assert rc == 0, err
    assert (peer_dir / "ipsec.secrets").read_text().endswith(
        '%s %s : PSK "1234567"\n' % (PEER_WAN, OUR_WAN))
    conf = (peer_dir / "ipsec.conf").read_text()
    for line in ("\tkeyexchange=ikev1", "\tike=3des-md5-modp1024!",
                 "\tesp=3des-md5!", "\tleftsubnet=%s" % PEER_NET,
                 "\trightsubnet=%s" % OUR_NET, "\tauto=start"):
        assert line + "\n" in conf

    # The starter reads ipsec.conf and hands it to charon over stroke;
    # ipsec.secrets is charon's secrets_file (the test's strongswan.conf).
    peer = charon_at("peer-starter", starter_conf=str(peer_dir /
                                                       "ipsec.conf"))
    from zgtest.util import wait_until
    wait_until(lambda: "zonegate-vco-1" in peer.conns(), 15,
               what="the starter to load zonegate-vco-1")
    listed = peer.swanctl("--list-conns").stdout
    assert "zonegate-vco-1: IKEv1" in listed
    assert "local:  %s" % PEER_NET in listed


def test_text_output_of_lists(vcli):
    make_gateways(vcli)
    vcli("vpn", "connection", "create", "c1", "--gateway", "vpcgw",
         "--customer-gateway", "idc", "--remote-subnet", PEER_NET)
    out = subprocess.run(vcli.argv(["vpn", "gateway", "list"], False),
                         capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == [
        "ID     NAME   VPC    PUBLIC IP    LOCAL SUBNETS",
        "vgw-1  vpcgw  vpc-1  %s  %s" % (OUR_WAN, OUR_NET),
    ]
