/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The journal of a secondary zone: the encoding of one diff, replaying
 * diffs over a snapshot, and the store round trip with its fall-back to
 * the snapshot alone when the journal cannot be replayed. Zone data is
 * V1/V2 of shared/cases/bugcorpus.md G and a V3 after it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/error.h"
#include "msg_util.h"
#include "store/store.h"
#include "xfr/xfr_impl.h"
#include "zone/zone.h"

#define Z "onprem-sec.example."
#define SOA_AT(serial) Z " 300 IN SOA pri." Z " h." Z " " serial \
	" 60 30 120 60"
#define SOA1 SOA_AT("2026120401")
#define SOA2 SOA_AT("2026120402")
#define SOA3 SOA_AT("2026120403")
#define SOA4 SOA_AT("2026120404")
#define NS Z " 300 IN NS pri." Z
#define PRI "pri." Z " 300 IN A 192.0.2.10"
#define OLD "old." Z " 300 IN A 10.50.0.1"
#define KEEP "keep." Z " 300 IN A 10.50.0.3"
#define KEEP4 "keep." Z " 300 IN A 10.50.0.4"
#define NEW "new." Z " 300 IN A 10.50.0.2"

#define V1 2026120401u
#define V2 2026120402u
#define V3 2026120403u

static const uint8_t *apex(void)
{
	static uint8_t wire[KNOT_DNAME_MAXLEN];
	knot_dname_from_str(wire, Z, sizeof(wire));
	return wire;
}

static struct zone_contents *build_zone(const char *const *lines)
{
	struct zone_builder *b = zone_builder_new(apex());
	for (size_t i = 0; lines[i] != NULL; i++) {
		assert_int_equal(zone_builder_add_text(b, lines[i], NULL, 0),
				 0);
	}
	struct zone_contents *z = zone_builder_finish(b, NULL, 0);
	assert_non_null(z);
	return z;
}

static struct zone_contents *v1(void)
{
	const char *lines[] = { SOA1, NS, PRI, OLD, KEEP, NULL };
	return build_zone(lines);
}

/* An IXFR reply from V1 made of the given records (RFC 1995 form). */
static void ixfr(struct xfr_reply *r, const char *const *answer)
{
	xfr_reply_init(r, apex(), true, V1, 1000, 1000000);
	knot_pkt_t *pkt = util_reply(Z, KNOT_RRTYPE_IXFR, answer);
	assert_int_equal(xfr_reply_feed(r, pkt, pkt->size), 0);
	knot_pkt_free(pkt);
	assert_true(r->done);
	assert_int_equal(r->kind, XFR_REPLY_INCREMENTAL);
}

/* V1 -> V2: old deleted, new added. */
static void ixfr_v1_v2(struct xfr_reply *r)
{
	const char *msg[] = { SOA2, SOA1, OLD, SOA2, NEW, SOA2, NULL };
	ixfr(r, msg);
}

/* V1 -> V2 -> V3: the second diff deletes new again and changes keep. */
static void ixfr_v1_v3(struct xfr_reply *r)
{
	const char *msg[] = {
		SOA3,
		SOA1, OLD, SOA2, NEW,
		SOA2, NEW, KEEP, SOA3, KEEP4,
		SOA3, NULL,
	};
	ixfr(r, msg);
	assert_int_equal(r->n_diffs, 2);
}

/* True when a and b hold the same records. */
static void assert_same_zone(const struct zone_contents *a,
			     const struct zone_contents *b)
{
	char *ta = calloc(1, 8192), *tb = calloc(1, 8192);
	assert_int_equal(zone_contents_walk(a, util_append_rrset_text, ta), 0);
	assert_int_equal(zone_contents_walk(b, util_append_rrset_text, tb), 0);
	assert_string_equal(ta, tb);
	free(ta);
	free(tb);
}

/* An entry as the store hands it back; diff borrowed. */
static struct store_xfr_journal_entry entry(uint64_t seq, uint32_t from,
					    uint32_t to, uint8_t *diff,
					    size_t len)
{
	return (struct store_xfr_journal_entry){ .seq = seq,
		.from_serial = from, .to_serial = to, .diff = diff,
		.len = len };
}

