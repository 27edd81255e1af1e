/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A small HTTP/1.1 client over a unix stream socket, for the CLI only. */
#ifndef ZONEGATE_CLI_HTTP_H
#define ZONEGATE_CLI_HTTP_H

#include <stdbool.h>
#include <stddef.h>

/* Largest header block and body the client accepts from the daemon. */
#define HTTP_MAX_HEADER_BYTES (64 * 1024)
#define HTTP_MAX_BODY_BYTES (64 * 1024 * 1024)

/* http_parse_response() needs more bytes before it can finish. */
#define HTTP_PARSE_AGAIN 1

/* One parsed reply. body is NUL-terminated (the NUL is not counted in
 * body_len) and owned by the struct; free it with http_response_clear(). */
struct http_response {
	int status;		/* 100..599 */
	char *body;		/* decoded body (chunks joined); never
				 * NULL after a successful parse */
	size_t body_len;	/* bytes in body */
};

/*!
 * Parses one reply from the bytes received so far.
 *
 * Handles the status line, headers (lines may end in CRLF or LF),
 * Content-Length, chunked transfer coding (extensions and trailers are
 * skipped) and, with neither, a body that ends when the peer closes.
 * Interim 1xx replies are skipped; 204 and 304 have no body.
 *
 * \param buf  all bytes received so far, from the start of the reply.
 * \param eof  true when the peer has closed; a body delimited by the
 *             close is then complete, any other short reply is an error.
 * \param out  filled on success; untouched otherwise.
 * \retval 0                 complete; out holds the reply.
 * \retval HTTP_PARSE_AGAIN  more bytes are needed (only when !eof).
 * \retval ZG_EINVAL         malformed reply, or truncated at eof.
 * \retval ZG_ELIMIT         header block or body over the limits above.
 * \retval ZG_ENOMEM         allocation failed.
 */
int http_parse_response(const char *buf, size_t len, bool eof,
			struct http_response *out);

/*! Frees what a response owns and zeroes it. Accepts NULL. */
void http_response_clear(struct http_response *resp);

/* What http_request() sends. Unused fields are NULL. */
struct http_request {
	const char *method;	/* "GET", "POST", ... */
	const char *target;	/* origin-form: "/v1/vpcs?limit=1000" */
	const char *body;	/* JSON text, or NULL for none */
	const char *if_match;	/* If-Match value, or NULL */
};

/*!
 * Connects to the unix socket at socket_path, sends req with
 * "Connection: close" and reads the whole reply into out.
 * Every socket operation gives up after timeout_ms.
 *
 * \retval 0           out holds the reply, whatever its status.
 * \retval -errno      the socket could not be reached (connect, send) or
 *                     the path does not fit in sockaddr_un (-ENAMETOOLONG);
 *                     -ETIMEDOUT when no reply came in time.
 * \retval ZG_EINVAL   the peer sent something that is not HTTP.
 * \retval ZG_ELIMIT   the reply is too large.
 * \retval ZG_ENOMEM   allocation failed.
 */
int http_request(const char *socket_path, const struct http_request *req,
		 int timeout_ms, struct http_response *out);

/*! True when the failure code of http_request() means the daemon was not
 *  reached at all (as opposed to a broken reply). */
bool http_error_is_unreachable(int code);

#endif
