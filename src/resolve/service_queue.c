/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The queue between the query path and the threads of a zone service. */
#include "resolve/service_queue.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <urcu.h>

#include "common/error.h"
#include "wire/wire.h"

#define EDE_OTHER 0
#define MAX_THREADS 8

struct node {
	struct node *next;
	struct resolve_service_job job;
};

struct resolve_service_queue {
	resolve_job_fn fn;
	void *arg;
	size_t max_queued;

	/* Protects the list and stopping; threads wait on cond. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct node *head;
	struct node *tail;
	size_t queued;
	bool stopping;

	pthread_t threads[MAX_THREADS];
	size_t n_threads;
};

static void node_free(struct node *n)
{
	free(n->job.wire);
	free(n);
}

static void *queue_main(void *arg)
{
	struct resolve_service_queue *q = arg;
	rcu_register_thread();
	pthread_mutex_lock(&q->lock);
	while (true) {
		while (!q->stopping && q->head == NULL) {
			pthread_cond_wait(&q->cond, &q->lock);
		}
		if (q->stopping) {
			break;
		}
		struct node *n = q->head;
		q->head = n->next;
		if (q->head == NULL) {
			q->tail = NULL;
		}
		q->queued--;
		pthread_mutex_unlock(&q->lock);

		q->fn(q->arg, &n->job);
		node_free(n);

		pthread_mutex_lock(&q->lock);
	}
	pthread_mutex_unlock(&q->lock);
	rcu_unregister_thread();
	return NULL;
}

struct resolve_service_queue *resolve_service_queue_new(
	const char *name, size_t n_threads, size_t max_queued,
	resolve_job_fn fn, void *arg)
{
	if (n_threads == 0 || n_threads > MAX_THREADS) {
		return NULL;
	}
	struct resolve_service_queue *q = calloc(1, sizeof(*q));
	if (q == NULL) {
		return NULL;
	}
	q->fn = fn;
	q->arg = arg;
	q->max_queued = max_queued;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->cond, NULL);
	for (size_t i = 0; i < n_threads; i++) {
		if (pthread_create(&q->threads[i], NULL, queue_main, q) != 0) {
			resolve_service_queue_free(q);
			return NULL;
		}
		q->n_threads++;
		char thread_name[16];
		if (n_threads == 1) {
			snprintf(thread_name, sizeof(thread_name), "%.15s", name);
		} else {
			snprintf(thread_name, sizeof(thread_name), "%.11s-%zu",
				 name, i);
		}
		pthread_setname_np(q->threads[i], thread_name);
	}
	return q;
}

void resolve_service_queue_free(struct resolve_service_queue *q)
{
	if (q == NULL) {
		return;
	}
	pthread_mutex_lock(&q->lock);
	q->stopping = true;
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
	for (size_t i = 0; i < q->n_threads; i++) {
		pthread_join(q->threads[i], NULL);
	}
	while (q->head != NULL) {
		struct node *n = q->head;
		q->head = n->next;
		n->job.reply->ops->end(n->job.reply);
		node_free(n);
	}
	pthread_cond_destroy(&q->cond);
	pthread_mutex_destroy(&q->lock);
	free(q);
}

/* The message as it came, TSIG RR included. */
static int copy_wire(const knot_pkt_t *pkt, struct resolve_service_job *job)
{
	size_t len = pkt->size;
	bool tsig = pkt->tsig_rr != NULL && pkt->tsig_wire.pos != NULL;
	if (tsig) {
		len = (size_t)(pkt->tsig_wire.pos - pkt->wire) +
		      pkt->tsig_wire.len;
	}
	if (len > pkt->max_size || len > UINT16_MAX) {
		return ZG_EINVAL;
	}
	job->wire = malloc(len);
	if (job->wire == NULL) {
		return ZG_ENOMEM;
	}
	memcpy(job->wire, pkt->wire, len);
	job->len = len;
	if (tsig) {
		knot_wire_set_arcount(job->wire,
				      knot_wire_get_arcount(job->wire) + 1);
	}
	return 0;
}

int resolve_service_queue_push(struct resolve_service_queue *q,
			       const struct resolve_service_msg *msg,
			       struct resolve_stream *reply)
{
	struct node *n = calloc(1, sizeof(*n));
	if (n == NULL) {
		return ZG_ENOMEM;
	}
	int ret = copy_wire(msg->pkt, &n->job);
	if (ret != 0) {
		free(n);
		return ret;
	}
	n->job.source = *msg->source;
	n->job.tcp = msg->tcp;
	n->job.reply = reply;
	if (msg->vpc_id != NULL) {
		n->job.has_vpc = true;
		snprintf(n->job.vpc_id, sizeof(n->job.vpc_id), "%s",
			 msg->vpc_id);
	}

	pthread_mutex_lock(&q->lock);
	bool full = q->queued >= q->max_queued || q->stopping;
	if (!full) {
		if (q->tail != NULL) {
			q->tail->next = n;
		} else {
			q->head = n;
		}
		q->tail = n;
		q->queued++;
		pthread_cond_signal(&q->cond);
	}
	pthread_mutex_unlock(&q->lock);
	if (full) {
		node_free(n);
		return ZG_ELIMIT;
	}
	return 0;
}

void resolve_service_refuse(const struct resolve_service_msg *msg,
			    struct resolve_stream *reply, uint16_t rcode,
			    const char *text)
{
	knot_pkt_t *resp = knot_pkt_new(NULL, 1024, NULL);
	if (resp != NULL && wire_render_error(msg->pkt, rcode, EDE_OTHER, text,
					      resp) == KNOT_EOK) {
		(void)reply->ops->send(reply, resp->wire, resp->size, false);
	} else {
		reply->ops->end(reply);
	}
	knot_pkt_free(resp);
}
