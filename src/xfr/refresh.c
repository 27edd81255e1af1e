/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The refresh state machine of one secondary zone: SOA checks, IXFR with
 * fall-back to AXFR, retry and expire (RFC 1034 section 4.3.5, RFC 1995,
 * RFC 1996, RFC 5936). Runs only in the service thread. */
#include "xfr/xfr_impl.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <urcu.h>

#include "common/error.h"
#include "common/log.h"
#include "zone/zone.h"

/*
 *   refresh timer, NOTIFY, API refresh
 *                 |
 *                 v
 *      holds a version? --- no ----------------> AXFR (TCP)
 *                 | yes                              |
 *                 v                                  |
 *      SOA query (UDP, TCP if truncated)             |
 *                 |                                  |
 *      primary's serial vs ours (RFC 1982)           |
 *        newer ---------> IXFR (TCP) --+             |
 *                           | NOTIMP,  | diffs or    |
 *                           | bad diff | AXFR form   |
 *                           v          v             v
 *                          AXFR ----> build, store, publish
 *        equal, older,                   |
 *        undefined: in sync              |
 *                 |                      |
 *                 +----------------------+--> success: next check after
 *                                              SOA refresh; expire timer
 *                                              restarts at SOA expire
 *      a failure moves on to the next primary; when all failed, the
 *      next check comes after SOA retry.
 *      expire timer fires: the zone answers SERVFAIL (EDE 14) until a
 *      check or transfer succeeds again.
 */

/* How long each wait on a primary may take. */
#define SOA_TIMEOUT_MS 2000
#define XFR_TIMEOUT_MS 10000

enum step {
	STEP_SOA = 0,
	STEP_IXFR,
	STEP_AXFR,
};

static const char *const step_names[] = { "SOA query", "IXFR", "AXFR" };

/* One check or transfer of one zone, from its first primary on. */
struct xfr_op {
	struct xfr_zone *z;
	enum step first_step;		/* where each primary starts */
	enum step step;
	size_t primary;
	bool soa_tcp;			/* SOA again over TCP after TC */
	struct xfr_conn *conn;
	uint16_t id;
	struct xfr_tsig_ctx tsig;
	struct xfr_reply reply;
	uint32_t primary_serial;
	bool have_primary_serial;	/* a verified reply showed it */
	uint8_t *buf;			/* a reply message being parsed */
	char last_error[256];
	uint64_t seq;			/* tells a stale store job apart */
	bool storing;			/* the transfer waits for the store */
	bool axfr_form;			/* an IXFR answered in AXFR form */
};

static void start_step(struct xfr_op *op, enum step step);

/*
 * Small helpers
 */

void xfr_zone_fields(const struct xfr_zone *z, char *buf, size_t len)
{
	snprintf(buf, len, "zone_id=%s name=%s", z->zone_id, z->name);
}

