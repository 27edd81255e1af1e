/* SPDX-License-Identifier: GPL-3.0-or-later */
/* NOTIFY out (RFC 1996): tells a zone's secondaries that it changed,
 * one thread resending with backoff until each target answers. */
#include "xfrout/xfrout_priv.h"

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <urcu.h>

#include "common/addr.h"
#include "common/error.h"
#include "common/log.h"
#include "common/loop.h"
#include "config/config.h"
#include "store/store.h"

#define NOTIFY_MAX_TARGETS 256	/* pending (zone, target) pairs */
#define NOTIFY_MSG_MAX 1024

/*
 * One target of one zone's NOTIFY:
 *
 *   queued --send--> waiting --answer--> done (freed)
 *                     |   ^
 *           no answer |   | resend after 1, 2, 4, 8 s
 *                     v   |
 *                  XFROUT_NOTIFY_TRIES sends --> given up (freed)
 *
 * A newer serial of the same zone for the same target replaces the one
 * being sent and starts the tries again: the change sets of a burst
 * share one NOTIFY.
 */
struct target {
	struct target *next;
	char zone_id[STORE_ID_LEN];
	char zone_name[STORE_NAME_LEN];
	char tsig_key[STORE_NAME_LEN];	/* "" for none */
	bool has_key;			/* key and mac: of the last send */
	knot_tsig_key_t key;		/* owned when has_key */
	uint8_t mac[XFROUT_TSIG_DIGEST_MAX];	/* the last NOTIFY's MAC */
	size_t mac_len;
	uint32_t serial;
	struct zg_addr dest;
	int fd;				/* -1 until the first send */
	uint16_t msg_id;
	unsigned tries;
	uint64_t next_ms;		/* when to send again */
};

/* A zone published at a serial, waiting for the thread. */
struct pending {
	struct pending *next;
	char zone_id[STORE_ID_LEN];
	uint32_t serial;
};

struct xfr_notifier {
	struct store *store;
	int wake_fd;			/* eventfd */
	pthread_t thread;
	bool started;

	pthread_mutex_t lock;		/* protects pending and stopping */
	struct pending *pending;
	bool stopping;

	struct target *targets;		/* notifier thread only */
	size_t n_targets;
};

static void target_log(const struct target *t, enum zg_log_level level,
		       const char *what)
{
	char dest[ZG_ADDR_STRLEN];
	char fields[ZG_ADDR_STRLEN + STORE_ID_LEN + 32];
	addr_format(&t->dest, true, dest, sizeof(dest));
	snprintf(fields, sizeof(fields), "zone_id=%s target=%s", t->zone_id,
		 dest);
	zg_log(level, "xfrout", fields, "notify for %s serial %" PRIu32 " %s",
	       t->zone_name, t->serial, what);
}

static void forget_key(struct target *t)
{
	if (t->has_key) {
		knot_tsig_key_deinit(&t->key);
		t->has_key = false;
	}
	t->mac_len = 0;
}

static void target_free(struct target *t)
{
	if (t->fd >= 0) {
		close(t->fd);
	}
	forget_key(t);
	free(t);
}

static bool first_of_family(const struct zg_addr *list, size_t n,
			    int family, struct zg_addr *out)
{
	for (size_t i = 0; i < n; i++) {
		if (addr_family(&list[i]) == family &&
		    !addr_is_unspecified(&list[i])) {
			*out = list[i];
			return true;
		}
	}
	return false;
}

/*
 * The address a NOTIFY leaves from: a secondary accepts NOTIFYs from
 * its primaries, which are the addresses it transfers from, so an
 * inbound endpoint listener of a VPC the zone is bound to, else such a
 * VPC's listener, else any listen address of the family. Port 0.
 */
