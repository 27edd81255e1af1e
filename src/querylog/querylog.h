/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The optional query log: one JSON line per answered query, written by
 * a thread of its own from one bounded ring per worker, so that the
 * query path never waits on the disk. */
#ifndef ZONEGATE_QUERYLOG_QUERYLOG_H
#define ZONEGATE_QUERYLOG_QUERYLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <libknot/libknot.h>

#include "common/addr.h"
#include "stats/stats.h"

/* Lines one worker can have waiting for the writer; more are dropped
 * and counted. At 100 000 queries a second the writer's 10 ms pass
 * finds about 1 000. */
#define QUERYLOG_RING 4096

#define QUERYLOG_ID_LEN 48

/* What one line says. Filled by the worker that answered. */
struct querylog_entry {
	struct timespec time;		/* CLOCK_REALTIME at the answer */
	char vpc_id[QUERYLOG_ID_LEN];	/* "" when no VPC: "vpc": null */
	struct zg_addr client;		/* the port is not logged */
	bool has_question;		/* false: "name" and "type" null */
	knot_dname_t qname[KNOT_DNAME_MAXLEN];	/* as asked, case kept */
	uint16_t qtype;
	enum stats_step step;		/* what answered */
	char resource_id[QUERYLOG_ID_LEN]; /* zone, rule or upstream id,
					    * "" for none: "id": null */
	bool has_target;		/* false: "target": null */
	struct zg_addr target;		/* target or upstream that answered */
	uint16_t rcode;			/* RCODE given to the client */
	uint64_t latency_us;		/* arrival to answer */
};

/*!
 * Opens path for appending (created mode 0640), makes one ring per
 * worker and starts the writer thread. Call once, before workers
 * start, from the thread that will call querylog_close().
 * \param err  receives one sentence on failure.
 * \retval 0, ZG_EINVAL (already open, n_workers 0), ZG_ENOMEM, -errno
 *         (the file cannot be opened, the thread cannot start).
 */
int querylog_open(const char *path, unsigned n_workers, char *err,
		  size_t errlen);

/*! Writes every line still in the rings, stops the writer and closes the
 *  file. Call after the workers stopped. Harmless when not open. */
void querylog_close(void);

/*! Asks the writer to reopen the file by its path (log rotation); it
 *  does so within one pass and logs a failure, keeping the old file.
 *  Any thread. */
void querylog_reopen(void);

/*! True while the log is open. Lock-free, any thread. */
bool querylog_enabled(void);

/*! Makes the calling thread write into ring `worker`. Threads that never
 *  attach write nothing. \retval 0, ZG_EINVAL (not open, out of range). */
int querylog_thread_attach(unsigned worker);

/*! Forgets the calling thread's ring. */
void querylog_thread_detach(void);

/*!
 * Copies e into the calling worker's ring, or counts it as dropped when
 * the ring is full. Never blocks, never allocates: a relaxed read, a
 * copy and a release store. No-op when not open or not attached.
 */
void querylog_write(const struct querylog_entry *e);

struct querylog_counts {
	uint64_t written;		/* lines handed to the file */
	uint64_t dropped;		/* lines lost to a full ring */
};

/*! Totals since the log was opened; zero when it never was. */
void querylog_counts(struct querylog_counts *out);

/*!
 * Formats one line, newline included, e.g.
 * {"time":"2025-01-02T03:04:05.678901Z","vpc":"vpc-1",
 *  "client":"10.1.0.10","name":"www.corp.example.","type":"A",
 *  "step":"zone","id":"zone-1","target":null,"rcode":"NOERROR",
 *  "latency_us":57}
 * (on one line). Names are in master-file form (\DDD escapes) and
 * JSON-escaped. Pure; for the writer and the tests.
 * \return the length written, or ZG_ELIMIT when buf is too small.
 */
int querylog_format(const struct querylog_entry *e, char *buf, size_t len);

#endif