/*
 * Encoding
 */

static void test_entry_is_header_deletions_then_additions(void **state)
{
	struct xfr_reply r;
	ixfr_v1_v2(&r);
	uint8_t *blob = NULL;
	size_t len = 0;
	assert_int_equal(xfr_journal_encode(&r, &r.diffs[0], &blob, &len), 0);

	/* "ZGJ1", 2 deletions (SOA1, old), 2 additions (SOA2, new). */
	const uint8_t header[] = { 'Z', 'G', 'J', '1', 0, 0, 0, 2,
				   0, 0, 0, 2 };
	assert_memory_equal(blob, header, sizeof(header));
	/* The apex is 20 octets on the wire (RFC 1035 section 3.1); the
	 * SOA RDATA 24 + 22 octets of names and 20 of numbers; an A record
	 * 4. A record is owner + 8 octets (type, TTL, RDLENGTH) + RDATA:
	 * 12 + (20+8+66) + (24+8+4) + (20+8+66) + (24+8+4) = 272. */
	assert_int_equal(len, 272);
	/* The first record: the apex, type 6, TTL 300, RDLENGTH 66. */
	const uint8_t soa_fixed[] = { 0, 6, 0, 0, 1, 44, 0, 66 };
	assert_memory_equal(blob + 12, "\x0a" "onprem-sec" "\x07" "example",
			    19);
	assert_int_equal(blob[12 + 19], 0);
	assert_memory_equal(blob + 12 + 20, soa_fixed, sizeof(soa_fixed));
	/* Its serial: after the two names of the RDATA. */
	const uint8_t serial1[] = { 0x78, 0xc4, 0x24, 0xd1 };	/* 2026120401 */
	assert_memory_equal(blob + 12 + 28 + 46, serial1, 4);
	/* The addition's SOA starts after the deletions' 94 + 36 octets. */
	const uint8_t serial2[] = { 0x78, 0xc4, 0x24, 0xd2 };	/* 2026120402 */
	assert_memory_equal(blob + 12 + 130 + 28 + 46, serial2, 4);
	free(blob);
	xfr_reply_clear(&r);
}

static void test_entry_decodes_to_the_same_diff(void **state)
{
	struct xfr_reply r;
	ixfr_v1_v2(&r);
	uint8_t *blob = NULL;
	size_t len = 0;
	assert_int_equal(xfr_journal_encode(&r, &r.diffs[0], &blob, &len), 0);

	struct xfr_reply back;
	xfr_reply_init(&back, apex(), true, V1, 0, 0);
	char err[256] = "";
	assert_int_equal(xfr_journal_decode(apex(), blob, len, V1, V2, &back,
					    err, sizeof(err)), 0);
	assert_int_equal(back.kind, XFR_REPLY_INCREMENTAL);
	assert_true(back.done);
	assert_int_equal(back.new_serial, V2);
	assert_int_equal(back.n_diffs, 1);
	const struct xfr_diff *d = &back.diffs[0];
	assert_int_equal(d->from_serial, V1);
	assert_int_equal(d->to_serial, V2);
	assert_int_equal(d->del_start, 0);
	assert_int_equal(d->del_end, 2);
	assert_int_equal(d->add_start, 2);
	assert_int_equal(d->add_end, 4);
	assert_int_equal(back.n_rrs, 4);
	for (size_t i = 0; i < 4; i++) {
		const struct xfr_rr *a = &r.rrs[i], *b = &back.rrs[i];
		assert_true(knot_dname_is_equal(a->owner, b->owner));
		assert_int_equal(a->type, b->type);
		assert_int_equal(a->ttl, b->ttl);
		assert_int_equal(a->rdlen, b->rdlen);
		assert_memory_equal(a->rdata, b->rdata, a->rdlen);
	}
	free(blob);
	xfr_reply_clear(&back);
	xfr_reply_clear(&r);
}

static void assert_refused(const uint8_t *blob, size_t len, uint32_t from,
			   uint32_t to, const char *why)
{
	struct xfr_reply back;
	xfr_reply_init(&back, apex(), true, V1, 0, 0);
	char err[256] = "";
	assert_int_equal(xfr_journal_decode(apex(), blob, len, from, to, &back,
					    err, sizeof(err)), ZG_EINVAL);
	assert_non_null(strstr(err, why));
	assert_int_equal(back.n_diffs, 0);
	xfr_reply_clear(&back);
}

