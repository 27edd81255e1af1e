/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A queue of zone service messages (UPDATE, zone transfer requests)
 * taken off the query path and handled by threads of their own, which
 * may wait on the store and on slow clients. */
#ifndef ZONEGATE_RESOLVE_SERVICE_QUEUE_H
#define ZONEGATE_RESOLVE_SERVICE_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"
#include "config/config.h"
#include "resolve/resolve.h"

/* A message as the service thread gets it: a copy of the wire with its
 * TSIG RR put back (the query path's parse takes it out of the wire and
 * the ARCOUNT), so that the thread can verify it. */
struct resolve_service_job {
	uint8_t *wire;
	size_t len;
	struct zg_addr source;
	bool tcp;
	bool has_vpc;
	char vpc_id[CONFIG_ID_LEN];
	struct resolve_stream *reply;	/* owned by the handler */
};

/*! Handles one job in a queue thread (registered with urcu). The job is
 *  freed after the call; its reply stream is the handler's to end. */
typedef void (*resolve_job_fn)(void *arg,
			       const struct resolve_service_job *job);

struct resolve_service_queue;

/*!
 * Starts n_threads threads (named name, or name-0, name-1... when there
 * are several) that take jobs in order and pass them to fn.
 * \return the queue, or NULL (out of memory, or a thread did not start;
 *         nothing is left running).
 */
struct resolve_service_queue *resolve_service_queue_new(
	const char *name, size_t n_threads, size_t max_queued,
	resolve_job_fn fn, void *arg);

/*!
 * Queues msg with its reply stream. Runs in a worker: never waits for a
 * job to be handled.
 * \retval 0 queued: reply belongs to the queue;
 *         ZG_ELIMIT max_queued jobs wait already, or the queue is
 *         stopping; ZG_ENOMEM, ZG_EINVAL (the message cannot be copied):
 *         in these cases reply stays the caller's.
 */
int resolve_service_queue_push(struct resolve_service_queue *q,
			       const struct resolve_service_msg *msg,
			       struct resolve_stream *reply);

/*!
 * Answers msg at once with rcode, an Extended DNS Error "Other" and
 * text, through reply (which it ends); for a caller whose push came back
 * ZG_ELIMIT.
 */
void resolve_service_refuse(const struct resolve_service_msg *msg,
			    struct resolve_stream *reply, uint16_t rcode,
			    const char *text);

/*! Stops the threads after the jobs they handle, ends the reply of each
 *  job still queued and frees q. Accepts NULL. */
void resolve_service_queue_free(struct resolve_service_queue *q);

#endif
