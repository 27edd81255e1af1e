/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Inside the xfr module: transfer replies, diffs, snapshots, TSIG
 * contexts, connections and the per-zone state the service keeps. Not
 * for other modules. */
#ifndef ZONEGATE_XFR_XFR_IMPL_H
#define ZONEGATE_XFR_XFR_IMPL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libknot/libknot.h>

#include "common/addr.h"
#include "common/loop.h"
#include "store/store.h"
#include "xfr/xfr.h"

struct zone_contents;
struct zone_handle;

/*
 * Replies to AXFR and IXFR (reply.c)
 * ----------------------------------
 * The records of a transfer are collected as they arrive, message by
 * message, and classified by the first records (RFC 1995 section 4):
 *
 *   SOA(new)                       alone, serial not newer: up to date
 *   SOA(new) SOA(old) ... SOA(new) incremental: diffs
 *   SOA(new) <not SOA> ... SOA(new) AXFR-style: the whole zone
 */

/* One record of a transfer; owner and rdata live in the same block. */
struct xfr_rr {
	uint8_t *owner;			/* lower-case wire name */
	uint8_t *rdata;
	uint32_t ttl;
	uint16_t type;
	uint16_t rdlen;
};

/* One difference sequence: deletions, then additions, both starting with
 * an SOA (RFC 1995 section 4). Indexes into xfr_reply.rrs. */
struct xfr_diff {
	uint32_t from_serial;
	uint32_t to_serial;
	size_t del_start, del_end;
	size_t add_start, add_end;
};

enum xfr_reply_kind {
	XFR_REPLY_PENDING = 0,		/* more messages are needed */
	XFR_REPLY_UPTODATE,		/* one SOA: nothing newer */
	XFR_REPLY_FULL,			/* AXFR, or IXFR in AXFR form */
	XFR_REPLY_INCREMENTAL,		/* IXFR diffs */
};

struct xfr_reply {
	/* Input, set by xfr_reply_init(). */
	uint8_t apex[KNOT_DNAME_MAXLEN];	/* lower case */
	bool ixfr;			/* the request was an IXFR */
	uint32_t our_serial;		/* IXFR: the serial asked from */
	uint64_t max_records;
	uint64_t max_bytes;

	/* Result. */
	enum xfr_reply_kind kind;
	bool done;			/* the final SOA arrived */
	uint32_t new_serial;		/* serial of the first SOA */
	bool have_serial;		/* the first SOA arrived */
	struct xfr_rr *rrs;		/* FULL: the zone; INCREMENTAL: diff
					 * contents in order */
	size_t n_rrs, cap_rrs;
	struct xfr_diff *diffs;
	size_t n_diffs;
	uint64_t bytes;			/* message bytes seen */
	size_t messages;
	size_t out_of_zone;		/* records skipped: not in the zone */
	char err[256];			/* why a feed failed */

	/* Parser state. */
	int phase;
	struct xfr_rr first_soa;
};

/*! Prepares r for a reply to an AXFR (ixfr false) or an IXFR from
 *  our_serial. apex is any case. */
void xfr_reply_init(struct xfr_reply *r, const knot_dname_t *apex, bool ixfr,
		    uint32_t our_serial, uint64_t max_records,
		    uint64_t max_bytes);

/*!
 * Adds the answer section of one parsed reply message. size is the
 * message's size on the wire (counted against max_bytes).
 * \retval 0 (see r->done), ZG_EMALF (r->err says what is wrong),
 *         ZG_ELIMIT (too many records or bytes), ZG_ENOMEM.
 */
int xfr_reply_feed(struct xfr_reply *r, const knot_pkt_t *pkt, size_t size);

/*! Frees what r holds; r may be initialised again. */
void xfr_reply_clear(struct xfr_reply *r);

/*!
 * Appends one diff to r as if it had arrived (the journal's replay):
 * copies of del[0..n_del) and add[0..n_add), each list starting with the
 * apex SOA of its serial. r becomes a finished INCREMENTAL reply ending
 * at to_serial. The caller checks that the diffs chain.
 * \retval 0 or ZG_ENOMEM (r keeps what was copied; clear it).
 */
int xfr_reply_add_diff(struct xfr_reply *r, uint32_t from_serial,
		       uint32_t to_serial, const struct xfr_rr *del,
		       size_t n_del, const struct xfr_rr *add, size_t n_add);

/*
 * Building zone contents (apply.c)
 */

