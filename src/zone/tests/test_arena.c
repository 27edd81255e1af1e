/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the zone arena (bump blocks, the knot_mm_t allocator with
 * reuse by size, freeing all at once) and of zones whose nodes, RRsets
 * and trie live in it: every node reachable, every record answered. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "zone/zone.h"
#include "zone/zone_impl.h"

/* True when [p, p + len) lies inside one chunk of a. */
static bool in_arena(const struct zone_arena *a, const void *p, size_t len)
{
	const uint8_t *b = p;
	for (const struct zone_arena_chunk *c = a->chunks; c != NULL;
	     c = c->next) {
		const uint8_t *start = (const uint8_t *)c->data;
		if (b >= start && b + len <= start + c->size) {
			return true;
		}
	}
	return false;
}

static void test_blocks_are_aligned_distinct_and_kept(void **state)
{
	(void)state;
	struct zone_arena a;
	zone_arena_init(&a);

	/* Sizes from 0 to 300 bytes and a few past the chunk limit, each
	 * filled with its own byte; no block may overwrite another. */
	enum { N = 600 };
	uint8_t *blocks[N];
	size_t sizes[N];
	for (size_t i = 0; i < N; i++) {
		sizes[i] = i % 50 == 49 ? 70000 + i : i % 301;
		blocks[i] = zone_arena_alloc(&a, sizes[i]);
		assert_non_null(blocks[i]);
		assert_int_equal((uintptr_t)blocks[i] % 8, 0);
		assert_true(in_arena(&a, blocks[i], sizes[i]));
		memset(blocks[i], (int)(i & 0xff), sizes[i]);
	}
	for (size_t i = 0; i < N; i++) {
		for (size_t j = 0; j < sizes[i]; j++) {
			assert_int_equal(blocks[i][j], i & 0xff);
		}
	}
	assert_true(a.used_bytes <= a.chunk_bytes);

	zone_arena_free_all(&a);
	assert_null(a.chunks);
	assert_int_equal(a.chunk_bytes, 0);
	assert_int_equal(a.used_bytes, 0);
}

static void test_arena_is_usable_again_after_free_all(void **state)
{
	(void)state;
	struct zone_arena a;
	zone_arena_init(&a);
	assert_non_null(zone_arena_alloc(&a, 100));
	zone_arena_free_all(&a);

	uint64_t *p = zone_arena_alloc(&a, sizeof(*p));
	assert_non_null(p);
	*p = 42;
	assert_int_equal(*p, 42);
	assert_true(in_arena(&a, p, sizeof(*p)));
	zone_arena_free_all(&a);
}

static void test_big_block_keeps_the_current_chunk(void **state)
{
	(void)state;
	struct zone_arena a;
	zone_arena_init(&a);
	uint8_t *small = zone_arena_alloc(&a, 16);
	assert_non_null(small);
	const struct zone_arena_chunk *current = a.chunks;

	/* Far bigger than any chunk: a chunk of its own, and the small
	 * blocks after it still come from the chunk in use before. */
	uint8_t *big = zone_arena_alloc(&a, 1024 * 1024);
	assert_non_null(big);
	memset(big, 0xab, 1024 * 1024);
	assert_ptr_equal(a.chunks, current);
	uint8_t *next = zone_arena_alloc(&a, 16);
	assert_true(in_arena(&a, next, 16));
	assert_true(next > small &&
		    next < (const uint8_t *)current->data + current->size);
	assert_true(a.chunk_bytes >= 1024 * 1024);
	zone_arena_free_all(&a);
}

static void test_mm_reuses_a_freed_block_of_the_same_size(void **state)
{
	(void)state;
	struct zone_arena a;
	zone_arena_init(&a);
	knot_mm_t mm;
	zone_arena_mm(&a, &mm);

	void *p = mm.alloc(mm.ctx, 40);
	void *q = mm.alloc(mm.ctx, 40);
	assert_non_null(p);
	assert_non_null(q);
	assert_ptr_not_equal(p, q);
	mm.free(p);

	/* 33 to 40 bytes share a size; 48 does not. */
	void *other = mm.alloc(mm.ctx, 48);
	assert_ptr_not_equal(other, p);
	void *again = mm.alloc(mm.ctx, 33);
	assert_ptr_equal(again, p);
	void *fresh = mm.alloc(mm.ctx, 40);
	assert_ptr_not_equal(fresh, p);
	assert_ptr_not_equal(fresh, q);

	/* Last freed, first reused. */
	mm.free(q);
	mm.free(fresh);
	assert_ptr_equal(mm.alloc(mm.ctx, 40), fresh);
	assert_ptr_equal(mm.alloc(mm.ctx, 40), q);

	mm.free(NULL);
	zone_arena_free_all(&a);
}

