/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Log destinations behind one FILE stream (glibc fopencookie), so that
 * common/log.c writes lines without knowing where they end up. */
#include "daemon/log_output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "common/error.h"

enum log_kind {
	LOG_KIND_STDERR = 0,
	LOG_KIND_FILE,
	LOG_KIND_SYSLOG,
};

struct log_output {
	enum log_kind kind;
	char *path;			/* LOG_KIND_FILE */
	int fd;				/* LOG_KIND_FILE; replaced by dup3() */
	FILE *stream;			/* NULL for LOG_KIND_STDERR */
	atomic_bool tee;		/* copy lines to standard error */
};

static void write_all(int fd, const char *buf, size_t size)
{
	while (size > 0) {
		ssize_t n = write(fd, buf, size);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			return;	/* nowhere left to report it */
		}
		buf += n;
		size -= (size_t)n;
	}
}

/* Maps the level word of a common/log.c line to a syslog priority. */
static int syslog_priority(const char *level, size_t len)
{
	static const struct {
		const char *word;
		int priority;
	} map[] = {
		{ "error", LOG_ERR }, { "warning", LOG_WARNING },
		{ "notice", LOG_NOTICE }, { "info", LOG_INFO },
		{ "debug", LOG_DEBUG },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (strlen(map[i].word) == len &&
		    strncmp(map[i].word, level, len) == 0) {
			return map[i].priority;
		}
	}
	return LOG_NOTICE;
}

/* Sends each "<time> <level> <rest>" line as "<level> <rest>": syslog
 * stamps the time itself. */
static void send_syslog(const char *buf, size_t size)
{
	while (size > 0) {
		const char *end = memchr(buf, '\n', size);
		size_t len = end != NULL ? (size_t)(end - buf) : size;
		const char *level = memchr(buf, ' ', len);
		level = level != NULL ? level + 1 : buf;
		size_t rest = len - (size_t)(level - buf);
		const char *space = memchr(level, ' ', rest);
		size_t level_len = space != NULL ? (size_t)(space - level) : rest;

		syslog(syslog_priority(level, level_len), "%.*s", (int)rest,
		       level);
		size_t used = end != NULL ? len + 1 : len;
		buf += used;
		size -= used;
	}
}

static ssize_t cookie_write(void *cookie, const char *buf, size_t size)
{
	struct log_output *lo = cookie;

	if (atomic_load(&lo->tee)) {
		write_all(STDERR_FILENO, buf, size);
	}
	if (lo->kind == LOG_KIND_SYSLOG) {
		send_syslog(buf, size);
	} else {
		write_all(lo->fd, buf, size);
	}
	return (ssize_t)size;
}

static int cookie_close(void *cookie)
{
	return 0;	/* log_output_close() owns the descriptor */
}

static int open_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	return fd >= 0 ? fd : -errno;
}

struct log_output *log_output_open(const char *path, bool use_syslog,
				   char *err, size_t errlen)
{
	struct log_output *lo = calloc(1, sizeof(*lo));
	if (lo == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	lo->fd = -1;
	lo->kind = path != NULL ? LOG_KIND_FILE :
		   use_syslog ? LOG_KIND_SYSLOG : LOG_KIND_STDERR;
	if (lo->kind == LOG_KIND_STDERR) {
		return lo;
	}

	if (lo->kind == LOG_KIND_FILE) {
		lo->path = strdup(path);
		lo->fd = open_file(path);
		if (lo->path == NULL || lo->fd < 0) {
			snprintf(err, errlen, "cannot open the log file %s: %s",
				 path, zg_strerror(lo->fd < 0 ? lo->fd :
						   ZG_ENOMEM));
			log_output_close(lo);
			return NULL;
		}
	} else {
		openlog("zonegated", LOG_PID, LOG_DAEMON);
	}

	cookie_io_functions_t funcs = {
		.write = cookie_write,
		.close = cookie_close,
	};
	lo->stream = fopencookie(lo, "w", funcs);
	if (lo->stream == NULL) {
		snprintf(err, errlen, "cannot set up logging: %s",
			 zg_strerror(-errno));
		log_output_close(lo);
		return NULL;
	}
	setvbuf(lo->stream, NULL, _IOLBF, 0);
	atomic_store(&lo->tee, true);
	return lo;
}

FILE *log_output_stream(struct log_output *lo)
{
	return lo->stream;
}

bool log_output_on_stderr(const struct log_output *lo)
{
	return lo->kind == LOG_KIND_STDERR || atomic_load(&lo->tee);
}

void log_output_detach_stderr(struct log_output *lo)
{
	atomic_store(&lo->tee, false);
}

int log_output_reopen(struct log_output *lo)
{
	if (lo->kind != LOG_KIND_FILE) {
		return 0;
	}
	int fd = open_file(lo->path);
	if (fd < 0) {
		return fd;
	}
	/* dup3() swaps the file under the same descriptor in one step, so
	 * a line written meanwhile lands in the old file or the new one. */
	int ret = dup3(fd, lo->fd, O_CLOEXEC) < 0 ? -errno : 0;
	close(fd);
	return ret;
}

void log_output_close(struct log_output *lo)
{
	if (lo == NULL) {
		return;
	}
	if (lo->stream != NULL) {
		fclose(lo->stream);
	}
	if (lo->fd >= 0) {
		close(lo->fd);
	}
	if (lo->kind == LOG_KIND_SYSLOG) {
		closelog();
	}
	free(lo->path);
	free(lo);
}
