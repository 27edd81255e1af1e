/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The crypto policy of IPsec connections: which algorithms exist, which
 * are weak, what a pre-shared key must look like, and the proposals in
 * strongSwan's syntax. */
#include "vpn/vpn.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "common/error.h"
#include "store/store.h"

/* An algorithm name as strongSwan spells it in proposals, and why it is
 * weak (NULL when it is not). */
struct alg {
	const char *name;
	const char *weak;
};

static const struct alg ciphers[] = {
	{ "aes128", NULL }, { "aes192", NULL }, { "aes256", NULL },
	{ "aes128gcm16", NULL }, { "aes192gcm16", NULL },
	{ "aes256gcm16", NULL }, { "chacha20poly1305", NULL },
	{ "3des", "3DES has a 64-bit block (Sweet32) and is deprecated "
		  "for IPsec" },
	{ NULL, NULL },
};

static const struct alg integrities[] = {
	{ "sha256", NULL }, { "sha384", NULL }, { "sha512", NULL },
	{ "sha1", "SHA-1 collisions are practical and it is deprecated "
		  "for IPsec" },
	{ "md5", "MD5 is broken" },
	{ NULL, NULL },
};

static const struct alg dh_groups[] = {
	{ "modp2048", NULL }, { "modp3072", NULL }, { "modp4096", NULL },
	{ "modp6144", NULL }, { "modp8192", NULL }, { "ecp256", NULL },
	{ "ecp384", NULL }, { "ecp521", NULL }, { "curve25519", NULL },
	{ "modp1024", "DH group 2 (modp1024) is small enough to be broken "
		      "with precomputation (Logjam)" },
	{ "modp1536", "DH group 5 (modp1536) is below 2048 bits" },
	{ NULL, NULL },
};

/* Lifetimes and DPD, in seconds. */
#define IKE_LIFETIME_MIN 300
#define IKE_LIFETIME_MAX (7 * 86400)
#define ESP_LIFETIME_MIN 120
#define ESP_LIFETIME_MAX 86400
#define DPD_MIN 5
#define DPD_MAX 3600

/* Keys that guessing tries first; compared ignoring case. Short and
 * numeric ones are weak by the other rules anyway. */
static const char *const common_psks[] = {
	"passwordpassword", "password12345678", "1q2w3e4r5t6y7u8i",
	"qwertyuiopasdfgh", "abcdefghijklmnop", "presharedkey1234",
	"sharedsecret1234", "changemechangeme", "letmeinletmein12",
	"administrator123", "zonegatezonegate", "ipsecvpnpassword",
	"thisisasecretkey", "mysecretpassword", "vpnpresharedkey1",
	NULL,
};

void vpn_crypto_defaults(struct store_ipsec_connection *c)
{
	c->ike_version = 2;
	snprintf(c->ike_mode, sizeof(c->ike_mode), "main");
	snprintf(c->ike_encryption, sizeof(c->ike_encryption), "aes256");
	snprintf(c->ike_integrity, sizeof(c->ike_integrity), "sha256");
	snprintf(c->ike_dh_group, sizeof(c->ike_dh_group), "modp2048");
	c->ike_lifetime_s = VPN_DEFAULT_IKE_LIFETIME_S;
	snprintf(c->esp_encryption, sizeof(c->esp_encryption), "aes256");
	snprintf(c->esp_integrity, sizeof(c->esp_integrity), "sha256");
	snprintf(c->esp_pfs, sizeof(c->esp_pfs), "modp2048");
	c->esp_lifetime_s = VPN_DEFAULT_ESP_LIFETIME_S;
	c->dpd_interval_s = VPN_DEFAULT_DPD_INTERVAL_S;
}

bool vpn_cipher_is_aead(const char *cipher)
{
	return strstr(cipher, "gcm") != NULL ||
	       strcmp(cipher, "chacha20poly1305") == 0;
}

