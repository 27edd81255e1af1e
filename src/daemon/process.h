/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The process around the daemon: running in the background, signals,
 * resource limits and the directories it needs. */
#ifndef ZONEGATE_DAEMON_PROCESS_H
#define ZONEGATE_DAEMON_PROCESS_H

#include <signal.h>
#include <stddef.h>

/*!
 * Detaches into the background: fork, new session, fork again, working
 * directory "/", standard input and output on /dev/null. Standard error
 * stays open so start-up failures reach the terminal. The original
 * process waits until process_notify_ready() (exit status 0) or until
 * the daemon exits first (exit status 1). Call before any thread starts.
 * \param ready_fd  receives the descriptor process_notify_ready() needs.
 * \retval 0 in the daemon, or -errno (still in the foreground).
 */
int process_daemonize(int *ready_fd);

/*! Tells the waiting parent that start-up succeeded, and puts standard
 *  error on /dev/null. Accepts -1 (foreground: nothing to do). */
void process_notify_ready(int ready_fd);

/*! Blocks SIGTERM, SIGINT and SIGHUP in this thread and every thread
 *  created after it (they are taken with process_wait_signal()), and
 *  ignores SIGPIPE. \retval 0 or -errno. */
int process_block_signals(sigset_t *set);

/*! Waits for one of the blocked signals; returns its number. */
int process_wait_signal(const sigset_t *set);

/*! Raises the soft limit of open files to the hard limit: each TCP
 *  client and forwarding socket takes a descriptor. */
void process_raise_fd_limit(void);

/*! Creates the directories above path (like mkdir -p of its dirname),
 *  mode 0750. \retval 0 or -errno. */
int process_make_parent_dirs(const char *path);

/*! Returns a malloc'ed absolute form of path (relative to the working
 *  directory now), or NULL on ENOMEM or when the directory is unknown. */
char *process_absolute_path(const char *path);

/*!
 * Takes an exclusive flock(2) on "<state_path>.lock" beside the state
 * database (created when missing, mode 0600) and writes this process's
 * pid into it, so that a second zonegated on the same state refuses to
 * start instead of serving beside the first. The lock lasts until the
 * process exits. Call after process_daemonize() (the pid written is the
 * daemon's).
 * \param err  receives one sentence naming the lock file and, when the
 *             holder wrote one, its pid.
 * \retval 0, ZG_ECONFLICT when another process holds the lock, -errno.
 */
int process_lock_state(const char *state_path, char *err, size_t errlen);

#endif