/*!
 * The zone after the transfer: for FULL, the records of r; for
 * INCREMENTAL, base with r's diffs applied in order (base's serial must
 * be the first diff's starting serial, every deleted record must exist).
 * Records of any type load (RFC 3597); records the zone cannot hold
 * (meta types, class not IN) are skipped and counted in *skipped.
 * base stays the caller's and unchanged.
 * \retval the new contents, or NULL with err filled.
 */
struct zone_contents *xfr_apply(const struct zone_contents *base,
				const struct xfr_reply *r, size_t *skipped,
				char *err, size_t errlen);

/*
 * Snapshots (snapshot.c): a zone's records in a compact wire form for
 * the store: "ZGX1", then per record owner (wire), type, TTL, RDLENGTH
 * (network order) and RDATA. The journal encodes records the same way.
 */

/* A growing buffer; data is malloc'd, the owner frees it. */
struct xfr_blob {
	uint8_t *data;
	size_t len, cap;
};

/*! Appends len bytes. \retval 0 or ZG_ENOMEM. */
int xfr_blob_put(struct xfr_blob *b, const void *data, size_t len);
/*! Appends one record in the snapshot encoding. \retval 0, ZG_ENOMEM. */
int xfr_blob_put_record(struct xfr_blob *b, const struct xfr_rr *rr);
/*! Reads the record at *pos of data[0..len) and moves *pos past it; rr's
 *  owner and rdata point into data. \retval 0 or ZG_EINVAL (the record
 *  does not fit or its owner is not a valid wire name). */
int xfr_blob_read_record(const uint8_t *data, size_t len, size_t *pos,
			 struct xfr_rr *rr);

/*! Encodes z into a malloc'd buffer. \retval 0 or ZG_ENOMEM. */
int xfr_snapshot_encode(const struct zone_contents *z, uint8_t **out,
			size_t *len);

/*! The size of z in the snapshot encoding: what xfr_snapshot_encode()
 *  would give as len, and what max_bytes bounds. \retval 0, ZG_ENOMEM. */
int xfr_snapshot_size(const struct zone_contents *z, uint64_t *size);

/*! Builds contents of the zone apex from a snapshot.
 *  \retval the contents or NULL with err filled (damaged snapshot). */
struct zone_contents *xfr_snapshot_decode(const knot_dname_t *apex,
					  const uint8_t *data, size_t len,
					  char *err, size_t errlen);

/*
 * The journal (journal.c): the diffs of the IXFRs applied since the
 * snapshot was written, one store entry per diff, replayed over the
 * snapshot in seq order when the zone is loaded. An entry is
 *
 *   "ZGJ1"
 *   u32      number of deleted records (network order), at least 1
 *   u32      number of added records, at least 1
 *   records  the deletions, then the additions, each encoded as in a
 *            snapshot (owner, type, TTL, RDLENGTH, RDATA)
 *
 * The first deletion is the apex SOA at from_serial, the first addition
 * the apex SOA at to_serial (RFC 1995 section 4); the store keeps both
 * serials beside the blob and decoding checks that they agree.
 *
 * Compaction: once the journal holds more bytes than the snapshot, or
 * XFR_JOURNAL_MAX_ENTRIES diffs, the service rewrites the snapshot
 * from the version served and empties the journal in one transaction
 * of the store thread, after the zone is published and while no
 * transfer of the zone runs (never on the query path).
 * The byte rule bounds the store at about twice the zone; the count
 * rule bounds the work of a replay for zones with many small changes.
 */
#define XFR_JOURNAL_MAX_ENTRIES 100

/*! Encodes diff d of r into a malloc'd buffer.
 *  \retval 0 or ZG_ENOMEM. */
int xfr_journal_encode(const struct xfr_reply *r, const struct xfr_diff *d,
		       uint8_t **out, size_t *len);

/*! Appends the diff of one entry to r (see xfr_reply_add_diff()).
 *  apex is lower-case wire.
 *  \retval 0, ZG_EINVAL with err filled (damaged entry, or its SOAs do
 *          not carry from_serial and to_serial), ZG_ENOMEM. */
int xfr_journal_decode(const uint8_t *apex, const uint8_t *data, size_t len,
		       uint32_t from_serial, uint32_t to_serial,
		       struct xfr_reply *r, char *err, size_t errlen);

