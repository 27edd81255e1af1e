/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the CLI's HTTP/1.1 reply parser and request sender. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/http.h"
#include "common/error.h"

/* Parses text (a C string) in one go. */
static int parse(const char *text, bool eof, struct http_response *out)
{
	return http_parse_response(text, strlen(text), eof, out);
}

/* Every proper prefix of text must ask for more bytes. */
static void assert_prefixes_need_more(const char *text)
{
	size_t len = strlen(text);

	for (size_t n = 0; n < len; n++) {
		struct http_response resp = { 0 };

		assert_int_equal(http_parse_response(text, n, false, &resp),
				 HTTP_PARSE_AGAIN);
	}
}

static void test_content_length_body_is_returned(void **state)
{
	const char *text = "HTTP/1.1 201 Created\r\n"
			   "Content-Type: application/json\r\n"
			   "Content-Length: 12\r\n\r\n"
			   "{\"id\":\"v1\"}\n";
	struct http_response resp = { 0 };

	assert_int_equal(parse(text, false, &resp), 0);
	assert_int_equal(resp.status, 201);
	assert_int_equal(resp.body_len, 12);
	assert_string_equal(resp.body, "{\"id\":\"v1\"}\n");
	http_response_clear(&resp);
	assert_null(resp.body);
}

static void test_bytes_after_content_length_are_ignored(void **state)
{
	const char *text = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}junk";
	struct http_response resp = { 0 };

	assert_int_equal(parse(text, false, &resp), 0);
	assert_string_equal(resp.body, "{}");
	http_response_clear(&resp);
}

static void test_partial_reply_asks_for_more(void **state)
{
	assert_prefixes_need_more("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
				  "\r\nhello");
}

static void test_truncated_reply_at_eof_is_refused(void **state)
{
	struct http_response resp = { 0 };

	assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel",
			       true, &resp), ZG_EINVAL);
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Len", true, &resp),
			 ZG_EINVAL);
	assert_int_equal(parse("", true, &resp), ZG_EINVAL);
}

static void test_chunked_body_is_joined(void **state)
{
	/* RFC 9112 section 7.1: size in hex, optional extension, data,
	 * CRLF; a zero size ends the body, then trailer fields. */
	const char *text = "HTTP/1.1 200 OK\r\n"
			   "Transfer-Encoding: chunked\r\n\r\n"
			   "4\r\n{\"a\"\r\n"
			   "A;name=value\r\n:[1,2,3]}\n\r\n"
			   "0\r\n"
			   "X-Trailer: yes\r\n\r\n";
	struct http_response resp = { 0 };

	assert_int_equal(parse(text, false, &resp), 0);
	assert_int_equal(resp.status, 200);
	assert_int_equal(resp.body_len, 14);
	assert_string_equal(resp.body, "{\"a\":[1,2,3]}\n");
	http_response_clear(&resp);
	assert_prefixes_need_more(text);
}

static void test_chunked_overrides_content_length(void **state)
{
	/* RFC 9112 section 6.3 item 3: Transfer-Encoding wins. */
	const char *text = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n"
			   "Transfer-Encoding: chunked\r\n\r\n"
			   "2\r\n{}\r\n0\r\n\r\n";
	struct http_response resp = { 0 };

	assert_int_equal(parse(text, false, &resp), 0);
	assert_string_equal(resp.body, "{}");
	http_response_clear(&resp);
}

static void test_bad_chunks_are_refused(void **state)
{
	struct http_response resp = { 0 };
	const char *head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
	const char *bodies[] = {
		"zz\r\nab\r\n0\r\n\r\n",	/* size not hex */
		"\r\n0\r\n\r\n",		/* size missing */
		"2\r\nabc\r\n0\r\n\r\n",	/* data longer than size */
		"2 x\r\nab\r\n0\r\n\r\n",	/* junk after the size */
	};

	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		char text[256];

		snprintf(text, sizeof(text), "%s%s", head, bodies[i]);
		assert_int_equal(parse(text, false, &resp), ZG_EINVAL);
	}
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n",
			       true, &resp), ZG_EINVAL);
}

static void test_huge_sizes_are_limited(void **state)
{
	struct http_response resp = { 0 };

	assert_int_equal(parse("HTTP/1.1 200 OK\r\n"
			       "Content-Length: 99999999999999\r\n\r\n",
			       false, &resp), ZG_ELIMIT);
	assert_int_equal(parse("HTTP/1.1 200 OK\r\n"
			       "Content-Length: 999999999999999999999999\r\n\r\n",
			       false, &resp), ZG_ELIMIT);
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			       "FFFFFFFFFFFFFFFFFFFFFFFF\r\n", false, &resp),
			 ZG_ELIMIT);
}