static bool pick_source(const char *zone_id, const struct zg_addr *dest,
			struct zg_addr *out)
{
	bool found = false;
	int family = addr_family(dest);
	rcu_read_lock();
	const struct config *cfg = config_current();
	const struct config_zone *zone = NULL;
	for (size_t i = 0; cfg != NULL && i < cfg->n_zones; i++) {
		if (strcmp(cfg->zones[i].zone_id, zone_id) == 0) {
			zone = &cfg->zones[i];
		}
	}
	for (size_t v = 0; zone != NULL && !found && v < zone->n_vpcs; v++) {
		for (size_t i = 0; !found && i < cfg->n_inbounds; i++) {
			const struct config_inbound *ib = &cfg->inbounds[i];
			if (strcmp(ib->vpc_id, zone->vpc_ids[v]) == 0) {
				found = first_of_family(ib->listeners,
							ib->n_listeners,
							family, out);
			}
		}
		const struct config_vpc *vpc =
			config_find_vpc(cfg, zone->vpc_ids[v]);
		if (!found && vpc != NULL) {
			found = first_of_family(vpc->listeners,
						vpc->n_listeners, family, out);
		}
	}
	if (!found && cfg != NULL) {
		found = first_of_family(cfg->listen, cfg->n_listen, family,
					out);
	}
	rcu_read_unlock();
	if (found) {
		addr_set_port(out, 0);
	}
	return found;
}