static void test_mm_block_too_big_for_a_bin_is_not_reused(void **state)
{
	(void)state;
	struct zone_arena a;
	zone_arena_init(&a);
	knot_mm_t mm;
	zone_arena_mm(&a, &mm);

	size_t largest = ZONE_ARENA_BINS * 8;
	void *binned = mm.alloc(mm.ctx, largest);
	void *big = mm.alloc(mm.ctx, largest + 1);
	assert_non_null(binned);
	assert_non_null(big);
	memset(big, 1, largest + 1);
	mm.free(binned);
	mm.free(big);
	assert_ptr_equal(mm.alloc(mm.ctx, largest), binned);
	void *big2 = mm.alloc(mm.ctx, largest + 1);
	assert_non_null(big2);
	assert_ptr_not_equal(big2, big);
	zone_arena_free_all(&a);
}

/* A knot_db trie on the arena: every key is found with its value, and
 * freeing the arena (no deinit) frees the trie. */
static void test_trie_on_the_arena_keeps_every_key(void **state)
{
	(void)state;
	struct zone_arena a;
	zone_arena_init(&a);
	knot_mm_t mm;
	zone_arena_mm(&a, &mm);

	const knot_db_api_t *api = knot_db_trie_api();
	struct knot_db_trie_opts opts = KNOT_DB_TRIE_OPTS_INITIALIZER;
	knot_db_t *db = NULL;
	assert_int_equal(api->init(&db, &mm, &opts), KNOT_EOK);

	enum { N = 5000 };
	static uintptr_t values[N];
	knot_db_txn_t txn;
	assert_int_equal(api->txn_begin(db, &txn, 0), KNOT_EOK);
	for (size_t i = 0; i < N; i++) {
		char key[32];
		int len = snprintf(key, sizeof(key), "key-%zu", i * 7919);
		values[i] = i + 1;
		knot_db_val_t k = { .data = key, .len = (size_t)len };
		knot_db_val_t v = { .data = &values[i], .len = sizeof(void *) };
		assert_int_equal(api->insert(&txn, &k, &v, 0), KNOT_EOK);
	}
	api->txn_commit(&txn);

	assert_int_equal(api->txn_begin(db, &txn, KNOT_DB_RDONLY), KNOT_EOK);
	assert_int_equal(api->count(&txn), N);
	for (size_t i = 0; i < N; i++) {
		char key[32];
		int len = snprintf(key, sizeof(key), "key-%zu", i * 7919);
		knot_db_val_t k = { .data = key, .len = (size_t)len };
		knot_db_val_t v = { 0 };
		assert_int_equal(api->find(&txn, &k, &v, 0), KNOT_EOK);
		assert_ptr_equal(v.data, &values[i]);
	}
	api->txn_abort(&txn);
	zone_arena_free_all(&a);
}

/*
 * Zones in the arena
 */

static knot_dname_t *dn(const char *text)
{
	static knot_dname_t bufs[2][KNOT_DNAME_MAXLEN];
	static int next;
	knot_dname_t *buf = bufs[next++ % 2];
	assert_non_null(knot_dname_from_str(buf, text, KNOT_DNAME_MAXLEN));
	return buf;
}