static void test_damaged_entry_is_refused(void **state)
{
	struct xfr_reply r;
	ixfr_v1_v2(&r);
	uint8_t *blob = NULL;
	size_t len = 0;
	assert_int_equal(xfr_journal_encode(&r, &r.diffs[0], &blob, &len), 0);

	assert_refused(blob, len - 1, V1, V2, "damaged at byte");
	assert_refused(blob, 8, V1, V2, "not in a known format");
	/* The serials stored beside the blob must be those of its SOAs. */
	assert_refused(blob, len, V1, V3, "from serial 2026120401 to 2026120403");
	assert_refused(blob, len, V2, V2, "from serial 2026120402");

	uint8_t copy[272];
	assert_int_equal(len, sizeof(copy));
	memcpy(copy, blob, len);
	copy[0] = 'X';
	assert_refused(copy, len, V1, V2, "not in a known format");
	/* 2^32 - 1 deletions cannot fit in 272 octets. */
	memcpy(copy, blob, len);
	memset(copy + 4, 0xff, 4);
	assert_refused(copy, len, V1, V2, "record counts");
	/* One deletion and three additions: the additions then start with
	 * the old name, not the SOA. */
	memcpy(copy, blob, len);
	copy[7] = 1;
	copy[11] = 3;
	assert_refused(copy, len, V1, V2, "from serial 2026120401");
	/* The SOA's RDLENGTH one short of its names and numbers. */
	memcpy(copy, blob, len);
	copy[12 + 27] = 65;
	assert_refused(copy, len, V1, V2, "damaged");
	free(blob);
	xfr_reply_clear(&r);
}

/*
 * Replay
 */

/* The two entries of ixfr_v1_v3(), encoded (freed by the caller). */
static void two_entries(struct store_xfr_journal_entry e[2])
{
	struct xfr_reply r;
	ixfr_v1_v3(&r);
	for (size_t i = 0; i < 2; i++) {
		uint8_t *blob = NULL;
		size_t len = 0;
		assert_int_equal(xfr_journal_encode(&r, &r.diffs[i], &blob,
						    &len), 0);
		e[i] = entry(i + 1, r.diffs[i].from_serial,
			     r.diffs[i].to_serial, blob, len);
	}
	xfr_reply_clear(&r);
}

static void test_replay_applies_the_entries_in_order(void **state)
{
	struct zone_contents *base = v1();
	struct store_xfr_journal_entry e[2];
	two_entries(e);

	char err[256] = "";
	struct zone_contents *z = xfr_journal_replay(base, e, 2, err,
						     sizeof(err));
	assert_non_null(z);
	const char *v3[] = { SOA3, NS, PRI, KEEP4, NULL };
	struct zone_contents *want = build_zone(v3);
	assert_same_zone(z, want);
	assert_int_equal(zone_contents_serial(z), V3);
	assert_int_equal(zone_contents_rr_count(z), 4);
	/* The snapshot's contents are left as they were. */
	assert_int_equal(zone_contents_serial(base), V1);
	assert_int_equal(zone_contents_rr_count(base), 5);

	/* One entry: V2. */
	zone_contents_free(z);
	z = xfr_journal_replay(base, e, 1, err, sizeof(err));
	assert_non_null(z);
	const char *v2[] = { SOA2, NS, PRI, KEEP, NEW, NULL };
	zone_contents_free(want);
	want = build_zone(v2);
	assert_same_zone(z, want);

	zone_contents_free(want);
	zone_contents_free(z);
	zone_contents_free(base);
	free(e[0].diff);
	free(e[1].diff);
}