/*!
 * base (the snapshot's contents) with entries[0..n) applied in order,
 * n at least 1. The first entry must start at base's serial and each
 * next one where the previous ended. base stays the caller's.
 * \retval new contents, or NULL with err filled: an entry is damaged,
 *         leaves a gap, or does not apply (deletes what is missing).
 */
struct zone_contents *xfr_journal_replay(
	const struct zone_contents *base,
	const struct store_xfr_journal_entry *entries, size_t n, char *err,
	size_t errlen);

/*! True when st's journal is past a compaction threshold (above). */
bool xfr_journal_needs_compaction(const struct store_xfr_state *st);

/*
 * TSIG (tsig.c)
 */

/*! Fills key from the stored key. \retval 0 or ZG_EINVAL (unknown
 *  algorithm, bad base64). knot_tsig_key_deinit() frees it. */
int xfr_tsig_key_from_store(const struct store_tsig_key *stored,
			    knot_tsig_key_t *key);

/* Unsigned messages a signed transfer may have in a row (RFC 8945
 * section 5.3.1: a signed message at least every 100). */
#define XFR_TSIG_MAX_UNSIGNED 99

struct dnssec_tsig_ctx;

/*
 * What a requester keeps to verify the replies to one signed request
 * (RFC 8945 sections 5.3.1 and 5.4). The first reply must be signed;
 * after it, up to XFR_TSIG_MAX_UNSIGNED messages in a row may come
 * unsigned: they go into a running HMAC as they arrive (nothing is kept
 * but the HMAC state), and the next signed message's MAC covers the
 * prior MAC, all of them, itself and its timers. Owned by one operation
 * (the service thread); xfr_tsig_ctx_clear() frees what it holds.
 */
struct xfr_tsig_ctx {
	const knot_tsig_key_t *key;	/* NULL: unsigned exchange; borrowed */
	uint8_t mac[64];		/* the request's, then the last reply's */
	size_t mac_len;
	uint64_t time_signed;		/* of the last verified message */
	size_t verified;		/* signed messages verified so far */
	size_t unsigned_run;		/* unsigned ones since the last */
	struct dnssec_tsig_ctx *running; /* HMAC of what follows the last
					  * verified message; owned */
};

/*! Frees the running HMAC and forgets the exchange (key kept). Accepts a
 *  zeroed context; call before dropping or overwriting one. */
void xfr_tsig_ctx_clear(struct xfr_tsig_ctx *ctx);

/*! Signs the request in wire[0..*len) (room up to max) with ctx->key
 *  and remembers its MAC; forgets any earlier exchange of ctx. Only
 *  clears ctx when ctx->key is NULL.
 *  \retval 0 or ZG_ELIMIT (no room), ZG_EINVAL. */
int xfr_tsig_sign_request(struct xfr_tsig_ctx *ctx, uint8_t *wire,
			  size_t *len, size_t max);

/*!
 * Verifies one parsed reply of the exchange (pkt parsed with its TSIG
 * stripped, knot_pkt_parse flags 0). With a key: the first reply must be
 * signed with it; then unsigned messages are taken (at most
 * XFR_TSIG_MAX_UNSIGNED in a row) and each signed one must verify over
 * everything since the previous signed one. Without a key: no-op.
 * \retval 0, ZG_EREFUSED with why filled (first reply unsigned, too many
 *         unsigned in a row, wrong key, bad MAC, time outside the
 *         fudge, TSIG error from the server), ZG_ENOMEM. A TSIG error
 *         from the server, signed or not (RFC 8945 section 5.3.2 sends
 *         BADKEY and BADSIG unsigned), is named in why for what it
 *         points at: BADKEY the key's name, BADSIG its secret, BADTIME
 *         the clocks.
 */
int xfr_tsig_check_reply(struct xfr_tsig_ctx *ctx, const knot_pkt_t *pkt,
			 char *why, size_t whylen);

/*!
 * Called when the reply is complete (the transfer's final SOA came):
 * RFC 8945 section 5.3.1 requires the last message to be signed.
 * \retval 0, or ZG_EREFUSED with why filled when the messages since
 *         the last signed one are unsigned.
 */
int xfr_tsig_check_end(const struct xfr_tsig_ctx *ctx, char *why,
		       size_t whylen);

/*
 * NOTIFY (notify.c)
 */

/* What the NOTIFY check needs to know about one zone instance. */
struct xfr_notify_view {
	const struct zg_addr *primaries;	/* port ignored */
	size_t n_primaries;
	const struct zg_addr *allow;		/* allow-notify, port ignored */
	size_t n_allow;
	const knot_tsig_key_t *key;		/* NULL: no key */
};

