/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Opening, sharing among workers and closing the DNS listener sockets as
 * the configuration's listen set changes. */
#include "daemon/listeners.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/error.h"
#include "common/log.h"
#include "config/config.h"
#include "daemon/tcp.h"
#include "daemon/udp.h"
#include "daemon/worker.h"

#define TCP_BACKLOG 1024

/*
 * Lock order: ls->lock is taken alone; nothing else is locked while it
 * is held (loop_io_add and loop_post take only the loop's own lock).
 */
/* An address of the listen set that could not be bound last time. */
struct bind_failure {
	struct zg_addr addr;
	int proto;
	int err;			/* -errno of the last attempt */
};

struct listeners {
	pthread_mutex_t lock;		/* protects sockets and each ->next,
					 * ->draining, failures */
	struct listener_socket *sockets; /* open and draining */
	/* Remembered so that a bind failing again the same way at each
	 * publication is not logged as a new error each time. */
	struct bind_failure *failures;
	size_t n_failures;
	struct worker **workers;	/* not owned */
	size_t n_workers;
};

static const char *proto_name(int proto)
{
	return proto == IPPROTO_UDP ? "udp" : "tcp";
}

static int set_int_option(int fd, int level, int name, int value)
{
	if (setsockopt(fd, level, name, &value, sizeof(value)) != 0) {
		return -errno;
	}
	return 0;
}

/*
 * Socket options every listener needs. FREEBIND lets an address be bound
 * before the host holds it, so a VPC listener address can move between
 * machines (shared/resolution.md section 1). V6ONLY keeps IPv4 queries
 * off IPv6 sockets: a mapped source address would confuse the
 * classifier. PKTINFO tells the local address of every UDP query, which
 * classifies it and is where its answer must come from.
 */