static void test_replay_refuses_a_gap(void **state)
{
	struct zone_contents *base = v1();
	struct store_xfr_journal_entry e[2];
	two_entries(e);
	char err[256] = "";

	/* Without the first entry the journal does not start at V1. */
	assert_null(xfr_journal_replay(base, e + 1, 1, err, sizeof(err)));
	assert_string_equal(err, "journal entry 2 starts at serial 2026120402, not at 2026120401");

	/* V1 -> V2, then an entry from V3: a diff is missing between. */
	struct xfr_reply r;
	const char *msg[] = { SOA4, SOA3, KEEP4, SOA4, KEEP, SOA4, NULL };
	xfr_reply_init(&r, apex(), true, V3, 1000, 1000000);
	knot_pkt_t *pkt = util_reply(Z, KNOT_RRTYPE_IXFR, msg);
	assert_int_equal(xfr_reply_feed(&r, pkt, pkt->size), 0);
	knot_pkt_free(pkt);
	uint8_t *blob = NULL;
	size_t len = 0;
	assert_int_equal(xfr_journal_encode(&r, &r.diffs[0], &blob, &len), 0);
	struct store_xfr_journal_entry gap[2] = {
		e[0], entry(3, V3, 2026120404u, blob, len),
	};
	assert_null(xfr_journal_replay(base, gap, 2, err, sizeof(err)));
	assert_string_equal(err, "journal entry 3 starts at serial 2026120403, not at 2026120402");

	xfr_reply_clear(&r);
	free(blob);
	zone_contents_free(base);
	free(e[0].diff);
	free(e[1].diff);
}

static void test_replay_refuses_a_diff_that_does_not_apply(void **state)
{
	/* The snapshot is V1 without old: the first diff's deletion of old
	 * names a record the zone does not have. */
	const char *lines[] = { SOA1, NS, PRI, KEEP, NULL };
	struct zone_contents *base = build_zone(lines);
	struct store_xfr_journal_entry e[2];
	two_entries(e);
	char err[256] = "";
	assert_null(xfr_journal_replay(base, e, 2, err, sizeof(err)));
	assert_non_null(strstr(err, "deletes old.onprem-sec.example. A"));
	zone_contents_free(base);
	free(e[0].diff);
	free(e[1].diff);
}

static void test_compaction_thresholds(void **state)
{
	struct store_xfr_state st = { .snapshot_bytes = 1000 };
	assert_false(xfr_journal_needs_compaction(&st));
	st.journal_entries = 99;
	st.journal_bytes = 1000;
	assert_false(xfr_journal_needs_compaction(&st));
	st.journal_entries = XFR_JOURNAL_MAX_ENTRIES;
	assert_int_equal(XFR_JOURNAL_MAX_ENTRIES, 100);
	assert_true(xfr_journal_needs_compaction(&st));
	st.journal_entries = 1;
	st.journal_bytes = 1001;
	assert_true(xfr_journal_needs_compaction(&st));
}

/*
 * The store round trip (persist.c), as the store thread runs it: the
 * fixture's st is the service's copy of the zone's state.
 */

#define FIELDS "zone_id=zone-1 name=" Z

struct fixture {
	char dir[64];
	struct store *store;
	struct store_xfr_state st;
};

static const struct store_caller caller = { .uid = 1, .pid = 1 };

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/zg-journal-test-XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		return -1;
	}
	char path[128], err[256];
	snprintf(path, sizeof(path), "%s/state.db", f->dir);
	if (store_open(path, &f->store, err, sizeof(err)) != 0) {
		return -1;
	}

	struct store_zone zone = { 0 };
	snprintf(zone.meta.name, sizeof(zone.meta.name), "%s", Z);
	strcpy(zone.kind, "secondary");
	strcpy(zone.proxy_pattern, "zone");
	zone.soa = (struct store_soa){ .ttl = 300, .serial = 1,
		.refresh = 60, .retry = 30, .expire = 120, .minimum = 60 };
	strcpy(zone.soa.mname, "pri." Z);
	strcpy(zone.soa.rname, "h." Z);
	if (store_begin(f->store, &caller) != 0 ||
	    store_zone_create(f->store, &zone) != 0 ||
	    store_commit(f->store, NULL) != 0) {
		return -1;
	}
	snprintf(f->st.zone_id, sizeof(f->st.zone_id), "%s",
		 zone.meta.resource_id);
	store_zone_clear(&zone);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	store_close(f->store);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	int ret = system(cmd);
	free(f);
	return ret == 0 ? 0 : -1;
}

