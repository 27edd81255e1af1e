/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The queue between the query path and a zone service's threads: jobs
 * in order with the message as it came (TSIG RR put back), a full queue
 * refused at once, and queued replies ended when the service stops. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <libknot/libknot.h>

#include "common/error.h"
#include "resolve/service_queue.h"

struct fake_stream {
	struct resolve_stream st;
	int ended;
	int sent;
	uint16_t rcode;
};

static int fake_send(struct resolve_stream *st, const uint8_t *wire,
		     size_t len, bool more)
{
	struct fake_stream *f = (struct fake_stream *)st;
	assert_true(len >= KNOT_WIRE_HEADER_SIZE);
	f->rcode = knot_wire_get_rcode(wire);
	f->sent++;
	return 0;
}

static void fake_end(struct resolve_stream *st)
{
	((struct fake_stream *)st)->ended++;
}

static const struct resolve_stream_ops fake_ops = { fake_send, fake_end };

/* Handled jobs, in order; the handler can be held back. */
struct seen {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool hold;
	size_t started;
	uint16_t ids[16];
	size_t n;
	char vpc[CONFIG_ID_LEN];
	uint16_t arcount;
};

static void handler(void *arg, const struct resolve_service_job *job)
{
	struct seen *s = arg;
	pthread_mutex_lock(&s->lock);
	s->started++;
	pthread_cond_broadcast(&s->cond);
	while (s->hold) {
		pthread_cond_wait(&s->cond, &s->lock);
	}
	s->ids[s->n++] = knot_wire_get_id(job->wire);
	snprintf(s->vpc, sizeof(s->vpc), "%s", job->has_vpc ? job->vpc_id
							    : "-");
	s->arcount = knot_wire_get_arcount(job->wire);
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	job->reply->ops->end(job->reply);
}

static void wait_for(struct seen *s, size_t n)
{
	pthread_mutex_lock(&s->lock);
	while (s->n < n) {
		pthread_cond_wait(&s->cond, &s->lock);
	}
	pthread_mutex_unlock(&s->lock);
}

/* An UPDATE for example. with id: as built, and as the query path
 * parsed it (borrowing the built one's wire). */
struct message {
	knot_pkt_t *built;
	knot_pkt_t *parsed;
};

static void message_make(struct message *m, uint16_t id, bool signed_msg)
{
	knot_pkt_t *pkt = knot_pkt_new(NULL, 512, NULL);
	assert_non_null(pkt);
	knot_wire_set_id(pkt->wire, id);
	knot_wire_set_opcode(pkt->wire, KNOT_OPCODE_UPDATE);
	const uint8_t zone[] = "\x07""example";
	assert_int_equal(knot_pkt_put_question(pkt, zone, KNOT_CLASS_IN,
					       KNOT_RRTYPE_SOA), KNOT_EOK);
	if (signed_msg) {
		knot_tsig_key_t key = { .algorithm = DNSSEC_TSIG_HMAC_SHA256 };
		const uint8_t name[] = "\x03""key";
		uint8_t secret[32] = { 1, 2, 3 };
		key.name = (knot_dname_t *)name;
		key.secret.data = secret;
		key.secret.size = sizeof(secret);
		uint8_t digest[64];
		size_t digest_len = sizeof(digest);
		assert_int_equal(knot_tsig_sign(pkt->wire, &pkt->size,
						pkt->max_size, NULL, 0, digest,
						&digest_len, &key, 0, 0),
				 KNOT_EOK);
	}
	m->built = pkt;
	m->parsed = knot_pkt_new(pkt->wire, pkt->size, NULL);
	assert_int_equal(knot_pkt_parse(m->parsed, 0), KNOT_EOK);
	m->parsed->max_size = pkt->max_size;
}

static void message_free(struct message *m)
{
	knot_pkt_free(m->parsed);
	knot_pkt_free(m->built);
}