static void add(struct vpn_findings *out, const char *field,
		enum vpn_verdict verdict, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add(struct vpn_findings *out, const char *field,
		enum vpn_verdict verdict, const char *fmt, ...)
{
	if (out->n == VPN_MAX_FINDINGS) {
		return;
	}
	struct vpn_finding *f = &out->items[out->n++];
	f->field = field;
	f->verdict = verdict;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
}

/* The names of a table, comma separated, for "choose one of" messages;
 * only the strong ones. */
static void list_names(const struct alg *table, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (const struct alg *a = table; a->name != NULL; a++) {
		if (a->weak == NULL && used < len) {
			used += (size_t)snprintf(buf + used, len - used, "%s%s",
						 used > 0 ? ", " : "", a->name);
		}
	}
}

static const struct alg *find_alg(const struct alg *table, const char *name)
{
	for (const struct alg *a = table; a->name != NULL; a++) {
		if (strcmp(a->name, name) == 0) {
			return a;
		}
	}
	return NULL;
}

/* Checks one algorithm field against a table. */
static void check_alg(const struct alg *table, const char *field,
		      const char *value, struct vpn_findings *out)
{
	const struct alg *a = find_alg(table, value);
	if (a == NULL) {
		char names[256];
		list_names(table, names, sizeof(names));
		add(out, field, VPN_INVALID, "%s: unknown value '%s'; use one of %s",
		    field, value, names);
	} else if (a->weak != NULL) {
		add(out, field, VPN_WEAK, "%s %s is weak crypto: %s",
		    field, value, a->weak);
	}
}

static void check_range(const char *field, uint32_t value, uint32_t min,
			uint32_t max, bool zero_ok, struct vpn_findings *out)
{
	if ((value == 0 && zero_ok) || (value >= min && value <= max)) {
		return;
	}
	add(out, field, VPN_INVALID, "%s is %u; it takes %s%u to %u seconds",
	    field, value, zero_ok ? "0 (off) or " : "", min, max);
}

static void check_ike(const struct store_ipsec_connection *c,
		      struct vpn_findings *out)
{
	if (c->ike_version != 1 && c->ike_version != 2) {
		add(out, "ike_version", VPN_INVALID,
		    "ike_version is 1 or 2, not %u", c->ike_version);
	}
	if (strcmp(c->ike_mode, "aggressive") == 0) {
		if (c->ike_version == 2) {
			add(out, "ike_mode", VPN_INVALID,
			    "ike_mode aggressive exists only in IKEv1; use main with ike_version 2");
		} else {
			add(out, "ike_mode", VPN_WEAK,
			    "ike_mode aggressive is weak crypto: it sends a hash of the pre-shared key that can be cracked offline");
		}
	} else if (strcmp(c->ike_mode, "main") != 0) {
		add(out, "ike_mode", VPN_INVALID,
		    "ike_mode is main or aggressive, not '%s'", c->ike_mode);
	}

	check_alg(ciphers, "ike_encryption", c->ike_encryption, out);
	if (c->ike_version == 1 && vpn_cipher_is_aead(c->ike_encryption)) {
		add(out, "ike_encryption", VPN_INVALID,
		    "ike_encryption %s needs IKEv2; IKEv1 has no AEAD ciphers for IKE, use aes256",
		    c->ike_encryption);
	}
	check_alg(integrities, "ike_integrity", c->ike_integrity, out);
	check_alg(dh_groups, "ike_dh_group", c->ike_dh_group, out);
	check_range("ike_lifetime", c->ike_lifetime_s, IKE_LIFETIME_MIN,
		    IKE_LIFETIME_MAX, false, out);
}

static void check_esp(const struct store_ipsec_connection *c,
		      struct vpn_findings *out)
{
	check_alg(ciphers, "esp_encryption", c->esp_encryption, out);
	if (vpn_cipher_is_aead(c->esp_encryption)) {
		if (strcmp(c->esp_integrity, "none") != 0) {
			add(out, "esp_integrity", VPN_INVALID,
			    "esp_encryption %s authenticates by itself; esp_integrity must be none",
			    c->esp_encryption);
		}
	} else if (strcmp(c->esp_integrity, "none") == 0) {
		add(out, "esp_integrity", VPN_INVALID,
		    "esp_encryption %s needs an integrity algorithm; use sha256",
		    c->esp_encryption);
	} else {
		check_alg(integrities, "esp_integrity", c->esp_integrity, out);
	}
	if (strcmp(c->esp_pfs, "none") != 0) {
		check_alg(dh_groups, "esp_pfs", c->esp_pfs, out);
	}
	check_range("esp_lifetime", c->esp_lifetime_s, ESP_LIFETIME_MIN,
		    ESP_LIFETIME_MAX, false, out);
	check_range("dpd_interval", c->dpd_interval_s, DPD_MIN, DPD_MAX,
		    true, out);
}

void vpn_check_crypto(const struct store_ipsec_connection *conn,
		      struct vpn_findings *out)
{
	check_ike(conn, out);
	check_esp(conn, out);
}

/*
 * Pre-shared keys
 */

/* Characters a key may hold: printable ASCII without blanks, quotes and
 * backslashes, so that it is written verbatim in swanctl.conf and
 * ipsec.secrets between double quotes. */
static bool psk_char_ok(unsigned char ch)
{
	return ch > ' ' && ch < 0x7f && ch != '"' && ch != '\'' &&
	       ch != '\\';
}

static size_t distinct_chars(const char *psk)
{
	bool seen[128] = { false };
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)psk; *p; p++) {
		if (*p < 128 && !seen[*p]) {
			seen[*p] = true;
			n++;
		}
	}
	return n;
}