/* The answer to one NOTIFY. */
struct xfr_notify_verdict {
	uint16_t rcode;			/* NOERROR, REFUSED, NOTAUTH, FORMERR */
	uint16_t tsig_error;		/* BADKEY, BADSIG, BADTIME or 0 */
	bool sign;			/* sign the response with the key */
	bool accepted;			/* schedule an SOA check */
	const char *reason;		/* for the log; static text */
};

/*!
 * Decides the answer to a NOTIFY for a known zone (RFC 1996 section 3,
 * RFC 8945 section 5.2): a TSIG on the message is verified first
 * (unknown key: NOTAUTH/BADKEY; bad MAC: NOTAUTH/BADSIG; both unsigned);
 * then the source must be a primary or on the allow-notify list
 * (REFUSED); then a zone with a key requires a signed NOTIFY (REFUSED).
 * pkt was parsed with its TSIG stripped (knot_pkt_parse flags 0).
 */
void xfr_notify_check(const knot_pkt_t *pkt, const struct zg_addr *source,
		      const struct xfr_notify_view *zone,
		      struct xfr_notify_verdict *out);

/*!
 * Renders the response: opcode NOTIFY, QR, AA, the question echoed, the
 * verdict's RCODE; signed with key when v->sign, an unsigned TSIG with
 * the error when v->tsig_error is set.
 * \retval 0 or ZG_ENOMEM / ZG_EINVAL.
 */
int xfr_notify_render(const knot_pkt_t *query,
		      const struct xfr_notify_verdict *v,
		      const knot_tsig_key_t *key, knot_pkt_t *resp);

/*
 * Connections (conn.c): one request to one primary over UDP or TCP,
 * from an optional source address, in the service loop.
 */
struct xfr_conn;

/*! A reply message arrived. Return true to read more, false when done:
 *  the connection is then closed and freed at once (do not use it). */
typedef bool (*xfr_conn_msg_cb)(void *arg, const uint8_t *msg, size_t len);

/*! The connection failed, timed out or the peer closed it; it is freed
 *  after the callback returns. err is ZG_ETIMEOUT, -errno, ZG_EMALF. */
typedef void (*xfr_conn_fail_cb)(void *arg, int err);

/*!
 * Sends query (already framed by the caller for neither transport: the
 * TCP length prefix is added here) to dst and calls on_msg per reply.
 * timeout_ms bounds every wait for the peer (connect, each read).
 * \retval the connection, or NULL with *err set (socket, bind of the
 *         source address, connect failed at once).
 */
struct xfr_conn *xfr_conn_open(struct loop *loop, bool tcp,
			       const struct zg_addr *dst,
			       const struct zg_addr *src,
			       const uint8_t *query, size_t len,
			       uint64_t timeout_ms, xfr_conn_msg_cb on_msg,
			       xfr_conn_fail_cb on_fail, void *arg, int *err);

/*! Closes without calling back. Not from inside a callback of c.
 *  Accepts NULL. */
void xfr_conn_close(struct xfr_conn *c);

/*
 * The store thread (storeq.c)
 * ---------------------------
 * The service loop never waits for the store. Another thread may hold
 * the store for seconds (an API import of a large zone is one write
 * transaction); a loop waiting behind it would stop every timer, SOA
 * check, NOTIFY and transfer of every secondary zone. So each store
 * access of the service is a job: the loop posts it, one store thread
 * runs the jobs in the order posted, and each job's done callback then
 * runs in the loop thread, in the same order.
 *
 * Jobs own their data (copies, or what the loop handed over) and name
 * their zone by zone_id: a zone may be removed while its job waits.
 * Order within a zone is the order posted, so a state write never
 * overtakes the transfer written before it.
 */
struct xfr_job {
	struct xfr_job *next;		/* queue link; jobs_lock */
	struct xfr_service *svc;	/* set by xfr_jobs_post() */
	/*! Store thread: the store work (svc->store). Logs its own
	 *  failures, which the done callback then sees in the job. */
	void (*run)(struct xfr_job *job);
	/*! Loop thread after run (live true), or when the service stops
	 *  (live false, possibly without run: only free). Frees the job. */
	void (*done)(struct xfr_job *job, bool live);
	bool taken;			/* the store thread took it; jobs_lock */
};

