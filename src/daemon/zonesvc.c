/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Zone services on the DNS listeners: hands transfers and updates from
 * the query path to their modules, and carries the answers back to the
 * worker that took each request through a flow-controlled stream. */
#include "daemon/zonesvc.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/error.h"
#include "common/log.h"
#include "common/loop.h"
#include "config/publish.h"
#include "daemon/tcp.h"
#include "daemon/worker.h"
#include "resolve/resolve.h"
#include "update/update.h"
#include "xfrout/xfrout.h"

/*
 * A stream's life:
 *
 *   service thread                       worker thread
 *   send(more) --post PART----------->   tcp_reply_part() ... written()
 *     waits while ZONESVC_STREAM_WINDOW     unwritten--, wakes the sender
 *     parts are unwritten
 *   send(last) --post FINAL---------->   cb(cb_arg, wire, len)
 *   end()      --post END------------>   cb(cb_arg, NULL, 0), or
 *                                        tcp_reply_abort() after parts
 *
 * The producer holds one reference until its last send or end; each post
 * and each part on a connection hold one until delivered or written.
 */
struct svc_stream {
	struct resolve_stream base;
	struct zonesvc *svc;
	struct loop *loop;		/* of the worker that took the request */
	resolve_reply_cb cb;
	void *cb_arg;
	/* Under svc->lock: */
	unsigned refs;
	unsigned unwritten;		/* parts posted, not yet written */
	bool parts_sent;
	bool gone;			/* the connection dropped a part */
	struct svc_stream *prev;
	struct svc_stream *next;
};

struct zonesvc {
	struct store *store;
	struct config_publisher *pub;
	struct xfrout *xfrout;
	struct update_service *update;

	/* Held for reading while the query path hands over a request, for
	 * writing to close the services: no request reaches a module that
	 * is being stopped. */
	pthread_rwlock_t gate;
	bool closed;			/* under gate */