static void push(struct resolve_service_queue *q, knot_pkt_t *pkt,
		 struct fake_stream *f, const char *vpc, int expect)
{
	struct zg_addr source;
	assert_int_equal(addr_parse("10.0.0.5", 5300, &source), 0);
	struct resolve_service_msg msg = {
		.kind = RESOLVE_SERVICE_UPDATE, .pkt = pkt, .source = &source,
		.vpc_id = vpc,
	};
	f->st.ops = &fake_ops;
	assert_int_equal(resolve_service_queue_push(q, &msg, &f->st), expect);
	if (expect == ZG_ELIMIT) {
		resolve_service_refuse(&msg, &f->st, KNOT_RCODE_REFUSED,
				       "too many transfers");
	}
}

static void test_jobs_in_order_with_tsig_put_back(void **state)
{
	struct seen s = { .lock = PTHREAD_MUTEX_INITIALIZER,
			  .cond = PTHREAD_COND_INITIALIZER };
	struct resolve_service_queue *q = resolve_service_queue_new(
		"zg-test", 1, 8, handler, &s);
	assert_non_null(q);
	struct fake_stream f[3] = { 0 };
	struct message m1, m2, m3;
	message_make(&m1, 101, false);
	message_make(&m2, 102, true);
	message_make(&m3, 103, false);
	knot_pkt_t *p1 = m1.parsed, *p2 = m2.parsed, *p3 = m3.parsed;
	/* The query path's parse took the TSIG RR out of the ARCOUNT. */
	assert_int_equal(knot_wire_get_arcount(p2->wire), 0);
	push(q, p1, &f[0], "vpc-1", 0);
	push(q, p2, &f[1], "vpc-2", 0);
	wait_for(&s, 2);
	assert_int_equal(s.arcount, 1);
	assert_string_equal(s.vpc, "vpc-2");
	push(q, p3, &f[2], NULL, 0);
	wait_for(&s, 3);
	assert_int_equal(s.ids[0], 101);
	assert_int_equal(s.ids[1], 102);
	assert_int_equal(s.ids[2], 103);
	assert_string_equal(s.vpc, "-");
	resolve_service_queue_free(q);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(f[i].ended, 1);
		assert_int_equal(f[i].sent, 0);
	}
	message_free(&m1);
	message_free(&m2);
	message_free(&m3);
}

static void test_full_queue_refused_and_queued_ended_at_stop(void **state)
{
	struct seen s = { .lock = PTHREAD_MUTEX_INITIALIZER,
			  .cond = PTHREAD_COND_INITIALIZER, .hold = true };
	struct resolve_service_queue *q = resolve_service_queue_new(
		"zg-test", 1, 2, handler, &s);
	assert_non_null(q);
	struct fake_stream f[4] = { 0 };
	struct message m;
	message_make(&m, 7, false);
	knot_pkt_t *p = m.parsed;
	/* The thread holds the first job; two more fill the queue. */
	push(q, p, &f[0], "vpc-1", 0);
	pthread_mutex_lock(&s.lock);
	while (s.started < 1) {
		pthread_cond_wait(&s.cond, &s.lock);
	}
	pthread_mutex_unlock(&s.lock);
	push(q, p, &f[1], "vpc-1", 0);
	push(q, p, &f[2], "vpc-1", 0);
	push(q, p, &f[3], "vpc-1", ZG_ELIMIT);
	/* Refused at once: REFUSED sent, nothing queued. */
	assert_int_equal(f[3].sent, 1);
	assert_int_equal(f[3].rcode, KNOT_RCODE_REFUSED);
	assert_int_equal(f[3].ended, 0);
	/* Stopping: the held job finishes; each queued one is handled or,
	 * once the queue stops, ended without being handled: either way
	 * its reply is ended exactly once. */
	pthread_mutex_lock(&s.lock);
	s.hold = false;
	pthread_cond_broadcast(&s.cond);
	pthread_mutex_unlock(&s.lock);
	resolve_service_queue_free(q);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(f[i].ended, 1);
		assert_int_equal(f[i].sent, 0);
	}
	assert_true(s.n >= 1 && s.n <= 3);
	assert_int_equal(s.ids[0], 7);
	message_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jobs_in_order_with_tsig_put_back),
		cmocka_unit_test(
			test_full_queue_refused_and_queued_ended_at_stop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
