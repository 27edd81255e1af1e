/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What a secondary zone keeps in the store: its refresh state, a
 * snapshot and the journal of IXFR diffs since that snapshot, and the
 * way back from them to the held version. The writes and reads run in
 * the service's store thread (storeq.c), or in an API transaction. */
#include "xfr/xfr_impl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/log.h"
#include "zone/zone.h"

/* Transfers are nobody's API change: logged as uid 0, pid 0. */
static const struct store_caller service = { .uid = 0, .pid = 0 };

/* Commits, or rolls back when ret reports a failure. */
static int finish(struct store *store, int ret)
{
	if (ret != 0) {
		store_rollback(store);
		return ret;
	}
	return store_commit(store, NULL);
}

void xfr_written_apply(const struct xfr_written *w, uint32_t serial,
		       struct store_xfr_state *st)
{
	if (w->snapshot) {
		st->snapshot_bytes = w->snapshot_bytes;
		st->snapshot_serial = serial;
	}
	if (w->snapshot || w->journal_dropped) {
		st->journal_entries = 0;
		st->journal_bytes = 0;
	}
	st->journal_entries += w->diffs;
	st->journal_bytes += w->diff_bytes;
}

int xfr_persist_state(struct store *store, const struct store_xfr_state *st,
		      bool drop_journal, struct xfr_written *w)
{
	memset(w, 0, sizeof(*w));
	int ret = store_begin(store, &service);
	if (ret != 0) {
		return ret;
	}
	ret = finish(store, drop_journal ? store_xfr_journal_drop(store, st)
					 : store_xfr_state_put(store, st));
	w->journal_dropped = ret == 0 && drop_journal;
	return ret;
}

int xfr_persist_snapshot(struct store *store,
			 const struct store_xfr_state *st, const uint8_t *blob,
			 size_t len, struct xfr_written *w)
{
	memset(w, 0, sizeof(*w));
	int ret = store_begin(store, &service);
	if (ret != 0) {
		return ret;
	}
	ret = finish(store, store_xfr_snapshot_put(store, st, blob, len));
	if (ret == 0) {
		w->snapshot = true;
		w->snapshot_bytes = len;
	}
	return ret;
}

static int persist_contents(struct store *store,
			    const struct store_xfr_state *st,
			    const struct zone_contents *c,
			    struct xfr_written *w)
{
	uint8_t *blob = NULL;
	size_t len = 0;
	int ret = xfr_snapshot_encode(c, &blob, &len);
	if (ret == 0) {
		ret = xfr_persist_snapshot(store, st, blob, len, w);
	}
	free(blob);
	return ret;
}

/* Appends the diffs of r inside the caller's transaction. */
static int append_diffs(struct store *store, const char *zone_id,
			const struct xfr_reply *r, struct xfr_written *w)
{
	int ret = 0;
	for (size_t i = 0; ret == 0 && i < r->n_diffs; i++) {
		const struct xfr_diff *d = &r->diffs[i];
		uint8_t *blob = NULL;
		size_t len = 0;
		ret = xfr_journal_encode(r, d, &blob, &len);
		if (ret == 0) {
			ret = store_xfr_journal_append(store, zone_id,
						       d->from_serial,
						       d->to_serial, blob,
						       len);
		}
		free(blob);
		w->diffs++;
		w->diff_bytes += len;
	}
	return ret;
}

int xfr_persist_transfer(struct store *store,
			 const struct store_xfr_state *st,
			 const struct xfr_reply *r,
			 const struct zone_contents *c, const char *fields,
			 struct xfr_written *w)
{
	memset(w, 0, sizeof(*w));
	if (r->kind != XFR_REPLY_INCREMENTAL) {
		return persist_contents(store, st, c, w);
	}
	int ret = store_begin(store, &service);
	if (ret != 0) {
		return ret;
	}
	ret = store_xfr_state_put(store, st);
	if (ret == 0) {
		ret = append_diffs(store, st->zone_id, r, w);
	}
	ret = finish(store, ret);
	if (ret == ZG_EINVAL) {
		/* The store no longer ends where the held version does (a
		 * restore replaced it): the whole zone makes it whole. */
		zg_log(ZG_LOG_WARNING, "xfr", fields,
		       "the stored journal does not end at serial %" PRIu32 ", where the IXFR starts; storing the whole zone at serial %" PRIu32 " instead",
		       r->diffs[0].from_serial, st->serial);
		return persist_contents(store, st, c, w);
	}
	if (ret != 0) {
		memset(w, 0, sizeof(*w));
	}
	return ret;
}

