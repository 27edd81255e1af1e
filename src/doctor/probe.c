/* SPDX-License-Identifier: GPL-3.0-or-later */
/* SOA queries to a rule's targets, over UDP and TCP from given source
 * addresses, all in flight at once under one deadline. */
#include "doctor/doctor.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/error.h"

#define QUERY_MAX (12 + KNOT_DNAME_MAXLEN + 4 + 11)
#define REPLY_MAX 65535

/* A probe in flight. */
struct flight {
	struct doctor_probe *probe;
	int fd;				/* -1 when done */
	bool connecting;		/* TCP: connect() not finished */
	uint8_t query[2 + QUERY_MAX];	/* with the TCP length first */
	size_t query_len;		/* without the length */
	uint8_t *reply;			/* TCP: length and message so far */
	size_t reply_len;
	struct timespec sent;
};

static uint64_t ms_since(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)(now.tv_sec - t0->tv_sec) * 1000 +
	       (uint64_t)((now.tv_nsec - t0->tv_nsec) / 1000000);
}

/* The query: ID, RD, one question (domain SOA IN), an OPT RR offering
 * a 1232-octet payload (RFC 6891). Written after the 2-octet length. */
static size_t build_query(const uint8_t *domain, uint8_t *out)
{
	size_t name_len = knot_dname_size(domain);
	uint8_t *msg = out + 2;
	uint16_t qid = 0;
	if (getrandom(&qid, sizeof(qid), 0) != sizeof(qid)) {
		qid = (uint16_t)(time(NULL) ^ (uintptr_t)out);
	}

	memset(msg, 0, 12);
	knot_wire_set_id(msg, qid);
	knot_wire_set_rd(msg);
	knot_wire_set_qdcount(msg, 1);
	knot_wire_set_arcount(msg, 1);
	memcpy(msg + 12, domain, name_len);
	uint8_t *p = msg + 12 + name_len;
	knot_wire_write_u16(p, KNOT_RRTYPE_SOA);
	knot_wire_write_u16(p + 2, KNOT_CLASS_IN);
	p += 4;
	/* OPT: root owner, type 41, class = payload, TTL 0, no RDATA. */
	p[0] = 0;
	knot_wire_write_u16(p + 1, KNOT_RRTYPE_OPT);
	knot_wire_write_u16(p + 3, 1232);
	memset(p + 5, 0, 6);
	p += 11;

	size_t len = (size_t)(p - msg);
	knot_wire_write_u16(out, (uint16_t)len);
	return len;
}

/* Reads a reply that matched ID and peer into the probe; checks the
 * question. \retval 0, or ZG_EMALF for a reply a forwarder would drop. */
static int take_reply(struct flight *f, uint8_t *wire, size_t len)
{
	struct doctor_probe *p = f->probe;
	const uint8_t *domain = p->domain;
	const uint8_t *query = f->query + 2;
	if (len < KNOT_WIRE_HEADER_SIZE ||
	    knot_wire_get_id(wire) != knot_wire_get_id(query) ||
	    !knot_wire_get_qr(wire)) {
		return ZG_EMALF;
	}
	knot_pkt_t *pkt = knot_pkt_new(wire, len, NULL);
	if (pkt == NULL) {
		return ZG_ENOMEM;
	}
	int ret = ZG_EMALF;
	if (knot_pkt_parse(pkt, 0) != KNOT_EOK ||
	    knot_wire_get_qdcount(wire) != 1 ||
	    knot_pkt_qtype(pkt) != KNOT_RRTYPE_SOA ||
	    !knot_dname_is_case_equal(knot_pkt_qname(pkt), domain)) {
		goto out;
	}

	p->rcode = knot_wire_get_rcode(wire);
	p->aa = knot_wire_get_aa(wire);
	p->tc = knot_wire_get_tc(wire);
	const knot_pktsection_t *answer = knot_pkt_section(pkt, KNOT_ANSWER);
	for (uint16_t i = 0; i < answer->count; i++) {
		const knot_rrset_t *rr = knot_pkt_rr(answer, i);
		if (rr->type == KNOT_RRTYPE_SOA && rr->rrs.count > 0 &&
		    knot_dname_is_case_equal(rr->owner, domain)) {
			p->soa_found = true;
			p->serial = knot_soa_serial(rr->rrs.rdata);
			break;
		}
	}
	p->rtt_ms = (uint32_t)ms_since(&f->sent);
	p->error = 0;
	ret = 0;
out:
	knot_pkt_free(pkt);
	return ret;
}

static void finish(struct flight *f, int error)
{
	if (f->fd >= 0) {
		close(f->fd);
		f->fd = -1;
	}
	if (error != 0) {
		f->probe->error = error;
	}
	free(f->reply);
	f->reply = NULL;
}

