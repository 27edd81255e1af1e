/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The query log: single-producer single-consumer rings, one per worker,
 * drained by one writer thread into a file. */
#include "querylog/querylog.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "common/log.h"

#define CACHE_LINE 64
/* The writer sleeps this long when every ring was empty. */
#define WRITER_IDLE_MS 10

/* Producer: the worker (head, dropped); consumer: the writer (tail). */
struct ring {
	_Alignas(CACHE_LINE) _Atomic size_t head;
	_Atomic uint64_t dropped;
	_Alignas(CACHE_LINE) _Atomic size_t tail;
	_Alignas(CACHE_LINE) struct querylog_entry items[QUERYLOG_RING];
};

struct qlog {
	char *path;
	FILE *file;			/* writer thread only once started */
	unsigned n_rings;
	struct ring *rings;
	pthread_t thread;
	pthread_mutex_t lock;		/* protects stop, with wake */
	pthread_cond_t wake;
	bool stop;
	_Atomic bool reopen;		/* set by any thread, taken by writer */
	_Atomic uint64_t written;
	char line[4096];		/* writer thread only */
};

static struct qlog *_Atomic g_log;
static _Thread_local struct ring *tls_ring;

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Appends text to buf as a JSON string body (RFC 8259 section 7). */
static size_t json_escape(char *buf, size_t len, size_t at, const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text;
	     *p != '\0' && at + 7 < len; p++) {
		if (*p == '"' || *p == '\\') {
			buf[at++] = '\\';
			buf[at++] = (char)*p;
		} else if (*p < 0x20 || *p >= 0x7f) {
			at += (size_t)snprintf(buf + at, len - at, "\\u%04x", *p);
		} else {
			buf[at++] = (char)*p;
		}
	}
	return at;
}

/* Appends "key":"value" (value JSON-escaped), or "key":null for NULL. */
static size_t put_string(char *buf, size_t len, size_t at, const char *key,
			 const char *value)
{
	at += (size_t)snprintf(buf + at, at < len ? len - at : 0, "%s\"%s\":",
			       at > 1 ? "," : "", key);
	if (at + 8 >= len) {
		return len;
	}
	if (value == NULL) {
		at += (size_t)snprintf(buf + at, len - at, "null");
		return at;
	}
	buf[at++] = '"';
	at = json_escape(buf, len, at, value);
	if (at + 2 >= len) {
		return len;
	}
	buf[at++] = '"';
	buf[at] = '\0';
	return at;
}

static void format_time(const struct timespec *ts, char *out, size_t len)
{
	struct tm tm;
	time_t secs = ts->tv_sec;
	gmtime_r(&secs, &tm);
	char date[32];
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, len, "%.19s.%06ldZ", date,
		 (long)(ts->tv_nsec / 1000 % 1000000));
}

static const char *rcode_name(uint16_t rcode, char *buf, size_t len)
{
	const knot_lookup_t *item = knot_lookup_by_id(knot_rcode_names, rcode);
	if (item != NULL) {
		return item->name;
	}
	snprintf(buf, len, "RCODE%u", rcode);
	return buf;
}