	/* Protects every stream's counters, the list and stopping. Senders
	 * wait on cond. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct svc_stream *streams;
	bool stopping;
};

enum post_kind {
	POST_PART = 0,
	POST_FINAL,
	POST_END,
};

struct svc_post {
	struct svc_stream *st;
	enum post_kind kind;
	size_t len;
	uint8_t wire[];
};

static void stream_unref_locked(struct svc_stream *st)
{
	if (--st->refs > 0) {
		return;
	}
	struct zonesvc *svc = st->svc;
	if (st->prev != NULL) {
		st->prev->next = st->next;
	} else {
		svc->streams = st->next;
	}
	if (st->next != NULL) {
		st->next->prev = st->prev;
	}
	free(st);
}

static void stream_unref(struct svc_stream *st)
{
	struct zonesvc *svc = st->svc;
	pthread_mutex_lock(&svc->lock);
	stream_unref_locked(st);
	pthread_mutex_unlock(&svc->lock);
}

/* The transport wrote a part (or dropped it with its connection). */
static void part_written(void *arg, bool ok)
{
	struct svc_stream *st = arg;
	struct zonesvc *svc = st->svc;
	pthread_mutex_lock(&svc->lock);
	st->unwritten--;
	if (!ok) {
		st->gone = true;
	}
	pthread_cond_broadcast(&svc->cond);
	stream_unref_locked(st);
	pthread_mutex_unlock(&svc->lock);
}

/* Runs in the worker thread. */
static void deliver(void *arg)
{
	struct svc_post *post = arg;
	struct svc_stream *st = post->st;
	switch (post->kind) {
	case POST_PART:
		/* part_written() releases the post's reference. */
		tcp_reply_part(st->cb_arg, post->wire, post->len,
			       part_written, st);
		free(post);
		return;
	case POST_FINAL:
		st->cb(st->cb_arg, post->wire, post->len);
		break;
	case POST_END:
		if (st->parts_sent) {
			tcp_reply_abort(st->cb_arg);
		} else {
			st->cb(st->cb_arg, NULL, 0);
		}
		break;
	}
	free(post);
	stream_unref(st);
}

/* Posts one delivery; takes a reference for it. \retval 0 or
 * ZG_EREFUSED (the post could not be made: the client gets nothing). */
static int post(struct svc_stream *st, enum post_kind kind,
		const uint8_t *wire, size_t len)
{
	struct svc_post *p = malloc(sizeof(*p) + len);
	if (p == NULL) {
		return ZG_EREFUSED;
	}
	p->st = st;
	p->kind = kind;
	p->len = len;
	if (len > 0) {
		memcpy(p->wire, wire, len);
	}
	if (loop_post(st->loop, deliver, p) != 0) {
		free(p);
		return ZG_EREFUSED;
	}
	return 0;
}

/* Waits for room in the window. Called with svc->lock held. */
static int wait_window(struct svc_stream *st)
{
	struct zonesvc *svc = st->svc;
	struct timespec deadline;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += RESOLVE_STREAM_WAIT_MS / 1000;
	while (st->unwritten >= ZONESVC_STREAM_WINDOW && !st->gone &&
	       !svc->stopping) {
		int ret = pthread_cond_timedwait(&svc->cond, &svc->lock,
						 &deadline);
		if (ret == ETIMEDOUT) {
			return ZG_ETIMEOUT;
		}
	}
	return st->gone || svc->stopping ? ZG_EREFUSED : 0;
}

static int stream_send(struct resolve_stream *base, const uint8_t *wire,
		       size_t len, bool more)
{
	struct svc_stream *st = (struct svc_stream *)base;
	struct zonesvc *svc = st->svc;
	if (more && !base->multi) {
		return ZG_EINVAL;
	}

	pthread_mutex_lock(&svc->lock);
	int ret = more ? wait_window(st) : 0;
	if (ret == 0) {
		st->refs++;
		if (more) {
			st->unwritten++;
			st->parts_sent = true;
		}
	}
	pthread_mutex_unlock(&svc->lock);
	if (ret != 0) {
		return ret;
	}

	ret = post(st, more ? POST_PART : POST_FINAL, wire, len);
	pthread_mutex_lock(&svc->lock);
	if (ret != 0) {
		/* Not posted: the caller must end() the stream. */
		st->refs--;
		if (more) {
			st->unwritten--;
		}
	} else if (!more) {
		stream_unref_locked(st);	/* the producer's */
	}
	pthread_mutex_unlock(&svc->lock);
	return ret;
}

static void stream_end(struct resolve_stream *base)
{
	struct svc_stream *st = (struct svc_stream *)base;
	struct zonesvc *svc = st->svc;
	pthread_mutex_lock(&svc->lock);
	st->refs++;
	pthread_mutex_unlock(&svc->lock);
	if (post(st, POST_END, NULL, 0) != 0) {
		stream_unref(st);
	}
	stream_unref(st);
}

static const struct resolve_stream_ops stream_ops = {
	.send = stream_send,
	.end = stream_end,
};

/* A stream for a request the current worker took. NULL on ENOMEM or
 * outside a worker. */
static struct svc_stream *stream_new(struct zonesvc *svc,
				     const struct resolve_service_msg *msg,
				     resolve_reply_cb cb, void *cb_arg)
{
	struct worker *w = worker_current();
	struct svc_stream *st = w != NULL ? calloc(1, sizeof(*st)) : NULL;
	if (st == NULL) {
		return NULL;
	}
	st->base.ops = &stream_ops;
	st->base.multi = msg->tcp && tcp_is_reply(cb);
	st->svc = svc;
	st->loop = worker_loop(w);
	st->cb = cb;
	st->cb_arg = cb_arg;
	st->refs = 1;
	pthread_mutex_lock(&svc->lock);
	st->next = svc->streams;
	if (svc->streams != NULL) {
		svc->streams->prev = st;
	}
	svc->streams = st;
	pthread_mutex_unlock(&svc->lock);
	return st;
}

/*
 * Services registered with the query path (worker threads)
 */

/* Hands a request to its module. An error leaves cb uncalled, and the
 * query path answers SERVFAIL. */
static int serve(struct zonesvc *svc, enum resolve_service_kind kind,
		 const struct resolve_service_msg *msg, resolve_reply_cb cb,
		 void *cb_arg)
{
	pthread_rwlock_rdlock(&svc->gate);
	struct svc_stream *st = svc->closed ? NULL
		: stream_new(svc, msg, cb, cb_arg);
	int ret = st == NULL ? ZG_ENOMEM
		: kind == RESOLVE_SERVICE_XFR
		? xfrout_request(svc->xfrout, msg, &st->base)
		: update_request(svc->update, msg, &st->base);
	pthread_rwlock_unlock(&svc->gate);
	if (ret != 0 && st != NULL) {
		stream_unref(st);	/* never used */
	}
	return ret;
}

static int serve_xfr(void *arg, const struct resolve_service_msg *msg,
		     resolve_reply_cb cb, void *cb_arg)
{
	return serve(arg, RESOLVE_SERVICE_XFR, msg, cb, cb_arg);
}

static int serve_update(void *arg, const struct resolve_service_msg *msg,
			resolve_reply_cb cb, void *cb_arg)
{
	return serve(arg, RESOLVE_SERVICE_UPDATE, msg, cb, cb_arg);
}

struct zonesvc *zonesvc_start(struct store *store,
			      struct config_publisher *pub)
{
	struct zonesvc *svc = calloc(1, sizeof(*svc));
	if (svc == NULL) {
		zg_log(ZG_LOG_ERROR, "daemon", NULL, "cannot start the zone services: out of memory");
		return NULL;
	}
	svc->store = store;
	svc->pub = pub;
	pthread_mutex_init(&svc->lock, NULL);
	pthread_cond_init(&svc->cond, NULL);
	pthread_rwlock_init(&svc->gate, NULL);
	svc->xfrout = xfrout_new(store);
	svc->update = svc->xfrout != NULL ? update_service_new(store, pub)
					  : NULL;
	if (svc->update == NULL) {
		zonesvc_stop(svc);
		zonesvc_free(svc);
		return NULL;	/* logged */
	}
	resolve_set_service(RESOLVE_SERVICE_XFR, serve_xfr, svc);
	resolve_set_service(RESOLVE_SERVICE_UPDATE, serve_update, svc);
	config_publisher_set_zone_hook(pub, xfrout_zone_published,
				       svc->xfrout);
	return svc;
}

void zonesvc_stop(struct zonesvc *svc)
{
	if (svc == NULL) {
		return;
	}
	if (svc->pub != NULL) {
		config_publisher_set_zone_hook(svc->pub, NULL, NULL);
	}
	pthread_rwlock_wrlock(&svc->gate);
	svc->closed = true;
	pthread_rwlock_unlock(&svc->gate);

	/* Senders waiting for room give up at once. */
	pthread_mutex_lock(&svc->lock);
	svc->stopping = true;
	pthread_cond_broadcast(&svc->cond);
	pthread_mutex_unlock(&svc->lock);

	update_service_free(svc->update);
	svc->update = NULL;
	xfrout_free(svc->xfrout);
	svc->xfrout = NULL;
}

void zonesvc_free(struct zonesvc *svc)
{
	if (svc == NULL) {
		return;
	}
	while (svc->streams != NULL) {
		struct svc_stream *st = svc->streams;
		svc->streams = st->next;
		free(st);
	}
	pthread_rwlock_destroy(&svc->gate);
	pthread_cond_destroy(&svc->cond);
	pthread_mutex_destroy(&svc->lock);
	free(svc);
}
