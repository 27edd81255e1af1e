/* SPDX-License-Identifier: GPL-3.0-or-later */
/* HTTP/1.1 requests over a unix socket and parsing of their replies. */
#include "cli/http.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/error.h"

/* Framing of the body, decided by the headers (RFC 9112 section 6.3). */
enum body_framing {
	FRAMING_NONE,		/* 1xx, 204, 304: no body */
	FRAMING_LENGTH,		/* Content-Length */
	FRAMING_CHUNKED,	/* Transfer-Encoding ending in chunked */
	FRAMING_CLOSE,		/* until the peer closes */
};

struct head {
	int status;
	enum body_framing framing;
	size_t content_length;
	size_t body_start;	/* offset of the first body byte */
};

/*
 * Finds the end of the line starting at pos. *eol is the offset of the
 * line's last content byte + 1 (before CR LF or LF), *next the offset after
 * the terminator. Returns false when no LF has arrived yet.
 */
static bool next_line(const char *buf, size_t len, size_t pos, size_t *eol,
		      size_t *next)
{
	const char *lf = memchr(buf + pos, '\n', len - pos);

	if (lf == NULL) {
		return false;
	}
	*next = (size_t)(lf - buf) + 1;
	*eol = (size_t)(lf - buf);
	if (*eol > pos && buf[*eol - 1] == '\r') {
		(*eol)--;
	}
	return true;
}

/* "HTTP/1.x NNN[ reason]" */
static int parse_status_line(const char *line, size_t len, int *status)
{
	if (len < 12 || memcmp(line, "HTTP/1.", 7) != 0 ||
	    (line[7] != '0' && line[7] != '1') || line[8] != ' ') {
		return ZG_EINVAL;
	}
	for (int i = 9; i < 12; i++) {
		if (line[i] < '0' || line[i] > '9') {
			return ZG_EINVAL;
		}
	}
	if (len > 12 && line[12] != ' ') {
		return ZG_EINVAL;
	}
	*status = (line[9] - '0') * 100 + (line[10] - '0') * 10 +
		  (line[11] - '0');
	if (*status < 100) {
		return ZG_EINVAL;
	}
	return 0;
}

static bool header_is(const char *line, size_t name_len, const char *name)
{
	return strlen(name) == name_len &&
	       strncasecmp(line, name, name_len) == 0;
}

/* Content-Length is 1*DIGIT; a repeated header must repeat the value. */
static int parse_content_length(const char *v, size_t len, struct head *h,
				bool *seen)
{
	size_t n = 0;

	if (len == 0) {
		return ZG_EINVAL;
	}
	for (size_t i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9') {
			return ZG_EINVAL;
		}
		if (n > (SIZE_MAX - 9) / 10) {
			return ZG_ELIMIT;
		}
		n = n * 10 + (size_t)(v[i] - '0');
	}
	if (*seen && n != h->content_length) {
		return ZG_EINVAL;
	}
	*seen = true;
	h->content_length = n;
	return 0;
}

/* True when the last transfer coding listed is "chunked". */
static bool last_coding_is_chunked(const char *v, size_t len)
{
	while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t')) {
		len--;
	}
	size_t start = len;

	while (start > 0 && v[start - 1] != ',' && v[start - 1] != ' ' &&
	       v[start - 1] != '\t') {
		start--;
	}
	return len - start == 7 && strncasecmp(v + start, "chunked", 7) == 0;
}

/* One "Name: value" line; obsolete line folding is refused. */
static int parse_header_line(const char *line, size_t len, struct head *h,
			     bool *seen_length, bool *seen_coding)
{
	const char *colon = memchr(line, ':', len);

	if (colon == NULL || colon == line || line[0] == ' ' ||
	    line[0] == '\t') {
		return ZG_EINVAL;
	}
	size_t name_len = (size_t)(colon - line);
	const char *v = colon + 1;
	size_t vlen = len - name_len - 1;

	while (vlen > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t')) {
		vlen--;
	}

	if (header_is(line, name_len, "Content-Length")) {
		return parse_content_length(v, vlen, h, seen_length);
	}
	if (header_is(line, name_len, "Transfer-Encoding")) {
		*seen_coding = true;
		h->framing = last_coding_is_chunked(v, vlen) ?
			     FRAMING_CHUNKED : FRAMING_CLOSE;
	}
	return 0;
}

/*
 * Parses the status line and headers of one reply starting at pos.
 * Returns 0, HTTP_PARSE_AGAIN or an error, as http_parse_response().
 */
static int parse_head(const char *buf, size_t len, size_t pos, bool eof,
		      struct head *h)
{
	size_t eol, next;
	bool seen_length = false, seen_coding = false;
	int rc;

	memset(h, 0, sizeof(*h));
	if (!next_line(buf, len, pos, &eol, &next)) {
		goto incomplete;
	}
	rc = parse_status_line(buf + pos, eol - pos, &h->status);
	if (rc != 0) {
		return rc;
	}
	pos = next;

