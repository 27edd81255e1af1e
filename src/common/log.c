/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Line-oriented logging to stderr or a file. */
#include "common/log.h"

#include <stdatomic.h>
#include <string.h>
#include <time.h>

static _Atomic int min_level = ZG_LOG_NOTICE;
static FILE *log_out;

static const char *level_names[] = {
	"error", "warning", "notice", "info", "debug",
};

void zg_log_init(enum zg_log_level level, FILE *out)
{
	atomic_store(&min_level, (int)level);
	log_out = out;
}

int zg_log_level_parse(const char *text)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(text, level_names[i]) == 0) {
			return (int)i;
		}
	}
	return -1;
}

bool zg_log_enabled(enum zg_log_level level)
{
	return (int)level <= atomic_load(&min_level);
}

void zg_log(enum zg_log_level level, const char *module, const char *fields,
	    const char *fmt, ...)
{
	if (!zg_log_enabled(level)) {
		return;
	}

	char stamp[32];
	struct timespec now;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);

	char text[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);

	/* One fprintf per line so concurrent writers do not interleave. */
	FILE *out = log_out != NULL ? log_out : stderr;
	fprintf(out, "%s.%03ldZ %s %s%s%s: %s\n", stamp, now.tv_nsec / 1000000L,
		level_names[level], module, fields != NULL ? " " : "",
		fields != NULL ? fields : "", text);
	fflush(out);
}
