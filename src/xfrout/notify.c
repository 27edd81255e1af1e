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
#include "zone/zone.h"

#define NOTIFY_MAX_TARGETS 256	/* pending (zone, target) pairs */
#define NOTIFY_MSG_MAX 1024

/*
 * One target of one zone's NOTIFY, in rounds. A round sends the NOTIFY
 * until the target answers or the tries run out; each NOTIFY carries
 * the zone's SOA as served when it leaves (RFC 1996 section 3.7).
 *
 *           change           answer, or XFROUT_NOTIFY_TRIES sends
 *   (none) --------> SENDING ------------------------------> RESTING
 *                    |   ^    (resend after 1, 2, 4, 8 s)     |   |
 *                    +---+                                    |   |
 *                      ^   a change, or one queued meanwhile, |   |
 *                      +-- once the hold is over ------------+   |
 *                                                                 |
 *                        the hold is over, no change: freed <-----+
 *
 * The hold lasts XFROUT_NOTIFY_HOLD_MS from the start of a round. The
 * changes that come while a round is sent or held share the next
 * round: a burst sends one round per hold at most, the first change of
 * a quiet spell goes out at once (no delay slows it), and the last
 * NOTIFY carries the newest serial.
 */
enum target_state {
	TARGET_SENDING = 0,	/* a round: next_ms is the next send */
	TARGET_RESTING,		/* round over: next_ms ends the hold */
};

