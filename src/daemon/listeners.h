/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The DNS listener sockets: one UDP and one TCP socket per address of
 * the served configuration's listen set, opened and closed as it
 * changes, each watched by every worker. */
#ifndef ZONEGATE_DAEMON_LISTENERS_H
#define ZONEGATE_DAEMON_LISTENERS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/addr.h"
#include "common/loop.h"

struct config;
struct worker;
struct listeners;
struct listener_socket;

/* One worker's registration of a listener socket in its loop. */
struct listener_watch {
	struct loop_io io;		/* io.arg points back here */
	struct listener_socket *sock;
	struct worker *worker;
};

/*
 * A bound socket shared by all workers. Its fd stays open while refs is
 * not zero: each worker whose loop watches it holds one reference, and
 * so does each UDP query waiting for its answer (the answer must leave
 * through this socket, from the address the query was sent to).
 */
struct listener_socket {
	int fd;
	int proto;			/* IPPROTO_UDP or IPPROTO_TCP */
	struct zg_addr addr;		/* bound address, with port */
	atomic_uint refs;
	bool draining;			/* left the listen set; closing */
	struct listeners *owner;
	struct listener_watch *watches;	/* one per worker */
	struct listener_socket *next;	/* owner's list; owner's lock */
};

/*!
 * Creates an empty set whose sockets are watched by workers[0..n-1].
 * The workers' loops must exist; their threads need not run yet.
 * NULL on ENOMEM.
 */
struct listeners *listeners_new(struct worker **workers, size_t n_workers);

/*!
 * Closes every socket, draining ones included, and frees the set. Call
 * after every worker thread has stopped and released its references.
 * Accepts NULL.
 */
void listeners_free(struct listeners *ls);

/*!
 * The config_publish_hook: makes the open sockets match cfg->listen.
 * New addresses are bound and added to every worker's loop before it
 * returns; sockets of vanished addresses are removed from each loop by
 * a post to that loop and closed once every worker let go of them.
 * An address that cannot be bound is logged (with the VPC that names
 * it) and tried again at the next publication. Thread-safe; arg is the
 * struct listeners.
 */
void listeners_hook(void *arg, const struct config *cfg);

/*! Writes the addresses with an open socket, space separated. */
void listeners_describe(struct listeners *ls, char *buf, size_t buflen);

/*! Takes a reference. Any thread. */
void listener_socket_ref(struct listener_socket *sock);

/*! Drops a reference; the last one of a draining socket closes it. Any
 *  thread. */
void listener_socket_unref(struct listener_socket *sock);

#endif
