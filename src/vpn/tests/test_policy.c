/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the crypto policy: defaults, the seed's legacy profile,
 * weak and invalid settings, pre-shared keys, proposals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "store/store.h"
#include "vpn/vpn.h"

static void set(char *field, size_t len, const char *value)
{
	snprintf(field, len, "%s", value);
}

#define SET(field, value) set(field, sizeof(field), value)

static void defaults(struct store_ipsec_connection *c)
{
	memset(c, 0, sizeof(*c));
	vpn_crypto_defaults(c);
}

/* The seed's ipsec.conf: keyexchange=ikev1, ike=3des-md5-modp1024,
 * esp=3des-md5 (no PFS). */
static void seed_profile(struct store_ipsec_connection *c)
{
	defaults(c);
	c->ike_version = 1;
	SET(c->ike_encryption, "3des");
	SET(c->ike_integrity, "md5");
	SET(c->ike_dh_group, "modp1024");
	SET(c->esp_encryption, "3des");
	SET(c->esp_integrity, "md5");
	SET(c->esp_pfs, "none");
}

static const struct vpn_finding *only(const struct vpn_findings *f,
				      const char *field)
{
	assert_int_equal(f->n, 1);
	assert_string_equal(f->items[0].field, field);
	return &f->items[0];
}

static void test_defaults_are_ikev2_aes256_sha256_modp2048(void **state)
{
	struct store_ipsec_connection c;
	struct vpn_findings f = { 0 };
	char ike[96], esp[96];
	defaults(&c);
	assert_int_equal(c.ike_version, 2);
	assert_string_equal(c.ike_mode, "main");
	assert_int_equal(c.ike_lifetime_s, 86400);
	assert_int_equal(c.esp_lifetime_s, 3600);
	assert_int_equal(c.dpd_interval_s, 30);
	vpn_check_crypto(&c, &f);
	assert_int_equal(f.n, 0);
	assert_int_equal(vpn_ike_proposal(&c, ike, sizeof(ike)), 0);
	assert_int_equal(vpn_esp_proposal(&c, esp, sizeof(esp)), 0);
	assert_string_equal(ike, "aes256-sha256-modp2048");
	assert_string_equal(esp, "aes256-sha256-modp2048");
}

static void test_seed_profile_is_weak_in_five_fields(void **state)
{
	static const char *const fields[] = {
		"ike_encryption", "ike_integrity", "ike_dh_group",
		"esp_encryption", "esp_integrity",
	};
	struct store_ipsec_connection c;
	struct vpn_findings f = { 0 };
	char ike[96], esp[96];
	seed_profile(&c);
	vpn_check_crypto(&c, &f);
	assert_int_equal(f.n, 5);
	for (size_t i = 0; i < 5; i++) {
		assert_string_equal(f.items[i].field, fields[i]);
		assert_int_equal(f.items[i].verdict, VPN_WEAK);
		assert_non_null(strstr(f.items[i].message, "weak"));
	}
	assert_non_null(strstr(f.items[0].message, "3des"));
	assert_non_null(strstr(f.items[2].message, "modp1024"));
	assert_int_equal(vpn_ike_proposal(&c, ike, sizeof(ike)), 0);
	assert_int_equal(vpn_esp_proposal(&c, esp, sizeof(esp)), 0);
	assert_string_equal(ike, "3des-md5-modp1024");
	assert_string_equal(esp, "3des-md5");
}

static void test_sha1_and_modp1536_are_weak(void **state)
{
	struct store_ipsec_connection c;
	struct vpn_findings f = { 0 };
	defaults(&c);
	SET(c.esp_integrity, "sha1");
	vpn_check_crypto(&c, &f);
	assert_int_equal(only(&f, "esp_integrity")->verdict, VPN_WEAK);

	defaults(&c);
	memset(&f, 0, sizeof(f));
	SET(c.esp_pfs, "modp1536");
	vpn_check_crypto(&c, &f);
	assert_int_equal(only(&f, "esp_pfs")->verdict, VPN_WEAK);
}

static void test_aggressive_mode_is_weak_and_ikev1_only(void **state)
{
	struct store_ipsec_connection c;
	struct vpn_findings f = { 0 };
	defaults(&c);
	c.ike_version = 1;
	SET(c.ike_mode, "aggressive");
	vpn_check_crypto(&c, &f);
	assert_int_equal(only(&f, "ike_mode")->verdict, VPN_WEAK);

	memset(&f, 0, sizeof(f));
	c.ike_version = 2;
	vpn_check_crypto(&c, &f);
	assert_int_equal(only(&f, "ike_mode")->verdict, VPN_INVALID);
}

static void test_unknown_values_are_invalid_and_named(void **state)
{
	struct store_ipsec_connection c;
	struct vpn_findings f = { 0 };
	defaults(&c);
	SET(c.ike_dh_group, "modp768");
	c.ike_version = 3;
	vpn_check_crypto(&c, &f);
	assert_int_equal(f.n, 2);
	assert_string_equal(f.items[0].field, "ike_version");
	assert_string_equal(f.items[1].field, "ike_dh_group");
	assert_int_equal(f.items[1].verdict, VPN_INVALID);
	assert_non_null(strstr(f.items[1].message, "modp768"));
	/* The message offers the strong choices only. */
	assert_non_null(strstr(f.items[1].message, "modp2048"));
	assert_null(strstr(f.items[1].message, "modp1024"));
}

