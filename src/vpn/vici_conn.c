/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A blocking VICI client connection over a unix socket, with a deadline
 * on every call. */
#include "vpn/vici.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/error.h"

struct vici_conn {
	int fd;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until fd is ready for events or the deadline passes. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	/* Polls at least once, so a deadline of now still sees what is
	 * already there. */
	for (;;) {
		int64_t left = deadline - now_ms();
		left = left < 0 ? 0 : left > 60000 ? 60000 : left;
		struct pollfd pfd = { .fd = fd, .events = events };
		int n = poll(&pfd, 1, (int)left);
		if (n > 0) {
			return 0;
		}
		if (n < 0 && errno != EINTR) {
			return -errno;
		}
		if (n == 0 && now_ms() >= deadline) {
			return ZG_ETIMEOUT;
		}
	}
}

int vici_connect(const char *path, int timeout_ms, struct vici_conn **out)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	*out = NULL;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		return ZG_EINVAL;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);

	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
			0);
	if (fd < 0) {
		return -errno;
	}
	int ret = 0;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		ret = errno == EINPROGRESS || errno == EAGAIN
			? wait_fd(fd, POLLOUT, now_ms() + timeout_ms) : -errno;
	}
	if (ret == 0) {
		int err = 0;
		socklen_t len = sizeof(err);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
			ret = -errno;
		} else if (err != 0) {
			ret = -err;
		}
	}
	struct vici_conn *conn = ret == 0 ? calloc(1, sizeof(*conn)) : NULL;
	if (ret == 0 && conn == NULL) {
		ret = ZG_ENOMEM;
	}
	if (ret != 0) {
		close(fd);
		return ret;
	}
	conn->fd = fd;
	*out = conn;
	return 0;
}

void vici_close(struct vici_conn *conn)
{
	if (conn != NULL) {
		close(conn->fd);
		free(conn);
	}
}

int vici_conn_fd(const struct vici_conn *conn)
{
	return conn->fd;
}

static int write_all(int fd, const uint8_t *buf, size_t len, int64_t deadline)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			return -errno;
		}
		int ret = wait_fd(fd, POLLOUT, deadline);
		if (ret != 0) {
			return ret;
		}
	}
	return 0;
}

static int read_all(int fd, uint8_t *buf, size_t len, int64_t deadline)
{
	while (len > 0) {
		ssize_t n = recv(fd, buf, len, 0);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n == 0) {
			return -ECONNRESET;	/* charon closed the socket */
		}
		if (errno != EAGAIN && errno != EINTR) {
			return -errno;
		}
		int ret = wait_fd(fd, POLLIN, deadline);
		if (ret != 0) {
			return ret;
		}
	}
	return 0;
}

static int send_packet(struct vici_conn *conn, enum vici_packet_type type,
		       const char *name, const struct vici_builder *b,
		       int64_t deadline)
{
	uint8_t *pkt = NULL;
	size_t len = 0;
	int ret = vici_packet_encode(type, name, b != NULL ? b->buf : NULL,
				     b != NULL ? b->len : 0, &pkt, &len);
	if (ret != 0) {
		return ret;
	}
	ret = write_all(conn->fd, pkt, len, deadline);
	memset(pkt, 0, len);
	free(pkt);
	return ret;
}

/* Reads one packet; *body (malloc'ed, the caller frees) holds it and
 * pkt points into it. */
static int recv_packet(struct vici_conn *conn, int64_t deadline,
		       uint8_t **body, struct vici_packet *pkt)
{
	uint8_t prefix[4];
	int ret = read_all(conn->fd, prefix, sizeof(prefix), deadline);
	if (ret != 0) {
		return ret;
	}
	size_t len = ((size_t)prefix[0] << 24) | ((size_t)prefix[1] << 16) |
		     ((size_t)prefix[2] << 8) | prefix[3];
	if (len == 0 || len > VICI_MAX_PACKET) {
		return ZG_EMALF;
	}
	*body = malloc(len);
	if (*body == NULL) {
		return ZG_ENOMEM;
	}
	ret = read_all(conn->fd, *body, len, deadline);
	if (ret == 0) {
		ret = vici_packet_decode(*body, len, pkt);
	}
	if (ret != 0) {
		free(*body);
		*body = NULL;
	}
	return ret;
}

static int deliver_event(const struct vici_packet *pkt, vici_event_fn fn,
			 void *arg)
{
	struct vici_node *msg = NULL;
	int ret = vici_parse(pkt->msg, pkt->msg_len, &msg);
	if (ret == 0 && fn != NULL) {
		fn(arg, pkt->name, msg);
	}
	vici_node_free(msg);
	return ret;
}

int vici_request(struct vici_conn *conn, const char *cmd,
		 const struct vici_builder *b, int timeout_ms,
		 vici_event_fn on_event, void *arg,
		 struct vici_node **response)
{
	int64_t deadline = now_ms() + timeout_ms;
	if (response != NULL) {
		*response = NULL;
	}
	int ret = send_packet(conn, VICI_CMD_REQUEST, cmd, b, deadline);

	while (ret == 0) {
		uint8_t *body = NULL;
		struct vici_packet pkt;
		ret = recv_packet(conn, deadline, &body, &pkt);
		if (ret != 0) {
			break;
		}
		if (pkt.type == VICI_EVENT) {
			ret = deliver_event(&pkt, on_event, arg);
			free(body);
			continue;
		}
		if (pkt.type == VICI_CMD_UNKNOWN) {
			ret = ZG_ENOENT;
		} else if (pkt.type != VICI_CMD_RESPONSE) {
			ret = ZG_EMALF;
		} else if (response != NULL) {
			ret = vici_parse(pkt.msg, pkt.msg_len, response);
		}
		free(body);
		return ret;
	}
	return ret;
}

int vici_event_register(struct vici_conn *conn, const char *event, bool reg,
			int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	int ret = send_packet(conn, reg ? VICI_EVENT_REGISTER
					: VICI_EVENT_UNREGISTER,
			      event, NULL, deadline);

	while (ret == 0) {
		uint8_t *body = NULL;
		struct vici_packet pkt;
		ret = recv_packet(conn, deadline, &body, &pkt);
		if (ret != 0) {
			break;
		}
		enum vici_packet_type type = pkt.type;
		free(body);
		if (type == VICI_EVENT) {
			/* An event already registered for; the caller asked
			 * for a confirmation, not for this. */
			continue;
		}
		if (type == VICI_EVENT_CONFIRM) {
			return 0;
		}
		return type == VICI_EVENT_UNKNOWN ? ZG_ENOENT : ZG_EMALF;
	}
	return ret;
}

int vici_read_event(struct vici_conn *conn, int timeout_ms,
		    vici_event_fn on_event, void *arg)
{
	int64_t deadline = now_ms() + timeout_ms;
	int ret = wait_fd(conn->fd, POLLIN, deadline);
	if (ret != 0) {
		return ret;
	}
	/* A packet has started to arrive: give the rest a few seconds even
	 * when the caller only wanted to peek. */
	uint8_t *body = NULL;
	struct vici_packet pkt;
	ret = recv_packet(conn, now_ms() + 5000, &body, &pkt);
	if (ret != 0) {
		return ret;
	}
	ret = pkt.type == VICI_EVENT ? deliver_event(&pkt, on_event, arg)
				     : ZG_EMALF;
	free(body);
	return ret;
}
