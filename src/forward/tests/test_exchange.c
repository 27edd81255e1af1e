/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Exchanges with scripted responders on loopback: failover, retries
 * without EDNS and over TCP, forged replies, sources, cancellation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/log.h"
#include "common/loop.h"
#include "forward/forward.h"
#include "forward/internal.h"
#include "forward/tests/msgbuild.h"

/* ------------------------------------------------------------------ */
/* Responders: one thread each, blocking sockets, one behaviour each.  */

enum behaviour {
	ANSWER,		/* NOERROR, A 192.0.2.1 (TXT: three 900-octet strings) */
	DROP,		/* read and say nothing */
	SERVFAIL,
	REFUSED,
	NXDOMAIN,	/* with an SOA in authority */
	TRUNCATE,	/* UDP: TC=1 and nothing else; TCP: the full answer */
	TRUNCATE_NO_TCP, /* as TRUNCATE, TCP port closed */
	TRUNCATE_MUTE_TCP, /* as TRUNCATE, TCP connections never served */
	FORMERR_EDNS,	/* FORMERR without question to EDNS, else ANSWER */
	FORGE_FIRST,	/* wrong ID, wrong question, wrong port, then ANSWER */
	MALFORMED,	/* question right, answer section cut short */
	REFERRAL,	/* NOERROR, no answer, NS in authority */
};

struct responder {
	enum behaviour behaviour;
	int udp_fd;
	int alt_fd;			/* another port, for forged replies */
	int tcp_fd;
	int stop_fd;
	struct zg_addr addr;		/* where it listens */
	pthread_t thread;

	atomic_int udp_queries;
	atomic_int tcp_queries;
	atomic_int edns_queries;
	atomic_int plain_queries;

	pthread_mutex_t lock;		/* protects the fields below */
	struct zg_addr last_source;	/* sender of the last UDP query */
	bool last_do;
	bool last_cd;
	bool last_rd;
	uint16_t last_payload;
	uint16_t last_opt_len;		/* OPT RDATA length: options sent */
	uint16_t last_id;
	struct zg_addr sources[128];	/* senders of every query */
	int n_sources;
};

static size_t answer_for(const knot_pkt_t *query, bool tcp, uint8_t *out)
{
	uint16_t qtype = knot_pkt_qtype(query);
	char qname[KNOT_DNAME_TXT_MAXLEN];
	knot_dname_to_str(qname, knot_pkt_wire_qname(query), sizeof(qname));

	knot_pkt_t *resp = tmsg_new(knot_wire_get_id(query->wire), qname,
				    qtype, KNOT_RCODE_NOERROR, true);
	if (qtype == KNOT_RRTYPE_TXT) {
		for (int i = 0; i < 3; i++) {
			tmsg_txt(resp, KNOT_ANSWER, qname, 60, 900,
				 (char)('a' + i));
		}
	} else {
		tmsg_a(resp, KNOT_ANSWER, qname, 60, "192.0.2.1");
	}
	size_t len = resp->size;
	(void)tcp;
	memcpy(out, resp->wire, len);
	knot_pkt_free(resp);
	return len;
}

static size_t error_for(const knot_pkt_t *query, uint8_t rcode, uint8_t *out)
{
	char qname[KNOT_DNAME_TXT_MAXLEN];
	knot_dname_to_str(qname, knot_pkt_wire_qname(query), sizeof(qname));
	knot_pkt_t *resp = tmsg_new(knot_wire_get_id(query->wire), qname,
				    knot_pkt_qtype(query), rcode, true);
	if (rcode == KNOT_RCODE_NXDOMAIN) {
		tmsg_soa(resp, KNOT_AUTHORITY, "example.", 600, "ns.example.",
			 "h.example.", 9, 3600, 600, 86400, 120);
	}
	size_t len = resp->size;
	memcpy(out, resp->wire, len);
	knot_pkt_free(resp);
	return len;
}

/* The header of the query turned into a bare error: no question. */
static size_t bare_error(const uint8_t *query, uint8_t rcode, uint8_t *out)
{
	memset(out, 0, KNOT_WIRE_HEADER_SIZE);
	knot_wire_set_id(out, knot_wire_get_id(query));
	knot_wire_set_qr(out);
	knot_wire_set_rcode(out, rcode);
	return KNOT_WIRE_HEADER_SIZE;
}

static void record_query(struct responder *r, const knot_pkt_t *query,
			 const struct sockaddr_storage *from, socklen_t len)
{
	bool edns = knot_pkt_has_edns(query);
	atomic_fetch_add(edns ? &r->edns_queries : &r->plain_queries, 1);

	pthread_mutex_lock(&r->lock);
	if (from != NULL) {
		addr_from_sockaddr((const struct sockaddr *)from, len,
				   &r->last_source);
		if (r->n_sources < 128) {
			r->sources[r->n_sources++] = r->last_source;
		}
	}
	r->last_do = knot_pkt_has_dnssec(query);
	r->last_cd = knot_wire_get_cd(query->wire);
	r->last_rd = knot_wire_get_rd(query->wire);
	r->last_id = knot_wire_get_id(query->wire);
	r->last_payload = edns ? knot_edns_get_payload(query->opt_rr) : 0;
	r->last_opt_len = edns ? query->opt_rr->rrs.rdata->len : 0;
	pthread_mutex_unlock(&r->lock);
}

