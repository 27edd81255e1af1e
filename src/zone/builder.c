/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Building zone contents from presentation lines (libzscanner) or parsed
 * RRsets: nodes, empty non-terminals, one TTL per RRset, delegations. */
#include "zone/zone.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libzscanner/error.h>
#include <libzscanner/scanner.h>

#include "zone/zone_impl.h"

/* TTL for a line that gives none; the API always gives one. */
#define BUILDER_DEFAULT_TTL 3600

struct zone_builder {
	struct zone_contents *z;
	zs_scanner_t *scanner;	/* created by the first add_text */
	char origin[KNOT_DNAME_TXT_MAXLEN + 1];
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (err == NULL || errlen == 0) {
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

struct zone_builder *zone_builder_new(const knot_dname_t *apex)
{
	if (apex == NULL) {
		return NULL;
	}
	struct zone_builder *b = calloc(1, sizeof(*b));
	if (b == NULL) {
		return NULL;
	}
	b->z = zone_contents_new(apex);
	if (b->z == NULL ||
	    knot_dname_to_str(b->origin, b->z->apex_name,
			      sizeof(b->origin)) == NULL) {
		zone_contents_free(b->z);
		free(b);
		return NULL;
	}
	return b;
}

static void builder_free(struct zone_builder *b)
{
	if (b->scanner != NULL) {
		zs_deinit(b->scanner);
		free(b->scanner);
	}
	free(b);
}

void zone_builder_free(struct zone_builder *b)
{
	if (b == NULL) {
		return;
	}
	zone_contents_free(b->z);
	builder_free(b);
}

static int db_insert(struct zone_contents *z, const uint8_t *key, size_t len,
		     struct zone_node *node)
{
	const knot_db_api_t *api = zone_db_api();
	knot_db_txn_t txn;
	knot_db_val_t k = { .data = (void *)key, .len = len };
	knot_db_val_t v = { .data = node, .len = sizeof(node) };
	if (api->txn_begin(z->db, &txn, 0) != KNOT_EOK) {
		return ZG_EINTERNAL;
	}
	int ret = api->insert(&txn, &k, &v, 0);
	if (ret != KNOT_EOK) {
		api->txn_abort(&txn);
		return ZG_ENOMEM;
	}
	api->txn_commit(&txn);
	return 0;
}

/*
 * The node of owner (lower case, inside the zone), created when missing
 * together with every missing ancestor down from the apex: those are the
 * empty non-terminals (RFC 8499), so they exist from the moment a name
 * below them does.
 */
static struct zone_node *node_get(struct zone_contents *z,
				  const knot_dname_t *owner,
				  const struct wire_name_key *key)
{
	struct zone_node *node = zone_db_find(z, key->bytes, key->len);
	if (node != NULL) {
		return node;
	}

	/* Offsets of the labels, so the owner of the ancestor with k
	 * labels is owner + offs[labels - k]. */
	size_t offs[KNOT_DNAME_MAXLABELS + 1];
	size_t pos = 0;
	for (unsigned i = 0; i <= key->labels; i++) {
		offs[i] = pos;
		pos += (size_t)owner[pos] + 1;
	}
	size_t full = knot_dname_size(owner);

	struct zone_node *parent = z->apex;
	for (unsigned k = z->apex_labels + 1; k <= key->labels; k++) {
		node = zone_db_find(z, key->bytes, key->ends[k]);
		if (node == NULL) {
			size_t off = offs[key->labels - k];
			node = zone_node_new(z, parent, owner + off,
					     full - off);
			/* A node left out of the trie stays in the arena
			 * until the zone is freed. */
			if (node == NULL ||
			    db_insert(z, key->bytes, key->ends[k], node) != 0) {
				return NULL;
			}
		}
		parent = node;
	}
	return parent;
}

/* Position of type among a node's RRsets: SOA first (transfers start
 * with it), then ascending type. */
static bool type_before(uint16_t a, uint16_t b)
{
	if (a == KNOT_RRTYPE_SOA || b == KNOT_RRTYPE_SOA) {
		return a == KNOT_RRTYPE_SOA && b != KNOT_RRTYPE_SOA;
	}
	return a < b;
}

static knot_rrset_t *rrset_get(struct zone_node *node, uint16_t type,
			       uint32_t ttl)
{
	uint16_t i = 0;
	for (; i < node->n_rrsets; i++) {
		if (node->rrsets[i].type == type) {
			return &node->rrsets[i];
		}
		if (type_before(type, node->rrsets[i].type)) {
			break;
		}
	}
	if (node->n_rrsets == node->cap_rrsets) {
		uint16_t cap = node->cap_rrsets == 0 ? 2 : node->cap_rrsets * 2;
		knot_rrset_t *arr = realloc(node->rrsets, cap * sizeof(*arr));
		if (arr == NULL) {
			return NULL;
		}
		node->rrsets = arr;
		node->cap_rrsets = cap;
	}
	memmove(&node->rrsets[i + 1], &node->rrsets[i],
		(node->n_rrsets - i) * sizeof(node->rrsets[0]));
	knot_rrset_init(&node->rrsets[i], node->owner, type, KNOT_CLASS_IN,
			ttl);
	node->n_rrsets++;
	return &node->rrsets[i];
}

/* Types of which an RRset holds one record (RFC 1035 section 3.3.13,
 * RFC 2181 section 10.1): a later record replaces the earlier one. */
static bool type_is_singleton(uint16_t type)
{
	return type == KNOT_RRTYPE_SOA || type == KNOT_RRTYPE_CNAME ||
	       type == KNOT_RRTYPE_DNAME;
}

/* Adds one record; owner in any case, the zone stores it lower case. */
static int add_record(struct zone_builder *b, const knot_dname_t *owner,
		      uint16_t type, uint32_t ttl, const uint8_t *rdata,
		      uint16_t rdlen, char *err, size_t errlen)
{
	if (!wire_name_in_zone(owner, b->z->apex_name)) {
		char text[KNOT_DNAME_TXT_MAXLEN + 1] = "?";
		knot_dname_to_str(text, owner, sizeof(text));
		set_err(err, errlen, "%s is outside the zone %s", text,
			b->origin);
		return ZG_EINVAL;
	}
	if (knot_rrtype_is_metatype(type) || type == KNOT_RRTYPE_OPT) {
		set_err(err, errlen, "type %u cannot be stored in a zone", type);
		return ZG_EINVAL;
	}

	knot_dname_t lower[KNOT_DNAME_MAXLEN];
	struct wire_name_key key;
	wire_name_lower(owner, lower);
	if (wire_name_key_build(lower, &key) != 0) {
		set_err(err, errlen, "invalid owner name");
		return ZG_EINVAL;
	}
	struct zone_node *node = node_get(b->z, lower, &key);
	knot_rrset_t *rr = node != NULL ? rrset_get(node, type, ttl) : NULL;
	if (rr == NULL) {
		set_err(err, errlen, "out of memory");
		return ZG_ENOMEM;
	}
	if (type_is_singleton(type) && rr->rrs.count > 0) {
		knot_rdataset_clear(&rr->rrs, NULL);
	}
	/* Duplicates are dropped by knot_rrset_add_rdata(). */
	if (knot_rrset_add_rdata(rr, rdata, rdlen, NULL) != KNOT_EOK) {
		set_err(err, errlen, "out of memory");
		return ZG_ENOMEM;
	}
	/* One TTL per RRset, the last one given (RFC 2181 section 5.2). */
	rr->ttl = ttl;
	return 0;
}

static int scanner_start(struct zone_builder *b)
{
	if (b->scanner != NULL) {
		zs_deinit(b->scanner);
	} else {
		b->scanner = malloc(sizeof(*b->scanner));
		if (b->scanner == NULL) {
			return ZG_ENOMEM;
		}
	}
	if (zs_init(b->scanner, b->origin, KNOT_CLASS_IN,
		    BUILDER_DEFAULT_TTL) != 0) {
		free(b->scanner);
		b->scanner = NULL;
		return ZG_ENOMEM;
	}
	return 0;
}

/* A line is one record starting with its owner; directives ($ORIGIN,
 * $TTL, $INCLUDE) would change the scanner for later lines or read
 * files, so no line of it may start with '$'. */
static bool text_is_plain_record(const char *line)
{
	if (line[0] == ' ' || line[0] == '\t') {
		return false;
	}
	for (const char *p = line; p != NULL; p = strchr(p, '\n')) {
		if (*p == '\n') {
			p++;
		}
		if (*p == '$') {
			return false;
		}
	}
	return true;
}

int zone_builder_add_text(struct zone_builder *b, const char *line, char *err,
			  size_t errlen)
{
	if (b == NULL || line == NULL) {
		return ZG_EINVAL;
	}
	if (!text_is_plain_record(line)) {
		set_err(err, errlen, "a record must start with its owner and directives are not accepted");
		return ZG_EINVAL;
	}
	if (b->scanner == NULL && scanner_start(b) != 0) {
		set_err(err, errlen, "out of memory");
		return ZG_ENOMEM;
	}

	zs_scanner_t *s = b->scanner;
	int ret = ZG_EINVAL;
	if (zs_set_input_string(s, line, strlen(line)) != 0 ||
	    zs_parse_record(s) != 0) {
		set_err(err, errlen, "%s", zs_strerror(s->error.code));
		goto restart;
	}
	if (s->state != ZS_STATE_DATA) {
		set_err(err, errlen, "%s", s->state == ZS_STATE_ERROR ?
			zs_strerror(s->error.code) : "no record in the text");
		goto restart;
	}
	if (s->r_class != KNOT_CLASS_IN) {
		set_err(err, errlen, "only class IN is served");
		goto restart;
	}

	/* Keep the record before looking for a second one, which would
	 * overwrite the scanner's buffers. */
	knot_dname_t owner[KNOT_DNAME_MAXLEN];
	memcpy(owner, s->r_owner, s->r_owner_length);
	uint16_t type = s->r_type;
	uint32_t ttl = s->r_ttl;
	uint16_t rdlen = (uint16_t)s->r_data_length;
	uint8_t *rdata = malloc(rdlen > 0 ? rdlen : 1);
	if (rdata == NULL) {
		set_err(err, errlen, "out of memory");
		ret = ZG_ENOMEM;
		goto restart;
	}
	memcpy(rdata, s->r_data, rdlen);

	if (zs_parse_record(s) != 0 || s->state != ZS_STATE_EOF) {
		set_err(err, errlen, "the text holds more than one record");
		free(rdata);
		goto restart;
	}
	ret = add_record(b, owner, type, ttl, rdata, rdlen, err, errlen);
	free(rdata);
	return ret;

restart:
	/* A failed parse can leave the scanner inside a record (an open
	 * parenthesis); start clean for the next line. */
	if (scanner_start(b) != 0 && ret == ZG_EINVAL) {
		ret = ZG_ENOMEM;
	}
	return ret;
}

int zone_builder_add_rrset(struct zone_builder *b, const knot_rrset_t *rr)
{
	if (b == NULL || rr == NULL || rr->owner == NULL) {
		return ZG_EINVAL;
	}
	if (rr->rclass != KNOT_CLASS_IN) {
		return ZG_EINVAL;
	}
	const knot_rdata_t *rd = rr->rrs.rdata;
	for (uint16_t i = 0; i < rr->rrs.count; i++) {
		int ret = add_record(b, rr->owner, rr->type, rr->ttl, rd->data,
				     rd->len, NULL, 0);
		if (ret != 0) {
			return ret;
		}
		rd = knot_rdataset_next((knot_rdata_t *)rd);
	}
	return 0;
}

/* Bytes an rdataset takes in the arena: rounded up so that the next
 * rdataset starts aligned like the first. */
static size_t rdata_space(const knot_rdataset_t *rrs)
{
	return rrs->count > 0 ? ((size_t)rrs->size + 7) & ~(size_t)7 : 0;
}

/*
 * Moves a node's RRsets and their rdata from the malloc heap into one
 * block of the arena: the array at its exact length, each rdataset right
 * after it. A lookup then reads the node and, in the next block, all it
 * answers with; the heap blocks of the build go back at once.
 */
static int compact_node(struct zone_contents *z, struct zone_node *node)
{
	if (node->cap_rrsets == 0) {
		return 0;
	}
	size_t array = node->n_rrsets * sizeof(knot_rrset_t);
	size_t size = array;
	for (uint16_t i = 0; i < node->n_rrsets; i++) {
		size += rdata_space(&node->rrsets[i].rrs);
	}
	uint8_t *block = zone_arena_alloc(&z->arena, size);
	if (block == NULL) {
		return ZG_ENOMEM;
	}

	knot_rrset_t *rrsets = (knot_rrset_t *)block;
	memcpy(rrsets, node->rrsets, array);
	uint8_t *rdata = block + array;
	for (uint16_t i = 0; i < node->n_rrsets; i++) {
		knot_rdataset_t *rrs = &rrsets[i].rrs;
		if (rrs->count > 0) {
			memcpy(rdata, rrs->rdata, rrs->size);
			rrs->rdata = (knot_rdata_t *)rdata;
			rdata += rdata_space(rrs);
		} else {
			rrs->rdata = NULL;
		}
		knot_rdataset_clear(&node->rrsets[i].rrs, NULL);
	}
	free(node->rrsets);
	node->rrsets = rrsets;
	node->cap_rrsets = 0;
	return 0;
}

/* Fills what readers use: the topmost cut of each node, the record
 * count; moves the RRsets into the arena. The trie iterates in canonical
 * order, so a parent is always seen before its children. */
static int finish_nodes(struct zone_contents *z)
{
	const knot_db_api_t *api = zone_db_api();
	knot_db_txn_t txn;
	if (api->txn_begin(z->db, &txn, KNOT_DB_RDONLY) != KNOT_EOK) {
		return ZG_EINTERNAL;
	}
	knot_db_iter_t *it = api->iter_begin(&txn, KNOT_DB_SORTED);
	if (it == NULL) {
		api->txn_abort(&txn);
		return ZG_ENOMEM;
	}
	z->rr_count = 0;
	int ret = 0;
	while (it != NULL && ret == 0) {
		knot_db_val_t v;
		if (api->iter_val(it, &v) == KNOT_EOK) {
			struct zone_node *node = v.data;
			ret = compact_node(z, node);
			bool deleg = node != z->apex &&
				     zone_node_rrset(node, KNOT_RRTYPE_NS) != NULL;
			node->cut = node->parent != NULL &&
				    node->parent->cut != NULL ?
				    node->parent->cut : (deleg ? node : NULL);
			for (uint16_t i = 0; i < node->n_rrsets; i++) {
				z->rr_count += node->rrsets[i].rrs.count;
			}
		}
		if (ret == 0) {
			it = api->iter_next(it);
		}
	}
	if (it != NULL) {
		api->iter_finish(it);
	}
	api->txn_abort(&txn);
	z->finished = ret == 0;
	return ret;
}

struct zone_contents *zone_builder_finish(struct zone_builder *b, char *err,
					  size_t errlen)
{
	if (b == NULL) {
		set_err(err, errlen, "no builder");
		return NULL;
	}
	struct zone_contents *z = b->z;
	builder_free(b);

	const knot_rrset_t *soa = zone_node_rrset(z->apex, KNOT_RRTYPE_SOA);
	if (soa == NULL || soa->rrs.count == 0) {
		char text[KNOT_DNAME_TXT_MAXLEN + 1] = "?";
		knot_dname_to_str(text, z->apex_name, sizeof(text));
		set_err(err, errlen, "zone %s has no SOA at its apex", text);
		zone_contents_free(z);
		return NULL;
	}

	if (finish_nodes(z) != 0) {
		set_err(err, errlen, "out of memory");
		zone_contents_free(z);
		return NULL;
	}
	/* Found again: finishing moved the RRsets. */
	z->soa = zone_node_rrset(z->apex, KNOT_RRTYPE_SOA);
	uint32_t minimum = knot_soa_minimum(z->soa->rrs.rdata);
	z->neg_ttl = z->soa->ttl < minimum ? z->soa->ttl : minimum;
	return z;
}