static void test_interim_continue_is_skipped(void **state)
{
	const char *text = "HTTP/1.1 100 Continue\r\n\r\n"
			   "HTTP/1.1 409 Conflict\r\nContent-Length: 2\r\n\r\n{}";
	struct http_response resp = { 0 };

	assert_int_equal(parse(text, false, &resp), 0);
	assert_int_equal(resp.status, 409);
	assert_string_equal(resp.body, "{}");
	http_response_clear(&resp);
}

static void test_no_content_reply_is_complete_without_body(void **state)
{
	struct http_response resp = { 0 };

	assert_int_equal(parse("HTTP/1.1 204 No Content\r\n\r\n", false,
			       &resp), 0);
	assert_int_equal(resp.status, 204);
	assert_int_equal(resp.body_len, 0);
	assert_string_equal(resp.body, "");
	http_response_clear(&resp);
}

static void test_body_without_length_ends_at_close(void **state)
{
	const char *text = "HTTP/1.0 500 Internal Server Error\r\n\r\noops";
	struct http_response resp = { 0 };

	assert_int_equal(parse(text, false, &resp), HTTP_PARSE_AGAIN);
	assert_int_equal(parse(text, true, &resp), 0);
	assert_int_equal(resp.status, 500);
	assert_string_equal(resp.body, "oops");
	http_response_clear(&resp);
}

static void test_bare_lf_and_any_case_headers_are_accepted(void **state)
{
	const char *text = "HTTP/1.1 404\ncontent-LENGTH:3 \n\nabc";
	struct http_response resp = { 0 };

	assert_int_equal(parse(text, false, &resp), 0);
	assert_int_equal(resp.status, 404);
	assert_string_equal(resp.body, "abc");
	http_response_clear(&resp);
}

static void test_content_lengths_must_agree(void **state)
{
	struct http_response resp = { 0 };

	assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
			       "Content-Length: 3\r\n\r\nabc", false, &resp),
			 ZG_EINVAL);
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
			       "Content-Length: 2\r\n\r\nab", false, &resp), 0);
	http_response_clear(&resp);
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: -2\r\n\r\n",
			       false, &resp), ZG_EINVAL);
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 2 3\r\n\r\n",
			       false, &resp), ZG_EINVAL);
}

static void test_bad_status_lines_are_refused(void **state)
{
	const char *lines[] = {
		"HTTP/2 200 OK\r\n\r\n",
		"HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/1.1 2000 OK\r\n\r\n",
		"HTTP/1.1 099 Odd\r\n\r\n",
		"SSH-2.0-OpenSSH\r\n\r\n",
		"http/1.1 200 OK\r\n\r\n",
	};
	struct http_response resp = { 0 };

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		assert_int_equal(parse(lines[i], true, &resp), ZG_EINVAL);
	}
}

static void test_bad_header_lines_are_refused(void **state)
{
	struct http_response resp = { 0 };

	/* Obsolete line folding (RFC 9112 section 5.2) and a line without
	 * a colon. */
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\n\r\n",
			       true, &resp), ZG_EINVAL);
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
			       true, &resp), ZG_EINVAL);
}

static void test_endless_headers_are_limited(void **state)
{
	size_t len = HTTP_MAX_HEADER_BYTES + 100;
	char *text = malloc(len + 1);
	struct http_response resp = { 0 };

	assert_non_null(text);
	memset(text, 'x', len);
	memcpy(text, "HTTP/1.1 200 OK\r\nX: ", 20);
	text[len] = '\0';
	assert_int_equal(parse(text, false, &resp), ZG_ELIMIT);
	free(text);
}

/* A one-shot server: accepts one connection, reads the request, writes a
 * chunked reply in two pieces and closes. */
struct fake_server {
	int listen_fd;
	char request[4096];
	size_t request_len;
};