static void send_to(int fd, const uint8_t *wire, size_t len,
		    const struct sockaddr_storage *to, socklen_t to_len)
{
	if (sendto(fd, wire, len, 0, (const struct sockaddr *)to, to_len) < 0) {
		perror("responder sendto");
	}
}

/* Replies that must all be ignored, then the real one. */
static void send_forged_then_answer(struct responder *r, const knot_pkt_t *query,
				    const struct sockaddr_storage *to,
				    socklen_t to_len, uint8_t *out)
{
	uint16_t msg_id = knot_wire_get_id(query->wire);
	char qname[KNOT_DNAME_TXT_MAXLEN];
	knot_dname_to_str(qname, knot_pkt_wire_qname(query), sizeof(qname));

	knot_pkt_t *bad = tmsg_new((uint16_t)(msg_id + 1), qname,
				   knot_pkt_qtype(query), 0, true);
	tmsg_a(bad, KNOT_ANSWER, qname, 60, "192.0.2.66");
	send_to(r->udp_fd, bad->wire, bad->size, to, to_len);
	knot_pkt_free(bad);

	bad = tmsg_new(msg_id, "other.example.", knot_pkt_qtype(query), 0, true);
	tmsg_a(bad, KNOT_ANSWER, "other.example.", 60, "192.0.2.66");
	send_to(r->udp_fd, bad->wire, bad->size, to, to_len);
	knot_pkt_free(bad);

	bad = tmsg_new(msg_id, qname, knot_pkt_qtype(query), 0, true);
	tmsg_a(bad, KNOT_ANSWER, qname, 60, "192.0.2.66");
	send_to(r->alt_fd, bad->wire, bad->size, to, to_len);
	knot_pkt_free(bad);

	/* A reply to a question that was never asked (QR clear). */
	bad = tmsg_new(msg_id, qname, knot_pkt_qtype(query), 0, false);
	send_to(r->udp_fd, bad->wire, bad->size, to, to_len);
	knot_pkt_free(bad);

	size_t len = answer_for(query, false, out);
	send_to(r->udp_fd, out, len, to, to_len);
}

static void handle_udp(struct responder *r)
{
	uint8_t in[KNOT_WIRE_MAX_PKTSIZE];
	uint8_t out[KNOT_WIRE_MAX_PKTSIZE];
	struct sockaddr_storage from;
	socklen_t from_len = sizeof(from);

	ssize_t n = recvfrom(r->udp_fd, in, sizeof(in), 0,
			     (struct sockaddr *)&from, &from_len);
	if (n <= 0) {
		return;
	}
	atomic_fetch_add(&r->udp_queries, 1);
	knot_pkt_t *query = knot_pkt_new(in, (uint16_t)n, NULL);
	if (query == NULL || knot_pkt_parse(query, KNOT_PF_NOCANON) != 0) {
		knot_pkt_free(query);
		return;
	}
	record_query(r, query, &from, from_len);

	size_t len = 0;
	switch (r->behaviour) {
	case ANSWER:
		len = answer_for(query, false, out);
		break;
	case DROP:
		break;
	case SERVFAIL:
		len = error_for(query, KNOT_RCODE_SERVFAIL, out);
		break;
	case REFUSED:
		len = error_for(query, KNOT_RCODE_REFUSED, out);
		break;
	case NXDOMAIN:
		len = error_for(query, KNOT_RCODE_NXDOMAIN, out);
		break;
	case TRUNCATE:
	case TRUNCATE_NO_TCP:
	case TRUNCATE_MUTE_TCP:
		len = error_for(query, KNOT_RCODE_NOERROR, out);
		knot_wire_set_tc(out);
		break;
	case FORMERR_EDNS:
		len = knot_pkt_has_edns(query) ?
			      bare_error(in, KNOT_RCODE_FORMERR, out) :
			      answer_for(query, false, out);
		break;
	case FORGE_FIRST:
		send_forged_then_answer(r, query, &from, from_len, out);
		break;
	case MALFORMED:
		len = error_for(query, KNOT_RCODE_NOERROR, out);
		knot_wire_set_ancount(out, 1);
		out[len++] = 0;		/* a root owner, then nothing */
		break;
	case REFERRAL: {
		char qname[KNOT_DNAME_TXT_MAXLEN];
		knot_dname_to_str(qname, knot_pkt_wire_qname(query),
				  sizeof(qname));
		knot_pkt_t *resp = tmsg_new(knot_wire_get_id(in), qname,
					    knot_pkt_qtype(query), 0, true);
		tmsg_name(resp, KNOT_AUTHORITY, "example.", KNOT_RRTYPE_NS,
			  3600, "ns.example.");
		len = resp->size;
		memcpy(out, resp->wire, len);
		knot_pkt_free(resp);
		break;
	}
	}
	if (len > 0) {
		send_to(r->udp_fd, out, len, &from, from_len);
	}
	knot_pkt_free(query);
}

static bool read_full(int fd, uint8_t *buf, size_t len)
{
	size_t pos = 0;
	while (pos < len) {
		ssize_t n = recv(fd, buf + pos, len - pos, 0);
		if (n <= 0) {
			return false;
		}
		pos += (size_t)n;
	}
	return true;
}

/* Writes in small pieces so that the reader sees partial reads. */
static void write_slowly(int fd, const uint8_t *buf, size_t len)
{
	size_t pos = 0;
	while (pos < len) {
		size_t chunk = len - pos > 700 ? 700 : len - pos;
		if (send(fd, buf + pos, chunk, MSG_NOSIGNAL) <= 0) {
			return;
		}
		pos += chunk;
		usleep(2000);
	}
}