/*! Prepares the queue and its wake-up in svc->loop. \retval 0, -errno. */
int xfr_jobs_init(struct xfr_service *svc);

/*! Starts the store thread. \retval 0 or -errno. */
int xfr_jobs_start(struct xfr_service *svc);

/*! Queues job (run and done set). Never fails; any thread. */
void xfr_jobs_post(struct xfr_service *svc, struct xfr_job *job);

/*! Calls edit(job, arg) under the queue's lock when job still waits (the
 *  store thread has not taken it) and returns true; false otherwise. */
bool xfr_jobs_edit(struct xfr_service *svc, struct xfr_job *job,
		   void (*edit)(struct xfr_job *job, void *arg), void *arg);

/*! After the loop thread ended: runs what is queued, calls every done
 *  callback with live false, stops the thread, frees the queue. */
void xfr_jobs_stop(struct xfr_service *svc);

/*
 * Pacing of SOA checks (pace.c): a token bucket of rate starts that is
 * filled again, whole, one second (XFR_PACE_WINDOW_MS) after the window
 * in which it was last used began: at most rate starts in each window.
 * A start the budget does not allow waits in one of two FIFO queues:
 * urgent (NOTIFY, operator) ones start before the others. Pure logic
 * on a clock given by the caller (milliseconds, monotonic); the service
 * runs it on its loop's clock and starts what xfr_pace_next() hands out.
 */
#define XFR_PACE_WINDOW_MS 1000

/* A zone's place in a queue; zeroed means not queued. */
struct xfr_pace_link {
	struct xfr_pace_link *prev, *next;
	bool queued;
	bool urgent;			/* in the urgent queue */
};

struct xfr_pace {
	uint32_t rate;			/* starts per window, 1 or more */
	bool window_open;		/* a window began (window_start) */
	uint64_t window_start;		/* ms */
	uint32_t used;			/* starts in the window */
	struct xfr_pace_link urgent;	/* list heads (circular) */
	struct xfr_pace_link normal;
	size_t n_queued;
};

/*! An empty pacer with a full budget of rate (0 counts as 1). */
void xfr_pace_init(struct xfr_pace *p, uint32_t rate);

/*!
 * Asks to start the check of l at now_ms. When nothing of its class or
 * before it waits and the budget allows, the budget is taken and it
 * returns true: start now. Otherwise l is queued at the end of its
 * queue (urgent or not) and it returns false. Asking again for a
 * queued l returns false and keeps its place, except that an urgent
 * request moves an l waiting in the normal queue to the end of the
 * urgent one.
 */
bool xfr_pace_request(struct xfr_pace *p, struct xfr_pace_link *l,
		      bool urgent, uint64_t now_ms);

/*! Takes l off its queue; harmless when it is not queued. */
void xfr_pace_remove(struct xfr_pace *p, struct xfr_pace_link *l);

/*! The first waiting link the budget allows at now_ms, taken off its
 *  queue with its budget; NULL when none waits or the budget is spent. */
struct xfr_pace_link *xfr_pace_next(struct xfr_pace *p, uint64_t now_ms);

/*! Milliseconds from now_ms until xfr_pace_next() may hand out the
 *  next waiting link: 0 when it may now, UINT64_MAX when none waits. */
uint64_t xfr_pace_wait_ms(const struct xfr_pace *p, uint64_t now_ms);

/*
 * The service and its zones (service.c, refresh.c)
 */

struct xfr_op;

/*
 * One secondary zone. Settings are written by the service thread with
 * svc->lock held and read by NOTIFY handlers (DNS workers) with it held;
 * the service thread reads them without the lock. Everything under
 * "service thread only" is never touched by another thread.
 */
struct xfr_zone {
	struct xfr_service *svc;
	struct xfr_zone *next;		/* svc->zones list; lock held */

	/* Settings (svc->lock). */
	char zone_id[STORE_ID_LEN];
	char name[STORE_NAME_LEN];	/* presentation, lower case */
	uint8_t apex[KNOT_DNAME_MAXLEN];	/* wire, lower case */
	struct zg_addr *primaries;
	size_t n_primaries;
	struct zg_addr *allow;
	size_t n_allow;
	bool has_key;
	knot_tsig_key_t key;		/* owned when has_key */
	char key_name[STORE_NAME_LEN];
	struct store_strv vpcs;		/* bound vpc_ids */
	char endpoint_id[STORE_ID_LEN];
	struct zg_addr source4, source6; /* port 0 */
	bool has_source4, has_source6;
	bool endpoint_missing;		/* configured but gone */
	uint64_t max_records;		/* of the zone, 1 or more */
	uint64_t max_bytes;		/* of the zone as stored, 512 or more */