/* Opens, binds and connects the probe's socket; sends at once over UDP. */
static void start(struct flight *f)
{
	struct doctor_probe *p = f->probe;
	bool tcp = p->protocol == IPPROTO_TCP;
	f->query_len = build_query(p->domain, f->query);
	p->error = ZG_ETIMEOUT;
	clock_gettime(CLOCK_MONOTONIC, &f->sent);

	f->fd = socket(addr_family(&p->target),
		       (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK |
		       SOCK_CLOEXEC, 0);
	if (f->fd < 0) {
		finish(f, -errno);
		return;
	}
	/* No IP_FREEBIND: a source this host does not hold must show up
	 * here, as EADDRNOTAVAIL. */
	if (p->has_source &&
	    bind(f->fd, (const struct sockaddr *)&p->source.ss,
		 p->source.len) != 0) {
		finish(f, -errno);
		return;
	}
	/* A connected UDP socket also reports ICMP port unreachable. */
	if (connect(f->fd, (const struct sockaddr *)&p->target.ss,
		    p->target.len) != 0) {
		if (errno != EINPROGRESS) {
			finish(f, -errno);
			return;
		}
		f->connecting = true;
		return;
	}
	if (!tcp && send(f->fd, f->query + 2, f->query_len, 0) < 0) {
		finish(f, -errno);
	}
	if (tcp) {
		f->connecting = true;
	}
}

/* TCP: the connection is up; sends the length-prefixed query. */
static void tcp_connected(struct flight *f)
{
	int err = 0;
	socklen_t len = sizeof(err);
	if (getsockopt(f->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
		err = errno;
	}
	if (err != 0) {
		finish(f, -err);
		return;
	}
	f->connecting = false;
	/* Small enough for an empty socket buffer: one send. */
	ssize_t sent = send(f->fd, f->query, f->query_len + 2, MSG_NOSIGNAL);
	if (sent != (ssize_t)(f->query_len + 2)) {
		finish(f, sent < 0 ? -errno : ZG_EMALF);
	}
}

static void udp_readable(struct flight *f, uint8_t *buf)
{
	ssize_t got = recv(f->fd, buf, REPLY_MAX, 0);
	if (got < 0) {
		if (errno != EAGAIN && errno != EINTR) {
			finish(f, -errno);
		}
		return;
	}
	/* connect() filters the peer; a reply with another ID or question
	 * is dropped and the probe keeps waiting (RFC 5452). */
	if (take_reply(f, buf, (size_t)got) == 0) {
		finish(f, 0);
	}
}

static void tcp_readable(struct flight *f)
{
	if (f->reply == NULL) {
		f->reply = malloc(2 + REPLY_MAX);
		if (f->reply == NULL) {
			finish(f, ZG_ENOMEM);
			return;
		}
	}
	size_t want = 2;
	if (f->reply_len >= 2) {
		want = 2 + knot_wire_read_u16(f->reply);
	}
	ssize_t got = recv(f->fd, f->reply + f->reply_len,
			   want - f->reply_len, 0);
	if (got < 0) {
		if (errno != EAGAIN && errno != EINTR) {
			finish(f, -errno);
		}
		return;
	}
	if (got == 0) {
		finish(f, -ECONNRESET);
		return;
	}
	f->reply_len += (size_t)got;
	if (f->reply_len < 2 ||
	    f->reply_len < 2 + (size_t)knot_wire_read_u16(f->reply)) {
		return;
	}
	int ret = take_reply(f, f->reply + 2, f->reply_len - 2);
	finish(f, ret);
}

int doctor_probe_run(struct doctor_probe *probes, size_t n,
		     uint32_t timeout_ms)
{
	for (size_t i = 0; i < n; i++) {
		if (probes[i].domain == NULL ||
		    knot_dname_size(probes[i].domain) == 0) {
			return ZG_EINVAL;
		}
	}
	struct flight *flights = calloc(n, sizeof(*flights));
	struct pollfd *pfds = calloc(n, sizeof(*pfds));
	uint8_t *buf = malloc(REPLY_MAX);
	if ((n > 0 && (flights == NULL || pfds == NULL)) || buf == NULL) {
		free(flights);
		free(pfds);
		free(buf);
		return ZG_ENOMEM;
	}

	for (size_t i = 0; i < n; i++) {
		flights[i].probe = &probes[i];
		start(&flights[i]);
	}

	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		size_t active = 0;
		for (size_t i = 0; i < n; i++) {
			struct flight *f = &flights[i];
			pfds[i].fd = f->fd;
			pfds[i].events = f->connecting ? POLLOUT : POLLIN;
			pfds[i].revents = 0;
			active += f->fd >= 0 ? 1 : 0;
		}
		uint64_t spent = ms_since(&t0);
		if (active == 0 || spent >= timeout_ms) {
			break;
		}
		int ready = poll(pfds, n, (int)(timeout_ms - spent));
		if (ready < 0 && errno != EINTR) {
			break;
		}
		for (size_t i = 0; ready > 0 && i < n; i++) {
			struct flight *f = &flights[i];
			if (f->fd < 0 || pfds[i].revents == 0) {
				continue;
			}
			if (f->connecting) {
				tcp_connected(f);
			} else if (f->probe->protocol == IPPROTO_TCP) {
				tcp_readable(f);
			} else {
				udp_readable(f, buf);
			}
		}
	}

	/* Whatever is still open timed out (error stays ZG_ETIMEOUT). */
	for (size_t i = 0; i < n; i++) {
		finish(&flights[i], 0);
	}
	free(flights);
	free(pfds);
	free(buf);
	return 0;
}