static void handle_tcp(struct responder *r)
{
	struct sockaddr_storage from;
	socklen_t from_len = sizeof(from);
	int fd = accept(r->tcp_fd, (struct sockaddr *)&from, &from_len);
	if (fd < 0) {
		return;
	}
	struct timeval tv = { .tv_sec = 2 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

	uint8_t len_buf[2];
	uint8_t in[KNOT_WIRE_MAX_PKTSIZE];
	uint8_t out[2 + KNOT_WIRE_MAX_PKTSIZE];
	if (read_full(fd, len_buf, 2) &&
	    read_full(fd, in, knot_wire_read_u16(len_buf))) {
		atomic_fetch_add(&r->tcp_queries, 1);
		knot_pkt_t *query = knot_pkt_new(in, knot_wire_read_u16(len_buf),
						 NULL);
		if (query != NULL && knot_pkt_parse(query, KNOT_PF_NOCANON) == 0) {
			record_query(r, query, &from, from_len);
			size_t len = answer_for(query, true, out + 2);
			knot_wire_write_u16(out, (uint16_t)len);
			write_slowly(fd, out, len + 2);
		}
		knot_pkt_free(query);
	}
	close(fd);
}

static void *responder_main(void *arg)
{
	struct responder *r = arg;
	/* A muted TCP listener completes handshakes in the kernel and
	 * never answers; a negative fd is skipped by poll(). */
	struct pollfd fds[3] = {
		{ .fd = r->udp_fd, .events = POLLIN },
		{ .fd = r->behaviour == TRUNCATE_MUTE_TCP ? -1 : r->tcp_fd,
		  .events = POLLIN },
		{ .fd = r->stop_fd, .events = POLLIN },
	};

	for (;;) {
		if (poll(fds, 3, 1000) < 0 && errno != EINTR) {
			return NULL;
		}
		if (fds[2].revents != 0) {
			return NULL;
		}
		if (fds[0].revents & POLLIN) {
			handle_udp(r);
		}
		if (fds[1].revents & POLLIN) {
			handle_tcp(r);
		}
	}
}

static int bound_socket(const struct zg_addr *addr, int type)
{
	int fd = socket(addr_family(addr), type | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (addr_family(addr) == AF_INET6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	}
	assert_int_equal(bind(fd, (const struct sockaddr *)&addr->ss,
			      addr->len), 0);
	return fd;
}

static void local_addr(int fd, struct zg_addr *out)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	assert_int_equal(addr_from_sockaddr((struct sockaddr *)&ss, len, out),
			 0);
}

static struct responder *responder_start(const char *ip, enum behaviour b)
{
	struct responder *r = calloc(1, sizeof(*r));
	assert_non_null(r);
	r->behaviour = b;
	pthread_mutex_init(&r->lock, NULL);

	struct zg_addr any;
	assert_int_equal(addr_parse_ip(ip, &any), 0);
	r->udp_fd = bound_socket(&any, SOCK_DGRAM);
	local_addr(r->udp_fd, &r->addr);
	/* TCP on the same port, as a DNS server has it. */
	r->tcp_fd = bound_socket(&r->addr, SOCK_STREAM);
	assert_int_equal(listen(r->tcp_fd, 8), 0);
	if (b == TRUNCATE_NO_TCP) {
		close(r->tcp_fd);
		r->tcp_fd = -1;
	}
	r->alt_fd = bound_socket(&any, SOCK_DGRAM);
	r->stop_fd = eventfd(0, EFD_CLOEXEC);
	assert_true(r->stop_fd >= 0);
	assert_int_equal(pthread_create(&r->thread, NULL, responder_main, r),
			 0);
	return r;
}

static void responder_stop(struct responder *r)
{
	uint64_t one = 1;
	assert_int_equal(write(r->stop_fd, &one, sizeof(one)), sizeof(one));
	pthread_join(r->thread, NULL);
	close(r->udp_fd);
	close(r->alt_fd);
	if (r->tcp_fd >= 0) {
		close(r->tcp_fd);
	}
	close(r->stop_fd);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

/* An address where nothing listens: a responder's port, closed. */
static void dead_addr(const char *ip, struct zg_addr *out)
{
	struct responder *r = responder_start(ip, DROP);
	*out = r->addr;
	responder_stop(r);
}

/* ------------------------------------------------------------------ */
/* The forwarding side: a loop in the test thread.                     */

struct outcome {
	int calls;
	enum forward_status status;
	uint8_t rcode;
	uint16_t ancount;
	char first_a[INET_ADDRSTRLEN];
	size_t txt_octets;
	struct zg_addr target;
	bool has_target;
	uint64_t elapsed_ms;
};

struct harness {
	struct loop *loop;
	struct forward_ctx *ctx;
	struct loop_timer watchdog;
	uint64_t started_ms;
	struct outcome out;
	int pending;			/* callbacks still expected */
	bool returned;			/* forward_start has returned */
	bool called_early;		/* callback ran inside forward_start */
	/* For the re-entrancy test: a second request started from the
	 * first callback. */
	struct forward_request *chain_req;
	struct outcome chained;
};

static void read_reply(const knot_pkt_t *reply, struct outcome *out)
{
	out->rcode = knot_wire_get_rcode(reply->wire);
	const knot_pktsection_t *answer = knot_pkt_section(reply, KNOT_ANSWER);
	out->ancount = answer->count;
	for (uint16_t i = 0; i < answer->count; i++) {
		const knot_rrset_t *rr = knot_pkt_rr(answer, i);
		if (rr->type == KNOT_RRTYPE_A && out->first_a[0] == '\0') {
			inet_ntop(AF_INET, rr->rrs.rdata->data, out->first_a,
				  sizeof(out->first_a));
		}
		if (rr->type == KNOT_RRTYPE_TXT) {
			out->txt_octets += rr->rrs.rdata->len;
		}
	}
}

static void record_outcome(struct harness *h, struct outcome *out,
			   enum forward_status status, const knot_pkt_t *reply,
			   const struct zg_addr *target)
{
	out->calls++;
	out->status = status;
	out->elapsed_ms = loop_clock_ms() - h->started_ms;
	if (reply != NULL) {
		read_reply(reply, out);
	}
	if (target != NULL) {
		out->target = *target;
		out->has_target = true;
	}
	if (--h->pending == 0) {
		loop_stop(h->loop);
	}
}

static void chained_done(void *arg, enum forward_status status,
			 const knot_pkt_t *reply, const struct zg_addr *target)
{
	struct harness *h = arg;
	record_outcome(h, &h->chained, status, reply, target);
}

static void query_done(void *arg, enum forward_status status,
		       const knot_pkt_t *reply, const struct zg_addr *target)
{
	struct harness *h = arg;
	if (!h->returned) {
		h->called_early = true;
	}
	if (h->chain_req != NULL) {
		h->pending++;
		assert_non_null(forward_start(h->ctx, h->chain_req,
					      chained_done, h));
	}
	record_outcome(h, &h->out, status, reply, target);
}

static void watchdog_fired(struct loop_timer *timer)
{
	struct harness *h = timer->arg;
	loop_stop(h->loop);
}

static int setup(void **state)
{
	struct harness *h = calloc(1, sizeof(*h));
	assert_non_null(h);
	h->loop = loop_new();
	assert_non_null(h->loop);
	h->ctx = forward_ctx_new(h->loop);
	assert_non_null(h->ctx);
	loop_timer_init(&h->watchdog, watchdog_fired, h);
	*state = h;
	return 0;
}

static int teardown(void **state)
{
	struct harness *h = *state;
	loop_timer_stop(h->loop, &h->watchdog);
	forward_ctx_free(h->ctx);
	loop_free(h->loop);
	free(h);
	return 0;
}

static void request_init(struct forward_request *req, const char *qname,
			 uint16_t qtype)
{
	memset(req, 0, sizeof(*req));
	req->qname = tmsg_dname(qname, 5);
	req->qtype = qtype;
	req->qclass = KNOT_CLASS_IN;
	req->try_timeout_ms = 300;
	req->total_timeout_ms = 3000;
	req->owner_id = "rule-test";
}

static void add_target(struct forward_request *req, const struct zg_addr *a)
{
	req->targets[req->n_targets++] = *a;
}

static void add_source(struct forward_request *req, const char *ip)
{
	assert_int_equal(addr_parse_ip(ip, &req->sources[req->n_sources]), 0);
	req->n_sources++;
}

/* Starts one query and runs the loop until its callback (and any it
 * started) ran, or the watchdog gives up after watchdog_ms. */
static void run(struct harness *h, const struct forward_request *req,
		uint64_t watchdog_ms)
{
	h->started_ms = loop_clock_ms();
	h->pending = 1;
	h->returned = false;
	struct forward_query *q = forward_start(h->ctx, req, query_done, h);
	h->returned = true;
	assert_non_null(q);
	loop_timer_start(h->loop, &h->watchdog, watchdog_ms);
	assert_int_equal(loop_run(h->loop), 0);
}

static bool same_ip(const struct zg_addr *a, const char *ip)
{
	struct zg_addr b;
	return addr_parse_ip(ip, &b) == 0 && addr_equal_ip(a, &b);
}

/* ------------------------------------------------------------------ */

static void test_answer_is_accepted_with_edns_and_rd(void **state)
{
	struct harness *h = *state;
	struct responder *r = responder_start("127.0.0.1", ANSWER);
	struct forward_request req;
	request_init(&req, "www.Corp.Example.", KNOT_RRTYPE_A);
	add_target(&req, &r->addr);

	run(h, &req, 2000);

	assert_int_equal(h->out.calls, 1);
	assert_false(h->called_early);
	assert_int_equal(h->out.status, FORWARD_OK);
	assert_int_equal(h->out.rcode, KNOT_RCODE_NOERROR);
	assert_string_equal(h->out.first_a, "192.0.2.1");
	assert_true(h->out.has_target);
	assert_true(addr_equal(&h->out.target, &r->addr));
	/* RFC 6891 with the Flag Day 2020 payload, RD=1, no options at all
	 * (so no client subnet), DO and CD as the client had them. */
	assert_int_equal(atomic_load(&r->edns_queries), 1);
	assert_int_equal(r->last_payload, 1232);
	assert_int_equal(r->last_opt_len, 0);
	assert_true(r->last_rd);
	assert_false(r->last_do);
	assert_false(r->last_cd);
	responder_stop(r);
}

static void test_do_and_cd_bits_are_passed_on(void **state)
{
	struct harness *h = *state;
	struct responder *r = responder_start("127.0.0.1", ANSWER);
	struct forward_request req;
	request_init(&req, "www.corp.example.", KNOT_RRTYPE_A);
	req.do_bit = true;
	req.cd_bit = true;
	add_target(&req, &r->addr);

	run(h, &req, 2000);

	assert_int_equal(h->out.status, FORWARD_OK);
	assert_true(r->last_do);
	assert_true(r->last_cd);
	assert_int_equal(r->last_opt_len, 0);
	responder_stop(r);
}

static void test_silent_target_times_out_and_next_answers(void **state)
{
	struct harness *h = *state;
	struct responder *dead = responder_start("127.0.0.1", DROP);
	struct responder *live = responder_start("127.0.0.1", ANSWER);
	struct forward_request req;
	request_init(&req, "h1.corp.example.", KNOT_RRTYPE_A);
	req.try_timeout_ms = 200;
	add_target(&req, &dead->addr);
	add_target(&req, &live->addr);

	run(h, &req, 3000);

	assert_int_equal(h->out.calls, 1);
	assert_int_equal(h->out.status, FORWARD_OK);
	assert_true(addr_equal(&h->out.target, &live->addr));
	assert_int_equal(atomic_load(&dead->udp_queries), 1);
	assert_int_equal(atomic_load(&live->udp_queries), 1);
	assert_true(h->out.elapsed_ms >= 195);
	assert_true(h->out.elapsed_ms < 1500);
	responder_stop(dead);
	responder_stop(live);
}

static void test_servfail_moves_to_next_target_at_once(void **state)
{
	struct harness *h = *state;
	struct responder *bad = responder_start("127.0.0.1", SERVFAIL);
	struct responder *refusing = responder_start("127.0.0.1", REFUSED);
	struct responder *live = responder_start("127.0.0.1", ANSWER);
	struct forward_request req;
	request_init(&req, "h2.corp.example.", KNOT_RRTYPE_A);
	req.try_timeout_ms = 1000;
	add_target(&req, &bad->addr);
	add_target(&req, &refusing->addr);
	add_target(&req, &live->addr);

	run(h, &req, 3000);

	assert_int_equal(h->out.status, FORWARD_OK);
	assert_true(addr_equal(&h->out.target, &live->addr));
	assert_string_equal(h->out.first_a, "192.0.2.1");
	/* No try timeout was waited out. */
	assert_true(h->out.elapsed_ms < 900);
	responder_stop(bad);
	responder_stop(refusing);
	responder_stop(live);
}

static void test_nxdomain_is_final(void **state)
{
	struct harness *h = *state;
	struct responder *first = responder_start("127.0.0.1", NXDOMAIN);
	struct responder *second = responder_start("127.0.0.1", ANSWER);
	struct forward_request req;
	request_init(&req, "nope.example.", KNOT_RRTYPE_A);
	add_target(&req, &first->addr);
	add_target(&req, &second->addr);

	run(h, &req, 2000);

	assert_int_equal(h->out.status, FORWARD_OK);
	assert_int_equal(h->out.rcode, KNOT_RCODE_NXDOMAIN);
	assert_true(addr_equal(&h->out.target, &first->addr));
	assert_int_equal(atomic_load(&second->udp_queries), 0);
	responder_stop(first);
	responder_stop(second);
}

static void test_truncated_reply_is_asked_again_over_tcp(void **state)
{
	struct harness *h = *state;
	struct responder *r = responder_start("127.0.0.1", TRUNCATE);
	struct forward_request req;
	request_init(&req, "big.onprem.example.", KNOT_RRTYPE_TXT);
	add_target(&req, &r->addr);

	run(h, &req, 3000);

	assert_int_equal(h->out.status, FORWARD_OK);
	assert_int_equal(atomic_load(&r->udp_queries), 1);
	assert_int_equal(atomic_load(&r->tcp_queries), 1);
	/* Three TXT records of 900 octets, 4 length octets each. */
	assert_int_equal(h->out.ancount, 3);
	assert_int_equal(h->out.txt_octets, 3 * (900 + 4));
	responder_stop(r);
}

static void test_formerr_to_edns_is_asked_again_without_edns(void **state)
{
	struct harness *h = *state;
	struct responder *r = responder_start("127.0.0.1", FORMERR_EDNS);
	struct forward_request req;
	request_init(&req, "old.onprem.example.", KNOT_RRTYPE_A);
	add_target(&req, &r->addr);

	run(h, &req, 2000);

	assert_int_equal(h->out.status, FORWARD_OK);
	assert_true(addr_equal(&h->out.target, &r->addr));
	assert_int_equal(atomic_load(&r->edns_queries), 1);
	assert_int_equal(atomic_load(&r->plain_queries), 1);
	assert_string_equal(h->out.first_a, "192.0.2.1");
	responder_stop(r);
}

static void test_forged_replies_are_ignored_until_the_real_one(void **state)
{
	struct harness *h = *state;
	struct responder *r = responder_start("127.0.0.1", FORGE_FIRST);
	struct forward_request req;
	request_init(&req, "www.corp.example.", KNOT_RRTYPE_A);
	add_target(&req, &r->addr);

	run(h, &req, 2000);

	assert_int_equal(h->out.calls, 1);
	assert_int_equal(h->out.status, FORWARD_OK);
	assert_string_equal(h->out.first_a, "192.0.2.1");
	assert_int_equal(atomic_load(&r->udp_queries), 1);
	responder_stop(r);
}

static void test_malformed_and_lame_replies_move_on(void **state)
{
	struct harness *h = *state;
	struct responder *broken = responder_start("127.0.0.1", MALFORMED);
	struct responder *lame = responder_start("127.0.0.1", REFERRAL);
	struct responder *live = responder_start("127.0.0.1", ANSWER);
	struct forward_request req;
	request_init(&req, "www.corp.example.", KNOT_RRTYPE_A);
	req.try_timeout_ms = 1000;
	add_target(&req, &broken->addr);
	add_target(&req, &lame->addr);
	add_target(&req, &live->addr);

	run(h, &req, 3000);

	assert_int_equal(h->out.status, FORWARD_OK);
	assert_true(addr_equal(&h->out.target, &live->addr));
	assert_int_equal(atomic_load(&broken->udp_queries), 1);
	assert_int_equal(atomic_load(&lame->udp_queries), 1);
	assert_true(h->out.elapsed_ms < 900);
	responder_stop(broken);
	responder_stop(lame);
	responder_stop(live);
}

static void test_all_targets_dead_fail_before_total_timeout(void **state)
{
	struct harness *h = *state;
	struct responder *a = responder_start("127.0.0.1", DROP);
	struct responder *b = responder_start("127.0.0.1", SERVFAIL);
	struct zg_addr closed;
	dead_addr("127.0.0.1", &closed);
	struct forward_request req;
	request_init(&req, "secret.corp.example.", KNOT_RRTYPE_A);
	req.try_timeout_ms = 150;
	req.total_timeout_ms = 2000;
	add_target(&req, &a->addr);
	add_target(&req, &b->addr);
	add_target(&req, &closed);

	run(h, &req, 3000);

	assert_int_equal(h->out.calls, 1);
	assert_int_equal(h->out.status, FORWARD_FAILED);
	assert_false(h->out.has_target);
	/* Two try timeouts (the silent one and the closed port). */
	assert_true(h->out.elapsed_ms >= 295);
	assert_true(h->out.elapsed_ms < 2000);
	responder_stop(a);
	responder_stop(b);
}

static void test_total_timeout_ends_the_exchange(void **state)
{
	struct harness *h = *state;
	struct responder *a = responder_start("127.0.0.1", DROP);
	struct responder *b = responder_start("127.0.0.1", DROP);
	struct forward_request req;
	request_init(&req, "slow.corp.example.", KNOT_RRTYPE_A);
	req.try_timeout_ms = 200;
	req.total_timeout_ms = 300;
	add_target(&req, &a->addr);
	add_target(&req, &b->addr);

	run(h, &req, 3000);

	assert_int_equal(h->out.calls, 1);
	assert_int_equal(h->out.status, FORWARD_TIMEOUT);
	assert_true(h->out.elapsed_ms >= 295);
	assert_true(h->out.elapsed_ms < 1000);
	responder_stop(a);
	responder_stop(b);
}

static void test_query_leaves_from_the_source_address(void **state)
{
	struct harness *h = *state;
	struct responder *r = responder_start("127.0.0.1", ANSWER);
	struct forward_request req;
	request_init(&req, "www.corp.example.", KNOT_RRTYPE_A);
	add_target(&req, &r->addr);
	add_source(&req, "127.0.0.61");

	run(h, &req, 2000);

	assert_int_equal(h->out.status, FORWARD_OK);
	assert_true(same_ip(&r->last_source, "127.0.0.61"));
	assert_true(addr_port(&r->last_source) >= 1024);
	responder_stop(r);
}

static bool responder_saw_source(struct responder *r, const char *ip)
{
	bool seen = false;
	pthread_mutex_lock(&r->lock);
	for (int i = 0; i < r->n_sources; i++) {
		seen = seen || same_ip(&r->sources[i], ip);
	}
	pthread_mutex_unlock(&r->lock);
	return seen;
}

/* Starts n copies of one query at once and runs until all called back. */
static void run_many(struct harness *h, const struct forward_request *req,
		     int n, uint64_t watchdog_ms)
{
	h->started_ms = loop_clock_ms();
	h->pending = n;
	h->returned = true;
	for (int i = 0; i < n; i++) {
		assert_non_null(forward_start(h->ctx, req, query_done, h));
	}
	loop_timer_start(h->loop, &h->watchdog, watchdog_ms);
	assert_int_equal(loop_run(h->loop), 0);
}

static void test_sources_are_spread_over_queries(void **state)
{
	struct harness *h = *state;
	struct responder *r = responder_start("127.0.0.1", ANSWER);
	struct forward_request req;
	request_init(&req, "www.corp.example.", KNOT_RRTYPE_A);
	add_target(&req, &r->addr);
	add_source(&req, "127.0.0.61");
	add_source(&req, "127.0.0.62");

	run_many(h, &req, 4, 2000);

	assert_int_equal(h->out.calls, 4);
	assert_int_equal(h->out.status, FORWARD_OK);
	assert_true(responder_saw_source(r, "127.0.0.61"));
	assert_true(responder_saw_source(r, "127.0.0.62"));
	assert_false(responder_saw_source(r, "127.0.0.1"));
	responder_stop(r);
}

static void test_truncated_retry_keeps_the_source_address(void **state)
{
	struct harness *h = *state;
	struct responder *r = responder_start("127.0.0.1", TRUNCATE);
	struct forward_request req;
	request_init(&req, "big.onprem.example.", KNOT_RRTYPE_TXT);
	add_target(&req, &r->addr);
	add_source(&req, "127.0.0.63");

	run(h, &req, 3000);

	assert_int_equal(h->out.status, FORWARD_OK);
	assert_int_equal(atomic_load(&r->tcp_queries), 1);
	assert_true(same_ip(&r->last_source, "127.0.0.63"));
	responder_stop(r);
}

static void test_ipv6_target_is_asked(void **state)
{
	struct harness *h = *state;
	struct responder *r = responder_start("::1", ANSWER);
	struct forward_request req;
	request_init(&req, "v6.corp.example.", KNOT_RRTYPE_A);
	add_target(&req, &r->addr);
	add_source(&req, "::1");

	run(h, &req, 2000);

	assert_int_equal(h->out.status, FORWARD_OK);
	assert_true(addr_equal(&h->out.target, &r->addr));
	assert_true(same_ip(&r->last_source, "::1"));
	responder_stop(r);
}

static void test_target_without_source_of_its_family_fails(void **state)
{
	struct harness *h = *state;
	struct responder *r = responder_start("::1", ANSWER);
	struct forward_request req;
	request_init(&req, "v6.corp.example.", KNOT_RRTYPE_A);
	add_target(&req, &r->addr);
	add_source(&req, "127.0.0.61");

	run(h, &req, 2000);

	/* Reported once, and never from inside forward_start(). */
	assert_int_equal(h->out.calls, 1);
	assert_false(h->called_early);
	assert_int_equal(h->out.status, FORWARD_FAILED);
	assert_int_equal(atomic_load(&r->udp_queries), 0);
	responder_stop(r);
}

static void test_cancelled_query_never_calls_back(void **state)
{
	struct harness *h = *state;
	struct responder *r = responder_start("127.0.0.1", ANSWER);
	struct forward_request req;
	request_init(&req, "www.corp.example.", KNOT_RRTYPE_A);
	add_target(&req, &r->addr);

	h->started_ms = loop_clock_ms();
	struct forward_query *q = forward_start(h->ctx, &req, query_done, h);
	assert_non_null(q);
	forward_cancel(q);
	loop_timer_start(h->loop, &h->watchdog, 300);
	assert_int_equal(loop_run(h->loop), 0);

	assert_int_equal(h->out.calls, 0);
	responder_stop(r);
}

static void test_context_freed_with_queries_in_flight(void **state)
{
	struct harness *h = *state;
	struct responder *r = responder_start("127.0.0.1", DROP);
	struct forward_request req;
	request_init(&req, "www.corp.example.", KNOT_RRTYPE_A);
	add_target(&req, &r->addr);
	add_source(&req, "127.0.0.61");

	for (int i = 0; i < 20; i++) {
		assert_non_null(forward_start(h->ctx, &req, query_done, h));
	}
	loop_timer_start(h->loop, &h->watchdog, 100);
	assert_int_equal(loop_run(h->loop), 0);

	/* teardown frees the context; the sanitizer build checks that
	 * nothing leaks and no callback runs. */
	assert_int_equal(h->out.calls, 0);
	responder_stop(r);
}

static void test_callback_may_start_another_query(void **state)
{
	struct harness *h = *state;
	struct responder *r = responder_start("127.0.0.1", ANSWER);
	struct forward_request req, second;
	request_init(&req, "first.corp.example.", KNOT_RRTYPE_A);
	add_target(&req, &r->addr);
	second = req;
	h->chain_req = &second;

	run(h, &req, 2000);

	assert_int_equal(h->out.status, FORWARD_OK);
	assert_int_equal(h->chained.calls, 1);
	assert_int_equal(h->chained.status, FORWARD_OK);
	assert_int_equal(atomic_load(&r->udp_queries), 2);
	responder_stop(r);
}

static void test_many_queries_share_the_socket_pool(void **state)
{
	struct harness *h = *state;
	struct responder *r = responder_start("127.0.0.1", ANSWER);
	struct forward_request req;
	request_init(&req, "www.corp.example.", KNOT_RRTYPE_A);
	add_target(&req, &r->addr);

	/* More than one socket's worth of uses, so sockets get replaced
	 * while others still wait for replies. */
	enum { QUERIES = 100 };
	run_many(h, &req, QUERIES, 5000);

	assert_int_equal(h->out.calls, QUERIES);
	assert_int_equal(h->out.status, FORWARD_OK);
	assert_int_equal(atomic_load(&r->udp_queries), QUERIES);
	responder_stop(r);
}

static void test_request_without_targets_is_refused(void **state)
{
	struct harness *h = *state;
	struct forward_request req;
	request_init(&req, "www.corp.example.", KNOT_RRTYPE_A);

	assert_null(forward_start(h->ctx, &req, query_done, h));
	assert_int_equal(h->out.calls, 0);
}

static void test_tcp_refused_moves_to_next_target(void **state)
{
	struct harness *h = *state;
	struct responder *r = responder_start("127.0.0.1", TRUNCATE_NO_TCP);
	struct responder *live = responder_start("127.0.0.1", ANSWER);
	struct forward_request req;
	request_init(&req, "big.onprem.example.", KNOT_RRTYPE_A);
	req.try_timeout_ms = 1000;
	add_target(&req, &r->addr);
	add_target(&req, &live->addr);

	run(h, &req, 3000);

	assert_int_equal(h->out.status, FORWARD_OK);
	assert_true(addr_equal(&h->out.target, &live->addr));
	assert_true(h->out.elapsed_ms < 900);
	responder_stop(r);
	responder_stop(live);
}

static void test_silent_tcp_times_out_then_next_target(void **state)
{
	struct harness *h = *state;
	struct responder *r = responder_start("127.0.0.1", TRUNCATE_MUTE_TCP);
	struct responder *live = responder_start("127.0.0.1", ANSWER);
	struct forward_request req;
	request_init(&req, "big.onprem.example.", KNOT_RRTYPE_A);
	req.try_timeout_ms = 100;
	add_target(&req, &r->addr);
	add_target(&req, &live->addr);

	run(h, &req, 3000);

	/* A TCP try gets twice the UDP try timeout. */
	assert_int_equal(h->out.status, FORWARD_OK);
	assert_true(addr_equal(&h->out.target, &live->addr));
	assert_true(h->out.elapsed_ms >= 195);
	assert_true(h->out.elapsed_ms < 1500);
	responder_stop(r);
	responder_stop(live);
}

/* IP_FREEBIND: an address that will move to this host later binds now
 * (192.0.2.10 is TEST-NET-1, never held here). */
static void test_source_not_held_by_the_host_can_be_bound(void **state)
{
	struct zg_addr source;
	assert_int_equal(addr_parse("192.0.2.10:40053", 0, &source), 0);
	int fd = fwd_socket(&source, SOCK_DGRAM);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (const struct sockaddr *)&source.ss,
			      source.len), 0);
	close(fd);

	assert_int_equal(addr_parse("[2001:db8::10]:40053", 0, &source), 0);
	fd = fwd_socket(&source, SOCK_DGRAM);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (const struct sockaddr *)&source.ss,
			      source.len), 0);
	close(fd);
	(void)state;
}