int querylog_format(const struct querylog_entry *e, char *buf, size_t len)
{
	char time_text[48], client[ZG_ADDR_STRLEN], target[ZG_ADDR_STRLEN];
	char name[KNOT_DNAME_TXT_MAXLEN + 1], type[32], rcode[16];

	format_time(&e->time, time_text, sizeof(time_text));
	addr_format(&e->client, false, client, sizeof(client));
	if (e->has_target) {
		addr_format(&e->target, true, target, sizeof(target));
	}
	if (e->has_question) {
		if (knot_dname_to_str(name, e->qname, sizeof(name)) == NULL) {
			snprintf(name, sizeof(name), ".");
		}
		if (knot_rrtype_to_string(e->qtype, type, sizeof(type)) < 0) {
			snprintf(type, sizeof(type), "TYPE%u", e->qtype);
		}
	}

	size_t at = 0;
	if (len < 2) {
		return ZG_ELIMIT;
	}
	buf[at++] = '{';
	buf[at] = '\0';
	at = put_string(buf, len, at, "time", time_text);
	at = put_string(buf, len, at, "vpc",
			e->vpc_id[0] != '\0' ? e->vpc_id : NULL);
	at = put_string(buf, len, at, "client", client);
	at = put_string(buf, len, at, "name", e->has_question ? name : NULL);
	at = put_string(buf, len, at, "type", e->has_question ? type : NULL);
	at = put_string(buf, len, at, "step", stats_step_name(e->step));
	at = put_string(buf, len, at, "id",
			e->resource_id[0] != '\0' ? e->resource_id : NULL);
	at = put_string(buf, len, at, "target", e->has_target ? target : NULL);
	at = put_string(buf, len, at, "rcode",
			rcode_name(e->rcode, rcode, sizeof(rcode)));
	if (at >= len) {
		return ZG_ELIMIT;
	}
	int n = snprintf(buf + at, len - at, ",\"latency_us\":%llu}\n",
			 (unsigned long long)e->latency_us);
	if (n < 0 || (size_t)n >= len - at) {
		return ZG_ELIMIT;
	}
	return (int)(at + (size_t)n);
}

/* Writes what ring r holds; returns the number of lines. */
static size_t drain_ring(struct qlog *q, struct ring *r)
{
	size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	size_t lines = 0;

	for (; tail != head; tail++) {
		const struct querylog_entry *e = &r->items[tail % QUERYLOG_RING];
		int n = querylog_format(e, q->line, sizeof(q->line));
		if (n > 0 && q->file != NULL) {
			fwrite(q->line, 1, (size_t)n, q->file);
			lines++;
		}
		/* Give the slot back at once so that a busy worker gets
		 * room while this pass goes on. */
		atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
	}
	return lines;
}

static FILE *open_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0) {
		return NULL;
	}
	FILE *f = fdopen(fd, "a");
	if (f == NULL) {
		close(fd);
	}
	return f;
}

static void do_reopen(struct qlog *q)
{
	char fields[64 + 4096];
	snprintf(fields, sizeof(fields), "query_log=%s", q->path);

	FILE *f = open_file(q->path);
	if (f == NULL) {
		zg_log(ZG_LOG_ERROR, "querylog", fields, "cannot reopen the query log: %s; still writing to the old file",
		       strerror(errno));
		return;
	}
	if (q->file != NULL) {
		fclose(q->file);
	}
	q->file = f;
	zg_log(ZG_LOG_INFO, "querylog", fields, "query log reopened");
}

/* Returns true when asked to stop (after an idle wait). */
static bool idle_wait(struct qlog *q)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += WRITER_IDLE_MS * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&q->lock);
	if (!q->stop) {
		pthread_cond_timedwait(&q->wake, &q->lock, &until);
	}
	bool stop = q->stop;
	pthread_mutex_unlock(&q->lock);
	return stop;
}

static void *writer_main(void *arg)
{
	struct qlog *q = arg;

	for (;;) {
		if (atomic_exchange(&q->reopen, false)) {
			if (q->file != NULL) {
				fflush(q->file);
			}
			do_reopen(q);
		}
		size_t lines = 0;
		for (unsigned i = 0; i < q->n_rings; i++) {
			lines += drain_ring(q, &q->rings[i]);
		}
		if (lines > 0) {
			atomic_fetch_add(&q->written, lines);
			fflush(q->file);
			continue;
		}
		if (idle_wait(q)) {
			break;
		}
	}

	/* Workers are stopped: what is left in the rings is final. */
	size_t lines = 0;
	for (unsigned i = 0; i < q->n_rings; i++) {
		lines += drain_ring(q, &q->rings[i]);
	}
	atomic_fetch_add(&q->written, lines);
	fflush(q->file);
	return NULL;
}

