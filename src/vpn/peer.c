/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The strongSwan configuration of one end of a connection as text:
 * swanctl.conf, or the legacy ipsec.conf and ipsec.secrets that the seed
 * shows. `zonegate vpn download` renders the peer's end with these. */
#include "vpn/vpn.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

/* A growing text buffer; the first failure sticks. */
struct text {
	char *buf;
	size_t len;
	size_t cap;
	int err;
};

static void text_add(struct text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void text_add(struct text *t, const char *fmt, ...)
{
	if (t->err != 0) {
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		t->err = ZG_EINVAL;
		return;
	}
	if (t->len + (size_t)n + 1 > t->cap) {
		size_t cap = t->cap == 0 ? 2048 : t->cap * 2;
		while (cap < t->len + (size_t)n + 1) {
			cap *= 2;
		}
		char *grown = realloc(t->buf, cap);
		if (grown == NULL) {
			t->err = ZG_ENOMEM;
			return;
		}
		t->buf = grown;
		t->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

static void text_free(struct text *t)
{
	if (t->buf != NULL) {
		memset(t->buf, 0, t->cap);
	}
	free(t->buf);
	memset(t, 0, sizeof(*t));
}

static void add_joined(struct text *t, const char (*items)[VPN_TS_LEN],
		       size_t n)
{
	for (size_t i = 0; i < n; i++) {
		text_add(t, "%s%s", i > 0 ? "," : "", items[i]);
	}
}

static void add_header(struct text *t, const struct vpn_spec *s,
		       const char *file, const char *how)
{
	text_add(t,
		 "# %s for the end at %s of IPsec connection %s (%s),\n"
		 "# written by zonegate: the peer of the VPN gateway at %s.\n"
		 "# It holds the pre-shared key: keep it readable by root only.\n"
		 "# %s\n",
		 file, s->local_addr, s->connection_id, s->connection_name,
		 s->remote_addr, how);
}

/*
 * swanctl.conf
 */

/*
 * Both ends start the tunnel (as the seed's data centre does with
 * auto=start) and restart it after DPD, so either side brings it back by
 * itself. A CHILD_SA closed by zonegate's end is not started again here:
 * zonegate closes one on purpose (its connection was disabled or
 * deleted, or both ends started the tunnel at once and it keeps one of
 * the two SAs, vpn/manager.c), and charon's own "unique" policy cannot
 * catch that race, since it is checked before the end's own SA is up.
 */
static void swanctl_child(struct text *t, const struct vpn_spec *s)
{
	text_add(t, "\t\tchildren {\n\t\t\t%s {\n", s->name);
	text_add(t, "\t\t\t\tlocal_ts = ");
	add_joined(t, s->local_ts, s->n_local_ts);
	text_add(t, "\n\t\t\t\tremote_ts = ");
	add_joined(t, s->remote_ts, s->n_remote_ts);
	text_add(t, "\n");
	text_add(t, "\t\t\t\tesp_proposals = %s\n", s->esp_proposal);
	text_add(t, "\t\t\t\trekey_time = %us\n", s->esp_lifetime_s);
	text_add(t, "\t\t\t\tmode = tunnel\n");
	text_add(t, "\t\t\t\tstart_action = start\n");
	text_add(t, "\t\t\t\tdpd_action = restart\n");
	text_add(t, "\t\t\t\tclose_action = none\n");
	text_add(t, "\t\t\t}\n\t\t}\n");
}

static void render_swanctl(struct text *t, const struct vpn_spec *s)
{
	add_header(t, s, "swanctl.conf",
		   "Load it with: swanctl --load-all --file swanctl.conf");
	text_add(t, "connections {\n\t%s {\n", s->name);
	text_add(t, "\t\tversion = %u\n", s->ike_version);
	text_add(t, "\t\tlocal_addrs = %s\n", s->local_addr);
	text_add(t, "\t\tremote_addrs = %s\n", s->remote_addr);
	text_add(t, "\t\tproposals = %s\n", s->ike_proposal);
	text_add(t, "\t\taggressive = %s\n", s->aggressive ? "yes" : "no");
	text_add(t, "\t\t%s = %us\n",
		 s->ike_version == 1 ? "reauth_time" : "rekey_time",
		 s->ike_lifetime_s);
	text_add(t, "\t\tdpd_delay = %us\n", s->dpd_interval_s);
	text_add(t, "\t\tkeyingtries = 0\n");
	text_add(t, "\t\tlocal {\n\t\t\tauth = psk\n\t\t\tid = %s\n\t\t}\n",
		 s->local_id);
	text_add(t, "\t\tremote {\n\t\t\tauth = psk\n\t\t\tid = %s\n\t\t}\n",
		 s->remote_id);
	swanctl_child(t, s);
	text_add(t, "\t}\n}\n\n");

	text_add(t, "secrets {\n\tike-%s {\n", s->name);
	text_add(t, "\t\tid-local = %s\n", s->local_id);
	text_add(t, "\t\tid-remote = %s\n", s->remote_id);
	text_add(t, "\t\tsecret = \"%s\"\n", s->psk);
	text_add(t, "\t}\n}\n");
}

/*
 * ipsec.conf and ipsec.secrets
 */

static void render_ipsec_conf(struct text *t, const struct vpn_spec *s)
{
	add_header(t, s, "ipsec.conf",
		   "Used by the starter: ipsec start, with ipsec.secrets beside it.");
	text_add(t, "config setup\n\tuniqueids = never\n\n");
	text_add(t, "conn %s\n", s->name);
	text_add(t, "\tkeyexchange=ikev%u\n", s->ike_version);
	text_add(t, "\tauthby=psk\n");
	text_add(t, "\tleft=%s\n\tleftid=%s\n\tleftsubnet=", s->local_addr,
		 s->local_id);
	add_joined(t, s->local_ts, s->n_local_ts);
	text_add(t, "\n\tright=%s\n\trightid=%s\n\trightsubnet=",
		 s->remote_addr, s->remote_id);
	add_joined(t, s->remote_ts, s->n_remote_ts);
	text_add(t, "\n");
	/* '!' makes the lists strict, as swanctl's are: no default
	 * algorithms are added behind them. */
	text_add(t, "\tike=%s!\n\tesp=%s!\n", s->ike_proposal,
		 s->esp_proposal);
	text_add(t, "\taggressive=%s\n", s->aggressive ? "yes" : "no");
	text_add(t, "\tikelifetime=%us\n\tlifetime=%us\n", s->ike_lifetime_s,
		 s->esp_lifetime_s);
	text_add(t, "\trekeymargin=3m\n\tkeyingtries=%%forever\n");
	if (s->dpd_interval_s > 0) {
		text_add(t, "\tdpddelay=%us\n\tdpdaction=restart\n",
			 s->dpd_interval_s);
	}
	text_add(t, "\tcloseaction=none\n");
	text_add(t, "\ttype=tunnel\n\tauto=start\n");
}

static void render_ipsec_secrets(struct text *t, const struct vpn_spec *s)
{
	add_header(t, s, "ipsec.secrets", "Read by charon through the starter.");
	text_add(t, "%s %s : PSK \"%s\"\n", s->local_id, s->remote_id,
		 s->psk);
}

static int take(struct text *t, struct vpn_peer_file *file, const char *name)
{
	if (t->err != 0) {
		int err = t->err;
		text_free(t);
		return err;
	}
	snprintf(file->name, sizeof(file->name), "%s", name);
	file->content = t->buf;
	memset(t, 0, sizeof(*t));
	return 0;
}

int vpn_peer_render(const struct vpn_spec *spec, enum vpn_peer_format fmt,
		    struct vpn_peer_file files[2], size_t *n_files)
{
	struct text t = { 0 };
	int ret = 0;
	*n_files = 0;
	memset(files, 0, 2 * sizeof(*files));

	switch (fmt) {
	case VPN_FORMAT_SWANCTL:
		render_swanctl(&t, spec);
		ret = take(&t, &files[0], "swanctl.conf");
		*n_files = ret == 0 ? 1 : 0;
		return ret;
	case VPN_FORMAT_IPSEC:
		render_ipsec_conf(&t, spec);
		ret = take(&t, &files[0], "ipsec.conf");
		if (ret == 0) {
			render_ipsec_secrets(&t, spec);
			ret = take(&t, &files[1], "ipsec.secrets");
		}
		*n_files = ret == 0 ? 2 : 0;
		if (ret != 0) {
			vpn_peer_files_free(files, 2);
		}
		return ret;
	}
	return ZG_EINVAL;
}

void vpn_peer_files_free(struct vpn_peer_file files[2], size_t n_files)
{
	for (size_t i = 0; i < n_files; i++) {
		if (files[i].content != NULL) {
			memset(files[i].content, 0, strlen(files[i].content));
		}
		free(files[i].content);
		files[i].content = NULL;
	}
}

int vpn_peer_format_parse(const char *text, enum vpn_peer_format *out)
{
	if (strcmp(text, "swanctl") == 0) {
		*out = VPN_FORMAT_SWANCTL;
		return 0;
	}
	if (strcmp(text, "ipsec") == 0) {
		*out = VPN_FORMAT_IPSEC;
		return 0;
	}
	return ZG_EINVAL;
}
