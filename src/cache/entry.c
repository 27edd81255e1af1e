/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Cache keys, and entries: an imported answer kept as a DNS message with
 * bounded TTLs, served back with the TTLs counted down. */
#include "cache/cache.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "cache/internal.h"
#include "wire/wire.h"

#define FNV_OFFSET 1469598103934665603ULL
#define FNV_PRIME 1099511628211ULL

static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
	const uint8_t *p = data;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= FNV_PRIME;
	}
	return h;
}

/* The finaliser of splitmix64: spreads FNV's low bits, which pick the
 * shard and the bucket. */
static uint64_t mix(uint64_t h)
{
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

/* Family, address and port; never the padding of the sockaddr. */
static uint64_t hash_addr(uint64_t h, const struct zg_addr *addr)
{
	int family = addr_family(addr);
	uint16_t port = addr_port(addr);

	h = fnv(h, &family, sizeof(family));
	h = fnv(h, &port, sizeof(port));
	if (family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)&addr->ss;
		h = fnv(h, &sin->sin_addr, sizeof(sin->sin_addr));
	} else if (family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)&addr->ss;
		h = fnv(h, &sin6->sin6_addr, sizeof(sin6->sin6_addr));
	}
	return h;
}

void cache_key_init(struct cache_key *key, const char *producer_id,
		    const struct zg_addr *targets, size_t n_targets,
		    const struct zg_addr *sources, size_t n_sources,
		    const knot_dname_t *name, uint16_t qtype, bool do_bit,
		    bool cd_bit)
{
	memset(key, 0, sizeof(*key));
	strncpy(key->producer_id, producer_id, sizeof(key->producer_id) - 1);

	uint64_t route = FNV_OFFSET;
	for (size_t i = 0; i < n_targets; i++) {
		route = hash_addr(route, &targets[i]);
	}
	/* A separator, so that moving an address from targets to sources
	 * changes the route. */
	route = fnv(route, "|", 1);
	for (size_t i = 0; i < n_sources; i++) {
		route = hash_addr(route, &sources[i]);
	}
	key->route = route;

	wire_name_lower(name, key->name);
	key->qtype = qtype;
	key->do_bit = do_bit;
	key->cd_bit = cd_bit;
}

void cache_key_set_authoritative(struct cache_key *key, bool authoritative)
{
	if (authoritative) {
		key->route = fnv(key->route, "|authoritative", 14);
	}
}

uint64_t cache_key_hash(const struct cache_key *key)
{
	uint64_t h = FNV_OFFSET;
	uint8_t bits = (uint8_t)(key->do_bit | (key->cd_bit << 1));

	h = fnv(h, key->producer_id, strlen(key->producer_id));
	h = fnv(h, &key->route, sizeof(key->route));
	h = fnv(h, key->name, knot_dname_size(key->name));
	h = fnv(h, &key->qtype, sizeof(key->qtype));
	h = fnv(h, &bits, sizeof(bits));
	return mix(h);
}

bool cache_key_equal(const struct cache_key *a, const struct cache_key *b)
{
	return a->qtype == b->qtype && a->do_bit == b->do_bit &&
	       a->cd_bit == b->cd_bit && a->route == b->route &&
	       strcmp(a->producer_id, b->producer_id) == 0 &&
	       knot_dname_is_equal(a->name, b->name);
}

/*
 * Entries
 */

static bool has_soa(const struct wire_section *sec)
{
	for (size_t i = 0; i < sec->count; i++) {
		if (sec->items[i].rrset->type == KNOT_RRTYPE_SOA) {
			return true;
		}
	}
	return false;
}

static uint32_t bound(uint32_t ttl, uint32_t floor, uint32_t cap)
{
	ttl = ttl > cap ? cap : ttl;
	return ttl < floor ? floor : ttl;
}

/* Puts a section of ans into pkt with bounded TTLs; lowers *lowest to
 * the smallest TTL put. \retval 0 or a libknot error. */
static int put_section(knot_pkt_t *pkt, const struct wire_section *sec,
		       uint32_t floor, uint32_t cap, uint32_t *lowest)
{
	for (size_t i = 0; i < sec->count; i++) {
		knot_rrset_t rr = *sec->items[i].rrset;
		rr.ttl = bound(rr.ttl, floor, cap);
		int ret = knot_pkt_put(pkt, KNOT_COMPR_HINT_NONE, &rr, 0);
		if (ret != KNOT_EOK) {
			return ret;
		}
		*lowest = rr.ttl < *lowest ? rr.ttl : *lowest;
	}
	return KNOT_EOK;
}

/* Renders the answer and authority sections of ans as a response to
 * key's question; the additional section is never imported. */