	/* Service thread only. */
	struct zone_handle *handle;	/* referenced; we publish on it */
	struct store_xfr_state st;	/* the held version's state; what
					 * the store has once the zone's
					 * jobs ran. Sizes of snapshot and
					 * journal follow the jobs' done */
	knot_rrset_t *soa;		/* of the held version, or NULL */
	bool served;			/* contents published (not expired) */
	uint8_t *held_blob;		/* expired: the held version in the
					 * snapshot encoding, for when a
					 * primary vouches for it again;
					 * NULL otherwise */
	size_t held_len;
	struct loop_timer refresh_timer;
	struct loop_timer expire_timer;
	struct loop_timer compact_timer; /* journal compaction due */
	struct xfr_op *op;		/* running check or transfer */
	bool again;			/* a check was asked for meanwhile */
	bool again_urgent;		/* and by a NOTIFY or an operator */
	struct xfr_pace_link pace;	/* waiting for svc->pace */
	bool compacting;		/* a compaction job is queued */
	struct xfr_job *last_job;	/* the zone's newest queued job,
					 * until its done; NULL when none */
	bool seen;			/* reconcile mark */
};

struct xfr_service {
	struct store *store;		/* used by the store thread, and by
					 * the service thread for its first
					 * read before its loop runs */
	struct loop *loop;
	pthread_t thread;
	bool thread_started;

	/* Protects the zone list and the settings in each zone. Never held
	 * across I/O or store access. */
	pthread_mutex_t lock;
	struct xfr_zone *zones;

	/* Set while a reconcile is posted and has not run yet, so that a
	 * burst of publications costs one store read. */
	atomic_bool reconcile_posted;
	/* Loop thread: a reconcile job is queued; another is wanted after
	 * it (a publication came meanwhile). */
	bool reconcile_queued;
	bool reconcile_again;
	uint64_t next_op_seq;		/* loop thread */
	struct xfr_pace pace;		/* SOA check starts; loop thread */
	struct loop_timer pace_timer;	/* the next waiting check may start */

	/* The store thread and its queues (storeq.c): jobs_lock protects
	 * both lists, jobs_stop and each job's taken flag. */
	pthread_t jobs_thread;
	bool jobs_started;
	pthread_mutex_t jobs_lock;
	pthread_cond_t jobs_cond;
	struct xfr_job *jobs_head, *jobs_tail;	/* waiting to run */
	struct xfr_job *done_head, *done_tail;	/* run, done not called */
	bool jobs_stop;
	int jobs_fd;			/* eventfd: done jobs wait */
	struct loop_io jobs_io;

	/* Start-up handshake. */
	pthread_mutex_t start_lock;
	pthread_cond_t started;
	bool ready;
	int start_rc;
};

/*! The zone of zone_id or NULL. Service thread. */
struct xfr_zone *xfr_service_zone(struct xfr_service *svc,
				  const char *zone_id);

/*! Initialises the zone's timers (stopped). */
void xfr_zone_init_timers(struct xfr_zone *z);

/*! Starts an SOA check (or the first transfer) unless one runs, in which
 *  case it runs again afterwards. The start waits for svc->pace (in
 *  order) when XFR_SOA_CHECKS_PER_S are spent. Service thread. */
void xfr_zone_refresh(struct xfr_zone *z);

/*! As xfr_zone_refresh(), for a NOTIFY or an operator: it waits ahead of
 *  the checks of timers and start-up. */
void xfr_zone_refresh_urgent(struct xfr_zone *z);

/*! Prepares svc->pace and its timer (stopped). */
void xfr_service_pace_init(struct xfr_service *svc);

/*! Abandons a running check or transfer and stops the timers. A job of
 *  the zone still queued runs; its done finds the zone gone. */
void xfr_zone_cancel(struct xfr_zone *z);

struct xfr_stored;

/*! Takes up a zone new to the service with what the store holds of it
 *  (read by the store thread; s stays the caller's): publishes the
 *  stored version unless it expired and checks the primaries at once. */
void xfr_zone_load(struct xfr_zone *z, const struct xfr_stored *s);