	for (;;) {
		if (!next_line(buf, len, pos, &eol, &next)) {
			goto incomplete;
		}
		if (eol == pos) {
			break;
		}
		rc = parse_header_line(buf + pos, eol - pos, h, &seen_length,
				       &seen_coding);
		if (rc != 0) {
			return rc;
		}
		pos = next;
	}
	h->body_start = next;

	if (h->status < 200 || h->status == 204 || h->status == 304) {
		h->framing = FRAMING_NONE;
	} else if (!seen_coding) {
		h->framing = seen_length ? FRAMING_LENGTH : FRAMING_CLOSE;
	}
	return 0;

incomplete:
	if (len - pos > HTTP_MAX_HEADER_BYTES) {
		return ZG_ELIMIT;
	}
	return eof ? ZG_EINVAL : HTTP_PARSE_AGAIN;
}

/* Hex chunk size, then optional ";extension" up to the end of line. */
static int parse_chunk_size(const char *line, size_t len, size_t *size)
{
	size_t i = 0, n = 0;

	for (; i < len; i++) {
		char c = line[i];
		int d;

		if (c >= '0' && c <= '9') {
			d = c - '0';
		} else if (c >= 'a' && c <= 'f') {
			d = c - 'a' + 10;
		} else if (c >= 'A' && c <= 'F') {
			d = c - 'A' + 10;
		} else {
			break;
		}
		if (n > HTTP_MAX_BODY_BYTES) {
			return ZG_ELIMIT;
		}
		n = n * 16 + (size_t)d;
	}
	if (i == 0) {
		return ZG_EINVAL;
	}
	while (i < len && (line[i] == ' ' || line[i] == '\t')) {
		i++;
	}
	if (i < len && line[i] != ';') {
		return ZG_EINVAL;
	}
	if (n > HTTP_MAX_BODY_BYTES) {
		return ZG_ELIMIT;
	}
	*size = n;
	return 0;
}

/*
 * Walks the chunks from pos. With out == NULL only measures: *total gets
 * the decoded size. Otherwise copies the data into out.
 */
static int walk_chunks(const char *buf, size_t len, size_t pos, char *out,
		       size_t *total)
{
	size_t eol, next, size, sum = 0;
	int rc;

	for (;;) {
		if (!next_line(buf, len, pos, &eol, &next)) {
			return HTTP_PARSE_AGAIN;
		}
		rc = parse_chunk_size(buf + pos, eol - pos, &size);
		if (rc != 0) {
			return rc;
		}
		pos = next;
		if (size == 0) {
			break;
		}
		if (sum + size > HTTP_MAX_BODY_BYTES) {
			return ZG_ELIMIT;
		}
		if (len - pos < size) {
			return HTTP_PARSE_AGAIN;
		}
		if (out != NULL) {
			memcpy(out + sum, buf + pos, size);
		}
		sum += size;
		pos += size;

		/* The data must be followed by exactly CRLF (or LF). */
		if (!next_line(buf, len, pos, &eol, &next)) {
			return HTTP_PARSE_AGAIN;
		}
		if (eol != pos) {
			return ZG_EINVAL;
		}
		pos = next;
	}

	/* Trailer fields, ignored, up to the empty line. */
	for (;;) {
		if (!next_line(buf, len, pos, &eol, &next)) {
			return HTTP_PARSE_AGAIN;
		}
		if (eol == pos) {
			break;
		}
		pos = next;
	}
	*total = sum;
	return 0;
}

static int set_body(struct http_response *out, int status, const char *data,
		    size_t len)
{
	char *body = malloc(len + 1);

	if (body == NULL) {
		return ZG_ENOMEM;
	}
	if (len > 0) {
		memcpy(body, data, len);
	}
	body[len] = '\0';
	out->status = status;
	out->body = body;
	out->body_len = len;
	return 0;
}

static int parse_chunked(const char *buf, size_t len, bool eof,
			 const struct head *h, struct http_response *out)
{
	size_t total;
	int rc = walk_chunks(buf, len, h->body_start, NULL, &total);

	if (rc == HTTP_PARSE_AGAIN && eof) {
		return ZG_EINVAL;
	}
	if (rc != 0) {
		return rc;
	}
	char *body = malloc(total + 1);

	if (body == NULL) {
		return ZG_ENOMEM;
	}
	rc = walk_chunks(buf, len, h->body_start, body, &total);
	if (rc != 0) {
		free(body);
		return rc;
	}
	body[total] = '\0';
	out->status = h->status;
	out->body = body;
	out->body_len = total;
	return 0;
}

int http_parse_response(const char *buf, size_t len, bool eof,
			struct http_response *out)
{
	struct head h;
	size_t pos = 0;
	int rc;

	/* Skip interim replies such as 100 Continue. */
	for (;;) {
		rc = parse_head(buf, len, pos, eof, &h);
		if (rc != 0) {
			return rc;
		}
		if (h.status >= 200) {
			break;
		}
		pos = h.body_start;
	}

	size_t avail = len - h.body_start;