static void *serve_once(void *arg)
{
	struct fake_server *srv = arg;
	int fd = accept(srv->listen_fd, NULL, NULL);
	const char *part1 = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked"
			    "\r\n\r\n3\r\n{\"a";
	const char *part2 = "\r\n5\r\n\":1}\n\r\n0\r\n\r\n";

	if (fd < 0) {
		return NULL;
	}
	/* The request has a body of 12 bytes after the blank line. */
	while (srv->request_len < sizeof(srv->request) - 1) {
		ssize_t n = read(fd, srv->request + srv->request_len,
				 sizeof(srv->request) - 1 - srv->request_len);
		char *end;

		if (n <= 0) {
			break;
		}
		srv->request_len += (size_t)n;
		srv->request[srv->request_len] = '\0';
		end = strstr(srv->request, "\r\n\r\n");
		if (end != NULL && strlen(end + 4) >= 12) {
			break;
		}
	}
	if (write(fd, part1, strlen(part1)) < 0 ||
	    write(fd, part2, strlen(part2)) < 0) {
		perror("write");
	}
	close(fd);
	return NULL;
}

static void test_request_is_sent_and_chunked_reply_read(void **state)
{
	struct fake_server srv = { .listen_fd = -1 };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct http_request req = {
		.method = "PATCH", .target = "/v1/vpcs/vpc-1",
		.body = "{\"name\":\"x\"}", .if_match = "7",
	};
	struct http_response resp = { 0 };
	pthread_t thread;

	snprintf(sun.sun_path, sizeof(sun.sun_path),
		 "/tmp/zg-cli-test-%d.sock", (int)getpid());
	unlink(sun.sun_path);
	srv.listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(srv.listen_fd >= 0);
	assert_int_equal(bind(srv.listen_fd, (struct sockaddr *)&sun,
			      sizeof(sun)), 0);
	assert_int_equal(listen(srv.listen_fd, 1), 0);
	assert_int_equal(pthread_create(&thread, NULL, serve_once, &srv), 0);

	assert_int_equal(http_request(sun.sun_path, &req, 5000, &resp), 0);
	assert_int_equal(pthread_join(thread, NULL), 0);
	close(srv.listen_fd);
	unlink(sun.sun_path);

	assert_string_equal(srv.request,
			    "PATCH /v1/vpcs/vpc-1 HTTP/1.1\r\n"
			    "Host: localhost\r\n"
			    "User-Agent: zonegate-cli\r\n"
			    "Accept: application/json\r\n"
			    "Connection: close\r\n"
			    "If-Match: 7\r\n"
			    "Content-Type: application/json\r\n"
			    "Content-Length: 12\r\n\r\n"
			    "{\"name\":\"x\"}");
	assert_int_equal(resp.status, 200);
	assert_string_equal(resp.body, "{\"a\":1}\n");
	http_response_clear(&resp);
}

static void test_missing_socket_is_unreachable(void **state)
{
	struct http_request req = { .method = "GET", .target = "/v1/status" };
	struct http_response resp = { 0 };
	char path[200];
	int rc;

	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';

	rc = http_request("/tmp/zg-cli-test-no-such.sock", &req, 1000, &resp);
	assert_int_equal(rc, -ENOENT);
	assert_true(http_error_is_unreachable(rc));
	assert_int_equal(http_request(path, &req, 1000, &resp),
			 -ENAMETOOLONG);
	assert_false(http_error_is_unreachable(ZG_EINVAL));
	assert_false(http_error_is_unreachable(ZG_ELIMIT));
	assert_false(http_error_is_unreachable(0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_content_length_body_is_returned),
		cmocka_unit_test(test_bytes_after_content_length_are_ignored),
		cmocka_unit_test(test_partial_reply_asks_for_more),
		cmocka_unit_test(test_truncated_reply_at_eof_is_refused),
		cmocka_unit_test(test_chunked_body_is_joined),
		cmocka_unit_test(test_chunked_overrides_content_length),
		cmocka_unit_test(test_bad_chunks_are_refused),
		cmocka_unit_test(test_huge_sizes_are_limited),
		cmocka_unit_test(test_interim_continue_is_skipped),
		cmocka_unit_test(test_no_content_reply_is_complete_without_body),
		cmocka_unit_test(test_body_without_length_ends_at_close),
		cmocka_unit_test(test_bare_lf_and_any_case_headers_are_accepted),
		cmocka_unit_test(test_content_lengths_must_agree),
		cmocka_unit_test(test_bad_status_lines_are_refused),
		cmocka_unit_test(test_bad_header_lines_are_refused),
		cmocka_unit_test(test_endless_headers_are_limited),
		cmocka_unit_test(test_request_is_sent_and_chunked_reply_read),
		cmocka_unit_test(test_missing_socket_is_unreachable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