static void qlog_free(struct qlog *q)
{
	if (q == NULL) {
		return;
	}
	if (q->file != NULL) {
		fclose(q->file);
	}
	free(q->rings);
	free(q->path);
	pthread_cond_destroy(&q->wake);
	pthread_mutex_destroy(&q->lock);
	free(q);
}

int querylog_open(const char *path, unsigned n_workers, char *err,
		  size_t errlen)
{
	if (n_workers == 0 || atomic_load(&g_log) != NULL) {
		set_err(err, errlen, "the query log is already open");
		return ZG_EINVAL;
	}
	struct qlog *q = calloc(1, sizeof(*q));
	if (q == NULL) {
		set_err(err, errlen, "out of memory");
		return ZG_ENOMEM;
	}
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->wake, NULL);
	q->path = strdup(path);
	q->n_rings = n_workers;
	q->rings = aligned_alloc(CACHE_LINE, sizeof(*q->rings) * n_workers);
	if (q->path == NULL || q->rings == NULL) {
		qlog_free(q);
		set_err(err, errlen, "out of memory for %u query log buffers",
			n_workers);
		return ZG_ENOMEM;
	}
	memset(q->rings, 0, sizeof(*q->rings) * n_workers);

	q->file = open_file(path);
	if (q->file == NULL) {
		int ret = -errno;
		set_err(err, errlen, "cannot open the query log %s: %s", path,
			strerror(errno));
		qlog_free(q);
		return ret;
	}

	int ret = pthread_create(&q->thread, NULL, writer_main, q);
	if (ret != 0) {
		set_err(err, errlen, "cannot start the query log writer: %s",
			strerror(ret));
		qlog_free(q);
		return -ret;
	}
	pthread_setname_np(q->thread, "zg-querylog");
	atomic_store_explicit(&g_log, q, memory_order_release);
	return 0;
}

void querylog_close(void)
{
	struct qlog *q = atomic_exchange(&g_log, NULL);
	if (q == NULL) {
		return;
	}
	pthread_mutex_lock(&q->lock);
	q->stop = true;
	pthread_cond_signal(&q->wake);
	pthread_mutex_unlock(&q->lock);
	pthread_join(q->thread, NULL);
	qlog_free(q);
}

void querylog_reopen(void)
{
	struct qlog *q = atomic_load_explicit(&g_log, memory_order_acquire);
	if (q != NULL) {
		atomic_store(&q->reopen, true);
	}
}

bool querylog_enabled(void)
{
	return atomic_load_explicit(&g_log, memory_order_relaxed) != NULL;
}

int querylog_thread_attach(unsigned worker)
{
	struct qlog *q = atomic_load_explicit(&g_log, memory_order_acquire);
	if (q == NULL || worker >= q->n_rings) {
		return ZG_EINVAL;
	}
	tls_ring = &q->rings[worker];
	return 0;
}

void querylog_thread_detach(void)
{
	tls_ring = NULL;
}

void querylog_write(const struct querylog_entry *e)
{
	struct ring *r = tls_ring;
	if (r == NULL) {
		return;
	}
	size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	if (head - tail >= QUERYLOG_RING) {
		atomic_fetch_add_explicit(&r->dropped, 1, memory_order_relaxed);
		return;
	}
	r->items[head % QUERYLOG_RING] = *e;
	atomic_store_explicit(&r->head, head + 1, memory_order_release);
}

void querylog_counts(struct querylog_counts *out)
{
	memset(out, 0, sizeof(*out));
	struct qlog *q = atomic_load_explicit(&g_log, memory_order_acquire);
	if (q == NULL) {
		return;
	}
	out->written = atomic_load(&q->written);
	for (unsigned i = 0; i < q->n_rings; i++) {
		out->dropped += atomic_load_explicit(&q->rings[i].dropped,
						     memory_order_relaxed);
	}
}
