/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What zonegate knows about each forwarding target, shared by every
 * worker: round-trip time (RFC 6298), up or down with hysteresis, when to
 * probe a target that is down, DNS Cookies (RFC 7873) and whether 0x20
 * case randomisation works with it; and which rules are quarantined after
 * a forwarding loop. No I/O: the forward module measures and sends, this
 * module remembers and decides. */
#ifndef ZONEGATE_HEALTH_HEALTH_H
#define ZONEGATE_HEALTH_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"

/*
 * Defaults (shared/resolution.md section 5 and issue 3).
 */

/* Per-try timeout before a target has an RTT sample, and the clamp of
 * SRTT + 4 x RTTVAR afterwards. */
#define HEALTH_FIRST_TIMEOUT_MS 800
#define HEALTH_MIN_TIMEOUT_MS 250
#define HEALTH_MAX_TIMEOUT_MS 1500
/* Failures in a row (timeouts, unreachable) that mark a target down. */
#define HEALTH_DOWN_AFTER 3
/* Probe answers in a row that bring a down target back. */
#define HEALTH_UP_AFTER 2
/* A down target is probed this often. */
#define HEALTH_PROBE_INTERVAL_MS 2000
/* A probe gets this long to be answered. */
#define HEALTH_PROBE_TIMEOUT_MS 1500
/* A deprioritised target is asked in parallel with the preferred one on
 * this share of queries, and at least once per interval while queries
 * flow, so that a recovered target is noticed. */
#define HEALTH_EXPLORE_PERCENT 5
#define HEALTH_EXPLORE_INTERVAL_MS 5000
/* Targets whose SRTT is within max(slack, best/2) of the fastest one
 * count as equally fast; among them the configured order holds. */
#define HEALTH_FAST_SLACK_US 10000
/* Entries not used for this long are forgotten (a down target that no
 * query asks for any more stops being probed). */
#define HEALTH_IDLE_MS (10 * 60 * 1000)
/* Entries kept at most; targets beyond run without memory. */
#define HEALTH_MAX_ENTRIES 8192
/* Targets of one ordering (a rule has at most 6; referrals up to 8). */
#define HEALTH_MAX_TARGETS 8
/* Sources remembered for a target's probes. */
#define HEALTH_MAX_SOURCES 6
/* Longest path id and probe name (wire). */
#define HEALTH_PATH_LEN 48
#define HEALTH_NAME_MAX 255
/* DNS Cookies (RFC 7873 section 4): client 8 octets, server 8 to 32. */
#define HEALTH_CLIENT_COOKIE_LEN 8
#define HEALTH_SERVER_COOKIE_MAX 32

/*
 * A target as seen from one path. Two rules that reach one address from
 * different endpoints may see it differently (one VPN up, one down), so
 * the key holds how it is reached. Keys are addresses and resource ids,
 * never pointers into a configuration: publishing a new configuration
 * resets nothing.
 */
struct health_key {
	struct zg_addr target;		/* address and port */
	/* endpoint_id of a rule, an upstream id, or a zone_id for the
	 * servers of a delegation; "" when nothing names the path. */
	char path[HEALTH_PATH_LEN];
};

/*! Fills key; path may be NULL (""); a longer path is cut. */
void health_key_init(struct health_key *key, const struct zg_addr *target,
		     const char *path);

enum health_state {
	HEALTH_UP = 0,
	HEALTH_DOWN,
};

/*
 * RTT estimator (RFC 6298 section 2, in microseconds). Pure functions.
 */
struct health_rtt {
	bool measured;			/* at least one sample */
	uint32_t srtt_us;
	uint32_t rttvar_us;
};

/*! Adds one RTT sample: the first sets SRTT = R, RTTVAR = R/2; later
 *  ones RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R|, SRTT = 7/8 SRTT + 1/8 R. */
void health_rtt_sample(struct health_rtt *rtt, uint32_t sample_us);

/*! The per-try timeout: HEALTH_FIRST_TIMEOUT_MS without a sample, else
 *  SRTT + 4 x RTTVAR rounded up to ms and clamped to
 *  HEALTH_MIN_TIMEOUT_MS..HEALTH_MAX_TIMEOUT_MS. */
uint32_t health_rtt_timeout_ms(const struct health_rtt *rtt);

