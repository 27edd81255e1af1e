/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A per-thread event loop: epoll for sockets, a heap of timers, posts. */
#ifndef ZONEGATE_COMMON_LOOP_H
#define ZONEGATE_COMMON_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;
struct loop_io;
struct loop_timer;

/*! Called in the loop's thread when fd is ready; events are EPOLL* bits. */
typedef void (*loop_io_cb)(struct loop_io *io, uint32_t events);

/*! Called in the loop's thread when the timer fires (it is stopped then). */
typedef void (*loop_timer_cb)(struct loop_timer *timer);

/*! Work handed to a loop from any thread with loop_post(). */
typedef void (*loop_post_cb)(void *arg);

/*
 * A watched file descriptor. Owned and placed by the caller (usually
 * inside the object that owns the fd); must stay valid until
 * loop_io_del() has returned. The same fd may be watched by several
 * loops, each through its own loop_io.
 */
struct loop_io {
	int fd;
	loop_io_cb cb;
	void *arg;		/* for the callback; not used by the loop */
	bool added;		/* set by the loop */
};

/*
 * A one-shot timer. Owned by the caller; must be stopped before it is
 * freed. Only the loop's thread may start or stop it.
 */
struct loop_timer {
	uint64_t deadline_ms;	/* set by the loop, monotonic ms */
	size_t heap_index;	/* set by the loop; SIZE_MAX when stopped */
	loop_timer_cb cb;
	void *arg;
};

/*! Creates a loop; NULL on failure. The loop runs in whoever calls loop_run. */
struct loop *loop_new(void);

/*! Frees a loop that is not running. Accepts NULL. Pending posts are dropped. */
void loop_free(struct loop *loop);

/*!
 * Starts watching io->fd for events (EPOLLIN, EPOLLOUT, EPOLLEXCLUSIVE...).
 * io->fd, io->cb and io->arg must be set. Thread-safe (epoll is).
 * \retval 0 or -errno.
 */
int loop_io_add(struct loop *loop, struct loop_io *io, uint32_t events);

/*! Changes the watched events. \retval 0 or -errno. */
int loop_io_mod(struct loop *loop, struct loop_io *io, uint32_t events);

/*!
 * Stops watching. After it returns in the loop's own thread no further
 * callback for io runs, not even for an event already fetched in the
 * current batch, so the caller may free io at once. From another
 * thread, use loop_post() to call it in the loop's thread instead.
 * Posts run after the batch of socket events they arrived with. Safe
 * on an io that was never added.
 */
void loop_io_del(struct loop *loop, struct loop_io *io);

/*! Initialises a stopped timer. */
void loop_timer_init(struct loop_timer *timer, loop_timer_cb cb, void *arg);

/*! (Re)starts a timer to fire after after_ms. Loop thread only. */
void loop_timer_start(struct loop *loop, struct loop_timer *timer,
		      uint64_t after_ms);

/*! Stops a timer; harmless if it is not running. Loop thread only. */
void loop_timer_stop(struct loop *loop, struct loop_timer *timer);

bool loop_timer_running(const struct loop_timer *timer);

/*! Monotonic milliseconds, cached once per loop iteration. */
uint64_t loop_now_ms(const struct loop *loop);

/*! Monotonic milliseconds read from the clock now. */
uint64_t loop_clock_ms(void);

/*!
 * Runs cb(arg) in the loop's thread soon. Thread-safe.
 * \retval 0 or ZG_ENOMEM.
 */
int loop_post(struct loop *loop, loop_post_cb cb, void *arg);

/*! Runs until loop_stop(); returns 0 or -errno if epoll fails. */
int loop_run(struct loop *loop);

/*! Makes loop_run() return after the current iteration. Thread-safe. */
void loop_stop(struct loop *loop);

#endif