static void zone_log(const struct xfr_zone *z, enum zg_log_level level,
		     const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* One sentence about z, with its fields. */
static void zone_log(const struct xfr_zone *z, enum zg_log_level level,
		     const char *fmt, ...)
{
	char fields[2 * STORE_NAME_LEN];
	char text[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	xfr_zone_fields(z, fields, sizeof(fields));
	zg_log(level, "xfr", fields, "%s", text);
}

static void op_fields(const struct xfr_op *op, char *buf, size_t len)
{
	char remote[ZG_ADDR_STRLEN];
	addr_format(&op->z->primaries[op->primary], true, remote,
		    sizeof(remote));
	snprintf(buf, len, "zone_id=%s name=%s remote=%s", op->z->zone_id,
		 op->z->name, remote);
}

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

static uint32_t clamp_timer(uint32_t value)
{
	if (value < XFR_MIN_TIMER_S) {
		return XFR_MIN_TIMER_S;
	}
	return value > XFR_MAX_TIMER_S ? XFR_MAX_TIMER_S : value;
}

static uint32_t soa_refresh_of(const knot_rrset_t *soa)
{
	return soa != NULL ? clamp_timer(knot_soa_refresh(soa->rrs.rdata))
			   : XFR_INITIAL_RETRY_S;
}

static uint32_t soa_refresh(const struct xfr_zone *z)
{
	return soa_refresh_of(z->soa);
}

static uint32_t soa_retry(const struct xfr_zone *z)
{
	return z->soa != NULL ? clamp_timer(knot_soa_retry(z->soa->rrs.rdata))
			      : XFR_INITIAL_RETRY_S;
}

static uint32_t soa_expire_of(const knot_rrset_t *soa)
{
	return soa != NULL ? clamp_timer(knot_soa_expire(soa->rrs.rdata))
			   : XFR_MAX_TIMER_S;
}

static uint32_t soa_expire(const struct xfr_zone *z)
{
	return soa_expire_of(z->soa);
}

static void arm(struct xfr_zone *z, struct loop_timer *timer, int64_t at)
{
	int64_t delay = at - now_s();
	loop_timer_start(z->svc->loop, timer,
			 delay > 0 ? (uint64_t)delay * 1000 : 0);
}

/* The apex SOA of c, copied; NULL on ENOMEM. */
static int first_rrset(const knot_rrset_t *rr, void *arg)
{
	*(knot_rrset_t **)arg = knot_rrset_copy(rr, NULL);
	return 1;
}

static knot_rrset_t *contents_soa(const struct zone_contents *c)
{
	knot_rrset_t *soa = NULL;
	(void)zone_contents_walk(c, first_rrset, &soa);
	return soa;
}

static void set_soa(struct xfr_zone *z, knot_rrset_t *soa)
{
	knot_rrset_free(z->soa, NULL);
	z->soa = soa;
}

/* The contents on our handle. Only this thread publishes on it, so they
 * stay valid until this thread publishes again: no read lock is held
 * across the (possibly long) use. */
static const struct zone_contents *held_contents(const struct xfr_zone *z)
{
	rcu_read_lock();
	const struct zone_contents *c = zone_handle_contents(z->handle);
	rcu_read_unlock();
	return c;
}

/*
 * Store jobs (storeq.c runs them, persist.c writes)
 *
 * The zone's newest queued job is z->last_job until its done; a state
 * write queued last is brought up to date instead of queueing another,
 * so that a store held for minutes by another thread costs one waiting
 * state write per zone, and nothing overtakes an earlier write of the
 * zone (the queue keeps the order).
 */

/* What every job of one zone carries. */
struct zone_job {
	struct xfr_job job;
	char zone_id[STORE_ID_LEN];
	char fields[3 * STORE_NAME_LEN];	/* for the log */
	struct store_xfr_state st;		/* the state it writes */
	int ret;				/* the store's answer */
	struct xfr_written written;
};

static void zone_job_init(struct zone_job *zj, const struct xfr_zone *z,
			  void (*run)(struct xfr_job *job),
			  void (*done)(struct xfr_job *job, bool live))
{
	zj->job.run = run;
	zj->job.done = done;
	snprintf(zj->zone_id, sizeof(zj->zone_id), "%s", z->zone_id);
	xfr_zone_fields(z, zj->fields, sizeof(zj->fields));
	zj->st = z->st;
}

static void zone_job_post(struct xfr_zone *z, struct zone_job *zj)
{
	z->last_job = &zj->job;
	xfr_jobs_post(z->svc, &zj->job);
}

/* The zone of a finished job, or NULL when it is gone; forgets the job
 * as the zone's newest. */
static struct xfr_zone *job_zone(struct zone_job *zj, bool live)
{
	struct xfr_zone *z = live ? xfr_service_zone(zj->job.svc, zj->zone_id)
				  : NULL;
	if (z != NULL && z->last_job == &zj->job) {
		z->last_job = NULL;
	}
	return z;
}

struct state_job {
	struct zone_job zj;
	bool drop_journal;
};

static void state_run(struct xfr_job *job)
{
	struct state_job *sj = (struct state_job *)job;
	struct zone_job *zj = &sj->zj;
	zj->ret = xfr_persist_state(job->svc->store, &zj->st,
				    sj->drop_journal, &zj->written);
	if (zj->ret != 0 && sj->drop_journal) {
		/* The next IXFR finds the journal not ending where the zone
		 * does and writes the whole zone instead. */
		zg_log(ZG_LOG_WARNING, "xfr", zj->fields,
		       "cannot drop the damaged journal: %s; the next transfer replaces it",
		       zg_strerror(zj->ret));
	} else if (zj->ret != 0) {
		zg_log(ZG_LOG_WARNING, "xfr", zj->fields,
		       "cannot store the refresh state: %s; a restart may check the primary again sooner",
		       zg_strerror(zj->ret));
	}
}

static void state_done(struct xfr_job *job, bool live)
{
	struct zone_job *zj = (struct zone_job *)job;
	struct xfr_zone *z = job_zone(zj, live);
	if (z != NULL && zj->ret == 0) {
		xfr_written_apply(&zj->written, zj->st.serial, &z->st);
	}
	free(job);
}

static void edit_state(struct xfr_job *job, void *arg)
{
	const struct xfr_zone *z = arg;
	((struct zone_job *)job)->st = z->st;
}

/* Queues a write of z->st (drop_journal: and an empty journal). */
static void store_state(struct xfr_zone *z, bool drop_journal)
{
	if (!drop_journal && z->last_job != NULL &&
	    z->last_job->run == state_run &&
	    xfr_jobs_edit(z->svc, z->last_job, edit_state, z)) {
		return;
	}
	struct state_job *sj = calloc(1, sizeof(*sj));
	if (sj == NULL) {
		zone_log(z, ZG_LOG_WARNING,
			 "cannot store the refresh state: out of memory; a restart may check the primary again sooner");
		return;
	}
	zone_job_init(&sj->zj, z, state_run, state_done);
	sj->drop_journal = drop_journal;
	zone_job_post(z, &sj->zj);
}

/*
 * Serving and expiring
 */

void xfr_zone_drop_held(struct xfr_zone *z)
{
	free(z->held_blob);
	z->held_blob = NULL;
	z->held_len = 0;
}

/* Keeps c (not served) encoded, for when a primary vouches for it
 * again; without memory for it, that takes a new AXFR. */
static void hold_unserved(struct xfr_zone *z, const struct zone_contents *c)
{
	xfr_zone_drop_held(z);
	if (c == NULL ||
	    xfr_snapshot_encode(c, &z->held_blob, &z->held_len) != 0) {
		z->held_blob = NULL;
		z->held_len = 0;
		z->st.loaded = false;
	}
}

/* A transfer being stored is contact with a primary. */
static bool storing(const struct xfr_zone *z);

static void on_expire(struct loop_timer *timer)
{
	struct xfr_zone *z = timer->arg;
	if (!z->served) {
		return;
	}
	if (storing(z)) {
		arm(z, &z->expire_timer, now_s() + 1);
		return;
	}
	if (now_s() < z->st.expire_at) {
		arm(z, &z->expire_timer, z->st.expire_at);
		return;
	}
	hold_unserved(z, held_contents(z));
	zone_handle_publish(z->handle, NULL);
	z->served = false;
	zone_log(z, ZG_LOG_ERROR,
		 "zone expired: no primary answered for %" PRIu32 " s; it answers SERVFAIL until a refresh succeeds",
		 soa_expire(z));
}

static void on_refresh_timer(struct loop_timer *timer)
{
	xfr_zone_refresh(timer->arg);
}

/* Publishes c (ownership passes) and notes that the zone is served. */
static void serve(struct xfr_zone *z, struct zone_contents *c)
{
	zone_handle_publish(z->handle, c);
	z->served = true;
	xfr_zone_drop_held(z);
	arm(z, &z->expire_timer, z->st.expire_at);
}

/*
 * Compaction: after the zone is published and while no operation of the
 * zone runs, the snapshot is rewritten from the version served. The
 * served contents stay valid while this thread does not publish, so
 * they are encoded here and the store thread writes the blob.
 */

struct compact_job {
	struct zone_job zj;
	uint8_t *blob;			/* the served version, encoded */
	size_t len;
};

static void compact_run(struct xfr_job *job)
{
	struct compact_job *cj = (struct compact_job *)job;
	struct zone_job *zj = &cj->zj;
	zj->ret = xfr_persist_snapshot(job->svc->store, &zj->st, cj->blob,
				       cj->len, &zj->written);
	if (zj->ret != 0) {
		zg_log(ZG_LOG_WARNING, "xfr", zj->fields,
		       "cannot compact the journal: %s; it is tried again after the next transfer",
		       zg_strerror(zj->ret));
	}
}

static void compact_done(struct xfr_job *job, bool live)
{
	struct compact_job *cj = (struct compact_job *)job;
	struct zone_job *zj = &cj->zj;
	struct xfr_zone *z = job_zone(zj, live);
	if (z != NULL) {
		z->compacting = false;
	}
	if (z != NULL && zj->ret == 0) {
		uint64_t entries = z->st.journal_entries;
		uint64_t bytes = z->st.journal_bytes;
		xfr_written_apply(&zj->written, zj->st.serial, &z->st);
		zg_log(ZG_LOG_INFO, "xfr", zj->fields,
		       "journal compacted: %" PRIu64 " diffs of %" PRIu64 " bytes replaced by a snapshot of %zu bytes at serial %" PRIu32,
		       entries, bytes, cj->len, zj->st.serial);
	}
	free(cj->blob);
	free(cj);
}

static bool compaction_due(const struct xfr_zone *z)
{
	return z->served && z->op == NULL && !z->compacting &&
	       xfr_journal_needs_compaction(&z->st);
}

static void on_compact_timer(struct loop_timer *timer)
{
	struct xfr_zone *z = timer->arg;
	const struct zone_contents *c = compaction_due(z) ? held_contents(z)
							  : NULL;
	/* Only the version the state describes may become the snapshot. */
	if (c == NULL || zone_contents_serial(c) != z->st.serial) {
		return;
	}
	struct compact_job *cj = calloc(1, sizeof(*cj));
	if (cj == NULL || xfr_snapshot_encode(c, &cj->blob, &cj->len) != 0) {
		free(cj);
		zone_log(z, ZG_LOG_WARNING,
			 "cannot compact the journal: out of memory; it is tried again after the next transfer");
		return;
	}
	zone_job_init(&cj->zj, z, compact_run, compact_done);
	z->compacting = true;
	zone_job_post(z, &cj->zj);
}

static void schedule_compaction(struct xfr_zone *z)
{
	if (compaction_due(z)) {
		loop_timer_start(z->svc->loop, &z->compact_timer, 0);
	}
}

/*
 * Loading
 */

static void load_nothing(struct xfr_zone *z, const char *fields)
{
	memset(&z->st, 0, sizeof(z->st));
	snprintf(z->st.zone_id, sizeof(z->st.zone_id), "%s", z->zone_id);
	z->st.primary_serial = -1;
	zg_log(ZG_LOG_INFO, "xfr", fields,
	       "no transfer stored yet; it answers SERVFAIL until the first transfer");
}

void xfr_zone_load(struct xfr_zone *z, const struct xfr_stored *s)
{
	char fields[2 * STORE_NAME_LEN];
	xfr_zone_fields(z, fields, sizeof(fields));
	if (!s->have_state) {
		load_nothing(z, fields);
		xfr_zone_refresh(z);
		return;
	}

	z->st = s->st;
	char err[512] = "";
	bool fell_back = false;
	struct zone_contents *c = xfr_stored_contents(z->apex, s, &z->st,
						      &fell_back, err,
						      sizeof(err));
	if (c == NULL) {
		zg_log(ZG_LOG_ERROR, "xfr", fields,
		       "the stored snapshot cannot be loaded: %s; transferring the zone again",
		       err);
		z->st.loaded = false;
		xfr_zone_refresh(z);
		return;
	}
	if (fell_back) {
		zg_log(ZG_LOG_WARNING, "xfr", fields,
		       "%s and refreshing from the primary now", err);
		/* The next IXFR starts a new journal from the snapshot. */
		store_state(z, true);
	}
	set_soa(z, contents_soa(c));
	if (now_s() >= z->st.expire_at) {
		zg_log(ZG_LOG_WARNING, "xfr", fields,
		       "the stored version (serial %" PRIu32 ") expired while zonegate was down; it answers SERVFAIL until a refresh succeeds",
		       z->st.serial);
		hold_unserved(z, c);
		zone_contents_free(c);
	} else {
		zg_log(ZG_LOG_NOTICE, "xfr", fields,
		       "serving the stored version at serial %" PRIu32 " with %zu records (snapshot at serial %" PRIu32 " and %" PRIu64 " journal diffs)",
		       zone_contents_serial(c), zone_contents_rr_count(c),
		       z->st.snapshot_serial, z->st.journal_entries);
		serve(z, c);
	}
	/* As BIND does at start: the stored version is served meanwhile,
	 * but whether it is still the primaries' is checked at once rather
	 * than at the refresh time stored before the restart, paced at
	 * XFR_SOA_CHECKS_PER_S across all zones. */
	xfr_zone_refresh(z);
}

/*
 * Ending an operation
 */

static void op_free(struct xfr_op *op)
{
	xfr_conn_close(op->conn);
	xfr_reply_clear(&op->reply);
	xfr_tsig_ctx_clear(&op->tsig);
	free(op->buf);
	free(op);
}

static bool storing(const struct xfr_zone *z)
{
	return z->op != NULL && z->op->storing;
}

/* Ends the operation with timers set; runs the check again when one was
 * asked for meanwhile. */
static void op_end(struct xfr_op *op)
{
	struct xfr_zone *z = op->z;
	z->op = NULL;
	op_free(op);
	store_state(z, false);
	schedule_compaction(z);
	if (z->again) {
		bool urgent = z->again_urgent;
		z->again = false;
		z->again_urgent = false;
		if (urgent) {
			xfr_zone_refresh_urgent(z);
		} else {
			xfr_zone_refresh(z);
		}
	}
}

/* Every primary failed: the next check comes after SOA retry. */
static void op_failed(struct xfr_op *op)
{
	struct xfr_zone *z = op->z;
	int64_t now = now_s();
	z->st.last_attempt = now;
	snprintf(z->st.last_error, sizeof(z->st.last_error), "%s",
		 op->last_error);
	/* A primary answered with its serial (verified) before the
	 * refusal: keep the lag visible. */
	if (op->have_primary_serial) {
		z->st.primary_serial = op->primary_serial;
	}
	z->st.refresh_at = now + soa_retry(z);
	arm(z, &z->refresh_timer, z->st.refresh_at);

	zone_log(z, ZG_LOG_WARNING,
		 "refresh failed on every primary (last: %s); next attempt in %" PRIu32 " s",
		 op->last_error, soa_retry(z));
	op_end(op);
}

/* The held version from its encoding (expired zones); NULL with err. */
static struct zone_contents *unheld(const struct xfr_zone *z, char *err,
				    size_t errlen)
{
	if (z->held_blob == NULL) {
		snprintf(err, errlen, "it was not kept (out of memory)");
		return NULL;
	}
	return xfr_snapshot_decode(z->apex, z->held_blob, z->held_len, err,
				   errlen);
}

/* The primary answered and we hold its version (or a newer one). */
static void op_in_sync(struct xfr_op *op)
{
	struct xfr_zone *z = op->z;
	int64_t now = now_s();
	z->st.last_attempt = now;
	z->st.last_success = now;
	z->st.synced_at = now;
	z->st.primary_serial = op->primary_serial;
	z->st.last_error[0] = '\0';
	z->st.refresh_at = now + soa_refresh(z);
	z->st.expire_at = now + soa_expire(z);
	arm(z, &z->refresh_timer, z->st.refresh_at);

	if (!z->served) {
		/* Expired before: the primary vouches for the held version
		 * again. */
		char err[256] = "";
		struct zone_contents *c = unheld(z, err, sizeof(err));
		if (c != NULL) {
			serve(z, c);
		} else {
			zone_log(z, ZG_LOG_ERROR,
				 "the held version cannot be served again: %s; transferring the zone again",
				 err);
			z->st.loaded = false;
			z->again = true;
		}
	} else {
		arm(z, &z->expire_timer, z->st.expire_at);
	}
	op_end(op);
}

static void primary_failed(struct xfr_op *op, const char *why)
{
	char fields[3 * STORE_NAME_LEN];
	op_fields(op, fields, sizeof(fields));
	zg_log(ZG_LOG_WARNING, "xfr", fields, "%s failed: %s",
	       step_names[op->step], why);
	char remote[ZG_ADDR_STRLEN];
	addr_format(&op->z->primaries[op->primary], true, remote,
		    sizeof(remote));
	/* A query goes to a primary; a transfer comes from it. */
	snprintf(op->last_error, sizeof(op->last_error), "%s %s %s: %s",
		 step_names[op->step], op->step == STEP_SOA ? "to" : "from",
		 remote, why);

	xfr_conn_close(op->conn);
	op->conn = NULL;
	op->soa_tcp = false;
	if (++op->primary < op->z->n_primaries) {
		start_step(op, op->first_step);
		return;
	}
	op_failed(op);
}

/*
 * A finished transfer: checked against the zone's limits, stored by the
 * store thread, then served (stored before served: a crash restarts on
 * this version or on the previous one, never on a mix, and what is
 * served is always what a restart serves).
 *
 *   transfer_done --> limits --> install: job queued, op->storing
 *                                   |
 *        store thread: one transaction (journal or snapshot)
 *                                   |
 *   install_done (loop) --> stored: publish, timers, op_end
 *                       --> failed: primary_failed (next primary)
 *
 * Meanwhile the loop goes on: other zones' checks and transfers, this
 * zone's NOTIFYs (a check runs again after it), its expire timer (a
 * transfer being stored counts as contact).
 */

struct install_job {
	struct zone_job zj;		/* st: the state of the new version */
	uint64_t op_seq;		/* the operation that waits */
	struct xfr_reply reply;		/* taken from the operation */
	struct zone_contents *c;	/* the new version; owned */
	knot_rrset_t *soa;		/* its SOA; owned */
};

static void install_run(struct xfr_job *job)
{
	struct install_job *ij = (struct install_job *)job;
	struct zone_job *zj = &ij->zj;
	zj->ret = xfr_persist_transfer(job->svc->store, &zj->st, &ij->reply,
				       ij->c, zj->fields, &zj->written);
}

static void install_free(struct install_job *ij)
{
	zone_contents_free(ij->c);
	knot_rrset_free(ij->soa, NULL);
	xfr_reply_clear(&ij->reply);
	free(ij);
}

/* The stored transfer becomes the version served. */
static void install_stored(struct xfr_op *op, struct install_job *ij)
{
	struct xfr_zone *z = op->z;
	/* The sizes follow every job of the zone, this one last. */
	struct store_xfr_state st = ij->zj.st;
	st.snapshot_bytes = z->st.snapshot_bytes;
	st.snapshot_serial = z->st.snapshot_serial;
	st.journal_entries = z->st.journal_entries;
	st.journal_bytes = z->st.journal_bytes;
	xfr_written_apply(&ij->zj.written, st.serial, &st);
	z->st = st;
	set_soa(z, ij->soa);
	ij->soa = NULL;

	size_t records = zone_contents_rr_count(ij->c);
	zg_log(ZG_LOG_NOTICE, "xfr", ij->zj.fields,
	       "%s%s done: zone published at serial %" PRIu32 " with %zu records",
	       step_names[op->step],
	       op->axfr_form ? " (answered in AXFR form)" : "", z->st.serial,
	       records);
	serve(z, ij->c);
	ij->c = NULL;
	arm(z, &z->refresh_timer, z->st.refresh_at);
	op_end(op);
}

static void install_done(struct xfr_job *job, bool live)
{
	struct install_job *ij = (struct install_job *)job;
	struct xfr_zone *z = job_zone(&ij->zj, live);
	struct xfr_op *op = z != NULL ? z->op : NULL;
	if (op == NULL || op->seq != ij->op_seq) {
		install_free(ij);	/* the zone or its transfer is gone */
		return;
	}
	op->storing = false;
	if (ij->zj.ret != 0) {
		char why[128];
		snprintf(why, sizeof(why), "cannot store the transfer: %s",
			 zg_strerror(ij->zj.ret));
		primary_failed(op, why);
	} else {
		install_stored(op, ij);
	}
	install_free(ij);
}

/* Hands the transferred zone c (owned) to the store thread. */
static void install(struct xfr_op *op, struct zone_contents *c,
		    size_t skipped)
{
	struct xfr_zone *z = op->z;
	struct install_job *ij = calloc(1, sizeof(*ij));
	knot_rrset_t *soa = contents_soa(c);
	if (ij == NULL || soa == NULL) {
		free(ij);
		knot_rrset_free(soa, NULL);
		zone_contents_free(c);
		primary_failed(op, "out of memory");
		return;
	}
	ij->soa = soa;
	zone_job_init(&ij->zj, z, install_run, install_done);
	op_fields(op, ij->zj.fields, sizeof(ij->zj.fields));
	ij->op_seq = op->seq;
	ij->c = c;
	op->axfr_form = op->reply.kind == XFR_REPLY_FULL &&
			op->step == STEP_IXFR;
	if (skipped > 0 || op->reply.out_of_zone > 0) {
		zg_log(ZG_LOG_WARNING, "xfr", ij->zj.fields,
		       "%zu records outside the zone or of meta types were left out",
		       skipped + op->reply.out_of_zone);
	}

	int64_t now = now_s();
	struct store_xfr_state *st = &ij->zj.st;
	st->loaded = true;
	st->serial = zone_contents_serial(c);
	st->records = zone_contents_rr_count(c);
	st->last_attempt = now;
	st->last_success = now;
	st->synced_at = now;
	st->primary_serial = zone_contents_serial(c);
	st->last_error[0] = '\0';
	/* The new version's timers, from its own SOA. */
	st->refresh_at = now + soa_refresh_of(ij->soa);
	st->expire_at = now + soa_expire_of(ij->soa);

	/* The reply goes with the job (an IXFR's diffs are what the
	 * journal stores); the operation keeps nothing of it. */
	ij->reply = op->reply;
	memset(&op->reply, 0, sizeof(op->reply));
	zg_log(ZG_LOG_INFO, "xfr", ij->zj.fields,
	       "%s received: serial %" PRIu32 " with %zu records; storing it before it is served",
	       step_names[op->step], st->serial, (size_t)st->records);
	op->storing = true;
	zone_job_post(z, &ij->zj);
}

/* The zone c a transfer would make, against the zone's limits (they
 * bound the zone, not one transfer: an IXFR may not grow it past them
 * either). \retval true when within; why filled otherwise. */
static bool within_limits(const struct xfr_zone *z,
			  const struct zone_contents *c, char *why,
			  size_t whylen)
{
	char stays[64] = "";
	if (z->served || z->held_blob != NULL) {
		snprintf(stays, sizeof(stays), "; serial %" PRIu32 " stays %s",
			 z->st.serial, z->served ? "served" : "held");
	}
	size_t records = zone_contents_rr_count(c);
	if (records > z->max_records) {
		snprintf(why, whylen,
			 "the zone would have %zu records at serial %" PRIu32 ", more than max_records %" PRIu64 "%s",
			 records, zone_contents_serial(c), z->max_records,
			 stays);
		return false;
	}
	uint64_t bytes = 0;
	if (xfr_snapshot_size(c, &bytes) != 0) {
		snprintf(why, whylen, "out of memory");
		return false;
	}
	if (bytes > z->max_bytes) {
		snprintf(why, whylen,
			 "the zone would take %" PRIu64 " bytes at serial %" PRIu32 " (counted as stored), more than max_bytes %" PRIu64 "%s",
			 bytes, zone_contents_serial(c), z->max_bytes, stays);
		return false;
	}
	return true;
}

static void transfer_done(struct xfr_op *op)
{
	struct xfr_zone *z = op->z;
	struct xfr_reply *r = &op->reply;
	op->primary_serial = r->new_serial;
	op->have_primary_serial = true;

	/* RFC 1995 section 2: a single SOA means we are current. */
	if (r->kind == XFR_REPLY_UPTODATE) {
		op_in_sync(op);
		return;
	}
	if (z->st.loaded && xfr_serial_compare(r->new_serial, z->st.serial) !=
	    XFR_SERIAL_GREATER) {
		char fields[3 * STORE_NAME_LEN];
		op_fields(op, fields, sizeof(fields));
		zg_log(ZG_LOG_WARNING, "xfr", fields,
		       "%s brought serial %" PRIu32 ", not newer than the held %" PRIu32 "; keeping the held version",
		       step_names[op->step], r->new_serial, z->st.serial);
		op_in_sync(op);
		return;
	}

	char err[256] = "";
	size_t skipped = 0;
	struct zone_contents *base = NULL;
	if (r->kind == XFR_REPLY_INCREMENTAL && !z->served) {
		/* Expired: the held version is kept encoded. Without it the
		 * diffs do not apply and AXFR follows. */
		base = unheld(z, err, sizeof(err));
	}
	struct zone_contents *c = xfr_apply(base != NULL ? base
					    : held_contents(z), r, &skipped,
					    err, sizeof(err));
	zone_contents_free(base);
	if (c != NULL && !within_limits(z, c, err, sizeof(err))) {
		zone_contents_free(c);
		primary_failed(op, err);
		return;
	}
	if (c != NULL) {
		install(op, c, skipped);
		return;
	}
	if (op->step == STEP_IXFR) {
		/* The diffs do not fit the held version: take it all. */
		char fields[3 * STORE_NAME_LEN];
		op_fields(op, fields, sizeof(fields));
		zg_log(ZG_LOG_WARNING, "xfr", fields,
		       "IXFR not applicable (%s); falling back to AXFR", err);
		xfr_conn_close(op->conn);
		op->conn = NULL;
		start_step(op, STEP_AXFR);
		return;
	}
	primary_failed(op, err);
}

/*
 * Replies
 */

/* The SOA serial a reply to our SOA query carries. */
static int soa_answer(const struct xfr_zone *z, const knot_pkt_t *pkt,
		      uint32_t *serial)
{
	const knot_pktsection_t *ans = knot_pkt_section(pkt, KNOT_ANSWER);
	for (uint16_t i = 0; i < ans->count; i++) {
		const knot_rrset_t *rr = knot_pkt_rr(ans, i);
		if (rr->type == KNOT_RRTYPE_SOA && rr->rrs.count > 0 &&
		    knot_dname_is_equal(rr->owner, z->apex)) {
			*serial = knot_soa_serial(rr->rrs.rdata);
			return 0;
		}
	}
	return ZG_ENOENT;
}

/* After the primary's SOA: transfer, or in sync (RFC 1982 compare). */
static void soa_done(struct xfr_op *op)
{
	struct xfr_zone *z = op->z;
	char fields[3 * STORE_NAME_LEN];
	op_fields(op, fields, sizeof(fields));

	switch (xfr_serial_compare(op->primary_serial, z->st.serial)) {
	case XFR_SERIAL_GREATER:
		zg_log(ZG_LOG_INFO, "xfr", fields,
		       "primary has serial %" PRIu32 ", newer than %" PRIu32 "; starting IXFR",
		       op->primary_serial, z->st.serial);
		start_step(op, STEP_IXFR);
		return;
	case XFR_SERIAL_UNDEFINED:
		zg_log(ZG_LOG_WARNING, "xfr", fields,
		       "primary's serial %" PRIu32 " is exactly 2^31 from the held %" PRIu32 ": their order is undefined (RFC 1982), so nothing is transferred; change the serial on the primary",
		       op->primary_serial, z->st.serial);
		break;
	case XFR_SERIAL_LESS:
		zg_log(ZG_LOG_WARNING, "xfr", fields,
		       "primary's serial %" PRIu32 " is older than the held %" PRIu32 "; keeping the held version",
		       op->primary_serial, z->st.serial);
		break;
	case XFR_SERIAL_EQUAL:
		zg_log(ZG_LOG_INFO, "xfr", fields,
		       "zone is current at serial %" PRIu32,
		       z->st.serial);
		break;
	}
	op_in_sync(op);
}

/* Checks header, TSIG and RCODE of a reply. -1: ignore the message
 * (stray UDP), 0: go on, 1: handled (op moved on or ended). */
static int check_reply(struct xfr_op *op, knot_pkt_t *pkt)
{
	if (knot_wire_get_id(pkt->wire) != op->id ||
	    !knot_wire_get_qr(pkt->wire)) {
		if (op->step == STEP_SOA && !op->soa_tcp) {
			return -1;
		}
		primary_failed(op, "the reply does not match the request");
		return 1;
	}

	uint8_t rcode = knot_wire_get_rcode(pkt->wire);
	const knot_lookup_t *name = knot_lookup_by_id(knot_rcode_names, rcode);
	char why[256] = "";
	if (op->tsig.key != NULL && pkt->tsig_rr == NULL &&
	    rcode != KNOT_RCODE_NOERROR) {
		snprintf(why, sizeof(why), "the primary answered %s without a TSIG",
			 name != NULL ? name->name : "an error");
		primary_failed(op, why);
		return 1;
	}
	if (xfr_tsig_check_reply(&op->tsig, pkt, why, sizeof(why)) != 0) {
		primary_failed(op, why);
		return 1;
	}

	if (rcode == KNOT_RCODE_NOERROR) {
		return 0;
	}
	char text[96];
	snprintf(text, sizeof(text), "the primary answered %s",
		 name != NULL ? name->name : "an error");
	if (op->step == STEP_IXFR && (rcode == KNOT_RCODE_NOTIMPL ||
				      rcode == KNOT_RCODE_FORMERR)) {
		/* RFC 1995 section 5 servers may not know IXFR. */
		xfr_conn_close(op->conn);
		op->conn = NULL;
		start_step(op, STEP_AXFR);
		return 1;
	}
	primary_failed(op, text);
	return 1;
}

static bool on_soa_reply(struct xfr_op *op, knot_pkt_t *pkt)
{
	if (knot_wire_get_tc(pkt->wire) && !op->soa_tcp) {
		op->soa_tcp = true;
		op->conn = NULL;	/* freed by returning false */
		start_step(op, STEP_SOA);
		return false;
	}
	if (soa_answer(op->z, pkt, &op->primary_serial) != 0) {
		op->conn = NULL;
		primary_failed(op, "the reply to the SOA query has no SOA for the zone");
		return false;
	}
	op->have_primary_serial = true;
	op->conn = NULL;
	soa_done(op);
	return false;
}

static bool on_transfer_reply(struct xfr_op *op, knot_pkt_t *pkt,
			      size_t len)
{
	int ret = xfr_reply_feed(&op->reply, pkt, len);
	if (op->reply.have_serial && !op->have_primary_serial) {
		/* The first message verified: its SOA is the primary's. */
		op->primary_serial = op->reply.new_serial;
		op->have_primary_serial = true;
	}
	if (ret != 0) {
		op->conn = NULL;
		primary_failed(op, op->reply.err[0] != '\0' ? op->reply.err
			       : zg_strerror(ret));
		return false;
	}
	if (!op->reply.done) {
		return true;
	}
	/* Done: the connection closes at once (BC-28 c: nothing more is
	 * waited for after a single SOA). */
	op->conn = NULL;
	char why[256] = "";
	if (xfr_tsig_check_end(&op->tsig, why, sizeof(why)) != 0) {
		primary_failed(op, why);
		return false;
	}
	transfer_done(op);
	return false;
}

static bool on_msg(void *arg, const uint8_t *msg, size_t len)
{
	struct xfr_op *op = arg;
	memcpy(op->buf, msg, len);
	knot_pkt_t *pkt = knot_pkt_new(op->buf, (uint16_t)len, NULL);
	if (pkt == NULL) {
		op->conn = NULL;
		primary_failed(op, "out of memory");
		return false;
	}
	bool more;
	if (knot_pkt_parse(pkt, 0) != KNOT_EOK) {
		op->conn = NULL;
		primary_failed(op, "the reply is not a valid DNS message");
		more = false;
	} else {
		/* check_reply may start another step with a new
		 * connection; the current one is closed by returning
		 * false, so forget it first. */
		struct xfr_conn *current = op->conn;
		op->conn = NULL;
		int verdict = check_reply(op, pkt);
		if (verdict == -1) {
			op->conn = current;
			more = true;
		} else if (verdict == 1) {
			more = false;
		} else {
			op->conn = current;
			more = op->step == STEP_SOA
				? on_soa_reply(op, pkt)
				: on_transfer_reply(op, pkt, len);
		}
	}
	knot_pkt_free(pkt);
	return more;
}

static void on_fail(void *arg, int err)
{
	struct xfr_op *op = arg;
	op->conn = NULL;
	if (err == ZG_ETIMEOUT) {
		primary_failed(op, "no answer in time");
	} else if (err == -ECONNRESET && op->step != STEP_SOA) {
		primary_failed(op, "the primary closed the connection before the transfer ended");
	} else {
		primary_failed(op, zg_strerror(err));
	}
}

/*
 * Requests
 */

static int build_query(struct xfr_op *op, uint16_t qtype, uint8_t *wire,
		       size_t *len, size_t max)
{
	struct xfr_zone *z = op->z;
	/* knot_pkt_new() takes a given buffer as it is: the header must
	 * start out zero. */
	memset(wire, 0, max);
	knot_pkt_t *pkt = knot_pkt_new(wire, (uint16_t)max, NULL);
	if (pkt == NULL) {
		return ZG_ENOMEM;
	}
	if (getrandom(&op->id, sizeof(op->id), 0) != sizeof(op->id)) {
		op->id = (uint16_t)(now_s() ^ (uintptr_t)op);
	}
	knot_wire_set_id(pkt->wire, op->id);
	int ret = knot_pkt_put_question(pkt, z->apex, KNOT_CLASS_IN, qtype);
	if (ret == KNOT_EOK && qtype == KNOT_RRTYPE_IXFR) {
		/* RFC 1995 section 3: our version's SOA in authority. */
		ret = knot_pkt_begin(pkt, KNOT_AUTHORITY);
		if (ret == KNOT_EOK) {
			ret = knot_pkt_put(pkt, 0, z->soa, 0);
		}
	}
	*len = pkt->size;
	knot_pkt_free(pkt);
	if (ret != KNOT_EOK) {
		return ZG_EINVAL;
	}
	xfr_tsig_ctx_clear(&op->tsig);
	op->tsig = (struct xfr_tsig_ctx){ .key = z->has_key ? &z->key : NULL };
	return xfr_tsig_sign_request(&op->tsig, wire, len, max);
}

static const struct zg_addr *source_for(const struct xfr_zone *z,
					const struct zg_addr *dst)
{
	if (addr_family(dst) == AF_INET6) {
		return z->has_source6 ? &z->source6 : NULL;
	}
	return z->has_source4 ? &z->source4 : NULL;
}

static void start_step(struct xfr_op *op, enum step step)
{
	struct xfr_zone *z = op->z;
	op->step = step;
	if (z->endpoint_missing) {
		primary_failed(op, "the zone's endpoint no longer exists");
		return;
	}
	if (step == STEP_IXFR && z->soa == NULL) {
		step = op->step = STEP_AXFR;
	}

	uint16_t qtype = step == STEP_SOA ? KNOT_RRTYPE_SOA
		: step == STEP_IXFR ? KNOT_RRTYPE_IXFR : KNOT_RRTYPE_AXFR;
	uint8_t wire[2048];
	size_t len = 0;
	int ret = build_query(op, qtype, wire, &len, sizeof(wire));
	if (ret != 0) {
		primary_failed(op, "cannot build the request");
		return;
	}
	if (step != STEP_SOA) {
		xfr_reply_clear(&op->reply);
		xfr_reply_init(&op->reply, z->apex, step == STEP_IXFR,
			       z->st.serial, z->max_records, z->max_bytes);
	}

	const struct zg_addr *dst = &z->primaries[op->primary];
	bool tcp = step != STEP_SOA || op->soa_tcp;
	int err = 0;
	op->conn = xfr_conn_open(z->svc->loop, tcp, dst, source_for(z, dst),
				 wire, len, tcp && step != STEP_SOA
				 ? XFR_TIMEOUT_MS : SOA_TIMEOUT_MS, on_msg,
				 on_fail, op, &err);
	if (op->conn == NULL) {
		char why[160];
		snprintf(why, sizeof(why), "cannot open a connection: %s",
			 zg_strerror(err));
		primary_failed(op, why);
		return;
	}
	char fields[3 * STORE_NAME_LEN];
	op_fields(op, fields, sizeof(fields));
	zg_log(ZG_LOG_DEBUG, "xfr", fields, "%s sent%s", step_names[step],
	       z->has_key ? " signed with TSIG" : "");
}

/*
 * Entry points
 */

void xfr_zone_init_timers(struct xfr_zone *z)
{
	loop_timer_init(&z->refresh_timer, on_refresh_timer, z);
	loop_timer_init(&z->expire_timer, on_expire, z);
	loop_timer_init(&z->compact_timer, on_compact_timer, z);
}

/* Starts the check of z now: the pace allowed it. */
static void refresh_start(struct xfr_zone *z)
{
	char fields[2 * STORE_NAME_LEN];
	xfr_zone_fields(z, fields, sizeof(fields));
	struct xfr_op *op = calloc(1, sizeof(*op));
	uint8_t *buf = malloc(65536);
	if (op == NULL || buf == NULL) {
		free(op);
		free(buf);
		zg_log(ZG_LOG_WARNING, "xfr", fields,
		       "out of memory; the refresh is tried again in %" PRIu32 " s",
		       soa_retry(z));
		arm(z, &z->refresh_timer, now_s() + soa_retry(z));
		return;
	}
	op->z = z;
	op->buf = buf;
	op->seq = ++z->svc->next_op_seq;
	z->op = op;
	op->first_step = z->st.loaded ? STEP_SOA : STEP_AXFR;
	start_step(op, op->first_step);
}

/*
 * Pacing (pace.c holds the budget and the queues). The pace runs on the
 * loop's clock read afresh (loop_clock_ms), not the iteration's cached
 * time: the first checks start before the loop runs. Expiry is apart
 * from it: the expire timer counts from the last contact and fires on
 * time for a zone that waits, which has no operation running.
 */

#define PACE_ZONE(l) \
	((struct xfr_zone *)((char *)(l) - offsetof(struct xfr_zone, pace)))

/* Starts what the budget allows and sets the timer for the rest. */
static void pace_drain(struct xfr_service *svc)
{
	struct xfr_pace_link *l;
	while ((l = xfr_pace_next(&svc->pace, loop_clock_ms())) != NULL) {
		refresh_start(PACE_ZONE(l));
	}
	uint64_t wait = xfr_pace_wait_ms(&svc->pace, loop_clock_ms());
	if (wait == UINT64_MAX) {
		loop_timer_stop(svc->loop, &svc->pace_timer);
	} else {
		loop_timer_start(svc->loop, &svc->pace_timer, wait);
	}
}

static void on_pace_timer(struct loop_timer *timer)
{
	pace_drain(timer->arg);
}

void xfr_service_pace_init(struct xfr_service *svc)
{
	xfr_pace_init(&svc->pace, XFR_SOA_CHECKS_PER_S);
	loop_timer_init(&svc->pace_timer, on_pace_timer, svc);
}

static void refresh_paced(struct xfr_zone *z, bool urgent)
{
	if (z->op != NULL) {
		z->again = true;
		z->again_urgent = z->again_urgent || urgent;
		return;
	}
	loop_timer_stop(z->svc->loop, &z->refresh_timer);
	if (z->n_primaries == 0) {
		char fields[2 * STORE_NAME_LEN];
		xfr_zone_fields(z, fields, sizeof(fields));
		zg_log(ZG_LOG_ERROR, "xfr", fields,
		       "the zone has no primaries; nothing is transferred until some are set");
		xfr_pace_remove(&z->svc->pace, &z->pace);
		return;
	}
	if (xfr_pace_request(&z->svc->pace, &z->pace, urgent,
			     loop_clock_ms())) {
		refresh_start(z);
		return;
	}
	pace_drain(z->svc);
}

void xfr_zone_refresh(struct xfr_zone *z)
{
	refresh_paced(z, false);
}

void xfr_zone_refresh_urgent(struct xfr_zone *z)
{
	refresh_paced(z, true);
}

void xfr_zone_cancel(struct xfr_zone *z)
{
	if (z->op != NULL) {
		op_free(z->op);
		z->op = NULL;
	}
	z->again = false;
	z->again_urgent = false;
	xfr_pace_remove(&z->svc->pace, &z->pace);
	loop_timer_stop(z->svc->loop, &z->refresh_timer);
	loop_timer_stop(z->svc->loop, &z->expire_timer);
	loop_timer_stop(z->svc->loop, &z->compact_timer);
}

void xfr_zone_settings_changed(struct xfr_zone *z)
{
	xfr_zone_refresh(z);
}
