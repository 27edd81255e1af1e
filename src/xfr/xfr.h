/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Secondary zones: SOA refresh, AXFR/IXFR in, NOTIFY in, and the TSIG
 * checks they need. One service thread with its own loop does all
 * network work; DNS workers only hand NOTIFYs over. */
#ifndef ZONEGATE_XFR_XFR_H
#define ZONEGATE_XFR_XFR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resolve/resolve.h"

struct store;
struct xfr_service;

/*
 * Defaults and bounds. The limits bound the zone, not one transfer: a
 * transfer whose messages pass max_bytes or whose records pass
 * max_records is refused while it arrives, and so is one (an IXFR
 * included) whose resulting zone would have more than max_records
 * records or take more than max_bytes in the stored encoding
 * (xfr_impl.h, snapshots). The previous version stays served.
 */
#define XFR_DEFAULT_MAX_RECORDS 1000000
#define XFR_DEFAULT_MAX_BYTES (256ULL * 1024 * 1024)
/* Smallest limits the API takes: a zone is at least its SOA, and the
 * smallest DNS message may be 512 octets (RFC 1035 section 4.2.1). */
#define XFR_MIN_MAX_RECORDS 1
#define XFR_MIN_MAX_BYTES 512
/* Before the first transfer there is no SOA to take the retry from. */
#define XFR_INITIAL_RETRY_S 15
/* SOA timers from primaries are clamped to this range. */
#define XFR_MIN_TIMER_S 1
#define XFR_MAX_TIMER_S (28 * 24 * 3600)
/*
 * SOA checks (and first transfers) the service starts per second across
 * all its zones, as BIND's serial-query-rate (default 20): a start with
 * hundreds of zones, or refresh timers falling together, does not send
 * them all to the primaries at once. Up to this many start in each
 * window of one second; the rest wait in order and start in the next
 * windows. Checks asked by a NOTIFY or by an operator (API refresh) go
 * ahead of the waiting ones but count against the same budget. Waiting
 * does not move a zone's expiry, which counts from the last contact.
 */
#define XFR_SOA_CHECKS_PER_S 20

/*!
 * Creates the service: its loop exists at once, so that
 * xfr_service_config_changed() may be called before it starts; no
 * thread runs yet. store must outlive the service. NULL on ENOMEM.
 */
struct xfr_service *xfr_service_new(struct store *store);

/*!
 * Starts the service thread and its store thread, and waits until it has
 * read every secondary zone from the store and published each stored
 * snapshot that has not expired, so that a restarted daemon serves its
 * secondary zones at once; each zone then checks its primaries at once.
 * From then on the service thread never waits for the store: its store
 * work runs in the store thread. Call after the first configuration snapshot is published (the
 * zones' handles come from it) and before DNS workers start.
 * \retval 0 or an error (logged).
 */
int xfr_service_start(struct xfr_service *xfr);

/*! Stops the thread (transfers in progress are abandoned; what is
 *  stored stays) and frees everything. Call after the DNS workers have
 *  stopped. Accepts NULL. */
void xfr_service_free(struct xfr_service *xfr);

/*!
 * Tells the service the configuration changed (a snapshot was
 * published): it re-reads the secondary zones, their keys and endpoints
 * from the store in its own thread. Thread-safe and cheap; suited to a
 * config_publish_hook. Accepts NULL.
 */
void xfr_service_config_changed(struct xfr_service *xfr);

/*!
 * Asks for an SOA check of zone_id now (as a NOTIFY would).
 * Thread-safe; does not wait.
 * \retval 0 or ZG_ENOMEM. An unknown zone is ignored in the service
 *         thread (the API checks the zone's kind first).
 */
int xfr_service_refresh(struct xfr_service *xfr, const char *zone_id);

/*!
 * The NOTIFY service for resolve_set_service(RESOLVE_SERVICE_NOTIFY,
 * xfr_notify_service, xfr) (RFC 1996). Checks the sender and TSIG,
 * answers at once (cb is called before it returns) and, when the NOTIFY
 * is accepted, schedules an SOA check in the service thread. Runs in a
 * DNS worker; takes the service's settings lock briefly, never waits on
 * the network or the store.
 * \retval 0 (cb called) or ZG_ENOMEM (cb not called).
 */
int xfr_notify_service(void *arg, const struct resolve_service_msg *msg,
		       resolve_reply_cb cb, void *cb_arg);

struct zone_contents;

/*!
 * The version of secondary zone zone_id (named name) the store holds:
 * its snapshot with the journal replayed, as the service serves it
 * (unless it expired). A journal that does not replay is left out, as
 * the service does. Runs inside the caller's store transaction (a read
 * transaction is enough); any thread.
 * \retval 0 with *out set (the caller frees it with zone_contents_free),
 *         ZG_ENOENT when no transfer is stored yet, ZG_EINVAL with err
 *         filled when the stored snapshot is damaged, store errors.
 */
int xfr_stored_version(struct store *store, const char *zone_id,
		       const char *name, struct zone_contents **out,
		       char *err, size_t errlen);

/*
 * Serial number arithmetic (RFC 1982 section 3.2): a is compared with b
 * on the 32-bit circle. Two serials exactly 2^31 apart are not
 * comparable (UNDEFINED): such a primary is never transferred from.
 */
enum xfr_serial_order {
	XFR_SERIAL_EQUAL = 0,
	XFR_SERIAL_LESS,		/* a is older than b */
	XFR_SERIAL_GREATER,		/* a is newer than b */
	XFR_SERIAL_UNDEFINED,
};

enum xfr_serial_order xfr_serial_compare(uint32_t a, uint32_t b);

#endif