static void test_aead_rules(void **state)
{
	struct store_ipsec_connection c;
	struct vpn_findings f = { 0 };
	char ike[96], esp[96];

	defaults(&c);
	SET(c.ike_encryption, "aes256gcm16");
	SET(c.ike_integrity, "sha384");
	SET(c.ike_dh_group, "ecp384");
	SET(c.esp_encryption, "aes256gcm16");
	SET(c.esp_integrity, "none");
	SET(c.esp_pfs, "none");
	vpn_check_crypto(&c, &f);
	assert_int_equal(f.n, 0);
	assert_int_equal(vpn_ike_proposal(&c, ike, sizeof(ike)), 0);
	assert_int_equal(vpn_esp_proposal(&c, esp, sizeof(esp)), 0);
	assert_string_equal(ike, "aes256gcm16-prfsha384-ecp384");
	assert_string_equal(esp, "aes256gcm16");

	SET(c.esp_pfs, "curve25519");
	assert_int_equal(vpn_esp_proposal(&c, esp, sizeof(esp)), 0);
	assert_string_equal(esp, "aes256gcm16-curve25519");

	/* GCM with an integrity algorithm; CBC without one; GCM for IKE
	 * in IKEv1. */
	SET(c.esp_integrity, "sha256");
	vpn_check_crypto(&c, &f);
	assert_int_equal(only(&f, "esp_integrity")->verdict, VPN_INVALID);
	defaults(&c);
	memset(&f, 0, sizeof(f));
	SET(c.esp_integrity, "none");
	vpn_check_crypto(&c, &f);
	assert_int_equal(only(&f, "esp_integrity")->verdict, VPN_INVALID);
	defaults(&c);
	memset(&f, 0, sizeof(f));
	c.ike_version = 1;
	SET(c.ike_encryption, "aes128gcm16");
	vpn_check_crypto(&c, &f);
	assert_int_equal(only(&f, "ike_encryption")->verdict, VPN_INVALID);
}

static void test_lifetimes_and_dpd_ranges(void **state)
{
	struct store_ipsec_connection c;
	struct vpn_findings f = { 0 };
	defaults(&c);
	c.ike_lifetime_s = 299;
	c.esp_lifetime_s = 86401;
	c.dpd_interval_s = 0;
	vpn_check_crypto(&c, &f);
	assert_int_equal(f.n, 2);
	assert_string_equal(f.items[0].field, "ike_lifetime");
	assert_string_equal(f.items[1].field, "esp_lifetime");
	memset(&f, 0, sizeof(f));
	c.ike_lifetime_s = 300;
	c.esp_lifetime_s = 86400;
	c.dpd_interval_s = 4;
	vpn_check_crypto(&c, &f);
	assert_int_equal(only(&f, "dpd_interval")->verdict, VPN_INVALID);
}

static enum vpn_verdict psk_verdict(const char *psk)
{
	struct vpn_findings f = { 0 };
	vpn_check_psk(psk, &f);
	if (f.n == 0) {
		return VPN_OK;
	}
	assert_int_equal(f.n, 1);
	assert_string_equal(f.items[0].field, "psk");
	/* The key itself is never repeated back. */
	if (psk[0] != '\0') {
		assert_null(strstr(f.items[0].message, psk));
	}
	return f.items[0].verdict;
}

static void test_weak_and_invalid_keys(void **state)
{
	char long_key[130];
	memset(long_key, 'k', sizeof(long_key) - 1);
	long_key[sizeof(long_key) - 1] = '\0';

	assert_int_equal(psk_verdict("1234567"), VPN_WEAK);	/* the seed */
	assert_int_equal(psk_verdict("Kq3v9ZpLr2Xw7Tb"), VPN_WEAK);
	assert_int_equal(psk_verdict("1234567890123456"), VPN_WEAK);
	assert_int_equal(psk_verdict("abababababababababab"), VPN_WEAK);
	assert_int_equal(psk_verdict("PasswordPassword"), VPN_WEAK);
	assert_int_equal(psk_verdict("Kq3v9ZpLr2Xw7TbN"), VPN_OK);
	assert_int_equal(psk_verdict("0xdeadbeefdeadbeef00"), VPN_INVALID);
	assert_int_equal(psk_verdict("0sYWJjZGVmZ2hpamtsbW5v"), VPN_INVALID);
	assert_int_equal(psk_verdict("with a space in it!"), VPN_INVALID);
	assert_int_equal(psk_verdict("quote\"d-key-1234567"), VPN_INVALID);
	assert_int_equal(psk_verdict(""), VPN_INVALID);
	assert_int_equal(psk_verdict(long_key), VPN_INVALID);
	long_key[128] = '\0';
	assert_int_equal(psk_verdict(long_key), VPN_WEAK);	/* one char */
}

static void test_generated_keys_are_strong_and_differ(void **state)
{
	char a[64], b[64];
	assert_int_equal(vpn_psk_generate(a, sizeof(a)), 0);
	assert_int_equal(vpn_psk_generate(b, sizeof(b)), 0);
	assert_int_equal(strlen(a), VPN_PSK_GENERATED_LEN);
	assert_true(isalpha((unsigned char)a[0]));
	for (size_t i = 0; i < strlen(a); i++) {
		assert_true(isalnum((unsigned char)a[i]));
	}
	assert_string_not_equal(a, b);
	assert_int_equal(psk_verdict(a), VPN_OK);
	assert_int_not_equal(vpn_psk_generate(a, VPN_PSK_GENERATED_LEN), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_are_ikev2_aes256_sha256_modp2048),
		cmocka_unit_test(test_seed_profile_is_weak_in_five_fields),
		cmocka_unit_test(test_sha1_and_modp1536_are_weak),
		cmocka_unit_test(test_aggressive_mode_is_weak_and_ikev1_only),
		cmocka_unit_test(test_unknown_values_are_invalid_and_named),
		cmocka_unit_test(test_aead_rules),
		cmocka_unit_test(test_lifetimes_and_dpd_ranges),
		cmocka_unit_test(test_weak_and_invalid_keys),
		cmocka_unit_test(test_generated_keys_are_strong_and_differ),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
