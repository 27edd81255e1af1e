/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the two ends of a connection: the spec built from the store's
 * resources, its mirror, and the peer's configuration files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "store/store.h"
#include "vpn/vpn.h"

struct seed {
	struct store_vpn_gateway gw;
	struct store_customer_gateway cgw;
	struct store_ipsec_connection conn;
	struct store_vpn_route routes[2];
};

#define SET(field, value) snprintf(field, sizeof(field), "%s", value)

/* The seed: VPN gateway 198.51.100.152 for 172.17.0.0/16, the data
 * centre's gateway 198.51.100.44 for 172.28.0.0/16, PSK 1234567. */
static void make_seed(struct seed *s, bool legacy)
{
	memset(s, 0, sizeof(*s));
	SET(s->gw.meta.resource_id, "vgw-1");
	SET(s->gw.public_ip, "198.51.100.152");
	SET(s->cgw.meta.resource_id, "cgw-1");
	SET(s->cgw.ip, "198.51.100.44");

	struct store_ipsec_connection *c = &s->conn;
	SET(c->meta.resource_id, "vco-1");
	SET(c->meta.name, "toMyIdc");
	SET(c->gateway_id, "vgw-1");
	SET(c->cgw_id, "cgw-1");
	assert_int_equal(store_strv_push(&c->local_subnets, "172.17.0.0/16"),
			 0);
	assert_int_equal(store_strv_push(&c->remote_subnets,
					 "172.28.0.0/16"), 0);
	SET(c->psk, "1234567");
	c->enabled = true;
	vpn_crypto_defaults(c);
	if (legacy) {
		c->ike_version = 1;
		SET(c->ike_encryption, "3des");
		SET(c->ike_integrity, "md5");
		SET(c->ike_dh_group, "modp1024");
		SET(c->esp_encryption, "3des");
		SET(c->esp_integrity, "md5");
		SET(c->esp_pfs, "none");
	}
}

static void test_spec_adds_routes_to_remote_selectors(void **state)
{
	struct seed s;
	struct vpn_spec spec;
	make_seed(&s, false);
	SET(s.routes[0].connection_id, "vco-1");
	SET(s.routes[0].destination, "172.29.0.0/16");
	SET(s.routes[1].connection_id, "vco-1");
	SET(s.routes[1].destination, "172.28.0.0/16");	/* already there */

	assert_int_equal(vpn_spec_build(&s.conn, &s.gw, &s.cgw, s.routes, 2,
					&spec), 0);
	assert_string_equal(spec.name, "zonegate-vco-1");
	assert_string_equal(spec.local_addr, "198.51.100.152");
	assert_string_equal(spec.remote_id, "198.51.100.44");
	assert_int_equal(spec.n_local_ts, 1);
	assert_int_equal(spec.n_remote_ts, 2);
	assert_string_equal(spec.remote_ts[0], "172.28.0.0/16");
	assert_string_equal(spec.remote_ts[1], "172.29.0.0/16");
	assert_string_equal(spec.ike_proposal, "aes256-sha256-modp2048");
	assert_string_equal(spec.esp_proposal, "aes256-sha256-modp2048");

	struct vpn_spec peer;
	vpn_spec_mirror(&spec, &peer);
	assert_string_equal(peer.local_addr, "198.51.100.44");
	assert_string_equal(peer.remote_addr, "198.51.100.152");
	assert_string_equal(peer.local_id, "198.51.100.44");
	assert_int_equal(peer.n_local_ts, 2);
	assert_string_equal(peer.local_ts[1], "172.29.0.0/16");
	assert_string_equal(peer.remote_ts[0], "172.17.0.0/16");
	assert_string_equal(peer.name, spec.name);
	store_ipsec_connection_clear(&s.conn);
}

static const char *const swanctl_lines[] = {
	"connections {",
	"\tzonegate-vco-1 {",
	"\t\tversion = 2",
	"\t\tlocal_addrs = 198.51.100.44",
	"\t\tremote_addrs = 198.51.100.152",
	"\t\tproposals = aes256-sha256-modp2048",
	"\t\taggressive = no",
	"\t\trekey_time = 86400s",
	"\t\tdpd_delay = 30s",
	"\t\tkeyingtries = 0",
	"\t\tlocal {",
	"\t\t\tauth = psk",
	"\t\t\tid = 198.51.100.44",
	"\t\t}",
	"\t\tremote {",
	"\t\t\tauth = psk",
	"\t\t\tid = 198.51.100.152",
	"\t\t}",
	"\t\tchildren {",
	"\t\t\tzonegate-vco-1 {",
	"\t\t\t\tlocal_ts = 172.28.0.0/16",
	"\t\t\t\tremote_ts = 172.17.0.0/16",
	"\t\t\t\tesp_proposals = aes256-sha256-modp2048",
	"\t\t\t\trekey_time = 3600s",
	"\t\t\t\tmode = tunnel",
	"\t\t\t\tstart_action = start",
	"\t\t\t\tdpd_action = restart",
	"\t\t\t\tclose_action = none",
	"\t\t\t}",
	"\t\t}",
	"\t}",
	"}",
	"",
	"secrets {",
	"\tike-zonegate-vco-1 {",
	"\t\tid-local = 198.51.100.44",
	"\t\tid-remote = 198.51.100.152",
	"\t\tsecret = \"Kq3v9ZpLr2Xw7TbN4yHd8FsMj6Ge1Ua5\"",
	"\t}",
	"}",
	NULL,
};