static void test_unusable_source_fails_without_sending(void **state)
{
	struct harness *h = *state;
	struct responder *r = responder_start("127.0.0.1", ANSWER);
	struct forward_request req;
	request_init(&req, "www.corp.example.", KNOT_RRTYPE_A);
	add_target(&req, &r->addr);
	add_source(&req, "192.0.2.10");

	run(h, &req, 2000);

	/* The kernel refuses to send from it: the target fails at once. */
	assert_int_equal(h->out.calls, 1);
	assert_false(h->called_early);
	assert_int_equal(h->out.status, FORWARD_FAILED);
	assert_int_equal(atomic_load(&r->udp_queries), 0);
	responder_stop(r);
}

static int count_lines_with(FILE *log, const char *needle)
{
	char line[1024];
	int n = 0;
	rewind(log);
	while (fgets(line, sizeof(line), log) != NULL) {
		n += strstr(line, needle) != NULL;
	}
	return n;
}

/* Running out of file descriptors fails every query, but is written
 * once as a warning, not once per query. */
static void test_socket_failure_is_warned_once(void **state)
{
	struct harness *h = *state;
	struct responder *r = responder_start("127.0.0.1", ANSWER);
	struct forward_request req;
	request_init(&req, "www.corp.example.", KNOT_RRTYPE_A);
	add_target(&req, &r->addr);
	FILE *log = tmpfile();
	assert_non_null(log);
	zg_log_init(ZG_LOG_WARNING, log);

	/* No descriptor left above the ones open now. */
	struct rlimit saved;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
	int probe = dup(0);
	assert_true(probe >= 0);
	close(probe);
	struct rlimit low = { .rlim_cur = (rlim_t)probe,
			      .rlim_max = saved.rlim_max };
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	run_many(h, &req, 3, 2000);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);

	assert_int_equal(h->out.calls, 3);
	assert_int_equal(h->out.status, FORWARD_FAILED);
	assert_int_equal(count_lines_with(log, "warning forward source=any"), 1);
	assert_int_equal(count_lines_with(log, "debug"), 0);
	zg_log_init(ZG_LOG_NOTICE, NULL);
	fclose(log);
	responder_stop(r);
}