/* A copy of what is known about one target. */
struct health_view {
	bool known;			/* an entry exists; else all zero, up */
	enum health_state state;
	struct health_rtt rtt;
	uint32_t failures;		/* in a row, reset by any answer */
	uint32_t probe_successes;	/* in a row, while down */
	uint64_t last_sent_ms;		/* monotonic ms of the last query */
	uint64_t changed_ms;		/* monotonic ms of the last up/down */
	int64_t changed_unix_s;		/* the same as Unix time; 0: never */
	uint64_t sent;			/* queries sent (probes included) */
	uint64_t answered;		/* replies that matched */
	uint64_t timeouts;		/* tries that got no reply in time */
	bool cookie_known;		/* the target returned a server cookie */
	bool case_disabled;		/* 0x20 turned off for it */
};

/*! Copies the state of key into out (known false when there is none).
 *  Thread-safe, any thread. */
void health_view_get(const struct health_key *key, struct health_view *out);

/*! As health_view_get(), and marks the entry as wanted at now_ms, so that
 *  a target that queries still want is not forgotten while it is down
 *  and nothing is sent to it. */
void health_view_use(const struct health_key *key, uint64_t now_ms,
		     struct health_view *out);

/*
 * Choosing the order in which targets are asked. Pure function.
 */
struct health_choice {
	size_t order[HEALTH_MAX_TARGETS];	/* indexes into views */
	size_t n_order;				/* 0: every target is down */
	int explore;	/* index to ask in parallel with order[0], or -1 */
};

/*!
 * Orders the targets of one question. Down targets are left out. First
 * come the targets with no failure in a row whose SRTT (or lack of one)
 * makes them about as fast as the fastest (within max(
 * HEALTH_FAST_SLACK_US, best / 2)), in configured order; then the other
 * targets without failures by SRTT; then targets with failures, fewest
 * first. One deprioritised target (one not in the first group) is picked
 * for exploration when random % 100 < HEALTH_EXPLORE_PERCENT or when it
 * was not asked for HEALTH_EXPLORE_INTERVAL_MS: the one asked longest
 * ago. n must be at most HEALTH_MAX_TARGETS.
 */
void health_order(const struct health_view *views, size_t n, uint32_t random,
		  uint64_t now_ms, struct health_choice *out);

/*
 * Recording what happened. Every function is thread-safe and creates the
 * entry when it does not exist (unless HEALTH_MAX_ENTRIES are in use).
 * now_ms is monotonic (loop_clock_ms()); owner_id (a rule or upstream id,
 * may be NULL) only names the resource in log lines.
 */

/*! A query (or probe) was sent to key. */
void health_note_sent(const struct health_key *key, uint64_t now_ms);

/*!
 * A reply that matched a query came from key. Any reply shows the
 * target alive, whatever its RCODE: the failures in a row are reset. A
 * down target that answers counts as a successful probe.
 * \param rtt_us  the round trip of an unambiguous try, or 0 for none.
 */
void health_note_reply(const struct health_key *key, uint32_t rtt_us,
		       uint64_t now_ms, const char *owner_id);

/* What a probe of a down target asks, and from where. */
struct health_probe {
	struct health_key key;
	uint8_t name[HEALTH_NAME_MAX];	/* wire; SOA of this name */
	bool recursive;			/* RD=1 (else an authoritative target) */
	struct zg_addr sources[HEALTH_MAX_SOURCES]; /* port 0 */
	size_t n_sources;		/* 0: the kernel chooses */
};

/*!
 * key failed a try (no reply in time, connection refused, cannot send).
 * After HEALTH_DOWN_AFTER in a row the target is down: a warning is
 * logged once and probes as described by probe (copied; NULL keeps the
 * previous description) start after HEALTH_PROBE_INTERVAL_MS.
 * \return true when this failure marked the target down.
 */
bool health_note_failure(const struct health_key *key, uint64_t now_ms,
			 const struct health_probe *probe,
			 const char *owner_id);

/*!
 * Claims the next probe that is due: a down target whose probe time has
 * come and that has no probe in flight. The caller sends it and reports
 * with health_probe_done(); a claim not reported within twice
 * HEALTH_PROBE_TIMEOUT_MS is given up and can be claimed again. Also
 * forgets entries idle for HEALTH_IDLE_MS (at most once a second).
 * \return true with out filled, false when nothing is due.
 */
bool health_probe_claim(uint64_t now_ms, struct health_probe *out);

/*!
 * The result of a claimed probe: ok when the target answered it, with
 * any RCODE (a target that answers is reachable; what it answers is
 * judged per query). HEALTH_UP_AFTER successes in a row bring the
 * target up (notice logged, failures and RTT start afresh from this
 * sample); a failure restarts the count. rtt_us 0: no sample.
 */
