/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Test helpers: records from master-file text and DNS messages. */
#include "msg_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libzscanner/scanner.h>

knot_rrset_t *util_rr(const char *line)
{
	zs_scanner_t sc;
	assert_int_equal(zs_init(&sc, ".", KNOT_CLASS_IN, 3600), 0);
	assert_int_equal(zs_set_input_string(&sc, line, strlen(line)), 0);
	assert_int_equal(zs_parse_record(&sc), 0);
	assert_int_equal(sc.state, ZS_STATE_DATA);
	knot_dname_t *owner = knot_dname_copy(sc.r_owner, NULL);
	knot_rrset_t *rr = knot_rrset_new(owner, sc.r_type, sc.r_class,
					  sc.r_ttl, NULL);
	free(owner);
	assert_non_null(rr);
	assert_int_equal(knot_rrset_add_rdata(rr, sc.r_data,
					      sc.r_data_length, NULL), 0);
	zs_deinit(&sc);
	return rr;
}

knot_pkt_t *util_parse(const uint8_t *wire, size_t len)
{
	knot_pkt_t *pkt = knot_pkt_new(NULL, KNOT_WIRE_MAX_PKTSIZE, NULL);
	assert_non_null(pkt);
	memcpy(pkt->wire, wire, len);
	pkt->size = len;
	assert_int_equal(knot_pkt_parse(pkt, 0), 0);
	return pkt;
}

knot_pkt_t *util_reply(const char *qname, uint16_t qtype,
		       const char *const *answer)
{
	knot_pkt_t *out = knot_pkt_new(NULL, KNOT_WIRE_MAX_PKTSIZE, NULL);
	assert_non_null(out);
	knot_wire_set_id(out->wire, 4242);
	knot_wire_set_qr(out->wire);
	knot_wire_set_aa(out->wire);
	knot_dname_t *q = knot_dname_from_str_alloc(qname);
	assert_int_equal(knot_pkt_put_question(out, q, KNOT_CLASS_IN, qtype),
			 0);
	free(q);
	assert_int_equal(knot_pkt_begin(out, KNOT_ANSWER), 0);
	for (size_t i = 0; answer[i] != NULL; i++) {
		knot_rrset_t *rr = util_rr(answer[i]);
		assert_int_equal(knot_pkt_put(out, 0, rr, 0), 0);
		knot_rrset_free(rr, NULL);
	}
	knot_pkt_t *in = util_parse(out->wire, out->size);
	knot_pkt_free(out);
	return in;
}

int util_append_rrset_text(const knot_rrset_t *rr, void *arg)
{
	char *out = arg;
	size_t size = 1024;
	char *text = malloc(size);
	int ret = knot_rrset_txt_dump(rr, &text, &size,
				      &KNOT_DUMP_STYLE_DEFAULT);
	if (ret >= 0 && strlen(out) + strlen(text) < 8192) {
		strcat(out, text);
	} else {
		ret = -1;
	}
	free(text);
	return ret < 0 ? -1 : 0;
}