/*
 * Reading
 */

int xfr_stored_read(struct store *store, const char *zone_id,
		    struct xfr_stored *out)
{
	memset(out, 0, sizeof(*out));
	int ret = store_xfr_state_get(store, zone_id, &out->st);
	if (ret == ZG_ENOENT) {
		return 0;
	}
	if (ret != 0 || !out->st.loaded) {
		return ret;
	}
	out->have_state = true;
	out->read_err = store_xfr_snapshot_get(store, zone_id, &out->snapshot,
					       &out->snapshot_len);
	if (out->read_err == 0) {
		out->read_err = store_xfr_journal_get(store, zone_id,
						      &out->journal,
						      &out->n_journal);
	}
	return 0;
}

void xfr_stored_clear(struct xfr_stored *s)
{
	free(s->snapshot);
	store_xfr_journal_free(s->journal, s->n_journal);
	memset(s, 0, sizeof(*s));
}

struct zone_contents *xfr_stored_contents(const uint8_t *apex,
					  const struct xfr_stored *s,
					  struct store_xfr_state *st,
					  bool *fell_back, char *err,
					  size_t errlen)
{
	*fell_back = false;
	if (s->read_err != 0 || s->snapshot == NULL) {
		snprintf(err, errlen, "no stored snapshot (%s)",
			 zg_strerror(s->read_err != 0 ? s->read_err
				     : ZG_ENOENT));
		return NULL;
	}
	struct zone_contents *base = xfr_snapshot_decode(apex, s->snapshot,
							 s->snapshot_len, err,
							 errlen);
	if (base == NULL) {
		return NULL;
	}

	char why[256] = "";
	struct zone_contents *c = NULL;
	if (s->n_journal > 0) {
		c = xfr_journal_replay(base, s->journal, s->n_journal, why,
				       sizeof(why));
	}
	if (c != NULL && zone_contents_serial(c) == st->serial) {
		zone_contents_free(base);
		return c;
	}
	if (s->n_journal == 0 && zone_contents_serial(base) == st->serial) {
		return base;
	}

	if (why[0] == '\0') {
		snprintf(why, sizeof(why),
			 "it ends at serial %" PRIu32 " but the zone was stored at %" PRIu32,
			 zone_contents_serial(c != NULL ? c : base),
			 st->serial);
	}
	zone_contents_free(c);
	snprintf(err, errlen,
		 "the stored journal cannot be replayed (%s); serving the snapshot at serial %" PRIu32 " instead of %" PRIu32,
		 why, zone_contents_serial(base), st->serial);
	st->serial = zone_contents_serial(base);
	st->records = zone_contents_rr_count(base);
	*fell_back = true;
	return base;
}

/*
 * For the API: the version a secondary zone holds
 */

int xfr_stored_version(struct store *store, const char *zone_id,
		       const char *name, struct zone_contents **out,
		       char *err, size_t errlen)
{
	*out = NULL;
	uint8_t apex[KNOT_DNAME_MAXLEN];
	if (knot_dname_from_str(apex, name, sizeof(apex)) == NULL) {
		snprintf(err, errlen, "the zone's name is not a DNS name");
		return ZG_EINVAL;
	}
	knot_dname_to_lower(apex);
	struct xfr_stored s;
	int ret = xfr_stored_read(store, zone_id, &s);
	if (ret == 0 && !s.have_state) {
		ret = ZG_ENOENT;
	}
	if (ret == 0) {
		/* A journal that does not replay is left out, as the
		 * service does when it loads the zone. */
		bool fell_back = false;
		struct store_xfr_state st = s.st;
		*out = xfr_stored_contents(apex, &s, &st, &fell_back, err,
					   errlen);
		ret = *out != NULL ? 0 : ZG_EINVAL;
	}
	xfr_stored_clear(&s);
	return ret;
}
