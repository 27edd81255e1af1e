/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DNS over UDP: batched receive with IP_PKTINFO / IPV6_PKTINFO, and
 * answers sent from the address the query was sent to. */
#include "daemon/udp.h"

#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/addr.h"
#include "common/error.h"
#include "common/log.h"
#include "daemon/listeners.h"
#include "daemon/worker.h"
#include "resolve/resolve.h"

#define UDP_BATCH 16		/* datagrams per recvmmsg() */
#define UDP_ROUNDS 4		/* batches per wake-up, then other sockets */
/* Larger than any sensible query; a datagram cut to this size is dropped
 * rather than answered from a part of it. */
#define UDP_QUERY_MAX 4096

/* Room for one pktinfo message of either family, and then some. */
union udp_control {
	char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + 64];
	struct cmsghdr align;
};

struct udp_batch {
	struct mmsghdr msgs[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	struct sockaddr_storage peers[UDP_BATCH];
	union udp_control control[UDP_BATCH];
	uint8_t data[UDP_BATCH][UDP_QUERY_MAX];
};

/* A query waiting for the resolver's answer. */
struct udp_query {
	struct worker_pending link;
	struct listener_socket *sock;	/* referenced until the answer */
	struct zg_addr local;		/* the query's destination */
	struct zg_addr client;
	unsigned ifindex;		/* interface it came in on */
};

struct udp_batch *udp_batch_new(void)
{
	return calloc(1, sizeof(struct udp_batch));
}

void udp_batch_free(struct udp_batch *batch)
{
	free(batch);
}

static struct udp_query *query_of(struct worker_pending *link)
{
	return (struct udp_query *)((char *)link -
				    offsetof(struct udp_query, link));
}

static void query_free(struct udp_query *q)
{
	listener_socket_unref(q->sock);
	free(q);
}

static void query_discard(struct worker_pending *link)
{
	query_free(query_of(link));
}

/* Puts the answer's source address (and, for link-local IPv6, the
 * interface) into the control data of msg. */
static void set_source(struct msghdr *msg, union udp_control *control,
		       const struct udp_query *q)
{
	memset(control, 0, sizeof(*control));
	msg->msg_control = control->buf;

	if (addr_family(&q->local) == AF_INET) {
		const struct sockaddr_in *sin =
			(const struct sockaddr_in *)&q->local.ss;
		struct in_pktinfo info = { .ipi_spec_dst = sin->sin_addr };
		msg->msg_controllen = CMSG_SPACE(sizeof(info));
		struct cmsghdr *cmsg = CMSG_FIRSTHDR(msg);
		cmsg->cmsg_level = IPPROTO_IP;
		cmsg->cmsg_type = IP_PKTINFO;
		cmsg->cmsg_len = CMSG_LEN(sizeof(info));
		memcpy(CMSG_DATA(cmsg), &info, sizeof(info));
	} else {
		const struct sockaddr_in6 *sin6 =
			(const struct sockaddr_in6 *)&q->local.ss;
		const struct sockaddr_in6 *to =
			(const struct sockaddr_in6 *)&q->client.ss;
		/* Pinning the interface would defeat routing; only
		 * link-local addresses need it to mean anything. */
		bool link_local = IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr) ||
				  IN6_IS_ADDR_LINKLOCAL(&to->sin6_addr);
		struct in6_pktinfo info = {
			.ipi6_addr = sin6->sin6_addr,
			.ipi6_ifindex = link_local ? q->ifindex : 0,
		};
		msg->msg_controllen = CMSG_SPACE(sizeof(info));
		struct cmsghdr *cmsg = CMSG_FIRSTHDR(msg);
		cmsg->cmsg_level = IPPROTO_IPV6;
		cmsg->cmsg_type = IPV6_PKTINFO;
		cmsg->cmsg_len = CMSG_LEN(sizeof(info));
		memcpy(CMSG_DATA(cmsg), &info, sizeof(info));
	}
}

