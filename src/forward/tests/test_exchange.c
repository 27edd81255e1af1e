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
#include <strings.h>
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
#include "health/health.h"

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
	SLOW,		/* ANSWER after delay_ms */
	COOKIE,		/* ANSWER, echoing the client cookie with a server
			 * cookie of 8 octets */
	COOKIE_FORGE,	/* a reply with a wrong client cookie, then COOKIE */
	BADCOOKIE_FIRST, /* BADCOOKIE to a query without our server cookie,
			  * COOKIE otherwise */
	LOWERCASE,	/* ANSWER with the question lower-cased */
	AUTH_PARENT,	/* referral to sub.corp.example. with glue
			 * ns.sub.corp.example. A <glue> */
	AUTH_CHILD,	/* AA answer */
	REFERRAL_NO_GLUE, /* referral to sub.corp.example., no glue */
};

/* Server cookie of the COOKIE responders (RFC 7873: 8 to 32 octets). */
static const uint8_t server_cookie[8] = { 0x5e, 0x12, 0x34, 0x56,
					  0x78, 0x9a, 0xbc, 0xde };

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
	uint64_t times_ms[128];		/* loop_clock_ms() of each */
	int n_sources;
	uint16_t last_qtype;
	char last_qname[KNOT_DNAME_TXT_MAXLEN];	/* case as received */
	int last_cookie_len;		/* COOKIE option length, -1: none */
	uint8_t last_cookie[40];

	int delay_ms;			/* SLOW */
	char glue[INET_ADDRSTRLEN];	/* AUTH_PARENT */
	atomic_int tcp_conns;		/* connections accepted */
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
			r->times_ms[r->n_sources] = loop_clock_ms();
			r->sources[r->n_sources++] = r->last_source;
		}
	}
	r->last_do = knot_pkt_has_dnssec(query);
	r->last_cd = knot_wire_get_cd(query->wire);
	r->last_rd = knot_wire_get_rd(query->wire);
	r->last_id = knot_wire_get_id(query->wire);
	r->last_payload = edns ? knot_edns_get_payload(query->opt_rr) : 0;
	r->last_opt_len = edns ? query->opt_rr->rrs.rdata->len : 0;
	r->last_qtype = knot_pkt_qtype(query);
	knot_dname_to_str(r->last_qname, knot_pkt_wire_qname(query),
			  sizeof(r->last_qname));
	r->last_cookie_len = -1;
	const uint8_t *opt = edns ? knot_edns_get_option(query->opt_rr, 10,
							 NULL) : NULL;
	if (opt != NULL && knot_edns_opt_get_length(opt) <= 40) {
		r->last_cookie_len = knot_edns_opt_get_length(opt);
		memcpy(r->last_cookie, opt + 4, (size_t)r->last_cookie_len);
	}
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

/* Appends an OPT record with a COOKIE option (client cookie of the query
 * and our server cookie) to a reply of len octets; ext_rcode gives the
 * upper bits of an extended RCODE (BADCOOKIE 23: header 7, OPT 1). */
static size_t append_cookie(uint8_t *out, size_t len, const uint8_t *client,
			    uint8_t ext_rcode_hi)
{
	knot_wire_set_arcount(out, (uint16_t)(knot_wire_get_arcount(out) + 1));
	uint8_t *p = out + len;
	p[0] = 0;
	knot_wire_write_u16(p + 1, KNOT_RRTYPE_OPT);
	knot_wire_write_u16(p + 3, 1232);
	p[5] = ext_rcode_hi;
	p[6] = 0;
	knot_wire_write_u16(p + 7, 0);
	knot_wire_write_u16(p + 9, 4 + 16);
	knot_wire_write_u16(p + 11, 10);
	knot_wire_write_u16(p + 13, 16);
	memcpy(p + 15, client, 8);
	memcpy(p + 23, server_cookie, 8);
	return len + 11 + 4 + 16;
}

/* The client cookie of a query, or NULL. */
static const uint8_t *client_cookie_of(const knot_pkt_t *query)
{
	if (!knot_pkt_has_edns(query)) {
		return NULL;
	}
	const uint8_t *opt = knot_edns_get_option(query->opt_rr, 10, NULL);
	if (opt == NULL || knot_edns_opt_get_length(opt) < 8) {
		return NULL;
	}
	return opt + 4;
}

static size_t cookie_answer(const knot_pkt_t *query, uint8_t *out)
{
	size_t len = answer_for(query, false, out);
	const uint8_t *client = client_cookie_of(query);
	return client != NULL ? append_cookie(out, len, client, 0) : len;
}