static bool is_common_psk(const char *psk)
{
	for (size_t i = 0; common_psks[i] != NULL; i++) {
		if (strcasecmp(psk, common_psks[i]) == 0) {
			return true;
		}
	}
	return false;
}

static bool all_digits(const char *psk)
{
	for (const char *p = psk; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p)) {
			return false;
		}
	}
	return true;
}

void vpn_check_psk(const char *psk, struct vpn_findings *out)
{
	size_t len = strlen(psk);
	if (len == 0 || len > VPN_PSK_MAX_LEN) {
		add(out, "psk", VPN_INVALID,
		    "psk must be 1 to %d characters long (%d or more to be strong); leave it out to have one generated",
		    VPN_PSK_MAX_LEN, VPN_PSK_MIN_LEN);
		return;
	}
	for (const unsigned char *p = (const unsigned char *)psk; *p; p++) {
		if (!psk_char_ok(*p)) {
			add(out, "psk", VPN_INVALID,
			    "psk may hold printable ASCII characters except blanks, quotes and backslashes");
			return;
		}
	}
	if (strncasecmp(psk, "0x", 2) == 0 || strncasecmp(psk, "0s", 2) == 0) {
		add(out, "psk", VPN_INVALID,
		    "psk may not start with 0x or 0s: strongSwan would read it as hex or base64");
		return;
	}

	const char *why = NULL;
	if (len < VPN_PSK_MIN_LEN) {
		why = "it is shorter than 16 characters";
	} else if (all_digits(psk)) {
		why = "it is all digits";
	} else if (distinct_chars(psk) < 6) {
		why = "it repeats fewer than 6 distinct characters";
	} else if (is_common_psk(psk)) {
		why = "it is a well-known key";
	}
	if (why != NULL) {
		add(out, "psk", VPN_WEAK,
		    "psk is weak: %s, so it can be guessed offline from one captured handshake; leave it out to have a random one generated",
		    why);
	}
}

int vpn_psk_generate(char *out, size_t outlen)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	const size_t letters = 52, n_alpha = sizeof(alphabet) - 1;
	if (outlen < VPN_PSK_GENERATED_LEN + 1) {
		return ZG_ELIMIT;
	}

	size_t i = 0;
	while (i < VPN_PSK_GENERATED_LEN) {
		uint8_t rnd[64];
		ssize_t got = getrandom(rnd, sizeof(rnd), 0);
		if (got < 0) {
			if (errno == EINTR) {
				continue;
			}
			return -errno;
		}
		for (ssize_t j = 0; j < got && i < VPN_PSK_GENERATED_LEN; j++) {
			/* Rejection sampling keeps every character equally
			 * likely: 248 = 4 * 62. The first is a letter. */
			size_t range = i == 0 ? letters : n_alpha;
			size_t limit = 256 - 256 % range;
			if (rnd[j] < limit) {
				out[i++] = alphabet[rnd[j] % range];
			}
		}
		memset(rnd, 0, sizeof(rnd));
	}
	out[i] = '\0';
	return 0;
}

/*
 * Proposals
 */

static int proposal(char *buf, size_t buflen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int proposal(char *buf, size_t buflen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, buflen, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= buflen ? ZG_ELIMIT : 0;
}

int vpn_ike_proposal(const struct store_ipsec_connection *c, char *buf,
		     size_t buflen)
{
	/* With an AEAD cipher the integrity field names the PRF (IKE
	 * still needs one, RFC 7296 section 3.3.2). */
	if (vpn_cipher_is_aead(c->ike_encryption)) {
		return proposal(buf, buflen, "%s-prf%s-%s", c->ike_encryption,
				c->ike_integrity, c->ike_dh_group);
	}
	return proposal(buf, buflen, "%s-%s-%s", c->ike_encryption,
			c->ike_integrity, c->ike_dh_group);
}

int vpn_esp_proposal(const struct store_ipsec_connection *c, char *buf,
		     size_t buflen)
{
	bool aead = vpn_cipher_is_aead(c->esp_encryption);
	bool pfs = strcmp(c->esp_pfs, "none") != 0;
	return proposal(buf, buflen, "%s%s%s%s%s", c->esp_encryption,
			aead ? "" : "-", aead ? "" : c->esp_integrity,
			pfs ? "-" : "", pfs ? c->esp_pfs : "");
}
