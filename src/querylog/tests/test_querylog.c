/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the query log: the exact JSON line, nulls and escaping, lines
 * written to the file in order, reopening after rotation, and a full
 * ring that drops and counts instead of blocking the worker. */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/error.h"
#include "querylog/querylog.h"

static void entry_init(struct querylog_entry *e)
{
	memset(e, 0, sizeof(*e));
	/* 2025-01-02T03:04:05.678901Z */
	e->time.tv_sec = 1735787045;
	e->time.tv_nsec = 678901234;
	strcpy(e->vpc_id, "vpc-1");
	assert_int_equal(addr_parse("10.1.0.10", 5353, &e->client), 0);
	e->has_question = true;
	assert_non_null(knot_dname_from_str(e->qname, "www.Corp.example.",
					    sizeof(e->qname)));
	e->qtype = KNOT_RRTYPE_A;
	e->step = STATS_STEP_ZONE;
	strcpy(e->resource_id, "zone-1");
	e->rcode = KNOT_RCODE_NOERROR;
	e->latency_us = 57;
}

static void test_line_has_every_field_in_order(void **state)
{
	struct querylog_entry e;
	entry_init(&e);
	char line[2048];
	int n = querylog_format(&e, line, sizeof(line));
	const char *want =
		"{\"time\":\"2025-01-02T03:04:05.678901Z\",\"vpc\":\"vpc-1\","
		"\"client\":\"10.1.0.10\",\"name\":\"www.Corp.example.\","
		"\"type\":\"A\",\"step\":\"zone\",\"id\":\"zone-1\","
		"\"target\":null,\"rcode\":\"NOERROR\",\"latency_us\":57}\n";
	assert_string_equal(line, want);
	assert_int_equal(n, strlen(want));
}

static void test_rule_line_names_target_and_rcode(void **state)
{
	struct querylog_entry e;
	entry_init(&e);
	e.step = STATS_STEP_RULE;
	strcpy(e.resource_id, "rule-7");
	e.has_target = true;
	assert_int_equal(addr_parse("[2001:db8::53]:5300", 53, &e.target), 0);
	e.qtype = KNOT_RRTYPE_AAAA;
	e.rcode = KNOT_RCODE_SERVFAIL;
	e.latency_us = 6000123;
	char line[2048];
	assert_true(querylog_format(&e, line, sizeof(line)) > 0);
	assert_non_null(strstr(line, ",\"type\":\"AAAA\",\"step\":\"rule\","
				     "\"id\":\"rule-7\",\"target\":\"[2001:db8::53]:5300\","
				     "\"rcode\":\"SERVFAIL\",\"latency_us\":6000123}\n"));
}

static void test_unknown_parts_are_null(void **state)
{
	struct querylog_entry e;
	entry_init(&e);
	e.vpc_id[0] = '\0';
	e.has_question = false;
	e.step = STATS_STEP_NONE;
	e.resource_id[0] = '\0';
	e.rcode = KNOT_RCODE_FORMERR;
	char line[2048];
	assert_true(querylog_format(&e, line, sizeof(line)) > 0);
	assert_non_null(strstr(line, "\"vpc\":null,\"client\":\"10.1.0.10\","
				     "\"name\":null,\"type\":null,"
				     "\"step\":\"none\",\"id\":null,"
				     "\"target\":null,\"rcode\":\"FORMERR\""));
}

static void test_names_are_json_escaped(void **state)
{
	struct querylog_entry e;
	entry_init(&e);
	/* One label holding a quote and a backslash: the master-file form
	 * escapes both (a\"b\\c), JSON escapes that again. */
	static const uint8_t wire[] = { 5, 'a', '"', 'b', '\\', 'c', 0 };
	memcpy(e.qname, wire, sizeof(wire));
	e.qtype = 65280;
	char line[2048];
	assert_true(querylog_format(&e, line, sizeof(line)) > 0);
	assert_non_null(strstr(line, "\"name\":\"a\\\\\\\"b\\\\\\\\c.\""));
	assert_non_null(strstr(line, "\"type\":\"TYPE65280\""));
}