struct target {
	struct target *next;
	char zone_id[STORE_ID_LEN];
	char zone_name[STORE_NAME_LEN];
	char tsig_key[STORE_NAME_LEN];	/* "" for none */
	bool has_key;			/* key and mac: of the last send */
	knot_tsig_key_t key;		/* owned when has_key */
	uint8_t mac[XFROUT_TSIG_DIGEST_MAX];	/* the last NOTIFY's MAC */
	size_t mac_len;
	uint32_t serial;		/* of the round (its SOA, once sent) */
	bool queued;			/* a newer version waits for the
					 * next round */
	uint32_t queued_serial;		/* that version */
	struct zg_addr dest;
	struct zg_addr source;		/* where NOTIFYs leave from */
	bool has_source;		/* false: the kernel picks */
	bool source_set;		/* source is the zone's notify_source */
	struct zg_addr bound;		/* the source fd is bound to */
	bool has_bound;
	int fd;				/* -1 until the first send */
	uint16_t msg_id;
	enum target_state state;
	unsigned tries;			/* sends in this round */
	uint64_t round_ms;		/* when this round's first send left */
	uint64_t next_ms;
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

/* The source as logs show it: the address, or "any" for the kernel's
 * choice. */
static void source_text(const struct target *t, char *buf, size_t len)
{
	if (t->has_source) {
		addr_format(&t->source, false, buf, len);
	} else {
		snprintf(buf, len, "any");
	}
}

static void target_log(const struct target *t, enum zg_log_level level,
		       const char *what)
{
	char dest[ZG_ADDR_STRLEN], source[ZG_ADDR_STRLEN];
	char fields[2 * ZG_ADDR_STRLEN + STORE_ID_LEN + 48];
	addr_format(&t->dest, true, dest, sizeof(dest));
	source_text(t, source, sizeof(source));
	snprintf(fields, sizeof(fields), "zone_id=%s target=%s source=%s",
		 t->zone_id, dest, source);
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

bool xfrout_notify_source(const char *notify_source,
			  const struct store_strv *sources,
			  const struct zg_addr *fallback, size_t n_fallback,
			  int family, struct zg_addr *out)
{
	bool found = notify_source[0] != '\0' &&
		     addr_parse_ip(notify_source, out) == 0 &&
		     addr_family(out) == family;
	for (size_t i = 0; !found && sources != NULL && i < sources->n;
	     i++) {
		found = addr_parse(sources->v[i], 53, out) == 0 &&
			addr_family(out) == family &&
			!addr_is_unspecified(out);
	}
	if (!found) {
		found = first_of_family(fallback, n_fallback, family, out);
	}
	if (found) {
		addr_set_port(out, 0);
	}
	return found;
}

static int open_socket(struct target *t)
{
	int fd = socket(addr_family(&t->dest), SOCK_DGRAM | SOCK_CLOEXEC |
			SOCK_NONBLOCK, 0);
	if (fd < 0) {
		return -errno;
	}
	if (t->has_source) {
		/* The address may be one the host does not hold yet, like
		 * any listener (resolution.md section 1.1). */
		const struct zg_addr *src = &t->source;
		int one = 1;
		int level = addr_family(src) == AF_INET6 ? IPPROTO_IPV6
							 : IPPROTO_IP;
		int opt = addr_family(src) == AF_INET6 ? IPV6_FREEBIND
						       : IP_FREEBIND;
		(void)setsockopt(fd, level, opt, &one, sizeof(one));
		if (bind(fd, (const struct sockaddr *)&src->ss,
			 src->len) != 0) {
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
	t->bound = t->source;
	t->has_bound = t->has_source;
	return fd;
}

/* The socket of t, opened again when the source changed since. */
static int target_socket(struct target *t)
{
	if (t->fd >= 0 && (t->has_bound != t->has_source ||
			   (t->has_source &&
			    !addr_equal(&t->bound, &t->source)))) {
		close(t->fd);
		t->fd = -1;
	}
	if (t->fd < 0) {
		t->fd = open_socket(t);
	}
	return t->fd < 0 ? t->fd : 0;
}

/*
 * The answer section: the zone's SOA as served now (RFC 1996 section
 * 3.7; BIND and Knot DNS send it too, and a secondary may skip its SOA
 * query when it already has that serial). The round's serial becomes
 * it. A zone not served right now goes without.
 */
static int put_soa(knot_pkt_t *pkt, struct target *t)
{
	int ret = knot_pkt_begin(pkt, KNOT_ANSWER);
	rcu_read_lock();
	const struct config *cfg = config_current();
	const struct zone_contents *z = NULL;
	for (size_t i = 0; cfg != NULL && i < cfg->n_zones; i++) {
		if (strcmp(cfg->zones[i].zone_id, t->zone_id) == 0) {
			z = zone_handle_contents(cfg->zones[i].handle);
			break;
		}
	}
	const knot_rrset_t *soa = z != NULL ? xfr_zone_soa(z) : NULL;
	if (ret == KNOT_EOK && soa != NULL) {
		ret = knot_pkt_put(pkt, KNOT_COMPR_HINT_QNAME, soa, 0);
		t->serial = zone_contents_serial(z);
	}
	rcu_read_unlock();
	return ret == KNOT_EOK ? 0 : ZG_EINVAL;
}

/* Builds the NOTIFY (RFC 1996 section 3.7: opcode NOTIFY, AA, the zone's
 * SOA as question and as answer), signed when the zone's transfers use
 * a key; the key and the MAC stay with t to check the answer. */
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
					KNOT_RRTYPE_SOA) == KNOT_EOK
		  ? put_soa(pkt, t) : ZG_EINVAL;
	knot_wire_set_id(pkt->wire, t->msg_id);
	knot_wire_set_opcode(pkt->wire, KNOT_OPCODE_NOTIFY);
	knot_wire_set_aa(pkt->wire);
	*len = pkt->size;
	memcpy(wire, pkt->wire, pkt->size);
	knot_pkt_free(pkt);
	if (ret != 0) {
		return ret;
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
	int ret = target_socket(t);
	if (ret != 0) {
		return ret;
	}
	uint8_t wire[NOTIFY_MSG_MAX];
	size_t len = 0;
	if (getrandom(&t->msg_id, sizeof(t->msg_id), 0) !=
	    sizeof(t->msg_id)) {
		t->msg_id = (uint16_t)(t->msg_id * 31 + 17);
	}
	ret = build_notify(n, t, wire, &len);
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
 * already there, which the new version joins.
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

static struct target *new_target(struct xfr_notifier *n,
				  const struct zg_addr *dest)
{
	if (n->n_targets >= NOTIFY_MAX_TARGETS) {
		return NULL;
	}
	struct target *t = calloc(1, sizeof(*t));
	if (t == NULL) {
		return NULL;
	}
	t->fd = -1;
	t->dest = *dest;
	t->state = TARGET_RESTING;
	t->next = n->targets;
	n->targets = t;
	n->n_targets++;
	return t;
}

/* The next round starts once the hold after the last one is over. */
static uint64_t round_due(const struct target *t, uint64_t now)
{
	uint64_t hold_end = t->round_ms + XFROUT_NOTIFY_HOLD_MS;
	return t->round_ms != 0 && hold_end > now ? hold_end : now;
}

/* Version serial of the zone is served: a new target starts its round
 * now; a target in a round queues the next; a resting one starts the
 * next round when its hold is over (not at all for the version it was
 * told of already). */
static void target_join(struct target *t, uint32_t serial, uint64_t now)
{
	if (t->state == TARGET_SENDING && t->tries == 0) {
		t->serial = serial;
	} else if (t->state == TARGET_SENDING && serial != t->serial) {
		t->queued = true;
		t->queued_serial = serial;
	} else if (t->state == TARGET_SENDING) {
		/* a republication of the version being sent */
	} else if (serial != t->serial || t->round_ms == 0) {
		t->state = TARGET_SENDING;
		t->serial = serial;
		t->tries = 0;
		t->next_ms = round_due(t, now);
	}
}

/* Where the zone's NOTIFYs to dest leave from. */
static void choose_source(struct target *t, const struct store_transfer *xfr,
			  const struct store_strv *sources)
{
	rcu_read_lock();
	const struct config *cfg = config_current();
	t->has_source = xfrout_notify_source(xfr->notify_source, sources,
					     cfg != NULL ? cfg->listen : NULL,
					     cfg != NULL ? cfg->n_listen : 0,
					     addr_family(&t->dest),
					     &t->source);
	rcu_read_unlock();
	struct zg_addr set;
	t->source_set = addr_parse_ip(xfr->notify_source, &set) == 0 &&
			addr_family(&set) == addr_family(&t->dest);
}

static void add_targets(struct xfr_notifier *n, const struct pending *p,
			const struct store_zone *zone,
			const struct store_transfer *xfr,
			const struct store_strv *sources, uint64_t now)
{
	for (size_t i = 0; i < xfr->notify.n; i++) {
		struct zg_addr dest;
		if (addr_parse(xfr->notify.v[i], 53, &dest) != 0) {
			continue;
		}
		struct target *t = find_target(n, p->zone_id, &dest);
		if (t == NULL) {
			t = new_target(n, &dest);
		}
		if (t == NULL) {
			continue;	/* out of memory or of target slots */
		}
		snprintf(t->zone_id, sizeof(t->zone_id), "%s", p->zone_id);
		snprintf(t->zone_name, sizeof(t->zone_name), "%s",
			 zone->meta.name);
		snprintf(t->tsig_key, sizeof(t->tsig_key), "%s",
			 xfr->tsig_key);
		choose_source(t, xfr, sources);
		target_join(t, p->serial, now);
	}
}

/* A notify_source that is no longer an address zonegate listens on for
 * the zone's VPCs (an endpoint or listener went, the zone was unbound)
 * is still used; the operator hears of it with each change. */
static void check_configured_source(const struct store_zone *zone,
				    const struct store_transfer *xfr,
				    const struct store_strv *sources)
{
	struct zg_addr want, have;
	if (xfr->notify_source[0] == '\0' || xfr->notify.n == 0 ||
	    addr_parse_ip(xfr->notify_source, &want) != 0) {
		return;
	}
	for (size_t i = 0; i < sources->n; i++) {
		if (addr_parse(sources->v[i], 53, &have) == 0 &&
		    addr_equal_ip(&want, &have)) {
			return;
		}
	}
	char fields[STORE_ID_LEN + 16];
	snprintf(fields, sizeof(fields), "zone_id=%s", zone->meta.resource_id);
	zg_log(ZG_LOG_WARNING, "xfrout", fields, "notify_source %s of %s is no longer an address zonegate listens on for the zone's VPCs; NOTIFYs still leave from it, and the secondaries' transfers from it fail: set notify_source to a listener of the zone's VPCs",
	       xfr->notify_source, zone->meta.name);
}

/* Reads the zone's settings and the addresses of its VPCs. */
static int read_zone(struct xfr_notifier *n, const char *zone_id,
		     struct store_zone *zone, struct store_transfer *xfr,
		     struct store_strv *sources)
{
	int ret = store_begin(n->store, NULL);
	if (ret != 0) {
		return ret;
	}
	ret = store_zone_get(n->store, zone_id, zone);
	if (ret == 0) {
		ret = store_transfer_get(n->store, zone_id, xfr);
	}
	if (ret == 0) {
		ret = store_transfer_sources(n->store, zone_id, sources);
	}
	store_rollback(n->store);
	return ret;
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
		struct store_strv sources = { 0 };
		if (read_zone(n, p->zone_id, &zone, &xfr, &sources) == 0) {
			check_configured_source(&zone, &xfr, &sources);
			add_targets(n, p, &zone, &xfr, &sources, now);
		}
		store_strv_clear(&sources);
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

/* A round is over: the next starts when the hold is over if a newer
 * version is queued; else the target rests until then. */
static void end_round(struct target *t, uint64_t now)
{
	t->tries = 0;
	if (t->queued) {
		t->queued = false;
		t->state = TARGET_SENDING;
		t->next_ms = round_due(t, now);
	} else {
		t->state = TARGET_RESTING;
		t->next_ms = round_due(t, now);
	}
}

/*
 * What an answer means. REFUSED or NOTAUTH to an unsigned NOTIFY, or a
 * signed one whose answer verified, comes from a secondary that does not
 * take NOTIFYs from this source (BIND: "refused notify from non-primary")
 * or that does not serve the zone: sending again cannot help.
 */
static void log_answer(const struct target *t, uint8_t rcode)
{
	const knot_lookup_t *name = knot_lookup_by_id(knot_rcode_names,
						      rcode);
	const char *rcode_name = name != NULL ? name->name : "an error";
	char what[512];
	if (rcode == KNOT_RCODE_NOERROR) {
		target_log(t, ZG_LOG_INFO, "answered with NOERROR");
		return;
	}
	if (rcode == KNOT_RCODE_REFUSED || rcode == KNOT_RCODE_NOTAUTH) {
		char dest[ZG_ADDR_STRLEN], source[ZG_ADDR_STRLEN];
		addr_format(&t->dest, true, dest, sizeof(dest));
		source_text(t, source, sizeof(source));
		snprintf(what, sizeof(what), "answered with %s: the secondary %s takes no NOTIFY for the zone from %s; list %s as a primary/allow-notify on the secondary, or %s notify_source; not sent again until the zone changes",
			 rcode_name, dest, source, source,
			 t->source_set ? "change" : "set");
	} else {
		snprintf(what, sizeof(what), "answered with %s; not sent again until the zone changes",
			 rcode_name);
	}
	target_log(t, ZG_LOG_WARNING, what);
}

/* Reads the answers that came; a matching one ends its round. */
static void read_answers(struct xfr_notifier *n, const struct pollfd *fds,
			 struct target **by_fd, size_t nfds, uint64_t now)
{
	for (size_t i = 1; i < nfds; i++) {
		if ((fds[i].revents & (POLLIN | POLLERR)) == 0) {
			continue;
		}
		struct target *t = by_fd[i];
		uint8_t buf[NOTIFY_MSG_MAX];
		ssize_t len = recv(t->fd, buf, sizeof(buf), 0);
		if (t->state != TARGET_SENDING || t->tries == 0 ||
		    len < KNOT_WIRE_HEADER_SIZE || !knot_wire_get_qr(buf) ||
		    knot_wire_get_id(buf) != t->msg_id ||
		    knot_wire_get_opcode(buf) != KNOT_OPCODE_NOTIFY ||
		    !answer_verifies(t, buf, (size_t)len)) {
			continue;
		}
		log_answer(t, knot_wire_get_rcode(buf));
		end_round(t, now);
	}
}

/* One send of a round that is due, or the end of a round whose tries
 * are spent. */
static void send_due(struct xfr_notifier *n, struct target *t, uint64_t now)
{
	if (t->tries == XFROUT_NOTIFY_TRIES) {
		target_log(t, ZG_LOG_WARNING,
			   "got no answer after every retry; the secondary still refreshes on its own timer");
		end_round(t, now);
		return;
	}
	if (t->tries == 0) {
		t->round_ms = now;
	}
	int ret = send_notify(n, t);
	if (t->queued && t->serial == t->queued_serial) {
		t->queued = false;	/* this send carries that SOA */
	}
	if (ret != 0 && t->tries == 0) {
		char what[160];
		snprintf(what, sizeof(what), "cannot be sent: %s; retrying",
			 zg_strerror(ret));
		target_log(t, ZG_LOG_WARNING, what);
	}
	t->tries++;
	t->next_ms = now + ((uint64_t)XFROUT_NOTIFY_FIRST_MS << (t->tries - 1));
}

/* Sends what is due, frees targets whose rest is over; returns the next
 * deadline. */
static uint64_t run_targets(struct xfr_notifier *n, uint64_t now)
{
	uint64_t next = UINT64_MAX - 1;
	struct target **link = &n->targets;
	while (*link != NULL) {
		struct target *t = *link;
		if (t->next_ms <= now && t->state == TARGET_RESTING) {
			*link = t->next;
			n->n_targets--;
			target_free(t);
			continue;
		}
		if (t->next_ms <= now) {
			send_due(n, t, now);
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
	read_answers(n, fds, by_fd, nfds, loop_clock_ms());
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