	switch (h.framing) {
	case FRAMING_NONE:
		return set_body(out, h.status, "", 0);
	case FRAMING_LENGTH:
		if (h.content_length > HTTP_MAX_BODY_BYTES) {
			return ZG_ELIMIT;
		}
		if (avail < h.content_length) {
			return eof ? ZG_EINVAL : HTTP_PARSE_AGAIN;
		}
		return set_body(out, h.status, buf + h.body_start,
				h.content_length);
	case FRAMING_CHUNKED:
		return parse_chunked(buf, len, eof, &h, out);
	case FRAMING_CLOSE:
	default:
		if (avail > HTTP_MAX_BODY_BYTES) {
			return ZG_ELIMIT;
		}
		if (!eof) {
			return HTTP_PARSE_AGAIN;
		}
		return set_body(out, h.status, buf + h.body_start, avail);
	}
}

void http_response_clear(struct http_response *resp)
{
	if (resp == NULL) {
		return;
	}
	free(resp->body);
	memset(resp, 0, sizeof(*resp));
}

bool http_error_is_unreachable(int code)
{
	/* Our own codes start at -1000; below that magnitude it is -errno. */
	return code < 0 && code > -1000;
}

static int connect_unix(const char *path, int timeout_ms, int *fd_out)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = {
		.tv_sec = timeout_ms / 1000,
		.tv_usec = (timeout_ms % 1000) * 1000,
	};

	if (strlen(path) >= sizeof(sun.sun_path)) {
		return -ENAMETOOLONG;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);

	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		return -errno;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		int err = errno;

		close(fd);
		return err == EINPROGRESS || err == EAGAIN ? -ETIMEDOUT : -err;
	}
	*fd_out = fd;
	return 0;
}

/* Builds the request text; *out is malloc'd. */
static int format_request(const struct http_request *req, char **out,
			  size_t *out_len)
{
	size_t body_len = req->body != NULL ? strlen(req->body) : 0;
	char *text = NULL;
	size_t text_len = 0;
	FILE *f = open_memstream(&text, &text_len);

	if (f == NULL) {
		return ZG_ENOMEM;
	}
	fprintf(f, "%s %s HTTP/1.1\r\nHost: localhost\r\n"
		"User-Agent: zonegate-cli\r\nAccept: application/json\r\n"
		"Connection: close\r\n", req->method, req->target);
	if (req->if_match != NULL) {
		fprintf(f, "If-Match: %s\r\n", req->if_match);
	}
	if (req->body != NULL) {
		fprintf(f, "Content-Type: application/json\r\n"
			"Content-Length: %zu\r\n\r\n", body_len);
		fwrite(req->body, 1, body_len, f);
	} else if (strcmp(req->method, "POST") == 0 ||
		   strcmp(req->method, "PUT") == 0 ||
		   strcmp(req->method, "PATCH") == 0) {
		fputs("Content-Length: 0\r\n\r\n", f);
	} else {
		fputs("\r\n", f);
	}
	if (ferror(f) != 0) {
		fclose(f);
		free(text);
		return ZG_ENOMEM;
	}
	if (fclose(f) != 0) {
		free(text);
		return ZG_ENOMEM;
	}
	*out = text;
	*out_len = text_len;
	return 0;
}

static int send_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads until a whole reply has been parsed or the peer closes. */
static int read_reply(int fd, struct http_response *out)
{
	size_t cap = 16384, len = 0;
	char *buf = malloc(cap);
	int rc = HTTP_PARSE_AGAIN;

	if (buf == NULL) {
		return ZG_ENOMEM;
	}
	while (rc == HTTP_PARSE_AGAIN) {
		if (cap - len < 4096) {
			char *bigger = NULL;

			size_t most = HTTP_MAX_BODY_BYTES + HTTP_MAX_HEADER_BYTES;

			if (cap <= most) {
				bigger = realloc(buf, cap * 2);
			}
			if (bigger == NULL) {
				rc = cap > HTTP_MAX_BODY_BYTES ? ZG_ELIMIT :
				     ZG_ENOMEM;
				break;
			}
			buf = bigger;
			cap *= 2;
		}
		ssize_t n = recv(fd, buf + len, cap - len, 0);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			rc = errno == EAGAIN ? -ETIMEDOUT : -errno;
			break;
		}
		len += (size_t)n;
		rc = http_parse_response(buf, len, n == 0, out);
		if (n == 0 && len == 0) {
			/* Closed without a byte: nobody answered. */
			rc = -ECONNRESET;
		}
	}
	free(buf);
	return rc;
}

int http_request(const char *socket_path, const struct http_request *req,
		 int timeout_ms, struct http_response *out)
{
	char *text = NULL;
	size_t text_len = 0;
	int fd = -1;
	int rc = format_request(req, &text, &text_len);

	if (rc != 0) {
		return rc;
	}
	rc = connect_unix(socket_path, timeout_ms, &fd);
	if (rc != 0) {
		goto out;
	}

	/* A server may answer (e.g. 413) and close before reading all of a
	 * request: then its reply matters more than our send error. */
	int send_rc = send_all(fd, text, text_len);

	rc = read_reply(fd, out);
	if (rc != 0 && send_rc != 0) {
		rc = send_rc;
	}

out:
	if (fd >= 0) {
		close(fd);
	}
	free(text);
	return rc;
}
