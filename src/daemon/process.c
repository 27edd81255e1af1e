/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Backgrounding with a readiness pipe, signal handling by sigwait,
 * descriptor limits and directory creation. */
#include "daemon/process.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/error.h"

/* The open lock file of process_lock_state(); held until exit. */
static int state_lock_fd = -1;

static int redirect_to_null(int target)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		return -errno;
	}
	int ret = dup2(fd, target) < 0 ? -errno : 0;
	close(fd);
	return ret;
}

/* In the original process: waits for the daemon's word, then exits. */
static void wait_for_daemon(int read_fd, pid_t child)
{
	char status = 1;
	ssize_t n;

	do {
		n = read(read_fd, &status, 1);
	} while (n < 0 && errno == EINTR);
	waitpid(child, NULL, 0);
	/* _exit: the stdio buffers and exit handlers belong to the daemon. */
	_exit(n == 1 && status == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}

int process_daemonize(int *ready_fd)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0) {
		return -errno;
	}

	pid_t pid = fork();
	if (pid < 0) {
		int ret = -errno;
		close(fds[0]);
		close(fds[1]);
		return ret;
	}
	if (pid > 0) {
		close(fds[1]);
		wait_for_daemon(fds[0], pid);
	}
	close(fds[0]);

	/* A new session without a controlling terminal; the second fork
	 * makes sure the daemon can never acquire one again. */
	if (setsid() < 0) {
		_exit(EXIT_FAILURE);
	}
	pid = fork();
	if (pid < 0) {
		_exit(EXIT_FAILURE);
	}
	if (pid > 0) {
		_exit(EXIT_SUCCESS);
	}

	if (chdir("/") != 0 || redirect_to_null(STDIN_FILENO) != 0 ||
	    redirect_to_null(STDOUT_FILENO) != 0) {
		_exit(EXIT_FAILURE);
	}
	*ready_fd = fds[1];
	return 0;
}

void process_notify_ready(int ready_fd)
{
	if (ready_fd < 0) {
		return;
	}
	char ok = 0;
	if (write(ready_fd, &ok, 1) != 1) {
		/* The parent is gone; nobody waits for the word. */
	}
	close(ready_fd);
	redirect_to_null(STDERR_FILENO);
}

int process_block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
	int ret = pthread_sigmask(SIG_BLOCK, set, NULL);
	if (ret != 0) {
		return -ret;
	}
	/* A client that goes away must not kill the daemon; writes report
	 * EPIPE instead (and use MSG_NOSIGNAL anyway). */
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

int process_wait_signal(const sigset_t *set)
{
	int signo = 0;
	while (sigwait(set, &signo) != 0) {
		/* sigwait fails only for an invalid set; retry is harmless */
	}
	return signo;
}

void process_raise_fd_limit(void)
{
	struct rlimit lim;
	if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
		lim.rlim_cur = lim.rlim_max;
		setrlimit(RLIMIT_NOFILE, &lim);
	}
}

/* Reads the pid a lock holder wrote ("1234\n") into pid, or "unknown". */
static void read_holder(int fd, char *pid, size_t pidlen)
{
	char buf[32] = "";
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	long value = 0;
	char *end = NULL;
	if (n > 0) {
		buf[n] = '\0';
		value = strtol(buf, &end, 10);
	}
	if (value > 0 && end != buf && (*end == '\n' || *end == '\0')) {
		snprintf(pid, pidlen, "%ld", value);
	} else {
		snprintf(pid, pidlen, "unknown");
	}
}

int process_lock_state(const char *state_path, char *err, size_t errlen)
{
	char path[PATH_MAX];
	if ((size_t)snprintf(path, sizeof(path), "%s.lock", state_path) >=
	    sizeof(path)) {
		snprintf(err, errlen, "the state path is too long");
		return -ENAMETOOLONG;
	}
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		int ret = -errno;
		snprintf(err, errlen, "cannot open the lock file %s: %s", path,
			 strerror(errno));
		return ret;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int ret = errno == EWOULDBLOCK ? ZG_ECONFLICT : -errno;
		char pid[32];
		read_holder(fd, pid, sizeof(pid));
		if (ret == ZG_ECONFLICT) {
			snprintf(err, errlen, "another zonegated (pid %s) holds the lock file %s of this state database",
				 pid, path);
		} else {
			snprintf(err, errlen, "cannot lock %s: %s", path,
				 strerror(-ret));
		}
		close(fd);
		return ret;
	}

	/* Only the holder writes: a waiting second daemon reads the pid. */
	char pid[32];
	int len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
		int ret = -errno;
		snprintf(err, errlen, "cannot write the lock file %s: %s",
			 path, strerror(errno));
		close(fd);
		return ret;
	}
	state_lock_fd = fd;
	return 0;
}

int process_make_parent_dirs(const char *path)
{
	char dir[PATH_MAX];
	if (strlen(path) >= sizeof(dir)) {
		return -ENAMETOOLONG;
	}
	strcpy(dir, path);
	char *slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir) {
		return 0;	/* in the working directory, or in "/" */
	}
	*slash = '\0';

	/* Create each level in turn; existing ones are fine. */
	for (char *p = dir + 1; ; p++) {
		if (*p != '/' && *p != '\0') {
			continue;
		}
		char saved = *p;
		*p = '\0';
		if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
			return -errno;
		}
		*p = saved;
		if (saved == '\0') {
			break;
		}
	}

	struct stat st;
	if (stat(dir, &st) != 0) {
		return -errno;
	}
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

char *process_absolute_path(const char *path)
{
	if (path[0] == '/') {
		return strdup(path);
	}
	char cwd[PATH_MAX];
	if (getcwd(cwd, sizeof(cwd)) == NULL) {
		return NULL;
	}
	size_t len = strlen(cwd) + 1 + strlen(path) + 1;
	char *abs = malloc(len);
	if (abs != NULL) {
		snprintf(abs, len, "%s/%s", cwd, path);
	}
	return abs;
}
