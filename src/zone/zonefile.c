/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Zone files: reading RFC 1035 master-file text with libzscanner, record
 * by record with line numbers, and writing zone contents as one. */
#include "zone/zone.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libzscanner/error.h>
#include <libzscanner/scanner.h>

#include "common/error.h"

static void set_err(char *err, size_t errlen, uint64_t line,
		    const char *what)
{
	if (err != NULL && errlen > 0) {
		snprintf(err, errlen, "line %" PRIu64 ": %s", line, what);
	}
}

/* Hands one parsed record to the caller. */
static int deliver(zs_scanner_t *s, zone_file_rr_cb cb, void *arg,
		   uint64_t *err_line, char *err, size_t errlen)
{
	if (s->r_class != KNOT_CLASS_IN) {
		*err_line = s->line_counter;
		set_err(err, errlen, s->line_counter,
			"only class IN is served");
		return ZG_EINVAL;
	}
	struct zone_file_rr rr = {
		.owner = s->r_owner,
		.type = s->r_type,
		.ttl = s->r_ttl,
		.rdata = s->r_data,
		.rdata_len = (uint16_t)s->r_data_length,
		.line = s->line_counter,
	};
	return cb(arg, &rr);
}

int zone_file_parse(const char *text, size_t len,
		    const knot_dname_t *origin, zone_file_rr_cb cb, void *arg,
		    uint64_t *err_line, char *err, size_t errlen)
{
	char origin_txt[KNOT_DNAME_TXT_MAXLEN + 1];
	*err_line = 0;
	if (knot_dname_to_str(origin_txt, origin, sizeof(origin_txt)) ==
	    NULL) {
		return ZG_EINVAL;
	}
	zs_scanner_t *s = malloc(sizeof(*s));
	if (s == NULL) {
		return ZG_ENOMEM;
	}
	if (zs_init(s, origin_txt, KNOT_CLASS_IN, ZONE_FILE_DEFAULT_TTL) != 0 ||
	    zs_set_input_string(s, text, len) != 0) {
		zs_deinit(s);
		free(s);
		return ZG_ENOMEM;
	}

	/* Record by record, so that an $INCLUDE is refused before the
	 * scanner would open a file of the daemon's host. */
	int ret = 0;
	while (ret == 0) {
		if (zs_parse_record(s) != 0 || s->state == ZS_STATE_ERROR) {
			*err_line = s->line_counter;
			set_err(err, errlen, s->line_counter,
				zs_strerror(s->error.code));
			ret = ZG_EINVAL;
		} else if (s->state == ZS_STATE_DATA) {
			ret = deliver(s, cb, arg, err_line, err, errlen);
		} else if (s->state == ZS_STATE_INCLUDE) {
			*err_line = s->line_counter;
			set_err(err, errlen, s->line_counter,
				"$INCLUDE is not accepted; put the records in the file itself");
			ret = ZG_EINVAL;
		} else {
			break;	/* EOF or STOP */
		}
	}
	zs_deinit(s);
	free(s);
	return ret;
}

/* Appends text to a growing buffer. */
struct out_buf {
	char *data;
	size_t len;
	size_t cap;
};

static int buf_add(struct out_buf *b, const char *text, size_t len)
{
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap == 0 ? 4096 : b->cap;
		while (cap < b->len + len + 1) {
			cap *= 2;
		}
		char *grown = realloc(b->data, cap);
		if (grown == NULL) {
			return ZG_ENOMEM;
		}
		b->data = grown;
		b->cap = cap;
	}
	memcpy(b->data + b->len, text, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

/* One line per RR: owner, TTL, class, type, data; never wrapped, so
 * every line stands alone for a reader. */
static const knot_dump_style_t export_style = {
	.show_class = true,
	.show_ttl = true,
};

struct export_ctx {
	struct out_buf out;
	char *line;			/* scratch for one RRset */
	size_t line_size;
};

static int export_rrset(const knot_rrset_t *rr, void *arg)
{
	struct export_ctx *ctx = arg;
	int len = knot_rrset_txt_dump(rr, &ctx->line, &ctx->line_size,
				      &export_style);
	if (len < 0) {
		return len == KNOT_ENOMEM ? ZG_ENOMEM : ZG_EINVAL;
	}
	return buf_add(&ctx->out, ctx->line, (size_t)len);
}

int zone_file_export(const struct zone_contents *z, char **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	char apex[KNOT_DNAME_TXT_MAXLEN + 1];
	if (knot_dname_to_str(apex, zone_contents_apex(z), sizeof(apex)) ==
	    NULL) {
		return ZG_EINVAL;
	}

	/* knot_rrset_txt_dump() grows the line buffer but wants one. */
	struct export_ctx ctx = { .line = malloc(1024), .line_size = 1024 };
	if (ctx.line == NULL) {
		return ZG_ENOMEM;
	}
	char head[KNOT_DNAME_TXT_MAXLEN + 96];
	int n = snprintf(head, sizeof(head),
			 ";; zone %s at serial %" PRIu32 "\n$ORIGIN %s\n",
			 apex, zone_contents_serial(z), apex);
	int ret = buf_add(&ctx.out, head, (size_t)n);
	if (ret == 0) {
		ret = zone_contents_walk(z, export_rrset, &ctx);
	}
	free(ctx.line);
	if (ret != 0) {
		free(ctx.out.data);
		return ret;
	}
	*out = ctx.out.data;
	*len = ctx.out.len;
	return 0;
}