static int open_socket(const struct target *t)
{
	int fd = socket(addr_family(&t->dest), SOCK_DGRAM | SOCK_CLOEXEC |
			SOCK_NONBLOCK, 0);
	if (fd < 0) {
		return -errno;
	}
	struct zg_addr src;
	if (pick_source(t->zone_id, &t->dest, &src)) {
		/* The address may be one the host does not hold yet, like
		 * any listener (resolution.md section 1.1). */
		int one = 1;
		int level = addr_family(&src) == AF_INET6 ? IPPROTO_IPV6
							  : IPPROTO_IP;
		int opt = addr_family(&src) == AF_INET6 ? IPV6_FREEBIND
							: IP_FREEBIND;
		(void)setsockopt(fd, level, opt, &one, sizeof(one));
		if (bind(fd, (const struct sockaddr *)&src.ss, src.len) != 0) {
			int ret = -errno;
			close(fd);
			return ret;
		}
	}
	if (connect(fd, (const struct sockaddr *)&t->dest.ss,
		    t->dest.len) != 0) {
		int ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

/* Builds the NOTIFY (RFC 1996 section 3.7: opcode NOTIFY, AA, the zone's
 * SOA as question), signed when the zone's transfers use a key; the key
 * and the MAC stay with t to check the answer. */
static int build_notify(struct xfr_notifier *n, struct target *t,
			uint8_t *wire, size_t *len)
{
	knot_dname_t zone[KNOT_DNAME_MAXLEN];
	if (knot_dname_from_str(zone, t->zone_name, sizeof(zone)) == NULL) {
		return ZG_EINVAL;
	}
	knot_pkt_t *pkt = knot_pkt_new(NULL, NOTIFY_MSG_MAX, NULL);
	if (pkt == NULL) {
		return ZG_ENOMEM;
	}
	int ret = knot_pkt_put_question(pkt, zone, KNOT_CLASS_IN,
					KNOT_RRTYPE_SOA);
	knot_wire_set_id(pkt->wire, t->msg_id);
	knot_wire_set_opcode(pkt->wire, KNOT_OPCODE_NOTIFY);
	knot_wire_set_aa(pkt->wire);
	*len = pkt->size;
	memcpy(wire, pkt->wire, pkt->size);
	knot_pkt_free(pkt);
	if (ret != KNOT_EOK) {
		return ZG_EINVAL;
	}
	forget_key(t);
	if (t->tsig_key[0] == '\0') {
		return 0;
	}

	knot_dname_t key_name[KNOT_DNAME_MAXLEN];
	if (knot_dname_from_str(key_name, t->tsig_key, sizeof(key_name)) ==
	    NULL) {
		return ZG_EINVAL;
	}
	ret = xfrout_key_find(n->store, key_name, &t->key);
	if (ret != 0) {
		return ret;
	}
	t->has_key = true;
	size_t mac_len = sizeof(t->mac);
	ret = knot_tsig_sign(wire, len, NOTIFY_MSG_MAX, NULL, 0, t->mac,
			     &mac_len, &t->key, 0, 0);
	if (ret != KNOT_EOK) {
		forget_key(t);
		return ZG_EINVAL;
	}
	t->mac_len = mac_len;
	return 0;
}

static int send_notify(struct xfr_notifier *n, struct target *t)
{
	if (t->fd < 0) {
		t->fd = open_socket(t);
		if (t->fd < 0) {
			return t->fd;
		}
	}
	uint8_t wire[NOTIFY_MSG_MAX];
	size_t len = 0;
	if (getrandom(&t->msg_id, sizeof(t->msg_id), 0) !=
	    sizeof(t->msg_id)) {
		t->msg_id = (uint16_t)(t->msg_id * 31 + 17);
	}
	int ret = build_notify(n, t, wire, &len);
	if (ret != 0) {
		return ret;
	}
	if (send(t->fd, wire, len, 0) < 0) {
		return -errno;
	}
	return 0;
}

/*
 * Queue intake: one target per notify address of the zone, or the one
 * already there with the newer serial.
 */
static struct target *find_target(struct xfr_notifier *n,
				  const char *zone_id,
				  const struct zg_addr *dest)
{
	for (struct target *t = n->targets; t != NULL; t = t->next) {
		if (strcmp(t->zone_id, zone_id) == 0 &&
		    addr_equal(&t->dest, dest)) {
			return t;
		}
	}
	return NULL;
}

static void add_targets(struct xfr_notifier *n, const struct pending *p,
			const struct store_zone *zone,
			const struct store_transfer *xfr, uint64_t now)
{
	for (size_t i = 0; i < xfr->notify.n; i++) {
		struct zg_addr dest;
		if (addr_parse(xfr->notify.v[i], 53, &dest) != 0) {
			continue;
		}
		struct target *t = find_target(n, p->zone_id, &dest);
		if (t == NULL && n->n_targets < NOTIFY_MAX_TARGETS) {
			t = calloc(1, sizeof(*t));
			if (t != NULL) {
				t->fd = -1;
				t->dest = dest;
				t->next = n->targets;
				n->targets = t;
				n->n_targets++;
			}
		}
		if (t == NULL) {
			continue;	/* logged by the caller's limit */
		}
		snprintf(t->zone_id, sizeof(t->zone_id), "%s", p->zone_id);
		snprintf(t->zone_name, sizeof(t->zone_name), "%s",
			 zone->meta.name);
		snprintf(t->tsig_key, sizeof(t->tsig_key), "%s",
			 xfr->tsig_key);
		t->serial = p->serial;
		t->tries = 0;
		t->next_ms = now;
	}
}

static void take_pending(struct xfr_notifier *n, uint64_t now)
{
	pthread_mutex_lock(&n->lock);
	struct pending *list = n->pending;
	n->pending = NULL;
	pthread_mutex_unlock(&n->lock);

	while (list != NULL) {
		struct pending *p = list;
		list = p->next;
		struct store_zone zone = { 0 };
		struct store_transfer xfr = { 0 };
		int ret = store_begin(n->store, NULL);
		if (ret == 0) {
			ret = store_zone_get(n->store, p->zone_id, &zone);
			if (ret == 0) {
				ret = store_transfer_get(n->store, p->zone_id,
							 &xfr);
			}
			store_rollback(n->store);
		}
		if (ret == 0) {
			add_targets(n, p, &zone, &xfr, now);
		}
		store_transfer_clear(&xfr);
		store_zone_clear(&zone);
		free(p);
	}
}

/*
 * The answer to a signed NOTIFY must be signed over its MAC (RFC 8945
 * section 5.3): one that is not, or does not verify, is taken as no
 * answer at all, so the NOTIFY is sent again on the usual schedule.
 * Returns true when the answer counts.
 */
static bool answer_verifies(struct target *t, uint8_t *buf, size_t len)
{
	if (!t->has_key) {
		return true;
	}
	char why[160] = "";
	knot_pkt_t *pkt = knot_pkt_new(buf, (uint16_t)len, NULL);
	if (pkt == NULL) {
		snprintf(why, sizeof(why), "out of memory");
	} else if (knot_pkt_parse(pkt, 0) != KNOT_EOK) {
		snprintf(why, sizeof(why), "the answer is not a valid DNS message");
	} else if (xfrout_tsig_check_answer(pkt, &t->key, t->mac, t->mac_len,
					    why, sizeof(why)) == 0) {
		knot_pkt_free(pkt);
		return true;
	}
	knot_pkt_free(pkt);
	char what[256];
	snprintf(what, sizeof(what), "answered, but %s; taken as no answer, the NOTIFY is sent again",
		 why);
	target_log(t, ZG_LOG_WARNING, what);
	return false;
}

/* Reads the answers that came; a matching one ends its target. */
static void read_answers(struct xfr_notifier *n, const struct pollfd *fds,
			 struct target **by_fd, size_t nfds)
{
	for (size_t i = 1; i < nfds; i++) {
		if ((fds[i].revents & (POLLIN | POLLERR)) == 0) {
			continue;
		}
		struct target *t = by_fd[i];
		uint8_t buf[NOTIFY_MSG_MAX];
		ssize_t len = recv(t->fd, buf, sizeof(buf), 0);
		if (len < KNOT_WIRE_HEADER_SIZE || !knot_wire_get_qr(buf) ||
		    knot_wire_get_id(buf) != t->msg_id ||
		    knot_wire_get_opcode(buf) != KNOT_OPCODE_NOTIFY ||
		    !answer_verifies(t, buf, (size_t)len)) {
			continue;
		}
		uint8_t rcode = knot_wire_get_rcode(buf);
		const knot_lookup_t *name = knot_lookup_by_id(knot_rcode_names,
							      rcode);
		char what[128];
		snprintf(what, sizeof(what), "answered with %s%s",
			 name != NULL ? name->name : "an error",
			 rcode == KNOT_RCODE_NOERROR ? ""
			 : "; not sent again until the zone changes");
		target_log(t, rcode == KNOT_RCODE_NOERROR
			   ? ZG_LOG_INFO : ZG_LOG_WARNING, what);
		t->next_ms = UINT64_MAX;	/* done */
	}
}

/* Sends what is due, drops what is done or given up; returns the next
 * deadline. */
static uint64_t run_targets(struct xfr_notifier *n, uint64_t now)
{
	uint64_t next = UINT64_MAX - 1;
	struct target **link = &n->targets;
	while (*link != NULL) {
		struct target *t = *link;
		bool drop = t->next_ms == UINT64_MAX;
		if (!drop && t->next_ms <= now && t->tries == XFROUT_NOTIFY_TRIES) {
			target_log(t, ZG_LOG_WARNING,
				   "got no answer after every retry; the secondary still refreshes on its own timer");
			drop = true;
		} else if (!drop && t->next_ms <= now) {
			int ret = send_notify(n, t);
			if (ret != 0 && t->tries == 0) {
				char what[160];
				snprintf(what, sizeof(what),
					 "cannot be sent: %s; retrying",
					 zg_strerror(ret));
				target_log(t, ZG_LOG_WARNING, what);
			}
			t->tries++;
			t->next_ms = now + ((uint64_t)XFROUT_NOTIFY_FIRST_MS
					    << (t->tries - 1));
		}
		if (drop) {
			*link = t->next;
			n->n_targets--;
			target_free(t);
			continue;
		}
		if (t->next_ms < next) {
			next = t->next_ms;
		}
		link = &t->next;
	}
	return next;
}

static int wait_events(struct xfr_notifier *n, uint64_t next, uint64_t now)
{
	struct pollfd fds[NOTIFY_MAX_TARGETS + 1];
	struct target *by_fd[NOTIFY_MAX_TARGETS + 1];
	size_t nfds = 1;
	fds[0] = (struct pollfd){ .fd = n->wake_fd, .events = POLLIN };
	for (struct target *t = n->targets; t != NULL; t = t->next) {
		if (t->fd >= 0 && nfds < NOTIFY_MAX_TARGETS + 1) {
			by_fd[nfds] = t;
			fds[nfds++] = (struct pollfd){ .fd = t->fd,
						       .events = POLLIN };
		}
	}
	uint64_t wait = next > now ? next - now : 0;
	int timeout = next >= UINT64_MAX - 1 ? -1
		: wait > 60000 ? 60000 : (int)wait;
	int ret = poll(fds, nfds, timeout);
	if (ret < 0) {
		return errno == EINTR ? 0 : -errno;
	}
	if ((fds[0].revents & POLLIN) != 0) {
		uint64_t count;
		(void)read(n->wake_fd, &count, sizeof(count));
	}
	read_answers(n, fds, by_fd, nfds);
	return 0;
}

static void *notifier_main(void *arg)
{
	struct xfr_notifier *n = arg;
	rcu_register_thread();
	for (;;) {
		pthread_mutex_lock(&n->lock);
		bool stopping = n->stopping;
		pthread_mutex_unlock(&n->lock);
		if (stopping) {
			break;
		}
		take_pending(n, loop_clock_ms());
		uint64_t next = run_targets(n, loop_clock_ms());
		if (wait_events(n, next, loop_clock_ms()) != 0) {
			break;
		}
		(void)run_targets(n, loop_clock_ms());
	}
	while (n->targets != NULL) {
		struct target *t = n->targets;
		n->targets = t->next;
		target_free(t);
	}
	rcu_unregister_thread();
	return NULL;
}

struct xfr_notifier *xfr_notifier_new(struct store *store)
{
	struct xfr_notifier *n = calloc(1, sizeof(*n));
	if (n == NULL) {
		return NULL;
	}
	n->store = store;
	n->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	pthread_mutex_init(&n->lock, NULL);
	if (n->wake_fd < 0 ||
	    pthread_create(&n->thread, NULL, notifier_main, n) != 0) {
		xfr_notifier_free(n);
		return NULL;
	}
	n->started = true;
	pthread_setname_np(n->thread, "zg-notify");
	return n;
}

static void wake(struct xfr_notifier *n)
{
	uint64_t one = 1;
	(void)write(n->wake_fd, &one, sizeof(one));
}

void xfr_notifier_free(struct xfr_notifier *n)
{
	if (n == NULL) {
		return;
	}
	if (n->started) {
		pthread_mutex_lock(&n->lock);
		n->stopping = true;
		pthread_mutex_unlock(&n->lock);
		wake(n);
		pthread_join(n->thread, NULL);
	}
	while (n->pending != NULL) {
		struct pending *p = n->pending;
		n->pending = p->next;
		free(p);
	}
	if (n->wake_fd >= 0) {
		close(n->wake_fd);
	}
	pthread_mutex_destroy(&n->lock);
	free(n);
}

void xfr_notifier_queue(struct xfr_notifier *n, const char *zone_id,
			uint32_t serial)
{
	pthread_mutex_lock(&n->lock);
	struct pending *p = NULL;
	for (p = n->pending; p != NULL; p = p->next) {
		if (strcmp(p->zone_id, zone_id) == 0) {
			p->serial = serial;	/* coalesced */
			break;
		}
	}
	if (p == NULL) {
		p = calloc(1, sizeof(*p));
		if (p != NULL) {
			snprintf(p->zone_id, sizeof(p->zone_id), "%s",
				 zone_id);
			p->serial = serial;
			p->next = n->pending;
			n->pending = p;
		}
	}
	pthread_mutex_unlock(&n->lock);
	wake(n);
}