/* The text after the comment lines at the top. */
static const char *body_of(const char *text)
{
	while (*text == '#') {
		const char *nl = strchr(text, '\n');
		assert_non_null(nl);
		text = nl + 1;
	}
	return text;
}

static void expect_lines(const char *text, const char *const *lines)
{
	char expect[4096] = "";
	for (size_t i = 0; lines[i] != NULL; i++) {
		strcat(expect, lines[i]);
		strcat(expect, "\n");
	}
	assert_string_equal(body_of(text), expect);
}

static void test_swanctl_for_the_peer(void **state)
{
	struct seed s;
	struct vpn_spec spec, peer;
	struct vpn_peer_file files[2];
	size_t n = 0;
	make_seed(&s, false);
	SET(s.conn.psk, "Kq3v9ZpLr2Xw7TbN4yHd8FsMj6Ge1Ua5");
	assert_int_equal(vpn_spec_build(&s.conn, &s.gw, &s.cgw, NULL, 0,
					&spec), 0);
	vpn_spec_mirror(&spec, &peer);

	assert_int_equal(vpn_peer_render(&peer, VPN_FORMAT_SWANCTL, files,
					 &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(files[0].name, "swanctl.conf");
	assert_non_null(strstr(files[0].content,
			       "IPsec connection vco-1 (toMyIdc)"));
	expect_lines(files[0].content, swanctl_lines);
	vpn_peer_files_free(files, n);
	store_ipsec_connection_clear(&s.conn);
}

static const char *const ipsec_conf_lines[] = {
	"config setup",
	"\tuniqueids = never",
	"",
	"conn zonegate-vco-1",
	"\tkeyexchange=ikev1",
	"\tauthby=psk",
	"\tleft=198.51.100.44",
	"\tleftid=198.51.100.44",
	"\tleftsubnet=172.28.0.0/16",
	"\tright=198.51.100.152",
	"\trightid=198.51.100.152",
	"\trightsubnet=172.17.0.0/16",
	"\tike=3des-md5-modp1024!",
	"\tesp=3des-md5!",
	"\taggressive=no",
	"\tikelifetime=86400s",
	"\tlifetime=3600s",
	"\trekeymargin=3m",
	"\tkeyingtries=%forever",
	"\tdpddelay=30s",
	"\tdpdaction=restart",
	"\tcloseaction=none",
	"\ttype=tunnel",
	"\tauto=start",
	NULL,
};

static void test_legacy_ipsec_conf_like_the_seed(void **state)
{
	static const char *const secrets[] = {
		"198.51.100.44 198.51.100.152 : PSK \"1234567\"", NULL,
	};
	struct seed s;
	struct vpn_spec spec, peer;
	struct vpn_peer_file files[2];
	size_t n = 0;
	make_seed(&s, true);
	assert_int_equal(vpn_spec_build(&s.conn, &s.gw, &s.cgw, NULL, 0,
					&spec), 0);
	vpn_spec_mirror(&spec, &peer);

	assert_int_equal(vpn_peer_render(&peer, VPN_FORMAT_IPSEC, files, &n),
			 0);
	assert_int_equal(n, 2);
	assert_string_equal(files[0].name, "ipsec.conf");
	assert_string_equal(files[1].name, "ipsec.secrets");
	expect_lines(files[0].content, ipsec_conf_lines);
	expect_lines(files[1].content, secrets);
	vpn_peer_files_free(files, n);
	store_ipsec_connection_clear(&s.conn);
}

static void test_format_names(void **state)
{
	enum vpn_peer_format fmt;
	assert_int_equal(vpn_peer_format_parse("swanctl", &fmt), 0);
	assert_int_equal(fmt, VPN_FORMAT_SWANCTL);
	assert_int_equal(vpn_peer_format_parse("ipsec", &fmt), 0);
	assert_int_equal(fmt, VPN_FORMAT_IPSEC);
	assert_int_equal(vpn_peer_format_parse("openswan", &fmt), ZG_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_adds_routes_to_remote_selectors),
		cmocka_unit_test(test_swanctl_for_the_peer),
		cmocka_unit_test(test_legacy_ipsec_conf_like_the_seed),
		cmocka_unit_test(test_format_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