static void send_answer(const struct udp_query *q, const uint8_t *wire,
			size_t len)
{
	union udp_control control;
	struct iovec iov = { .iov_base = (void *)wire, .iov_len = len };
	struct msghdr msg = {
		.msg_name = (void *)&q->client.ss,
		.msg_namelen = q->client.len,
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};

	set_source(&msg, &control, q);
	if (sendmsg(q->sock->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) {
		return;
	}
	if (zg_log_enabled(ZG_LOG_DEBUG)) {
		int err = -errno;
		char client[ZG_ADDR_STRLEN];
		char local[ZG_ADDR_STRLEN];
		char fields[2 * ZG_ADDR_STRLEN + 16];
		addr_format(&q->client, true, client, sizeof(client));
		addr_format(&q->local, true, local, sizeof(local));
		snprintf(fields, sizeof(fields), "client=%s listen=%s", client,
			 local);
		zg_log(ZG_LOG_DEBUG, "daemon", fields, "cannot send the answer: %s; the client will retry",
		       zg_strerror(err));
	}
}

/* The resolver's reply callback. */
static void udp_answer(void *arg, const uint8_t *wire, size_t len)
{
	struct udp_query *q = arg;

	if (len > 0) {
		send_answer(q, wire, len);
	}
	worker_pending_remove(&q->link);
	query_free(q);
}

/*
 * The address (IP from pktinfo, port of the socket) the datagram was
 * sent to. A socket bound to one address may go without pktinfo; a
 * wildcard socket cannot. \retval false: unknown, drop the datagram.
 */
static bool local_address(const struct listener_socket *sock,
			  struct msghdr *hdr, struct zg_addr *local,
			  unsigned *ifindex)
{
	*local = sock->addr;
	*ifindex = 0;

	for (struct cmsghdr *cmsg = CMSG_FIRSTHDR(hdr); cmsg != NULL;
	     cmsg = CMSG_NXTHDR(hdr, cmsg)) {
		if (cmsg->cmsg_level == IPPROTO_IP &&
		    cmsg->cmsg_type == IP_PKTINFO &&
		    addr_family(local) == AF_INET) {
			struct in_pktinfo info;
			memcpy(&info, CMSG_DATA(cmsg), sizeof(info));
			((struct sockaddr_in *)&local->ss)->sin_addr =
				info.ipi_addr;
			*ifindex = (unsigned)info.ipi_ifindex;
			return true;
		}
		if (cmsg->cmsg_level == IPPROTO_IPV6 &&
		    cmsg->cmsg_type == IPV6_PKTINFO &&
		    addr_family(local) == AF_INET6) {
			struct in6_pktinfo info;
			memcpy(&info, CMSG_DATA(cmsg), sizeof(info));
			((struct sockaddr_in6 *)&local->ss)->sin6_addr =
				info.ipi6_addr;
			*ifindex = info.ipi6_ifindex;
			return true;
		}
	}
	return !addr_is_unspecified(local);
}

static void log_drop(const struct zg_addr *client, const char *why)
{
	if (!zg_log_enabled(ZG_LOG_DEBUG)) {
		return;
	}
	char text[ZG_ADDR_STRLEN];
	char fields[ZG_ADDR_STRLEN + 8];
	addr_format(client, true, text, sizeof(text));
	snprintf(fields, sizeof(fields), "client=%s", text);
	zg_log(ZG_LOG_DEBUG, "daemon", fields, "%s; datagram dropped", why);
}

static void handle_datagram(struct worker *w, struct listener_socket *sock,
			    struct msghdr *hdr, const uint8_t *data,
			    size_t len)
{
	struct zg_addr client;
	if (addr_from_sockaddr(hdr->msg_name, hdr->msg_namelen,
			       &client) != 0) {
		return;
	}
	if ((hdr->msg_flags & MSG_TRUNC) != 0) {
		log_drop(&client, "query longer than 4096 bytes");
		return;
	}

	struct udp_query *q = calloc(1, sizeof(*q));
	if (q == NULL) {
		log_drop(&client, "out of memory");
		return;
	}
	q->client = client;
	if (!local_address(sock, hdr, &q->local, &q->ifindex)) {
		free(q);
		log_drop(&client, "no destination address on a wildcard socket");
		return;
	}
	q->sock = sock;
	q->link.discard = query_discard;
	listener_socket_ref(sock);
	worker_pending_add(w, &q->link);

	/* The answer may come before resolve_query() returns; q is not
	 * touched after a successful call. */
	int ret = resolve_query(worker_resolver(w), data, len, &q->local,
				&q->client, false, udp_answer, q);
	if (ret != 0) {
		worker_pending_remove(&q->link);
		query_free(q);
		log_drop(&client, zg_strerror(ret));
	}
}

static void batch_prepare(struct udp_batch *b)
{
	for (size_t i = 0; i < UDP_BATCH; i++) {
		b->iov[i].iov_base = b->data[i];
		b->iov[i].iov_len = UDP_QUERY_MAX;
		b->msgs[i].msg_hdr = (struct msghdr) {
			.msg_name = &b->peers[i],
			.msg_namelen = sizeof(b->peers[i]),
			.msg_iov = &b->iov[i],
			.msg_iovlen = 1,
			.msg_control = b->control[i].buf,
			.msg_controllen = sizeof(b->control[i].buf),
		};
		b->msgs[i].msg_len = 0;
	}
}

void udp_ready(struct worker *w, struct listener_socket *sock)
{
	struct udp_batch *b = worker_udp_batch(w);

	for (int round = 0; round < UDP_ROUNDS; round++) {
		batch_prepare(b);
		int n = recvmmsg(sock->fd, b->msgs, UDP_BATCH, MSG_DONTWAIT,
				 NULL);
		if (n <= 0) {
			/* EAGAIN: another worker took them. Other errors
			 * concern one datagram; the next wake-up goes on. */
			return;
		}
		for (int i = 0; i < n; i++) {
			handle_datagram(w, sock, &b->msgs[i].msg_hdr,
					b->data[i], b->msgs[i].msg_len);
		}
		if (n < UDP_BATCH) {
			return;
		}
	}
}