static void add(struct zone_builder *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add(struct zone_builder *b, const char *fmt, ...)
{
	char line[512];
	char err[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (zone_builder_add_text(b, line, err, sizeof(err)) != 0) {
		fail_msg("line '%s': %s", line, err);
	}
}

/* NAMES names under big.test., each with an A record; every tenth also
 * with AAAA and two TXT records, every hundredth one level deeper (so
 * that its parent is an empty non-terminal). 2 + 1 + NAMES + NAMES / 10
 * * 3 records. */
enum { NAMES = 3000 };

static struct zone_contents *build_big(void)
{
	struct zone_builder *b = zone_builder_new(dn("big.test."));
	assert_non_null(b);
	add(b, "big.test. 3600 IN SOA ns1.big.test. h.big.test. 7 3600 600 604800 300");
	add(b, "big.test. 3600 IN NS ns1.big.test.");
	add(b, "ns1.big.test. 3600 IN A 192.0.2.53");
	for (int i = 0; i < NAMES; i++) {
		const char *deeper = i % 100 == 0 ? "x." : "";
		add(b, "%sn%d.big.test. 300 IN A 10.0.%d.%d", deeper, i,
		    i / 256, i % 256);
		if (i % 10 == 0) {
			add(b, "%sn%d.big.test. 300 IN AAAA 2001:db8::%x",
			    deeper, i, i);
			add(b, "%sn%d.big.test. 300 IN TXT \"first %d\"",
			    deeper, i, i);
			add(b, "%sn%d.big.test. 300 IN TXT \"second %d\"",
			    deeper, i, i);
		}
	}
	char err[256];
	struct zone_contents *z = zone_builder_finish(b, err, sizeof(err));
	if (z == NULL) {
		fail_msg("finish: %s", err);
	}
	return z;
}

struct node_count {
	const struct zone_contents *z;
	size_t nodes;
	size_t ents;
};

static void check_node(struct node_count *nc, const struct zone_node *node)
{
	const struct zone_arena *a = &nc->z->arena;
	nc->nodes++;
	assert_true(in_arena(a, node, sizeof(*node)));
	assert_true(in_arena(a, node->owner, knot_dname_size(node->owner)));
	assert_int_equal(node->cap_rrsets, 0);
	if (node->n_rrsets == 0) {
		nc->ents++;
		return;
	}
	assert_true(in_arena(a, node->rrsets,
			     node->n_rrsets * sizeof(knot_rrset_t)));
	for (uint16_t i = 0; i < node->n_rrsets; i++) {
		const knot_rdataset_t *rrs = &node->rrsets[i].rrs;
		assert_ptr_equal(node->rrsets[i].owner, node->owner);
		assert_true(in_arena(a, rrs->rdata, rrs->size));
	}
}

static void test_finished_zone_lives_in_its_arena(void **state)
{
	(void)state;
	struct zone_contents *z = build_big();
	assert_true(z->finished);
	assert_int_equal(zone_contents_rr_count(z),
			 3 + NAMES + NAMES / 10 * 3);

	/* Apex, ns1, NAMES owners and NAMES / 100 empty non-terminals, each
	 * reachable in the trie and wholly inside the arena. */
	struct node_count nc = { .z = z };
	const knot_db_api_t *api = zone_db_api();
	knot_db_txn_t txn;
	assert_int_equal(api->txn_begin(z->db, &txn, KNOT_DB_RDONLY),
			 KNOT_EOK);
	for (knot_db_iter_t *it = api->iter_begin(&txn, KNOT_DB_SORTED);
	     it != NULL; it = api->iter_next(it)) {
		knot_db_val_t v;
		assert_int_equal(api->iter_val(it, &v), KNOT_EOK);
		check_node(&nc, v.data);
	}
	api->txn_abort(&txn);
	assert_int_equal(nc.nodes, 2 + NAMES + NAMES / 100);
	assert_int_equal(nc.ents, NAMES / 100);
	assert_ptr_equal(z->soa, zone_node_rrset(z->apex, KNOT_RRTYPE_SOA));
	zone_contents_free(z);
}

static void lookup(const struct zone_contents *z, const char *qname,
		   uint16_t qtype, struct wire_answer *ans,
		   struct zone_lookup_result *res)
{
	struct wire_source src = { .kind = WIRE_SRC_ZONE };
	strcpy(src.source_id, "zone-1");
	wire_answer_init(ans);
	assert_int_equal(zone_lookup(z, dn(qname), qtype, &src, 12, ans,
				     res), 0);
}

static void test_every_record_of_a_big_zone_answers(void **state)
{
	(void)state;
	struct zone_contents *z = build_big();
	struct wire_answer ans;
	struct zone_lookup_result res;

	for (int i = 0; i < NAMES; i++) {
		char name[64];
		snprintf(name, sizeof(name), "%sn%d.big.test.",
			 i % 100 == 0 ? "x." : "", i);
		lookup(z, name, KNOT_RRTYPE_A, &ans, &res);
		assert_int_equal(res.status, ZONE_FOUND);
		assert_int_equal(ans.sections[KNOT_ANSWER].count, 1);
		const knot_rrset_t *rr =
			ans.sections[KNOT_ANSWER].items[0].rrset;
		assert_int_equal(rr->ttl, 300);
		assert_int_equal(rr->rrs.count, 1);
		const uint8_t want[4] = { 10, 0, (uint8_t)(i / 256),
					  (uint8_t)(i % 256) };
		assert_int_equal(rr->rrs.rdata->len, 4);
		assert_memory_equal(rr->rrs.rdata->data, want, 4);
		wire_answer_clear(&ans);

		lookup(z, name, KNOT_RRTYPE_TXT, &ans, &res);
		if (i % 10 == 0) {
			assert_int_equal(res.status, ZONE_FOUND);
			rr = ans.sections[KNOT_ANSWER].items[0].rrset;
			assert_int_equal(rr->rrs.count, 2);
		} else {
			assert_int_equal(res.status, ZONE_NODATA);
		}
		wire_answer_clear(&ans);
	}

	/* The empty non-terminal above x.n0 and a name that is not there. */
	lookup(z, "n0.big.test.", KNOT_RRTYPE_A, &ans, &res);
	assert_int_equal(res.status, ZONE_NODATA);
	wire_answer_clear(&ans);
	lookup(z, "n3000.big.test.", KNOT_RRTYPE_A, &ans, &res);
	assert_int_equal(res.status, ZONE_NXDOMAIN);
	wire_answer_clear(&ans);
	zone_contents_free(z);
}

static int count_rrset(const knot_rrset_t *rr, void *arg)
{
	size_t *n = arg;
	*n += rr->rrs.count;
	return 0;
}

static void test_walk_visits_every_record_once(void **state)
{
	(void)state;
	struct zone_contents *z = build_big();
	size_t n = 0;
	assert_int_equal(zone_contents_walk(z, count_rrset, &n), 0);
	assert_int_equal(n, 3 + NAMES + NAMES / 10 * 3);
	zone_contents_free(z);
}

/* Builds that are never finished, or whose finish refuses the zone, keep
 * their RRsets in the malloc heap; freeing them must free those too
 * (AddressSanitizer's leak check sees what is left). */
static void test_unfinished_builds_are_freed(void **state)
{
	(void)state;
	struct zone_builder *b = zone_builder_new(dn("big.test."));
	assert_non_null(b);
	for (int i = 0; i < 100; i++) {
		add(b, "n%d.big.test. 300 IN A 10.0.0.%d", i, i);
		add(b, "n%d.big.test. 300 IN TXT \"t\"", i);
	}
	zone_builder_free(b);

	/* No SOA: finish refuses it. */
	b = zone_builder_new(dn("big.test."));
	assert_non_null(b);
	add(b, "n1.big.test. 300 IN A 10.0.0.1");
	add(b, "n1.big.test. 300 IN A 10.0.0.2");
	char err[256] = "";
	assert_null(zone_builder_finish(b, err, sizeof(err)));
	assert_string_equal(err, "zone big.test. has no SOA at its apex");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocks_are_aligned_distinct_and_kept),
		cmocka_unit_test(test_arena_is_usable_again_after_free_all),
		cmocka_unit_test(test_big_block_keeps_the_current_chunk),
		cmocka_unit_test(test_mm_reuses_a_freed_block_of_the_same_size),
		cmocka_unit_test(test_mm_block_too_big_for_a_bin_is_not_reused),
		cmocka_unit_test(test_trie_on_the_arena_keeps_every_key),
		cmocka_unit_test(test_finished_zone_lives_in_its_arena),
		cmocka_unit_test(test_every_record_of_a_big_zone_answers),
		cmocka_unit_test(test_walk_visits_every_record_once),
		cmocka_unit_test(test_unfinished_builds_are_freed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
