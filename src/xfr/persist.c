/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What a secondary zone keeps in the store: its refresh state, a
 * snapshot and the journal of IXFR diffs since that snapshot, and the
 * way back from them to the held version. Service thread only. */
#include "xfr/xfr_impl.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/log.h"
#include "zone/zone.h"

/* Transfers are nobody's API change: logged as uid 0, pid 0. */
static const struct store_caller service = { .uid = 0, .pid = 0 };

static void log_zone(const struct xfr_zone *z, enum zg_log_level level,
		     const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void log_zone(const struct xfr_zone *z, enum zg_log_level level,
		     const char *fmt, ...)
{
	char fields[2 * STORE_NAME_LEN];
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	xfr_zone_fields(z, fields, sizeof(fields));
	zg_log(level, "xfr", fields, "%s", text);
}

/* Commits, or rolls back when ret reports a failure. */
static int finish(struct store *store, int ret)
{
	if (ret != 0) {
		store_rollback(store);
		return ret;
	}
	return store_commit(store, NULL);
}

int xfr_zone_store_state(struct xfr_zone *z)
{
	struct store *store = z->svc->store;
	int ret = store_begin(store, &service);
	if (ret != 0) {
		return ret;
	}
	return finish(store, store_xfr_state_put(store, &z->st));
}

int xfr_zone_store_snapshot(struct xfr_zone *z, const struct zone_contents *c)
{
	uint8_t *blob = NULL;
	size_t len = 0;
	int ret = xfr_snapshot_encode(c, &blob, &len);
	if (ret != 0) {
		return ret;
	}
	struct store *store = z->svc->store;
	ret = store_begin(store, &service);
	if (ret == 0) {
		ret = finish(store, store_xfr_snapshot_put(store, &z->st, blob,
							   len));
	}
	free(blob);
	if (ret == 0) {
		z->st.snapshot_bytes = len;
		z->st.snapshot_serial = z->st.serial;
		z->st.journal_entries = 0;
		z->st.journal_bytes = 0;
	}
	return ret;
}

/* Appends the diffs of r inside the caller's transaction; *bytes
 * receives their encoded size. */
static int append_diffs(struct xfr_zone *z, const struct xfr_reply *r,
			uint64_t *bytes)
{
	struct store *store = z->svc->store;
	*bytes = 0;
	int ret = 0;
	for (size_t i = 0; ret == 0 && i < r->n_diffs; i++) {
		const struct xfr_diff *d = &r->diffs[i];
		uint8_t *blob = NULL;
		size_t len = 0;
		ret = xfr_journal_encode(r, d, &blob, &len);
		if (ret == 0) {
			ret = store_xfr_journal_append(store, z->zone_id,
						       d->from_serial,
						       d->to_serial, blob,
						       len);
		}
		free(blob);
		*bytes += len;
	}
	return ret;
}

int xfr_zone_store_diffs(struct xfr_zone *z, const struct xfr_reply *r,
			 const struct zone_contents *c)
{
	struct store *store = z->svc->store;
	uint64_t bytes = 0;
	int ret = store_begin(store, &service);
	if (ret != 0) {
		return ret;
	}
	ret = store_xfr_state_put(store, &z->st);
	if (ret == 0) {
		ret = append_diffs(z, r, &bytes);
	}
	ret = finish(store, ret);
	if (ret == ZG_EINVAL) {
		/* The store no longer ends where the held version does (a
		 * restore replaced it): the whole zone makes it whole. */
		log_zone(z, ZG_LOG_WARNING,
			 "the stored journal does not end at serial %" PRIu32 ", where the IXFR starts; storing the whole zone at serial %" PRIu32 " instead",
			 r->diffs[0].from_serial, z->st.serial);
		return xfr_zone_store_snapshot(z, c);
	}
	if (ret == 0) {
		z->st.journal_entries += r->n_diffs;
		z->st.journal_bytes += bytes;
	}
	return ret;
}

/*
 * Loading
 */

/* Reads the snapshot and the journal in one read transaction. */
static int read_stored(struct xfr_zone *z, uint8_t **blob, size_t *len,
		       struct store_xfr_journal_entry **entries, size_t *n)
{
	struct store *store = z->svc->store;
	int ret = store_begin(store, NULL);
	if (ret != 0) {
		return ret;
	}
	ret = store_xfr_snapshot_get(store, z->zone_id, blob, len);
	if (ret == 0) {
		ret = store_xfr_journal_get(store, z->zone_id, entries, n);
	}
	store_rollback(store);
	if (ret != 0) {
		free(*blob);
		*blob = NULL;
	}
	return ret;
}

/* Serves the snapshot alone: the journal is dropped so that the next
 * IXFR starts a new one from the snapshot's serial. */
static void fall_back(struct xfr_zone *z, const struct zone_contents *base,
		      const char *why)
{
	uint32_t journal_serial = z->st.serial;
	z->st.serial = zone_contents_serial(base);
	z->st.records = zone_contents_rr_count(base);
	log_zone(z, ZG_LOG_WARNING,
		 "the stored journal cannot be replayed (%s); serving the snapshot at serial %" PRIu32 " instead of %" PRIu32 " and refreshing from the primary now",
		 why, z->st.serial, journal_serial);

	struct store *store = z->svc->store;
	int ret = store_begin(store, &service);
	if (ret == 0) {
		ret = finish(store, store_xfr_journal_drop(store, &z->st));
	}
	if (ret != 0) {
		/* The next IXFR finds the journal not ending where the zone
		 * does and writes the whole zone instead. */
		log_zone(z, ZG_LOG_WARNING,
			 "cannot drop the damaged journal: %s; the next transfer replaces it",
			 zg_strerror(ret));
		return;
	}
	z->st.journal_entries = 0;
	z->st.journal_bytes = 0;
}

struct zone_contents *xfr_zone_stored(struct xfr_zone *z, bool *fell_back,
				      char *err, size_t errlen)
{
	*fell_back = false;
	uint8_t *blob = NULL;
	size_t len = 0;
	struct store_xfr_journal_entry *entries = NULL;
	size_t n = 0;
	int ret = read_stored(z, &blob, &len, &entries, &n);
	if (ret != 0) {
		snprintf(err, errlen, "no stored snapshot (%s)",
			 zg_strerror(ret));
		return NULL;
	}
	struct zone_contents *base = xfr_snapshot_decode(z->apex, blob, len,
							 err, errlen);
	free(blob);
	if (base == NULL) {
		store_xfr_journal_free(entries, n);
		return NULL;
	}

	char why[256] = "";
	struct zone_contents *c = NULL;
	if (n > 0) {
		c = xfr_journal_replay(base, entries, n, why, sizeof(why));
	}
	store_xfr_journal_free(entries, n);
	if (c != NULL && zone_contents_serial(c) == z->st.serial) {
		zone_contents_free(base);
		return c;
	}
	if (n == 0 && zone_contents_serial(base) == z->st.serial) {
		return base;
	}

	if (why[0] == '\0') {
		snprintf(why, sizeof(why),
			 "it ends at serial %" PRIu32 " but the zone was stored at %" PRIu32,
			 zone_contents_serial(c != NULL ? c : base),
			 z->st.serial);
	}
	zone_contents_free(c);
	fall_back(z, base, why);
	*fell_back = true;
	return base;
}

void xfr_zone_compact(struct xfr_zone *z, const struct zone_contents *c)
{
	/* Only the version the state describes may become the snapshot. */
	if (!xfr_journal_needs_compaction(&z->st) ||
	    zone_contents_serial(c) != z->st.serial) {
		return;
	}
	uint64_t entries = z->st.journal_entries;
	uint64_t bytes = z->st.journal_bytes;
	int ret = xfr_zone_store_snapshot(z, c);
	if (ret != 0) {
		log_zone(z, ZG_LOG_WARNING,
			 "cannot compact the journal: %s; it is tried again after the next transfer",
			 zg_strerror(ret));
		return;
	}
	log_zone(z, ZG_LOG_INFO,
		 "journal compacted: %" PRIu64 " diffs of %" PRIu64 " bytes replaced by a snapshot of %" PRIu64 " bytes at serial %" PRIu32,
		 entries, bytes, z->st.snapshot_bytes, z->st.serial);
}