static struct store_xfr_state stored_state(struct fixture *f)
{
	struct store_xfr_state st;
	assert_int_equal(store_begin(f->store, NULL), 0);
	assert_int_equal(store_xfr_state_get(f->store, f->st.zone_id, &st),
			 0);
	store_rollback(f->store);
	return st;
}

/* Loads the zone from the store as a restart does (a read, then the
 * journal dropped when it falls back): the contents must be want's,
 * reached by falling back to the snapshot or not. */
static void assert_loads(struct fixture *f, bool fall_back,
			 const struct zone_contents *want)
{
	struct xfr_stored s;
	assert_int_equal(store_begin(f->store, NULL), 0);
	assert_int_equal(xfr_stored_read(f->store, f->st.zone_id, &s), 0);
	store_rollback(f->store);
	assert_true(s.have_state);

	bool fell_back = !fall_back;
	char err[512] = "";
	struct zone_contents *loaded = xfr_stored_contents(apex(), &s, &f->st,
							   &fell_back, err,
							   sizeof(err));
	xfr_stored_clear(&s);
	assert_non_null(loaded);
	assert_int_equal(fell_back, fall_back);
	assert_same_zone(loaded, want);
	zone_contents_free(loaded);
	if (fell_back) {
		struct xfr_written w;
		assert_int_equal(xfr_persist_state(f->store, &f->st, true, &w),
				 0);
		assert_true(w.journal_dropped);
		xfr_written_apply(&w, f->st.serial, &f->st);
	}
}

/* Stores V1 as the snapshot, as the first AXFR does. */
static struct zone_contents *store_v1(struct fixture *f)
{
	struct zone_contents *c = v1();
	f->st.loaded = true;
	f->st.serial = V1;
	f->st.records = 5;
	struct xfr_reply axfr = { .kind = XFR_REPLY_FULL };
	struct xfr_written w;
	assert_int_equal(xfr_persist_transfer(f->store, &f->st, &axfr, c,
					      FIELDS, &w), 0);
	assert_true(w.snapshot);
	xfr_written_apply(&w, V1, &f->st);
	return c;
}

/* Stores the IXFR V1 -> V3 (two diffs) as the install job does;
 * returns V3. */
static struct zone_contents *store_v3(struct fixture *f,
				      const struct zone_contents *base)
{
	struct xfr_reply r;
	ixfr_v1_v3(&r);
	size_t skipped = 0;
	char err[256] = "";
	struct zone_contents *c = xfr_apply(base, &r, &skipped, err,
					    sizeof(err));
	assert_non_null(c);
	f->st.serial = V3;
	f->st.records = 4;
	struct xfr_written w;
	assert_int_equal(xfr_persist_transfer(f->store, &f->st, &r, c,
					      FIELDS, &w), 0);
	xfr_written_apply(&w, V3, &f->st);
	xfr_reply_clear(&r);
	return c;
}