/*! Checks the primaries at once after settings changed (primaries, key,
 *  endpoint, limits). */
void xfr_zone_settings_changed(struct xfr_zone *z);

/*! Frees the held encoded version (held_blob). */
void xfr_zone_drop_held(struct xfr_zone *z);

/*
 * What a zone keeps in the store (persist.c). The xfr_persist_*()
 * writes run in the store thread, each in one store transaction of its
 * own, and xfr_stored_read() inside a transaction of the store thread
 * or of the API; the loop thread never calls them. None touches a
 * struct xfr_zone: they get copies. xfr_written_apply() and
 * xfr_stored_contents() touch no store and run in the loop thread.
 * fields ("zone_id=... name=...") label what they log.
 */

/* What a write did to the stored snapshot and journal; the loop thread
 * applies it to its copy of their sizes with xfr_written_apply(). */
struct xfr_written {
	bool snapshot;			/* a new snapshot at the state's serial
					 * replaced the old, journal emptied */
	bool journal_dropped;		/* the journal was emptied */
	uint64_t snapshot_bytes;	/* of the new snapshot */
	uint64_t diffs;			/* journal entries appended */
	uint64_t diff_bytes;		/* their encoded size */
};

/*! Applies w to the sizes in st (snapshot_*, journal_*); serial is the
 *  one the write stored. */
void xfr_written_apply(const struct xfr_written *w, uint32_t serial,
		       struct store_xfr_state *st);

/*! Writes st; with drop_journal also empties the journal (the held
 *  version is then the snapshot's). \retval 0 or a store error. */
int xfr_persist_state(struct store *store, const struct store_xfr_state *st,
		      bool drop_journal, struct xfr_written *w);

/*! Writes st with blob (the version at st->serial in the snapshot
 *  encoding) as the snapshot and empties the journal.
 *  \retval 0 or a store error. */
int xfr_persist_snapshot(struct store *store,
			 const struct store_xfr_state *st, const uint8_t *blob,
			 size_t len, struct xfr_written *w);

/*!
 * Stores a transfer with its state st (serial st->serial): an
 * INCREMENTAL reply r appends its diffs to the journal, anything else
 * writes c (r applied) as the new snapshot. When the stored journal
 * does not end where r's diffs start (the store was restored
 * meanwhile), c is written as the snapshot instead, with a warning.
 * "Stored before served": the caller publishes c only after this
 * returned 0.
 * \retval 0, ZG_ENOMEM, store errors.
 */
int xfr_persist_transfer(struct store *store,
			 const struct store_xfr_state *st,
			 const struct xfr_reply *r,
			 const struct zone_contents *c, const char *fields,
			 struct xfr_written *w);

/* A zone's stored data as one read transaction saw it. */
struct xfr_stored {
	bool have_state;		/* a transfer was stored (st.loaded) */
	struct store_xfr_state st;
	int read_err;			/* reading snapshot or journal failed */
	uint8_t *snapshot;		/* owned */
	size_t snapshot_len;
	struct store_xfr_journal_entry *journal;	/* owned */
	size_t n_journal;
};

/*! Reads state, snapshot and journal of zone_id inside the caller's
 *  transaction (a read transaction is enough). out is overwritten.
 *  \retval 0 (see out->have_state and out->read_err) or a store error
 *          reading the state. */
int xfr_stored_read(struct store *store, const char *zone_id,
		    struct xfr_stored *out);

/*! Frees what s holds; s is zeroed. */
void xfr_stored_clear(struct xfr_stored *s);

/*!
 * The held version from s: the snapshot with the journal replayed.
 * st is s->st's copy the caller keeps. A journal that cannot be
 * replayed (damaged, with a gap, or not ending at st->serial) is left
 * out: the snapshot alone is returned, st takes its serial and record
 * count, *fell_back is set and err says why ("the stored journal cannot
 * be replayed (...); serving the snapshot at serial X instead of Y");
 * the caller drops the stored journal and checks the primaries.
 * \retval the contents (caller frees), or NULL with err filled when the
 *         snapshot is missing or damaged.
 */
struct zone_contents *xfr_stored_contents(const uint8_t *apex,
					  const struct xfr_stored *s,
					  struct store_xfr_state *st,
					  bool *fell_back, char *err,
					  size_t errlen);

/*! Logging fields "zone_id=... name=..." for z. */
void xfr_zone_fields(const struct xfr_zone *z, char *buf, size_t len);

#endif