static int render(const struct cache *cache, const struct cache_key *key,
		  const struct wire_answer *ans, knot_pkt_t *pkt,
		  uint32_t *lowest)
{
	const struct cache_limits *lim = &cache->limits;
	const struct wire_section *auth = &ans->sections[KNOT_AUTHORITY];
	/* RFC 2308 section 5: the negative part of an answer lives as long
	 * as its SOA says, bounded by the negative limits. */
	bool negative = has_soa(auth);

	knot_wire_set_qr(pkt->wire);
	knot_wire_set_rcode(pkt->wire, ans->rcode & 0x0f);
	int ret = knot_pkt_put_question(pkt, key->name, KNOT_CLASS_IN,
					key->qtype);
	if (ret == KNOT_EOK) {
		ret = knot_pkt_begin(pkt, KNOT_ANSWER);
	}
	if (ret == KNOT_EOK) {
		ret = put_section(pkt, &ans->sections[KNOT_ANSWER],
				  lim->min_ttl, lim->max_ttl, lowest);
	}
	if (ret == KNOT_EOK) {
		ret = knot_pkt_begin(pkt, KNOT_AUTHORITY);
	}
	if (ret == KNOT_EOK) {
		ret = put_section(pkt, auth,
				  negative ? lim->min_neg_ttl : lim->min_ttl,
				  negative ? lim->max_neg_ttl : lim->max_ttl,
				  lowest);
	}
	return ret;
}

struct cache_entry *cache_entry_new(const struct cache *cache,
				    const struct cache_key *key,
				    const struct wire_answer *ans,
				    uint64_t now_ms)
{
	knot_pkt_t *pkt = knot_pkt_new(NULL, KNOT_WIRE_MAX_PKTSIZE, NULL);
	struct cache_entry *entry = calloc(1, sizeof(*entry));
	if (pkt == NULL || entry == NULL) {
		goto fail;
	}

	uint32_t lowest = UINT32_MAX;
	if (render(cache, key, ans, pkt, &lowest) != KNOT_EOK) {
		goto fail;
	}
	entry->wire = malloc(pkt->size);
	if (entry->wire == NULL) {
		goto fail;
	}
	memcpy(entry->wire, pkt->wire, pkt->size);
	entry->wire_len = pkt->size;
	knot_pkt_free(pkt);

	atomic_init(&entry->refs, 1);
	entry->key = *key;
	entry->stored_ms = now_ms;
	entry->ttl_s = lowest == UINT32_MAX ? 0 : lowest;
	entry->rcode = ans->rcode & 0x0f;
	return entry;

fail:
	knot_pkt_free(pkt);
	free(entry);
	return NULL;
}

void cache_entry_ref(struct cache_entry *entry)
{
	atomic_fetch_add_explicit(&entry->refs, 1, memory_order_relaxed);
}

void cache_entry_unref(struct cache_entry *entry)
{
	if (entry == NULL) {
		return;
	}
	if (atomic_fetch_sub_explicit(&entry->refs, 1,
				      memory_order_acq_rel) == 1) {
		free(entry->wire);
		free(entry);
	}
}

uint32_t cache_entry_ttl(const struct cache_entry *entry)
{
	return entry->ttl_s;
}

uint8_t cache_entry_rcode(const struct cache_entry *entry)
{
	return entry->rcode;
}

bool cache_entry_fresh(const struct cache_entry *entry, uint64_t now_ms)
{
	return now_ms < entry->stored_ms + (uint64_t)entry->ttl_s * 1000;
}

size_t cache_entry_bytes(const struct cache_entry *entry)
{
	return sizeof(*entry) + entry->wire_len;
}

int cache_entry_packet(const struct cache_entry *entry, uint64_t now_ms,
		       bool stale, knot_pkt_t **out)
{
	knot_pkt_t *pkt = knot_pkt_new(NULL, (uint16_t)entry->wire_len, NULL);
	if (pkt == NULL) {
		return ZG_ENOMEM;
	}
	memcpy(pkt->wire, entry->wire, entry->wire_len);
	pkt->size = entry->wire_len;
	if (knot_pkt_parse(pkt, 0) != KNOT_EOK) {
		knot_pkt_free(pkt);
		return ZG_EMALF;
	}

	uint64_t age_s = now_ms > entry->stored_ms ?
		(now_ms - entry->stored_ms) / 1000 : 0;
	for (uint16_t i = 0; i < pkt->rrset_count; i++) {
		knot_rrset_t *rr = &pkt->rr[i];
		if (stale) {
			rr->ttl = CACHE_STALE_TTL;
		} else {
			rr->ttl = rr->ttl > age_s ? rr->ttl - (uint32_t)age_s : 0;
		}
	}
	*out = pkt;
	return 0;
}