static void test_ixfr_appends_to_the_journal_not_the_snapshot(void **state)
{
	struct fixture *f = *state;
	struct zone_contents *c1 = store_v1(f);
	struct store_xfr_state st = stored_state(f);
	assert_int_equal(st.snapshot_serial, V1);
	/* "ZGX1" and five records: SOA 94, NS 20+8+24, pri 24+8+4, old and
	 * keep 24+8+4 and 25+8+4. */
	assert_int_equal(st.snapshot_bytes, 4 + 94 + 52 + 36 + 36 + 37);
	assert_int_equal(f->st.snapshot_bytes, st.snapshot_bytes);
	assert_int_equal(st.journal_entries, 0);
	uint64_t size = 0;
	assert_int_equal(xfr_snapshot_size(c1, &size), 0);
	assert_int_equal(size, 4 + 94 + 52 + 36 + 36 + 37);
	uint8_t *before = NULL, *after = NULL;
	size_t before_len = 0, after_len = 0;
	assert_int_equal(store_begin(f->store, NULL), 0);
	assert_int_equal(store_xfr_snapshot_get(f->store, f->st.zone_id,
						&before, &before_len), 0);
	store_rollback(f->store);

	struct zone_contents *c3 = store_v3(f, c1);
	st = stored_state(f);
	assert_int_equal(st.serial, V3);
	assert_int_equal(st.records, 4);
	assert_int_equal(st.snapshot_serial, V1);
	assert_int_equal(st.journal_entries, 2);
	assert_int_equal(f->st.journal_entries, 2);
	assert_int_equal(st.journal_bytes, f->st.journal_bytes);
	/* Diff 1: 12 + SOA 94 + old 36 + SOA 94 + new 36; diff 2: 12 +
	 * SOA 94 + new 36 + keep 37 + SOA 94 + keep 37. */
	assert_int_equal(st.journal_bytes, 272 + 310);

	assert_int_equal(store_begin(f->store, NULL), 0);
	assert_int_equal(store_xfr_snapshot_get(f->store, f->st.zone_id,
						&after, &after_len), 0);
	struct store_xfr_journal_entry *e = NULL;
	size_t n = 0;
	assert_int_equal(store_xfr_journal_get(f->store, f->st.zone_id, &e,
					       &n), 0);
	store_rollback(f->store);
	assert_int_equal(after_len, before_len);
	assert_memory_equal(after, before, before_len);
	assert_int_equal(n, 2);
	assert_int_equal(e[0].seq, 1);
	assert_int_equal(e[0].from_serial, V1);
	assert_int_equal(e[0].to_serial, V2);
	assert_int_equal(e[1].seq, 2);
	assert_int_equal(e[1].from_serial, V2);
	assert_int_equal(e[1].to_serial, V3);

	/* A restart: the snapshot with the journal replayed is V3. */
	assert_loads(f, false, c3);

	store_xfr_journal_free(e, n);
	free(before);
	free(after);
	zone_contents_free(c3);
	zone_contents_free(c1);
}

static void test_damaged_journal_falls_back_to_the_snapshot(void **state)
{
	struct fixture *f = *state;
	struct zone_contents *c1 = store_v1(f);
	struct zone_contents *c3 = store_v3(f, c1);

	/* A third entry that continues the journal but is not a diff. */
	const uint8_t junk[] = "ZGJ1 not a diff";
	assert_int_equal(store_begin(f->store, &caller), 0);
	assert_int_equal(store_xfr_journal_append(f->store, f->st.zone_id, V3,
						  2026120404u, junk,
						  sizeof(junk)), 0);
	assert_int_equal(store_commit(f->store, NULL), 0);
	f->st.serial = 2026120404u;

	assert_loads(f, true, c1);
	/* The zone is the snapshot's now, in memory and in the store; the
	 * journal is gone so that the next IXFR starts a new one. */
	assert_int_equal(f->st.serial, V1);
	assert_int_equal(f->st.records, 5);
	assert_int_equal(f->st.journal_entries, 0);
	struct store_xfr_state st = stored_state(f);
	assert_int_equal(st.serial, V1);
	assert_int_equal(st.records, 5);
	assert_int_equal(st.journal_entries, 0);
	assert_int_equal(st.snapshot_serial, V1);

	zone_contents_free(c3);
	zone_contents_free(c1);
}

static void test_journal_not_ending_at_the_state_falls_back(void **state)
{
	struct fixture *f = *state;
	struct zone_contents *c1 = store_v1(f);
	struct zone_contents *c3 = store_v3(f, c1);

	/* The state says a serial no diff leads to. */
	f->st.serial = 2026120405u;
	assert_loads(f, true, c1);
	assert_int_equal(stored_state(f).journal_entries, 0);

	zone_contents_free(c3);
	zone_contents_free(c1);
}