static int set_listener_options(int fd, int family, int proto)
{
	int ret = set_int_option(fd, SOL_SOCKET, SO_REUSEADDR, 1);

	/* Linux refuses a TCP listener on one address beside a listener on
	 * the wildcard address of the same port unless both share the
	 * port; UDP needs only SO_REUSEADDR for that. */
	if (ret == 0 && proto == IPPROTO_TCP) {
		ret = set_int_option(fd, SOL_SOCKET, SO_REUSEPORT, 1);
	}
	if (family == AF_INET6) {
		if (ret == 0) {
			ret = set_int_option(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
		}
		if (ret == 0) {
			ret = set_int_option(fd, IPPROTO_IPV6, IPV6_FREEBIND,
					     1);
		}
		if (ret == 0 && proto == IPPROTO_UDP) {
			ret = set_int_option(fd, IPPROTO_IPV6,
					     IPV6_RECVPKTINFO, 1);
		}
	} else {
		if (ret == 0) {
			ret = set_int_option(fd, IPPROTO_IP, IP_FREEBIND, 1);
		}
		if (ret == 0 && proto == IPPROTO_UDP) {
			ret = set_int_option(fd, IPPROTO_IP, IP_PKTINFO, 1);
		}
	}
	return ret;
}

/* Opens and binds one socket; \retval the fd or -errno. */
static int open_bound_socket(const struct zg_addr *addr, int proto)
{
	int family = addr_family(addr);
	int type = proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;

	int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (fd < 0) {
		return -errno;
	}

	int ret = set_listener_options(fd, family, proto);
	if (ret == 0 && bind(fd, (const struct sockaddr *)&addr->ss,
			     addr->len) != 0) {
		ret = -errno;
	}
	if (ret == 0 && proto == IPPROTO_TCP &&
	    listen(fd, TCP_BACKLOG) != 0) {
		ret = -errno;
	}
	if (ret != 0) {
		close(fd);
		return ret;
	}
	return fd;
}

/* The VPC whose listener this address is, for log fields; NULL: none
 * (a --dns-listen address). */
static const char *owning_vpc(const struct config *cfg,
			      const struct zg_addr *addr)
{
	for (size_t i = 0; i < cfg->n_vpcs; i++) {
		const struct config_vpc *vpc = &cfg->vpcs[i];
		for (size_t j = 0; j < vpc->n_listeners; j++) {
			if (addr_equal(&vpc->listeners[j], addr)) {
				return vpc->vpc_id;
			}
		}
	}
	return NULL;
}

static void log_fields(const struct config *cfg, const struct zg_addr *addr,
		       int proto, char *buf, size_t buflen)
{
	char text[ZG_ADDR_STRLEN];
	const char *vpc_id = owning_vpc(cfg, addr);

	addr_format(addr, true, text, sizeof(text));
	if (vpc_id != NULL) {
		snprintf(buf, buflen, "vpc_id=%s listen=%s proto=%s", vpc_id,
			 text, proto_name(proto));
	} else {
		snprintf(buf, buflen, "listen=%s proto=%s", text,
			 proto_name(proto));
	}
}

static bool listen_set_has(const struct config *cfg,
			   const struct zg_addr *addr)
{
	for (size_t i = 0; i < cfg->n_listen; i++) {
		if (addr_equal(&cfg->listen[i], addr)) {
			return true;
		}
	}
	return false;
}

static struct bind_failure *find_failure(struct listeners *ls,
					 const struct zg_addr *addr, int proto)
{
	for (size_t i = 0; i < ls->n_failures; i++) {
		if (ls->failures[i].proto == proto &&
		    addr_equal(&ls->failures[i].addr, addr)) {
			return &ls->failures[i];
		}
	}
	return NULL;
}

static void drop_failure(struct listeners *ls, struct bind_failure *f)
{
	*f = ls->failures[--ls->n_failures];
}

/* Logs a failed bind as an error the first time it fails this way, and
 * at debug level when it fails again for the same reason. */
static void report_bind_failure(struct listeners *ls, const char *fields,
				const struct zg_addr *addr, int proto,
				int err)
{
	struct bind_failure *f = find_failure(ls, addr, proto);
	bool repeated = f != NULL && f->err == err;

	if (f == NULL) {
		struct bind_failure *list = realloc(ls->failures,
			(ls->n_failures + 1) * sizeof(*list));
		if (list != NULL) {
			ls->failures = list;
			f = &list[ls->n_failures++];
			f->addr = *addr;
			f->proto = proto;
		}
	}
	if (f != NULL) {
		f->err = err;
	}
	zg_log(repeated ? ZG_LOG_DEBUG : ZG_LOG_ERROR, "daemon", fields, "cannot bind the listener: %s; trying again at each configuration change",
	       zg_strerror(err));
}

/* Forgets failures of addresses that left the listen set. */
static void prune_failures(struct listeners *ls, const struct config *cfg)
{
	size_t i = 0;
	while (i < ls->n_failures) {
		if (listen_set_has(cfg, &ls->failures[i].addr)) {
			i++;
		} else {
			drop_failure(ls, &ls->failures[i]);
		}
	}
}

static void listener_io_cb(struct loop_io *io, uint32_t events)
{
	struct listener_watch *watch = io->arg;

	if (watch->sock->proto == IPPROTO_UDP) {
		udp_ready(watch->worker, watch->sock);
	} else {
		tcp_accept_ready(watch->worker, watch->sock);
	}
}

static void socket_free(struct listener_socket *sock)
{
	if (sock->fd >= 0) {
		close(sock->fd);
	}
	free(sock->watches);
	free(sock);
}

/* Runs in a worker's loop: stops watching, lets go of the socket. Once
 * loop_io_del() returns no event of this watch is dispatched, so the
 * socket may be freed right away if this was the last reference. */
static void watch_remove_cb(void *arg)
{
	struct listener_watch *watch = arg;

	loop_io_del(worker_loop(watch->worker), &watch->io);
	listener_socket_unref(watch->sock);
}

/*
 * Opens a socket for (addr, proto) and adds it to every worker's loop.
 * Called with ls->lock held. EPOLLEXCLUSIVE wakes one waiting worker per
 * event instead of all of them.
 */
static struct listener_socket *socket_open(struct listeners *ls,
					   const struct config *cfg,
					   const struct zg_addr *addr,
					   int proto)
{
	char fields[160];
	log_fields(cfg, addr, proto, fields, sizeof(fields));

	struct listener_socket *sock = calloc(1, sizeof(*sock));
	struct listener_watch *watches = calloc(ls->n_workers,
						sizeof(*watches));
	if (sock == NULL || watches == NULL) {
		free(sock);
		free(watches);
		zg_log(ZG_LOG_ERROR, "daemon", fields, "cannot open the listener: out of memory; trying again at the next configuration change");
		return NULL;
	}
	sock->fd = open_bound_socket(addr, proto);
	if (sock->fd < 0) {
		report_bind_failure(ls, fields, addr, proto, sock->fd);
		sock->fd = -1;
		socket_free(sock);
		free(watches);
		return NULL;
	}
	sock->proto = proto;
	sock->addr = *addr;
	sock->owner = ls;
	sock->watches = watches;
	atomic_init(&sock->refs, (unsigned)ls->n_workers);

	for (size_t i = 0; i < ls->n_workers; i++) {
		struct listener_watch *watch = &watches[i];
		watch->sock = sock;
		watch->worker = ls->workers[i];
		watch->io.fd = sock->fd;
		watch->io.cb = listener_io_cb;
		watch->io.arg = watch;
		int ret = loop_io_add(worker_loop(watch->worker), &watch->io,
				      EPOLLIN | EPOLLEXCLUSIVE);
		if (ret != 0) {
			zg_log(ZG_LOG_ERROR, "daemon", fields, "worker %zu cannot watch the listener: %s; the other workers serve it",
			       i, zg_strerror(ret));
		}
	}
	struct bind_failure *failure = find_failure(ls, addr, proto);
	if (failure != NULL) {
		drop_failure(ls, failure);
		zg_log(ZG_LOG_NOTICE, "daemon", fields, "listening now; binding had failed before");
	} else {
		zg_log(ZG_LOG_INFO, "daemon", fields, "listening");
	}
	return sock;
}

/*
 * Takes a socket out of service. It cannot be closed here: a worker may
 * be inside its callback right now, and UDP queries may still wait to
 * answer through it. Each worker stops watching in its own thread and
 * drops its reference; the last reference closes the socket.
 * Called with ls->lock held.
 */
static void socket_retire(struct listeners *ls, struct listener_socket *sock)
{
	char text[ZG_ADDR_STRLEN];
	char fields[128];

	addr_format(&sock->addr, true, text, sizeof(text));
	snprintf(fields, sizeof(fields), "listen=%s proto=%s", text,
		 proto_name(sock->proto));
	sock->draining = true;

	for (size_t i = 0; i < ls->n_workers; i++) {
		struct listener_watch *watch = &sock->watches[i];
		int ret = loop_post(worker_loop(watch->worker),
				    watch_remove_cb, watch);
		if (ret != 0) {
			/* The worker keeps serving the socket; it is closed
			 * at shutdown. */
			zg_log(ZG_LOG_ERROR, "daemon", fields, "cannot remove the listener from worker %zu: %s; it stays open until the daemon stops",
			       i, zg_strerror(ret));
		}
	}
	zg_log(ZG_LOG_INFO, "daemon", fields, "no longer listening");
}

void listener_socket_ref(struct listener_socket *sock)
{
	atomic_fetch_add(&sock->refs, 1);
}

void listener_socket_unref(struct listener_socket *sock)
{
	if (atomic_fetch_sub(&sock->refs, 1) != 1) {
		return;
	}

	struct listeners *ls = sock->owner;
	pthread_mutex_lock(&ls->lock);
	for (struct listener_socket **p = &ls->sockets; *p != NULL;
	     p = &(*p)->next) {
		if (*p == sock) {
			*p = sock->next;
			break;
		}
	}
	pthread_mutex_unlock(&ls->lock);
	socket_free(sock);
}

static bool is_open(const struct listeners *ls, const struct zg_addr *addr,
		    int proto)
{
	for (const struct listener_socket *s = ls->sockets; s != NULL;
	     s = s->next) {
		if (!s->draining && s->proto == proto &&
		    addr_equal(&s->addr, addr)) {
			return true;
		}
	}
	return false;
}

void listeners_hook(void *arg, const struct config *cfg)
{
	static const int protos[] = { IPPROTO_UDP, IPPROTO_TCP };
	struct listeners *ls = arg;

	if (cfg == NULL) {
		return;
	}
	pthread_mutex_lock(&ls->lock);

	prune_failures(ls, cfg);
	for (struct listener_socket *s = ls->sockets; s != NULL; s = s->next) {
		if (!s->draining && !listen_set_has(cfg, &s->addr)) {
			socket_retire(ls, s);
		}
	}

	for (size_t i = 0; i < cfg->n_listen; i++) {
		for (size_t p = 0; p < 2; p++) {
			if (is_open(ls, &cfg->listen[i], protos[p])) {
				continue;
			}
			struct listener_socket *s =
				socket_open(ls, cfg, &cfg->listen[i], protos[p]);
			if (s != NULL) {
				s->next = ls->sockets;
				ls->sockets = s;
			}
		}
	}

	pthread_mutex_unlock(&ls->lock);
}

void listeners_describe(struct listeners *ls, char *buf, size_t buflen)
{
	size_t used = 0;

	buf[0] = '\0';
	pthread_mutex_lock(&ls->lock);
	for (const struct listener_socket *s = ls->sockets; s != NULL;
	     s = s->next) {
		char text[ZG_ADDR_STRLEN];
		if (s->draining) {
			continue;
		}
		addr_format(&s->addr, true, text, sizeof(text));
		int n = snprintf(buf + used, buflen - used, "%s%s/%s",
				 used > 0 ? " " : "", text,
				 proto_name(s->proto));
		if (n < 0 || (size_t)n >= buflen - used) {
			break;
		}
		used += (size_t)n;
	}
	pthread_mutex_unlock(&ls->lock);
}

struct listeners *listeners_new(struct worker **workers, size_t n_workers)
{
	struct listeners *ls = calloc(1, sizeof(*ls));
	if (ls == NULL) {
		return NULL;
	}
	if (pthread_mutex_init(&ls->lock, NULL) != 0) {
		free(ls);
		return NULL;
	}
	ls->workers = workers;
	ls->n_workers = n_workers;
	return ls;
}

void listeners_free(struct listeners *ls)
{
	if (ls == NULL) {
		return;
	}
	struct listener_socket *s = ls->sockets;
	while (s != NULL) {
		struct listener_socket *next = s->next;
		/* The worker threads are gone: touching their loops from
		 * here is safe now. */
		for (size_t i = 0; i < ls->n_workers; i++) {
			loop_io_del(worker_loop(s->watches[i].worker),
				    &s->watches[i].io);
		}
		socket_free(s);
		s = next;
	}
	free(ls->failures);
	pthread_mutex_destroy(&ls->lock);
	free(ls);
}
