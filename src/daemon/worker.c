/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A DNS worker: its thread, its loop and per-thread query machinery, and
 * the list of queries it still owes an answer. */
#include "daemon/worker.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <urcu.h>

#include "common/error.h"
#include "common/log.h"
#include "common/loop.h"
#include "daemon/tcp.h"
#include "daemon/udp.h"
#include "forward/forward.h"
#include "querylog/querylog.h"
#include "resolve/resolve.h"
#include "stats/stats.h"

struct worker {
	unsigned index;
	pthread_t thread;
	bool running;			/* thread started, not joined */
	struct loop *loop;
	struct forward_ctx *fwd;	/* worker thread only */
	struct resolve_ctx *resolver;	/* worker thread only */
	struct tcp_server *tcp;		/* worker thread only */
	struct udp_batch *udp;		/* receive buffers; worker thread */
	struct worker_pending pending;	/* list head; worker thread only */
};

/* The worker whose thread this is; NULL in other threads. */
static _Thread_local struct worker *current_worker;

struct worker *worker_current(void)
{
	return current_worker;
}

struct loop *worker_loop(struct worker *w)
{
	return w->loop;
}

struct resolve_ctx *worker_resolver(struct worker *w)
{
	return w->resolver;
}

struct tcp_server *worker_tcp(struct worker *w)
{
	return w->tcp;
}

struct udp_batch *worker_udp_batch(struct worker *w)
{
	return w->udp;
}

unsigned worker_index(const struct worker *w)
{
	return w->index;
}

void worker_pending_add(struct worker *w, struct worker_pending *pending)
{
	pending->prev = &w->pending;
	pending->next = w->pending.next;
	w->pending.next->prev = pending;
	w->pending.next = pending;
}

void worker_pending_remove(struct worker_pending *pending)
{
	pending->prev->next = pending->next;
	pending->next->prev = pending->prev;
	pending->prev = pending->next = pending;
}

/*
 * Frees what the thread used. The resolver goes first: it cancels its
 * forwarded queries, which the forwarder must still hold, and it drops
 * the replies it owes, so the pending list is final only after it.
 */
static void worker_release(struct worker *w)
{
	resolve_ctx_free(w->resolver);
	w->resolver = NULL;
	forward_ctx_free(w->fwd);
	w->fwd = NULL;

	while (w->pending.next != &w->pending) {
		struct worker_pending *pending = w->pending.next;
		worker_pending_remove(pending);
		pending->discard(pending);
	}

	tcp_server_free(w->tcp);
	w->tcp = NULL;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	char fields[32];

	snprintf(fields, sizeof(fields), "worker=%u", w->index);
	rcu_register_thread();
	current_worker = w;
	/* Counters and query log lines go to this worker's own slot and
	 * ring; without a registry or a log these do nothing. */
	stats_thread_attach(w->index);
	querylog_thread_attach(w->index);

	int ret = loop_run(w->loop);
	if (ret != 0) {
		zg_log(ZG_LOG_ERROR, "daemon", fields, "worker loop failed: %s; this worker stops, the others go on",
		       zg_strerror(ret));
	}

	worker_release(w);
	querylog_thread_detach();
	stats_thread_detach();
	rcu_unregister_thread();
	return NULL;
}

struct worker *worker_new(unsigned index)
{
	char fields[32];
	snprintf(fields, sizeof(fields), "worker=%u", index);

	struct worker *w = calloc(1, sizeof(*w));
	if (w == NULL) {
		zg_log(ZG_LOG_ERROR, "daemon", fields, "cannot create the worker: out of memory");
		return NULL;
	}
	w->index = index;
	w->pending.prev = w->pending.next = &w->pending;

	w->loop = loop_new();
	if (w->loop != NULL) {
		w->fwd = forward_ctx_new(w->loop);
	}
	if (w->fwd != NULL) {
		w->resolver = resolve_ctx_new(w->loop, w->fwd);
	}
	if (w->resolver != NULL) {
		w->tcp = tcp_server_new(w);
	}
	if (w->tcp != NULL) {
		w->udp = udp_batch_new();
	}
	if (w->udp == NULL) {
		zg_log(ZG_LOG_ERROR, "daemon", fields, "cannot create the worker's loop, forwarder or resolver: out of resources");
		worker_free(w);
		return NULL;
	}
	return w;
}

int worker_start(struct worker *w)
{
	int ret = pthread_create(&w->thread, NULL, worker_main, w);
	if (ret != 0) {
		char fields[32];
		snprintf(fields, sizeof(fields), "worker=%u", w->index);
		zg_log(ZG_LOG_ERROR, "daemon", fields, "cannot start the worker thread: %s",
		       zg_strerror(-ret));
		return -ret;
	}

	char name[16];
	snprintf(name, sizeof(name), "zg-worker-%u", w->index);
	pthread_setname_np(w->thread, name);
	w->running = true;
	return 0;
}

void worker_stop(struct worker *w)
{
	if (w == NULL || !w->running) {
		return;
	}
	loop_stop(w->loop);
	pthread_join(w->thread, NULL);
	w->running = false;
}

void worker_free(struct worker *w)
{
	if (w == NULL) {
		return;
	}
	worker_stop(w);
	/* A worker that never ran still holds what worker_new() made. */
	worker_release(w);
	udp_batch_free(w->udp);
	loop_free(w->loop);
	free(w);
}