static void test_diffs_not_continuing_the_store_write_the_zone(void **state)
{
	struct fixture *f = *state;
	struct zone_contents *c1 = store_v1(f);
	/* The store holds V2 as its snapshot (restored meanwhile) while
	 * the service still holds V1 and receives V1 -> V3. */
	const char *v2[] = { SOA2, NS, PRI, KEEP, NEW, NULL };
	struct zone_contents *c2 = build_zone(v2);
	struct store_xfr_state held = f->st;
	f->st.serial = V2;
	struct xfr_reply axfr = { .kind = XFR_REPLY_FULL };
	struct xfr_written w;
	assert_int_equal(xfr_persist_transfer(f->store, &f->st, &axfr, c2,
					      FIELDS, &w), 0);
	f->st = held;

	struct zone_contents *c3 = store_v3(f, c1);
	struct store_xfr_state st = stored_state(f);
	assert_int_equal(st.serial, V3);
	assert_int_equal(st.snapshot_serial, V3);
	assert_int_equal(st.journal_entries, 0);
	assert_int_equal(f->st.journal_entries, 0);
	assert_int_equal(f->st.snapshot_serial, V3);

	assert_loads(f, false, c3);
	zone_contents_free(c3);
	zone_contents_free(c2);
	zone_contents_free(c1);
}

static void test_compaction_rewrites_the_snapshot(void **state)
{
	struct fixture *f = *state;
	struct zone_contents *c1 = store_v1(f);
	struct zone_contents *c3 = store_v3(f, c1);
	/* 582 journal bytes against a 259-byte snapshot. */
	assert_true(xfr_journal_needs_compaction(&f->st));

	/* What the compaction job writes: the served version, encoded. */
	uint8_t *blob = NULL;
	size_t len = 0;
	assert_int_equal(xfr_snapshot_encode(c3, &blob, &len), 0);
	struct xfr_written w;
	assert_int_equal(xfr_persist_snapshot(f->store, &f->st, blob, len,
					      &w), 0);
	free(blob);
	xfr_written_apply(&w, f->st.serial, &f->st);
	struct store_xfr_state st = stored_state(f);
	assert_int_equal(st.serial, V3);
	assert_int_equal(st.snapshot_serial, V3);
	assert_int_equal(st.journal_entries, 0);
	assert_int_equal(st.journal_bytes, 0);
	/* "ZGX1", SOA 94, NS 52, pri 36, keep 37. */
	assert_int_equal(st.snapshot_bytes, 4 + 94 + 52 + 36 + 37);
	assert_int_equal(f->st.snapshot_bytes, st.snapshot_bytes);
	assert_int_equal(f->st.journal_entries, 0);
	assert_false(xfr_journal_needs_compaction(&f->st));

	assert_loads(f, false, c3);
	zone_contents_free(c3);
	zone_contents_free(c1);
}

static void test_stored_version_is_what_a_restart_serves(void **state)
{
	struct fixture *f = *state;
	struct zone_contents *out = NULL;
	char err[256] = "";
	assert_int_equal(store_begin(f->store, NULL), 0);
	assert_int_equal(xfr_stored_version(f->store, f->st.zone_id, Z, &out,
					    err, sizeof(err)), ZG_ENOENT);
	store_rollback(f->store);
	assert_null(out);

	struct zone_contents *c1 = store_v1(f);
	struct zone_contents *c3 = store_v3(f, c1);
	assert_int_equal(store_begin(f->store, NULL), 0);
	assert_int_equal(xfr_stored_version(f->store, f->st.zone_id, Z, &out,
					    err, sizeof(err)), 0);
	store_rollback(f->store);
	assert_int_equal(zone_contents_serial(out), V3);
	assert_same_zone(out, c3);
	zone_contents_free(out);
	zone_contents_free(c3);
	zone_contents_free(c1);
}

int main(void)
{
#define S(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry_is_header_deletions_then_additions),
		cmocka_unit_test(test_entry_decodes_to_the_same_diff),
		cmocka_unit_test(test_damaged_entry_is_refused),
		cmocka_unit_test(test_replay_applies_the_entries_in_order),
		cmocka_unit_test(test_replay_refuses_a_gap),
		cmocka_unit_test(test_replay_refuses_a_diff_that_does_not_apply),
		cmocka_unit_test(test_compaction_thresholds),
		S(test_ixfr_appends_to_the_journal_not_the_snapshot),
		S(test_damaged_journal_falls_back_to_the_snapshot),
		S(test_journal_not_ending_at_the_state_falls_back),
		S(test_diffs_not_continuing_the_store_write_the_zone),
		S(test_compaction_rewrites_the_snapshot),
		S(test_stored_version_is_what_a_restart_serves),
	};
#undef S
	return cmocka_run_group_tests(tests, NULL, NULL);
}
