/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Test helper: DNS messages built by hand with libknot. */
#include "forward/tests/msgbuild.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

static void must(bool ok)
{
	if (!ok) {
		abort();
	}
}

const knot_dname_t *tmsg_dname(const char *text, int slot)
{
	/* Per thread: the responders of the exchange test build messages
	 * in their own threads. */
	static _Thread_local uint8_t names[TMSG_SLOTS][KNOT_DNAME_MAXLEN];
	must(slot >= 0 && slot < TMSG_SLOTS);
	must(knot_dname_from_str(names[slot], text, KNOT_DNAME_MAXLEN) != NULL);
	return names[slot];
}

knot_pkt_t *tmsg_new(uint16_t msg_id, const char *qname, uint16_t qtype,
		     uint8_t rcode, bool qr)
{
	knot_pkt_t *pkt = knot_pkt_new(NULL, KNOT_WIRE_MAX_PKTSIZE, NULL);
	must(pkt != NULL);
	knot_wire_set_id(pkt->wire, msg_id);
	must(knot_pkt_put_question(pkt, tmsg_dname(qname, 0), KNOT_CLASS_IN,
				   qtype) == KNOT_EOK);
	if (qr) {
		knot_wire_set_qr(pkt->wire);
	}
	knot_wire_set_rd(pkt->wire);
	knot_wire_set_rcode(pkt->wire, rcode);
	return pkt;
}

void tmsg_raw(knot_pkt_t *pkt, int section, const char *owner, uint16_t type,
	      uint32_t ttl, const uint8_t *rdata, uint16_t len)
{
	if (pkt->current != (knot_section_t)section) {
		must(knot_pkt_begin(pkt, (knot_section_t)section) == KNOT_EOK);
	}
	knot_rrset_t *rr = knot_rrset_new(tmsg_dname(owner, 1), type,
					  KNOT_CLASS_IN, ttl, &pkt->mm);
	must(rr != NULL);
	must(knot_rrset_add_rdata(rr, rdata, len, &pkt->mm) == KNOT_EOK);
	/* The packet keeps a copy of the structure and frees its owner and
	 * RDATA with it (KNOT_PF_FREE); the structure itself is ours. */
	must(knot_pkt_put(pkt, KNOT_COMPR_HINT_NONE, rr, KNOT_PF_FREE) ==
	     KNOT_EOK);
	free(rr);
}

void tmsg_a(knot_pkt_t *pkt, int section, const char *owner, uint32_t ttl,
	    const char *ip)
{
	uint8_t data[4];
	must(inet_pton(AF_INET, ip, data) == 1);
	tmsg_raw(pkt, section, owner, KNOT_RRTYPE_A, ttl, data, sizeof(data));
}

void tmsg_aaaa(knot_pkt_t *pkt, int section, const char *owner, uint32_t ttl,
	       const char *ip)
{
	uint8_t data[16];
	must(inet_pton(AF_INET6, ip, data) == 1);
	tmsg_raw(pkt, section, owner, KNOT_RRTYPE_AAAA, ttl, data,
		 sizeof(data));
}

void tmsg_name(knot_pkt_t *pkt, int section, const char *owner,
	       uint16_t type, uint32_t ttl, const char *name)
{
	const knot_dname_t *dname = tmsg_dname(name, 2);
	tmsg_raw(pkt, section, owner, type, ttl, dname,
		 (uint16_t)knot_dname_size(dname));
}

void tmsg_soa(knot_pkt_t *pkt, int section, const char *owner, uint32_t ttl,
	      const char *mname, const char *rname, uint32_t serial,
	      uint32_t refresh, uint32_t retry, uint32_t expire,
	      uint32_t minimum)
{
	uint8_t data[2 * KNOT_DNAME_MAXLEN + 20];
	size_t pos = 0;
	const knot_dname_t *m = tmsg_dname(mname, 2);
	memcpy(data, m, knot_dname_size(m));
	pos += knot_dname_size(m);
	const knot_dname_t *r = tmsg_dname(rname, 3);
	memcpy(data + pos, r, knot_dname_size(r));
	pos += knot_dname_size(r);
	uint32_t values[5] = { serial, refresh, retry, expire, minimum };
	for (int i = 0; i < 5; i++) {
		knot_wire_write_u32(data + pos, values[i]);
		pos += 4;
	}
	tmsg_raw(pkt, section, owner, KNOT_RRTYPE_SOA, ttl, data,
		 (uint16_t)pos);
}

void tmsg_txt(knot_pkt_t *pkt, int section, const char *owner, uint32_t ttl,
	      size_t len, char fill)
{
	uint8_t data[1200];
	size_t pos = 0;
	/* TXT holds character-strings of at most 255 octets each. */
	while (len > 0) {
		size_t chunk = len > 255 ? 255 : len;
		data[pos++] = (uint8_t)chunk;
		memset(data + pos, fill, chunk);
		pos += chunk;
		len -= chunk;
	}
	tmsg_raw(pkt, section, owner, KNOT_RRTYPE_TXT, ttl, data,
		 (uint16_t)pos);
}

void tmsg_rrsig(knot_pkt_t *pkt, int section, const char *owner,
		uint32_t ttl, uint16_t covered, uint8_t labels,
		const char *signer)
{
	uint8_t data[18 + KNOT_DNAME_MAXLEN + 16];
	knot_wire_write_u16(data, covered);
	data[2] = 13;				/* ECDSAP256SHA256 */
	data[3] = labels;
	knot_wire_write_u32(data + 4, ttl);	/* original TTL */
	knot_wire_write_u32(data + 8, 2000000000u);
	knot_wire_write_u32(data + 12, 1700000000u);
	knot_wire_write_u16(data + 16, 4242);	/* key tag */
	const knot_dname_t *s = tmsg_dname(signer, 2);
	size_t pos = 18;
	memcpy(data + pos, s, knot_dname_size(s));
	pos += knot_dname_size(s);
	memset(data + pos, 0xab, 16);		/* not a real signature */
	pos += 16;
	tmsg_raw(pkt, section, owner, KNOT_RRTYPE_RRSIG, ttl, data,
		 (uint16_t)pos);
}

knot_pkt_t *tmsg_reparse(const knot_pkt_t *pkt)
{
	knot_pkt_t *parsed = knot_pkt_new(NULL, (uint16_t)pkt->size, NULL);
	must(parsed != NULL);
	memcpy(parsed->wire, pkt->wire, pkt->size);
	parsed->size = pkt->size;
	must(knot_pkt_parse(parsed, KNOT_PF_NOCANON) == KNOT_EOK);
	return parsed;
}