void health_probe_done(const struct health_key *key, bool ok,
		       uint32_t rtt_us, uint64_t now_ms);

/*
 * DNS Cookies (RFC 7873). The client cookie is random per entry, made
 * when the entry is; the server cookie is the last one the target sent.
 */

/*!
 * Copies the cookies to send to key. *server_len is 0 when no server
 * cookie is known. \return false when no entry can hold them (the query
 * goes without a cookie).
 */
bool health_cookie_get(const struct health_key *key,
		       uint8_t client[HEALTH_CLIENT_COOKIE_LEN],
		       uint8_t server[HEALTH_SERVER_COOKIE_MAX],
		       size_t *server_len);

/*! Remembers the server cookie of a reply whose client cookie matched
 *  (len 8 to 32; other lengths are ignored). */
void health_cookie_set_server(const struct health_key *key,
			      const uint8_t *server, size_t len);

/*! Forgets the server cookie (the target stopped sending cookies, or a
 *  try went unanswered): replies without a cookie are accepted again. */
void health_cookie_forget(const struct health_key *key);

/*
 * 0x20 case randomisation (draft-vixie-dnsext-dns0x20).
 */

/*! Turns 0x20 off for key: it answered with the question's case
 *  changed. Logged once at notice. */
void health_case_disable(const struct health_key *key, const char *owner_id);

/*
 * Rule quarantine after a forwarding loop, as the API and the doctor
 * see it. The query path detects a loop (a question from outside that
 * joins one its own rule sent), quarantines the rule in the answer
 * cache, which decides its queries' SERVFAIL + EDE 0, and mirrors the
 * quarantine here with its length, so that whoever reads the state of
 * a rule finds it. The quarantine lifts by itself after duration_ms; a
 * loop that persists is found and quarantined again. Nothing is logged
 * here: the detector logs the loop once.
 */
#define HEALTH_QUARANTINE_MS 30000
#define HEALTH_QUARANTINE_MAX_MS (10 * 60 * 1000)
#define HEALTH_RULE_ID_LEN 48

/*!
 * Quarantines rule_id until now_ms + duration_ms (0: HEALTH_QUARANTINE_MS
 * doubled for each quarantine of the rule in the last hour, at most
 * HEALTH_QUARANTINE_MAX_MS). now_ms is monotonic.
 * \return true when the rule was not quarantined before this call.
 */
bool health_quarantine_rule(const char *rule_id, uint32_t duration_ms,
			    uint64_t now_ms);

/*! True while rule_id is quarantined. Thread-safe and cheap when no
 *  rule is quarantined (one atomic load). */
bool health_rule_quarantined(const char *rule_id, uint64_t now_ms);

/*! Ends a quarantine at once (an operator fixed the loop). */
void health_quarantine_lift(const char *rule_id);

struct health_quarantine_view {
	bool quarantined;
	uint64_t until_ms;		/* monotonic */
	int64_t since_unix_s;		/* start of the current quarantine */
	uint32_t count;			/* quarantines in the last hour */
};

/*! Copies the quarantine state of rule_id. */
void health_quarantine_get(const char *rule_id, uint64_t now_ms,
			   struct health_quarantine_view *out);

/*! Forgets everything (tests; or before exit). Not while other threads
 *  use the table. */
void health_reset(void);

/*
 * Hints from outside the query path. The VPN manager knows when the
 * tunnel to a target goes down or up before any query does (vpn/vpn.h,
 * vpn_hint_fn); these let it say so.
 */

/*!
 * Marks key down at once (creating the entry), as if it had failed
 * HEALTH_DOWN_AFTER times: its queries stop, and it is probed as
 * described by probe (copied; NULL keeps the previous description)
 * every HEALTH_PROBE_INTERVAL_MS, so a target that still answers by
 * another path comes back by itself. Logs a warning naming why once.
 * \return true when this marked the target down.
 */
bool health_hint_down(const struct health_key *key,
		      const struct health_probe *probe, uint64_t now_ms,
		      const char *owner_id, const char *why);

/*!
 * Says key can answer again: when it is down and has a probe, the
 * probe is due now and its first answer brings the target back (instead
 * of HEALTH_UP_AFTER in a row). No effect on a target that is up.
 */
void health_hint_up(const struct health_key *key, uint64_t now_ms);

#endif