static void test_small_buffer_is_refused(void **state)
{
	struct querylog_entry e;
	entry_init(&e);
	char line[64];
	assert_int_equal(querylog_format(&e, line, sizeof(line)), ZG_ELIMIT);
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	static char buf[1 << 20];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static size_t count_lines(const char *text)
{
	size_t n = 0;
	for (; *text != '\0'; text++) {
		n += *text == '\n';
	}
	return n;
}

static void test_lines_reach_the_file_in_order(void **state)
{
	char path[] = "/tmp/zg-querylog-test-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);

	char err[256];
	assert_int_equal(querylog_open(path, 2, err, sizeof(err)), 0);
	assert_true(querylog_enabled());
	assert_int_equal(querylog_thread_attach(2), ZG_EINVAL);
	assert_int_equal(querylog_thread_attach(1), 0);
	struct querylog_entry e;
	entry_init(&e);
	for (int i = 0; i < 3; i++) {
		e.latency_us = (uint64_t)i;
		querylog_write(&e);
	}
	querylog_thread_detach();
	/* Unattached: written nowhere. */
	querylog_write(&e);
	querylog_close();
	assert_false(querylog_enabled());

	const char *text = read_all(path);
	assert_int_equal(count_lines(text), 3);
	const char *first = strstr(text, "\"latency_us\":0}");
	const char *last = strstr(text, "\"latency_us\":2}");
	assert_non_null(first);
	assert_non_null(last);
	assert_true(first < last);
	unlink(path);
}

static void test_reopen_follows_a_rotated_file(void **state)
{
	char path[] = "/tmp/zg-querylog-test-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	char rotated[64];
	snprintf(rotated, sizeof(rotated), "%s.1", path);

	char err[256];
	assert_int_equal(querylog_open(path, 1, err, sizeof(err)), 0);
	assert_int_equal(querylog_thread_attach(0), 0);
	struct querylog_entry e;
	entry_init(&e);
	querylog_write(&e);
	/* Wait for the writer to take the first line. */
	struct querylog_counts counts;
	for (int i = 0; i < 500; i++) {
		querylog_counts(&counts);
		if (counts.written == 1) {
			break;
		}
		usleep(10000);
	}
	assert_int_equal(counts.written, 1);
	assert_int_equal(rename(path, rotated), 0);
	querylog_reopen();
	usleep(100000);
	querylog_write(&e);
	querylog_thread_detach();
	querylog_close();

	assert_int_equal(count_lines(read_all(rotated)), 1);
	assert_int_equal(count_lines(read_all(path)), 1);
	unlink(path);
	unlink(rotated);
}

struct pipe_reader {
	int fd;
	size_t bytes;
};

static void *reader_main(void *arg)
{
	struct pipe_reader *r = arg;
	char buf[65536];
	ssize_t n;
	while ((n = read(r->fd, buf, sizeof(buf))) > 0) {
		r->bytes += (size_t)n;
	}
	return NULL;
}

static void test_full_ring_drops_and_counts_without_blocking(void **state)
{
	/* The log goes to a pipe nobody reads yet: the writer blocks on
	 * the full pipe, the ring fills, and the worker drops. */
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fds[1]);

	char err[256];
	assert_int_equal(querylog_open(path, 1, err, sizeof(err)), 0);
	close(fds[1]);
	assert_int_equal(querylog_thread_attach(0), 0);
	struct querylog_entry e;
	entry_init(&e);
	const unsigned total = QUERYLOG_RING * 4;
	for (unsigned i = 0; i < total; i++) {
		querylog_write(&e);
	}
	querylog_thread_detach();
	struct querylog_counts counts;
	querylog_counts(&counts);
	assert_true(counts.dropped > 0);

	pthread_t reader;
	struct pipe_reader r = { .fd = fds[0] };
	assert_int_equal(pthread_create(&reader, NULL, reader_main, &r), 0);
	/* Counts are read before close: after it the log is gone. */
	for (int i = 0; i < 500; i++) {
		querylog_counts(&counts);
		if (counts.written + counts.dropped == total) {
			break;
		}
		usleep(10000);
	}
	assert_int_equal(counts.written + counts.dropped, total);
	querylog_close();
	pthread_join(reader, NULL);
	close(fds[0]);
	char line[2048];
	size_t line_len = (size_t)querylog_format(&e, line, sizeof(line));
	assert_int_equal(r.bytes, counts.written * line_len);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_has_every_field_in_order),
		cmocka_unit_test(test_rule_line_names_target_and_rcode),
		cmocka_unit_test(test_unknown_parts_are_null),
		cmocka_unit_test(test_names_are_json_escaped),
		cmocka_unit_test(test_small_buffer_is_refused),
		cmocka_unit_test(test_lines_reach_the_file_in_order),
		cmocka_unit_test(test_reopen_follows_a_rotated_file),
		cmocka_unit_test(test_full_ring_drops_and_counts_without_blocking),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
