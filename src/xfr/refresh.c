/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The refresh state machine of one secondary zone: SOA checks, IXFR with
 * fall-back to AXFR, retry and expire (RFC 1034 section 4.3.5, RFC 1995,
 * RFC 1996, RFC 5936). Runs only in the service thread. */
#include "xfr/xfr_impl.h"

#include <inttypes.h>
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
	uint8_t *buf;			/* a reply message being parsed */
	char last_error[256];
};

static void start_step(struct xfr_op *op, enum step step);

/*
 * Small helpers
 */

void xfr_zone_fields(const struct xfr_zone *z, char *buf, size_t len)
{
	snprintf(buf, len, "zone_id=%s name=%s", z->zone_id, z->name);
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

static uint32_t soa_refresh(const struct xfr_zone *z)
{
	return z->soa != NULL ? clamp_timer(knot_soa_refresh(z->soa->rrs.rdata))
			      : XFR_INITIAL_RETRY_S;
}

static uint32_t soa_retry(const struct xfr_zone *z)
{
	return z->soa != NULL ? clamp_timer(knot_soa_retry(z->soa->rrs.rdata))
			      : XFR_INITIAL_RETRY_S;
}

static uint32_t soa_expire(const struct xfr_zone *z)
{
	return z->soa != NULL ? clamp_timer(knot_soa_expire(z->soa->rrs.rdata))
			      : XFR_MAX_TIMER_S;
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
 * Persistence (persist.c writes, this file decides when)
 */

static void persist_state(struct xfr_zone *z)
{
	int ret = xfr_zone_store_state(z);
	if (ret != 0) {
		char fields[2 * STORE_NAME_LEN];
		xfr_zone_fields(z, fields, sizeof(fields));
		zg_log(ZG_LOG_WARNING, "xfr", fields,
		       "cannot store the refresh state: %s; a restart may check the primary again sooner",
		       zg_strerror(ret));
	}
}

/*
 * Serving and expiring
 */

static void on_expire(struct loop_timer *timer)
{
	struct xfr_zone *z = timer->arg;
	if (!z->served || now_s() < z->st.expire_at) {
		if (z->served) {
			arm(z, &z->expire_timer, z->st.expire_at);
		}
		return;
	}
	zone_handle_publish(z->handle, NULL);
	z->served = false;
	char fields[2 * STORE_NAME_LEN];
	xfr_zone_fields(z, fields, sizeof(fields));
	zg_log(ZG_LOG_ERROR, "xfr", fields,
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
	arm(z, &z->expire_timer, z->st.expire_at);
}

/* Compacts the journal after the current event: the zone is published
 * first, and the snapshot written is the one served. */
static void on_compact_timer(struct loop_timer *timer)
{
	struct xfr_zone *z = timer->arg;
	if (z->served) {
		xfr_zone_compact(z, held_contents(z));
	}
}

static void schedule_compaction(struct xfr_zone *z)
{
	if (z->served && xfr_journal_needs_compaction(&z->st)) {
		loop_timer_start(z->svc->loop, &z->compact_timer, 0);
	}
}

void xfr_zone_load(struct xfr_zone *z)
{
	char fields[2 * STORE_NAME_LEN];
	xfr_zone_fields(z, fields, sizeof(fields));
	struct store *store = z->svc->store;
	int ret = store_begin(store, NULL);
	if (ret == 0) {
		ret = store_xfr_state_get(store, z->zone_id, &z->st);
		store_rollback(store);
	}
	if (ret != 0 || !z->st.loaded) {
		memset(&z->st, 0, sizeof(z->st));
		snprintf(z->st.zone_id, sizeof(z->st.zone_id), "%s",
			 z->zone_id);
		z->st.primary_serial = -1;
		zg_log(ZG_LOG_INFO, "xfr", fields,
		       "no transfer stored yet; it answers SERVFAIL until the first transfer");
		xfr_zone_refresh(z);
		return;
	}

	char err[256] = "";
	bool fell_back = false;
	struct zone_contents *c = xfr_zone_stored(z, &fell_back, err,
						  sizeof(err));
	if (c == NULL) {
		zg_log(ZG_LOG_ERROR, "xfr", fields,
		       "the stored snapshot cannot be loaded: %s; transferring the zone again",
		       err);
		z->st.loaded = false;
		xfr_zone_refresh(z);
		return;
	}
	set_soa(z, contents_soa(c));
	if (now_s() >= z->st.expire_at) {
		zg_log(ZG_LOG_WARNING, "xfr", fields,
		       "the stored version (serial %" PRIu32 ") expired while zonegate was down; it answers SERVFAIL until a refresh succeeds",
		       z->st.serial);
		zone_contents_free(c);
	} else {
		zg_log(ZG_LOG_NOTICE, "xfr", fields,
		       "serving the stored version at serial %" PRIu32 " with %zu records (snapshot at serial %" PRIu32 " and %" PRIu64 " journal diffs)",
		       zone_contents_serial(c), zone_contents_rr_count(c),
		       z->st.snapshot_serial, z->st.journal_entries);
		serve(z, c);
		schedule_compaction(z);
	}
	if (fell_back) {
		xfr_zone_refresh(z);
	} else {
		arm(z, &z->refresh_timer, z->st.refresh_at);
	}
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

/* Ends the operation with timers set; runs the check again when one was
 * asked for meanwhile. */
static void op_end(struct xfr_op *op)
{
	struct xfr_zone *z = op->z;
	z->op = NULL;
	op_free(op);
	persist_state(z);
	if (z->again) {
		z->again = false;
		xfr_zone_refresh(z);
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
	z->st.refresh_at = now + soa_retry(z);
	arm(z, &z->refresh_timer, z->st.refresh_at);

	char fields[2 * STORE_NAME_LEN];
	xfr_zone_fields(z, fields, sizeof(fields));
	zg_log(ZG_LOG_WARNING, "xfr", fields,
	       "refresh failed on every primary (last: %s); next attempt in %" PRIu32 " s",
	       op->last_error, soa_retry(z));
	op_end(op);
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
		bool fell_back = false;
		struct zone_contents *c = xfr_zone_stored(z, &fell_back, err,
							  sizeof(err));
		if (c != NULL) {
			/* An older version than the primary's: check again,
			 * which brings it up to date. */
			z->again = z->again || fell_back;
			serve(z, c);
		} else {
			char fields[2 * STORE_NAME_LEN];
			xfr_zone_fields(z, fields, sizeof(fields));
			zg_log(ZG_LOG_ERROR, "xfr", fields,
			       "the stored snapshot cannot be loaded: %s; transferring the zone again",
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
	snprintf(op->last_error, sizeof(op->last_error), "%s from %s: %s",
		 step_names[op->step], remote, why);

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
 * A finished transfer
 */

/* An IXFR goes to the journal, the rest replaces the snapshot. */
static int store_transfer(struct xfr_zone *z, const struct xfr_reply *r,
			  const struct zone_contents *c)
{
	if (r->kind == XFR_REPLY_INCREMENTAL) {
		return xfr_zone_store_diffs(z, r, c);
	}
	return xfr_zone_store_snapshot(z, c);
}

/* Builds, stores and publishes the transferred zone. */
static void install(struct xfr_op *op, struct zone_contents *c,
		    size_t skipped)
{
	struct xfr_zone *z = op->z;
	char fields[3 * STORE_NAME_LEN];
	op_fields(op, fields, sizeof(fields));
	knot_rrset_t *soa = contents_soa(c);
	if (soa == NULL) {
		zone_contents_free(c);
		primary_failed(op, "out of memory");
		return;
	}

	int64_t now = now_s();
	struct store_xfr_state saved = z->st;
	knot_rrset_t *old_soa = z->soa;
	z->soa = soa;
	z->st.loaded = true;
	z->st.serial = zone_contents_serial(c);
	z->st.records = zone_contents_rr_count(c);
	z->st.last_attempt = now;
	z->st.last_success = now;
	z->st.synced_at = now;
	z->st.primary_serial = zone_contents_serial(c);
	z->st.last_error[0] = '\0';
	z->st.refresh_at = now + soa_refresh(z);
	z->st.expire_at = now + soa_expire(z);

	/* Stored before served: a crash now restarts on this version or
	 * on the previous one, never on a mix (one SQLite transaction). */
	int ret = store_transfer(z, &op->reply, c);
	if (ret != 0) {
		z->st = saved;
		z->soa = old_soa;
		knot_rrset_free(soa, NULL);
		zone_contents_free(c);
		char why[128];
		snprintf(why, sizeof(why), "cannot store the transfer: %s",
			 zg_strerror(ret));
		primary_failed(op, why);
		return;
	}
	knot_rrset_free(old_soa, NULL);
	if (skipped > 0 || op->reply.out_of_zone > 0) {
		zg_log(ZG_LOG_WARNING, "xfr", fields,
		       "%zu records outside the zone or of meta types were left out",
		       skipped + op->reply.out_of_zone);
	}
	zg_log(ZG_LOG_NOTICE, "xfr", fields,
	       "%s%s done: zone published at serial %" PRIu32 " with %zu records",
	       step_names[op->step],
	       op->reply.kind == XFR_REPLY_FULL && op->step == STEP_IXFR
	       ? " (answered in AXFR form)" : "",
	       zone_contents_serial(c), zone_contents_rr_count(c));
	serve(z, c);
	schedule_compaction(z);
	arm(z, &z->refresh_timer, z->st.refresh_at);
	op_end(op);
}

static void transfer_done(struct xfr_op *op)
{
	struct xfr_zone *z = op->z;
	struct xfr_reply *r = &op->reply;
	op->primary_serial = r->new_serial;

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
		/* Expired: the held version is only in the store. Should its
		 * journal fall back, the diffs do not apply and AXFR
		 * follows. */
		bool fell_back = false;
		base = xfr_zone_stored(z, &fell_back, err, sizeof(err));
	}
	struct zone_contents *c = xfr_apply(base != NULL ? base
					    : held_contents(z), r, &skipped,
					    err, sizeof(err));
	zone_contents_free(base);
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
	op->conn = NULL;
	soa_done(op);
	return false;
}

static bool on_transfer_reply(struct xfr_op *op, knot_pkt_t *pkt,
			      size_t len)
{
	int ret = xfr_reply_feed(&op->reply, pkt, len);
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

void xfr_zone_refresh(struct xfr_zone *z)
{
	if (z->op != NULL) {
		z->again = true;
		return;
	}
	loop_timer_stop(z->svc->loop, &z->refresh_timer);
	char fields[2 * STORE_NAME_LEN];
	xfr_zone_fields(z, fields, sizeof(fields));
	if (z->n_primaries == 0) {
		zg_log(ZG_LOG_ERROR, "xfr", fields,
		       "the zone has no primaries; nothing is transferred until some are set");
		return;
	}
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
	z->op = op;
	op->first_step = z->st.loaded ? STEP_SOA : STEP_AXFR;
	start_step(op, op->first_step);
}

void xfr_zone_cancel(struct xfr_zone *z)
{
	if (z->op != NULL) {
		op_free(z->op);
		z->op = NULL;
	}
	z->again = false;
	loop_timer_stop(z->svc->loop, &z->refresh_timer);
	loop_timer_stop(z->svc->loop, &z->expire_timer);
	loop_timer_stop(z->svc->loop, &z->compact_timer);
}

void xfr_zone_settings_changed(struct xfr_zone *z)
{
	xfr_zone_refresh(z);
}