int main(void)
{
	/* The per-query debug lines, when a failure needs explaining. */
	if (getenv("ZONEGATE_TEST_DEBUG") != NULL) {
		zg_log_init(ZG_LOG_DEBUG, NULL);
	}
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_answer_is_accepted_with_edns_and_rd),
		T(test_do_and_cd_bits_are_passed_on),
		T(test_silent_target_times_out_and_next_answers),
		T(test_servfail_moves_to_next_target_at_once),
		T(test_nxdomain_is_final),
		T(test_truncated_reply_is_asked_again_over_tcp),
		T(test_formerr_to_edns_is_asked_again_without_edns),
		T(test_forged_replies_are_ignored_until_the_real_one),
		T(test_malformed_and_lame_replies_move_on),
		T(test_all_targets_dead_fail_before_total_timeout),
		T(test_total_timeout_ends_the_exchange),
		T(test_query_leaves_from_the_source_address),
		T(test_sources_are_spread_over_queries),
		T(test_truncated_retry_keeps_the_source_address),
		T(test_ipv6_target_is_asked),
		T(test_target_without_source_of_its_family_fails),
		T(test_cancelled_query_never_calls_back),
		T(test_context_freed_with_queries_in_flight),
		T(test_callback_may_start_another_query),
		T(test_many_queries_share_the_socket_pool),
		T(test_request_without_targets_is_refused),
		T(test_tcp_refused_moves_to_next_target),
		T(test_silent_tcp_times_out_then_next_target),
		T(test_source_not_held_by_the_host_can_be_bound),
		T(test_unusable_source_fails_without_sending),
		T(test_socket_failure_is_warned_once),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