static size_t badcookie_first(const knot_pkt_t *query, uint8_t *out)
{
	const uint8_t *opt = knot_pkt_has_edns(query) ?
		knot_edns_get_option(query->opt_rr, 10, NULL) : NULL;
	if (opt != NULL && knot_edns_opt_get_length(opt) == 16 &&
	    memcmp(opt + 12, server_cookie, 8) == 0) {
		return cookie_answer(query, out);
	}
	size_t len = error_for(query, 23 & 0xf, out);
	const uint8_t *client = client_cookie_of(query);
	return client != NULL ? append_cookie(out, len, client, 23 >> 4) : len;
}

static size_t forged_cookie_then_answer(struct responder *r,
					const knot_pkt_t *query,
					const struct sockaddr_storage *to,
					socklen_t to_len, uint8_t *out)
{
	char qname[KNOT_DNAME_TXT_MAXLEN];
	knot_dname_to_str(qname, knot_pkt_wire_qname(query), sizeof(qname));
	knot_pkt_t *bad = tmsg_new(knot_wire_get_id(query->wire), qname,
				   knot_pkt_qtype(query), 0, true);
	tmsg_a(bad, KNOT_ANSWER, qname, 60, "192.0.2.66");
	uint8_t wire[1024];
	memcpy(wire, bad->wire, bad->size);
	static const uint8_t wrong[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	size_t len = append_cookie(wire, bad->size, wrong, 0);
	send_to(r->udp_fd, wire, len, to, to_len);
	knot_pkt_free(bad);
	return cookie_answer(query, out);
}

static size_t lowercase_answer(const knot_pkt_t *query, uint8_t *out)
{
	char qname[KNOT_DNAME_TXT_MAXLEN];
	knot_dname_to_str(qname, knot_pkt_wire_qname(query), sizeof(qname));
	for (char *c = qname; *c != '\0'; c++) {
		if (*c >= 'A' && *c <= 'Z') {
			*c = (char)(*c | 0x20);
		}
	}
	knot_pkt_t *resp = tmsg_new(knot_wire_get_id(query->wire), qname,
				    knot_pkt_qtype(query), 0, true);
	tmsg_a(resp, KNOT_ANSWER, qname, 60, "192.0.2.1");
	size_t len = resp->size;
	memcpy(out, resp->wire, len);
	knot_pkt_free(resp);
	return len;
}

static size_t referral_to_sub(const knot_pkt_t *query, const char *glue,
			      uint8_t *out)
{
	char qname[KNOT_DNAME_TXT_MAXLEN];
	knot_dname_to_str(qname, knot_pkt_wire_qname(query), sizeof(qname));
	knot_pkt_t *resp = tmsg_new(knot_wire_get_id(query->wire), qname,
				    knot_pkt_qtype(query), 0, true);
	knot_wire_clear_rd(resp->wire);
	tmsg_name(resp, KNOT_AUTHORITY, "sub.corp.example.", KNOT_RRTYPE_NS,
		  3600, "ns.sub.corp.example.");
	if (glue != NULL) {
		tmsg_a(resp, KNOT_ADDITIONAL, "ns.sub.corp.example.", 3600,
		       glue);
	}
	size_t len = resp->size;
	memcpy(out, resp->wire, len);
	knot_pkt_free(resp);
	return len;
}

static size_t authoritative_answer(const knot_pkt_t *query, uint8_t *out)
{
	size_t len = answer_for(query, false, out);
	knot_wire_set_aa(out);
	knot_wire_clear_rd(out);
	return len;
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
	case SLOW:
		usleep((useconds_t)r->delay_ms * 1000);
		len = answer_for(query, false, out);
		break;
	case COOKIE:
		len = cookie_answer(query, out);
		break;
	case COOKIE_FORGE:
		len = forged_cookie_then_answer(r, query, &from, from_len,
						out);
		break;
	case BADCOOKIE_FIRST:
		len = badcookie_first(query, out);
		break;
	case LOWERCASE:
		len = lowercase_answer(query, out);
		break;
	case AUTH_PARENT:
		len = referral_to_sub(query, r->glue, out);
		break;
	case REFERRAL_NO_GLUE:
		len = referral_to_sub(query, NULL, out);
		break;
	case AUTH_CHILD:
		len = authoritative_answer(query, out);
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

/* Serves queries on one connection until the client closes it or is
 * quiet for a second (persistent connections, RFC 7766). */
static void handle_tcp(struct responder *r)
{
	struct sockaddr_storage from;
	socklen_t from_len = sizeof(from);
	int fd = accept(r->tcp_fd, (struct sockaddr *)&from, &from_len);
	if (fd < 0) {
		return;
	}
	atomic_fetch_add(&r->tcp_conns, 1);
	struct timeval tv = { .tv_sec = 1 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

	uint8_t len_buf[2];
	uint8_t in[KNOT_WIRE_MAX_PKTSIZE];
	uint8_t out[2 + KNOT_WIRE_MAX_PKTSIZE];
	while (read_full(fd, len_buf, 2) &&
	       read_full(fd, in, knot_wire_read_u16(len_buf))) {
		atomic_fetch_add(&r->tcp_queries, 1);
		knot_pkt_t *query = knot_pkt_new(in, knot_wire_read_u16(len_buf),
						 NULL);
		if (query != NULL && knot_pkt_parse(query, KNOT_PF_NOCANON) == 0) {
			record_query(r, query, &from, from_len);
			size_t len = r->behaviour == AUTH_CHILD ?
				authoritative_answer(query, out + 2) :
				answer_for(query, true, out + 2);
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

/* A responder on ip and port (0: any free port); delay_ms for SLOW,
 * glue (an IPv4 address) for AUTH_PARENT. */
static struct responder *responder_start_cfg(const char *ip, uint16_t port,
					     enum behaviour b, int delay_ms,
					     const char *glue)
{
	struct responder *r = calloc(1, sizeof(*r));
	assert_non_null(r);
	r->behaviour = b;
	r->delay_ms = delay_ms;
	if (glue != NULL) {
		snprintf(r->glue, sizeof(r->glue), "%s", glue);
	}
	pthread_mutex_init(&r->lock, NULL);

	struct zg_addr any;
	assert_int_equal(addr_parse_ip(ip, &any), 0);
	addr_set_port(&any, port);
	r->udp_fd = bound_socket(&any, SOCK_DGRAM);
	local_addr(r->udp_fd, &r->addr);
	/* TCP on the same port, as a DNS server has it. */
	r->tcp_fd = bound_socket(&r->addr, SOCK_STREAM);
	assert_int_equal(listen(r->tcp_fd, 8), 0);
	if (b == TRUNCATE_NO_TCP) {
		close(r->tcp_fd);
		r->tcp_fd = -1;
	}
	addr_set_port(&any, 0);
	r->alt_fd = bound_socket(&any, SOCK_DGRAM);
	r->stop_fd = eventfd(0, EFD_CLOEXEC);
	assert_true(r->stop_fd >= 0);
	assert_int_equal(pthread_create(&r->thread, NULL, responder_main, r),
			 0);
	return r;
}

static struct responder *responder_start(const char *ip, enum behaviour b)
{
	return responder_start_cfg(ip, 0, b, 0, NULL);
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
	char qname[KNOT_DNAME_TXT_MAXLEN];	/* question of the reply */
	char first_owner[KNOT_DNAME_TXT_MAXLEN]; /* of the first answer */
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
	bool keep_running;		/* only the watchdog stops the loop */
	/* For the re-entrancy test: a second request started from the
	 * first callback. */
	struct forward_request *chain_req;
	struct outcome chained;
};

static void read_reply(const knot_pkt_t *reply, struct outcome *out)
{
	out->rcode = knot_wire_get_rcode(reply->wire);
	knot_dname_to_str(out->qname, knot_pkt_wire_qname(reply),
			  sizeof(out->qname));
	const knot_pktsection_t *answer = knot_pkt_section(reply, KNOT_ANSWER);
	out->ancount = answer->count;
	if (answer->count > 0) {
		knot_dname_to_str(out->first_owner,
				  knot_pkt_rr(answer, 0)->owner,
				  sizeof(out->first_owner));
	}
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
	if (--h->pending == 0 && !h->keep_running) {
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
	/* Ports of earlier tests' responders come back: start with no
	 * memory of any target. */
	health_reset();
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
	/* RFC 6891 with the Flag Day 2020 payload, RD=1, DO and CD as the
	 * client had them, and one option only: a COOKIE with an 8-octet
	 * client cookie (RFC 7873 section 5.1; so no client subnet). */
	assert_int_equal(atomic_load(&r->edns_queries), 1);
	assert_int_equal(r->last_payload, 1232);
	assert_int_equal(r->last_opt_len, 4 + 8);
	assert_int_equal(r->last_cookie_len, 8);
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
	assert_int_equal(r->last_opt_len, 4 + 8);
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
	zg_log_init(getenv("ZONEGATE_TEST_DEBUG") != NULL ? ZG_LOG_DEBUG :
							 ZG_LOG_NOTICE, NULL);
	fclose(log);
	responder_stop(r);
}

/* ------------------------------------------------------------------ */
/* Health, hedging, TCP, cookies, 0x20, authoritative targets.        */

/* The loop runs once per test (loop_stop() is final): tests of several
 * steps chain queries from callbacks, or run until the watchdog. */
static void run_for(struct harness *h, uint64_t ms)
{
	loop_timer_start(h->loop, &h->watchdog, ms);
	assert_int_equal(loop_run(h->loop), 0);
}

static void target_key(struct health_key *key, const struct zg_addr *addr)
{
	/* The path of a request without path_id is its owner_id. */
	health_key_init(key, addr, "rule-test");
}

static void mark_down(const struct zg_addr *addr)
{
	struct health_key key;
	target_key(&key, addr);
	for (int i = 0; i < HEALTH_DOWN_AFTER; i++) {
		health_note_failure(&key, loop_clock_ms(), NULL, NULL);
	}
}

static void test_slow_first_target_answers_after_second_was_asked(void **state)
{
	struct harness *h = *state;
	struct responder *slow = responder_start_cfg("127.0.0.1", 0, SLOW, 400,
						     NULL);
	struct responder *mute = responder_start("127.0.0.1", DROP);
	struct forward_request req;
	request_init(&req, "hedge.corp.example.", KNOT_RRTYPE_A);
	req.try_timeout_ms = 150;
	add_target(&req, &slow->addr);
	add_target(&req, &mute->addr);

	run(h, &req, 3000);

	/* The second target was asked at 150 ms, and the first try stayed
	 * open: its reply at 400 ms wins (a second try to the slow target
	 * at 300 ms would be answered at 700 ms at best). */
	assert_int_equal(h->out.status, FORWARD_OK);
	assert_true(addr_equal(&h->out.target, &slow->addr));
	assert_int_equal(atomic_load(&mute->udp_queries), 1);
	assert_true(h->out.elapsed_ms >= 390);
	assert_true(h->out.elapsed_ms < 650);
	responder_stop(slow);
	responder_stop(mute);
}

static void test_without_hedging_an_expired_try_is_closed(void **state)
{
	struct harness *h = *state;
	struct responder *slow = responder_start_cfg("127.0.0.1", 0, SLOW, 400,
						     NULL);
	struct responder *mute = responder_start("127.0.0.1", DROP);
	struct forward_request req;
	request_init(&req, "nohedge.corp.example.", KNOT_RRTYPE_A);
	req.try_timeout_ms = 150;
	req.total_timeout_ms = 700;
	req.no_hedging = true;
	add_target(&req, &slow->addr);
	add_target(&req, &mute->addr);

	run(h, &req, 3000);

	/* The reply at 400 ms came to a closed try; the second try to the
	 * slow target (at 300 ms) would be answered at 700 ms at best. */
	assert_int_equal(h->out.status, FORWARD_TIMEOUT);
	responder_stop(slow);
	responder_stop(mute);
}

static void test_every_target_down_fails_at_once_without_sending(void **state)
{
	struct harness *h = *state;
	struct responder *a = responder_start("127.0.0.1", ANSWER);
	struct responder *b = responder_start("127.0.0.1", ANSWER);
	mark_down(&a->addr);
	mark_down(&b->addr);
	struct forward_request req;
	request_init(&req, "down.corp.example.", KNOT_RRTYPE_A);
	add_target(&req, &a->addr);
	add_target(&req, &b->addr);

	run(h, &req, 2000);

	assert_int_equal(h->out.calls, 1);
	assert_false(h->called_early);
	assert_int_equal(h->out.status, FORWARD_DOWN);
	assert_true(h->out.elapsed_ms < 100);
	assert_int_equal(atomic_load(&a->udp_queries), 0);
	assert_int_equal(atomic_load(&b->udp_queries), 0);
	responder_stop(a);
	responder_stop(b);
}

static void test_down_target_is_skipped(void **state)
{
	struct harness *h = *state;
	struct responder *a = responder_start("127.0.0.1", ANSWER);
	struct responder *b = responder_start("127.0.0.1", ANSWER);
	mark_down(&a->addr);
	struct forward_request req;
	request_init(&req, "skip.corp.example.", KNOT_RRTYPE_A);
	add_target(&req, &a->addr);
	add_target(&req, &b->addr);

	run(h, &req, 2000);

	assert_int_equal(h->out.status, FORWARD_OK);
	assert_true(addr_equal(&h->out.target, &b->addr));
	assert_int_equal(atomic_load(&a->udp_queries), 0);
	responder_stop(a);
	responder_stop(b);
}

static void test_target_that_timed_out_is_asked_after_the_others(void **state)
{
	struct harness *h = *state;
	struct responder *dead = responder_start("127.0.0.1", DROP);
	struct responder *live = responder_start("127.0.0.1", ANSWER);
	struct forward_request req, second;
	request_init(&req, "first.corp.example.", KNOT_RRTYPE_A);
	req.try_timeout_ms = 200;
	add_target(&req, &dead->addr);
	add_target(&req, &live->addr);
	second = req;
	second.qname = tmsg_dname("second.corp.example.", 4);
	h->chain_req = &second;

	run(h, &req, 3000);

	/* The first query waited out the dead target; the second, started
	 * when the first ended, asks the live one first. The dead one may
	 * be explored in parallel, never before. */
	assert_int_equal(h->out.status, FORWARD_OK);
	assert_true(h->out.elapsed_ms >= 195);
	assert_int_equal(h->chained.calls, 1);
	assert_int_equal(h->chained.status, FORWARD_OK);
	assert_true(addr_equal(&h->chained.target, &live->addr));
	assert_true(h->chained.elapsed_ms - h->out.elapsed_ms < 150);
	assert_int_equal(atomic_load(&live->udp_queries), 2);
	assert_true(atomic_load(&dead->udp_queries) <= 2);
	responder_stop(dead);
	responder_stop(live);
}

struct view_probe {
	struct harness *h;
	struct zg_addr addr;
	struct health_view view;
	struct loop_timer timer;
};

static void view_probe_cb(struct loop_timer *timer)
{
	struct view_probe *vp = timer->arg;
	struct health_key key;
	health_key_init(&key, &vp->addr, "rule-test");
	health_view_get(&key, &vp->view);
}

static void test_late_reply_teaches_the_rtt(void **state)
{
	struct harness *h = *state;
	struct responder *slow = responder_start_cfg("127.0.0.1", 0, SLOW, 300,
						     NULL);
	struct responder *live = responder_start("127.0.0.1", ANSWER);
	struct forward_request req;
	request_init(&req, "late.corp.example.", KNOT_RRTYPE_A);
	req.try_timeout_ms = 100;
	add_target(&req, &slow->addr);
	add_target(&req, &live->addr);

	/* A look at the slow target's health once the exchange is over
	 * (about 100 ms) and before its reply (300 ms). */
	struct view_probe early = { .h = h, .addr = slow->addr };
	loop_timer_init(&early.timer, view_probe_cb, &early);
	loop_timer_start(h->loop, &early.timer, 200);
	h->keep_running = true;
	run(h, &req, 900);
	loop_timer_stop(h->loop, &early.timer);

	assert_true(addr_equal(&h->out.target, &live->addr));
	assert_int_equal(early.view.failures, 1);
	/* The try to the slow target kept listening after its exchange
	 * ended: its reply reset the failures and gave a sample. */
	struct health_key key;
	struct health_view v;
	target_key(&key, &slow->addr);
	health_view_get(&key, &v);
	assert_int_equal(v.failures, 0);
	assert_true(v.rtt.measured);
	assert_true(v.rtt.srtt_us >= 290000);
	responder_stop(slow);
	responder_stop(live);
}

static bool target_is_up(const struct zg_addr *addr)
{
	struct health_key key;
	struct health_view v;
	target_key(&key, addr);
	health_view_get(&key, &v);
	return v.state == HEALTH_UP;
}

struct up_watch {
	struct harness *h;
	const struct zg_addr *addr;
	struct loop_timer timer;
};

static void up_watch_cb(struct loop_timer *timer)
{
	struct up_watch *w = timer->arg;
	if (target_is_up(w->addr)) {
		loop_stop(w->h->loop);
		return;
	}
	loop_timer_start(w->h->loop, &w->timer, 50);
}

static void test_down_target_is_probed_back_up(void **state)
{
	struct harness *h = *state;
	struct responder *r = responder_start("127.0.0.1", ANSWER);
	struct health_key key;
	struct health_probe probe;
	target_key(&key, &r->addr);
	memset(&probe, 0, sizeof(probe));
	probe.key = key;
	probe.recursive = true;
	memcpy(probe.name, tmsg_dname("corp.example.", 4),
	       knot_dname_size(tmsg_dname("corp.example.", 4)));
	assert_int_equal(addr_parse_ip("127.0.0.64", &probe.sources[0]), 0);
	probe.n_sources = 1;
	uint64_t started = loop_clock_ms();
	for (int i = 0; i < HEALTH_DOWN_AFTER; i++) {
		health_note_failure(&key, started, &probe, "rule-test");
	}
	assert_false(target_is_up(&r->addr));

	struct up_watch w = { .h = h, .addr = &r->addr };
	loop_timer_init(&w.timer, up_watch_cb, &w);
	loop_timer_start(h->loop, &w.timer, 50);
	run_for(h, 8000);
	loop_timer_stop(h->loop, &w.timer);

	/* Two probes, HEALTH_PROBE_INTERVAL_MS apart: SOA of the rule's
	 * domain from the rule's source. */
	assert_true(target_is_up(&r->addr));
	assert_true(loop_clock_ms() - started >= 2 * HEALTH_PROBE_INTERVAL_MS);
	assert_int_equal(atomic_load(&r->udp_queries), HEALTH_UP_AFTER);
	assert_int_equal(r->last_qtype, KNOT_RRTYPE_SOA);
	assert_string_equal(r->last_qname, "corp.example.");
	assert_true(same_ip(&r->last_source, "127.0.0.64"));
	responder_stop(r);
}

static void test_probe_of_a_silent_target_is_one_query(void **state)
{
	struct harness *h = *state;
	struct responder *r = responder_start("127.0.0.1", DROP);
	struct health_key key;
	struct health_probe probe;
	target_key(&key, &r->addr);
	memset(&probe, 0, sizeof(probe));
	probe.key = key;
	probe.recursive = true;
	memcpy(probe.name, tmsg_dname("corp.example.", 4),
	       knot_dname_size(tmsg_dname("corp.example.", 4)));
	for (int i = 0; i < HEALTH_DOWN_AFTER; i++) {
		health_note_failure(&key, loop_clock_ms(), &probe, "rule-test");
	}

	run_for(h, 2 * HEALTH_PROBE_INTERVAL_MS + HEALTH_PROBE_TIMEOUT_MS);

	/* Each probe is one query, no second try after its timeout: they
	 * come HEALTH_PROBE_INTERVAL_MS apart (the prober ticks every
	 * 500 ms), and the target stays down. */
	pthread_mutex_lock(&r->lock);
	int n = r->n_sources;
	assert_true(n >= 1 && n <= 2);
	for (int i = 1; i < n; i++) {
		assert_true(r->times_ms[i] - r->times_ms[i - 1] >=
			    HEALTH_PROBE_INTERVAL_MS - 50);
	}
	pthread_mutex_unlock(&r->lock);
	assert_int_equal(r->last_qtype, KNOT_RRTYPE_SOA);
	assert_false(target_is_up(&r->addr));
	responder_stop(r);
}

static void test_tcp_only_sends_no_udp(void **state)
{
	struct harness *h = *state;
	struct responder *r = responder_start("127.0.0.1", ANSWER);
	struct forward_request req;
	request_init(&req, "tcp.corp.example.", KNOT_RRTYPE_A);
	req.tcp_only = true;
	add_target(&req, &r->addr);

	run(h, &req, 3000);

	assert_int_equal(h->out.status, FORWARD_OK);
	assert_string_equal(h->out.first_a, "192.0.2.1");
	assert_int_equal(atomic_load(&r->udp_queries), 0);
	assert_int_equal(atomic_load(&r->tcp_queries), 1);
	responder_stop(r);
}

static void test_tcp_connection_is_reused_and_pipelined(void **state)
{
	struct harness *h = *state;
	struct responder *r = responder_start("127.0.0.1", ANSWER);
	struct forward_request req, later;
	request_init(&req, "pipe.corp.example.", KNOT_RRTYPE_A);
	req.tcp_only = true;
	add_target(&req, &r->addr);
	later = req;
	h->chain_req = &later;

	run_many(h, &req, 3, 3000);

	/* Three queries at once, and three more as each is answered: one
	 * connection (RFC 7766 sections 6.2.1 and 6.2.1.1). */
	assert_int_equal(h->out.calls, 3);
	assert_int_equal(h->chained.calls, 3);
	assert_int_equal(h->chained.status, FORWARD_OK);
	assert_int_equal(atomic_load(&r->tcp_queries), 6);
	assert_int_equal(atomic_load(&r->tcp_conns), 1);
	responder_stop(r);
}

static void test_server_cookie_is_learnt_and_sent_back(void **state)
{
	struct harness *h = *state;
	struct responder *r = responder_start("127.0.0.1", COOKIE);
	struct forward_request req, second;
	request_init(&req, "c1.corp.example.", KNOT_RRTYPE_A);
	add_target(&req, &r->addr);
	second = req;
	second.qname = tmsg_dname("c2.corp.example.", 4);
	h->chain_req = &second;

	run(h, &req, 2000);

	/* RFC 7873 5.1: the second query carries the same client cookie,
	 * then the server's. */
	assert_int_equal(h->out.status, FORWARD_OK);
	assert_int_equal(h->chained.status, FORWARD_OK);
	assert_int_equal(atomic_load(&r->udp_queries), 2);
	assert_int_equal(r->n_sources, 2);
	assert_int_equal(r->last_cookie_len, 16);
	assert_memory_equal(r->last_cookie + 8, server_cookie, 8);
	struct health_key key;
	uint8_t client[8], server[32];
	size_t server_len = 0;
	target_key(&key, &r->addr);
	assert_true(health_cookie_get(&key, client, server, &server_len));
	assert_memory_equal(r->last_cookie, client, 8);
	assert_int_equal(server_len, 8);
	responder_stop(r);
}

static void test_reply_with_a_wrong_client_cookie_is_ignored(void **state)
{
	struct harness *h = *state;
	struct responder *r = responder_start("127.0.0.1", COOKIE_FORGE);
	struct forward_request req;
	request_init(&req, "forged.corp.example.", KNOT_RRTYPE_A);
	add_target(&req, &r->addr);

	run(h, &req, 2000);

	assert_int_equal(h->out.status, FORWARD_OK);
	assert_string_equal(h->out.first_a, "192.0.2.1");
	assert_int_equal(atomic_load(&r->udp_queries), 1);
	responder_stop(r);
}

static void test_badcookie_is_retried_once_with_the_new_cookie(void **state)
{
	struct harness *h = *state;
	struct responder *r = responder_start("127.0.0.1", BADCOOKIE_FIRST);
	struct forward_request req;
	request_init(&req, "bad.corp.example.", KNOT_RRTYPE_A);
	add_target(&req, &r->addr);

	run(h, &req, 2000);

	/* RFC 7873 5.3: BADCOOKIE carries the server cookie to use. */
	assert_int_equal(h->out.status, FORWARD_OK);
	assert_int_equal(atomic_load(&r->udp_queries), 2);
	assert_int_equal(r->last_cookie_len, 16);
	assert_memory_equal(r->last_cookie + 8, server_cookie, 8);
	responder_stop(r);
}

static void test_no_cookies_option_sends_none(void **state)
{
	struct harness *h = *state;
	struct responder *r = responder_start("127.0.0.1", ANSWER);
	struct forward_request req;
	request_init(&req, "nc.corp.example.", KNOT_RRTYPE_A);
	req.no_cookies = true;
	add_target(&req, &r->addr);

	run(h, &req, 2000);

	assert_int_equal(h->out.status, FORWARD_OK);
	assert_int_equal(r->last_opt_len, 0);
	assert_int_equal(r->last_cookie_len, -1);
	responder_stop(r);
}

static bool same_letters(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

static void test_case_is_randomised_and_restored(void **state)
{
	struct harness *h = *state;
	struct responder *r = responder_start("127.0.0.1", ANSWER);
	struct forward_request req;
	const char *name = "abcdefghijklmnopqrstuvwxyz.corp.example.";
	request_init(&req, name, KNOT_RRTYPE_A);
	req.case_randomization = true;
	add_target(&req, &r->addr);

	run(h, &req, 2000);

	/* 33 letters in random case: the same as sent by chance once in
	 * 2^33. The client gets its own spelling back. */
	assert_int_equal(h->out.status, FORWARD_OK);
	assert_true(same_letters(r->last_qname, name));
	assert_string_not_equal(r->last_qname, name);
	assert_string_equal(h->out.qname, name);
	assert_string_equal(h->out.first_owner, name);
	responder_stop(r);
}

static void test_target_that_changes_case_loses_0x20(void **state)
{
	struct harness *h = *state;
	struct responder *r = responder_start("127.0.0.1", LOWERCASE);
	struct forward_request req, second;
	const char *name = "ABCDEFGHIJKLMNOPQRSTUVWXYZ.corp.example.";
	request_init(&req, name, KNOT_RRTYPE_A);
	req.case_randomization = true;
	add_target(&req, &r->addr);
	second = req;
	h->chain_req = &second;

	run(h, &req, 2000);

	/* Asked again at once without 0x20, and off for it from then on:
	 * the second query goes out once, spelt as the client spelt it. */
	assert_int_equal(h->out.status, FORWARD_OK);
	assert_int_equal(h->chained.status, FORWARD_OK);
	assert_int_equal(atomic_load(&r->udp_queries), 3);
	assert_string_equal(r->last_qname, name);
	struct health_key key;
	struct health_view v;
	target_key(&key, &r->addr);
	health_view_get(&key, &v);
	assert_true(v.case_disabled);
	responder_stop(r);
}

/* Fixed addresses on port 53: glue carries no port. */
#define CHILD_IP "127.77.0.2"

static void test_authoritative_referral_is_followed_down(void **state)
{
	struct harness *h = *state;
	struct responder *child = responder_start_cfg(CHILD_IP, 53, AUTH_CHILD,
						      0, NULL);
	struct responder *parent = responder_start_cfg("127.0.0.1", 0,
						       AUTH_PARENT, 0,
						       CHILD_IP);
	struct forward_request req;
	request_init(&req, "www.sub.corp.example.", KNOT_RRTYPE_A);
	req.authoritative = true;
	req.zone = tmsg_dname("corp.example.", 4);
	add_target(&req, &parent->addr);

	run(h, &req, 3000);

	/* Asked without recursion; the referral inside corp.example. is
	 * followed to the glue address. */
	assert_int_equal(h->out.status, FORWARD_OK);
	assert_string_equal(h->out.first_a, "192.0.2.1");
	assert_true(same_ip(&h->out.target, CHILD_IP));
	assert_false(parent->last_rd);
	assert_false(child->last_rd);
	assert_int_equal(atomic_load(&parent->udp_queries), 1);
	assert_int_equal(atomic_load(&child->udp_queries), 1);
	responder_stop(parent);
	responder_stop(child);
}

static void test_upward_referral_fails_the_target(void **state)
{
	struct harness *h = *state;
	struct responder *r = responder_start("127.0.0.1", REFERRAL);
	struct forward_request req;
	request_init(&req, "www.corp.example.", KNOT_RRTYPE_A);
	req.authoritative = true;
	req.zone = tmsg_dname("corp.example.", 4);
	add_target(&req, &r->addr);

	run(h, &req, 2000);

	/* NS for example. lies above corp.example.: lame. */
	assert_int_equal(h->out.status, FORWARD_FAILED);
	assert_true(h->out.elapsed_ms < 700);
	responder_stop(r);
}

static void test_referral_without_glue_fails_the_target(void **state)
{
	struct harness *h = *state;
	struct responder *r = responder_start("127.0.0.1", REFERRAL_NO_GLUE);
	struct forward_request req;
	request_init(&req, "www.sub.corp.example.", KNOT_RRTYPE_A);
	req.authoritative = true;
	req.zone = tmsg_dname("corp.example.", 4);
	add_target(&req, &r->addr);

	run(h, &req, 2000);

	assert_int_equal(h->out.status, FORWARD_FAILED);
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
		T(test_slow_first_target_answers_after_second_was_asked),
		T(test_without_hedging_an_expired_try_is_closed),
		T(test_every_target_down_fails_at_once_without_sending),
		T(test_down_target_is_skipped),
		T(test_target_that_timed_out_is_asked_after_the_others),
		T(test_late_reply_teaches_the_rtt),
		T(test_down_target_is_probed_back_up),
		T(test_probe_of_a_silent_target_is_one_query),
		T(test_tcp_only_sends_no_udp),
		T(test_tcp_connection_is_reused_and_pipelined),
		T(test_server_cookie_is_learnt_and_sent_back),
		T(test_reply_with_a_wrong_client_cookie_is_ignored),
		T(test_badcookie_is_retried_once_with_the_new_cookie),
		T(test_no_cookies_option_sends_none),
		T(test_case_is_randomised_and_restored),
		T(test_target_that_changes_case_loses_0x20),
		T(test_authoritative_referral_is_followed_down),
		T(test_upward_referral_fails_the_target),
		T(test_referral_without_glue_fails_the_target),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
