/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The kernel's route to a target, asked over rtnetlink (RTM_GETROUTE),
 * as `ip route get DST from SRC` does. */
#include "doctor/doctor.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/error.h"

#define ROUTE_TIMEOUT_MS 1000

const char *doctor_route_type_name(int type)
{
	switch (type) {
	case RTN_UNICAST:
		return "unicast";
	case RTN_LOCAL:
		return "local";
	case RTN_BROADCAST:
		return "broadcast";
	case RTN_ANYCAST:
		return "anycast";
	case RTN_MULTICAST:
		return "multicast";
	case RTN_BLACKHOLE:
		return "blackhole";
	case RTN_UNREACHABLE:
		return "unreachable";
	case RTN_PROHIBIT:
		return "prohibit";
	case RTN_THROW:
		return "throw";
	default:
		return "other";
	}
}

/* The raw address bytes of addr and their length. */
static const void *addr_bytes(const struct zg_addr *addr, size_t *len)
{
	if (addr_family(addr) == AF_INET6) {
		const struct sockaddr_in6 *sin6 =
			(const struct sockaddr_in6 *)&addr->ss;
		*len = 16;
		return &sin6->sin6_addr;
	}
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&addr->ss;
	*len = 4;
	return &sin->sin_addr;
}

/* An address attribute of the reply as a zg_addr with port 0. */
static int attr_addr(int family, const struct rtattr *rta, struct zg_addr *out)
{
	memset(out, 0, sizeof(*out));
	size_t len = RTA_PAYLOAD(rta);
	if (family == AF_INET && len == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&out->ss;
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, RTA_DATA(rta), 4);
		out->len = sizeof(*sin);
		return 0;
	}
	if (family == AF_INET6 && len == 16) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->ss;
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, RTA_DATA(rta), 16);
		out->len = sizeof(*sin6);
		return 0;
	}
	return ZG_EMALF;
}

static void add_attr(struct nlmsghdr *nh, size_t cap, int type,
		     const void *data, size_t len)
{
	struct rtattr *rta = (struct rtattr *)((char *)nh +
					       NLMSG_ALIGN(nh->nlmsg_len));
	if (NLMSG_ALIGN(nh->nlmsg_len) + RTA_SPACE(len) > cap) {
		return;
	}
	rta->rta_type = (unsigned short)type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_SPACE(len);
}

/* Reads the RTM_NEWROUTE reply into out. */
static int parse_route(const struct nlmsghdr *nh, struct doctor_route *out)
{
	const struct rtmsg *rtm = NLMSG_DATA(nh);
	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*rtm))) {
		return ZG_EMALF;
	}
	memset(out, 0, sizeof(*out));
	out->type = rtm->rtm_type;
	out->table = rtm->rtm_table;

	int len = (int)RTM_PAYLOAD(nh);
	for (const struct rtattr *rta = RTM_RTA(rtm); RTA_OK(rta, len);
	     rta = RTA_NEXT(rta, len)) {
		switch (rta->rta_type) {
		case RTA_OIF:
			if (RTA_PAYLOAD(rta) == sizeof(int) &&
			    if_indextoname(*(const unsigned *)RTA_DATA(rta),
					   out->ifname) == NULL) {
				out->ifname[0] = '\0';
			}
			break;
		case RTA_TABLE:
			if (RTA_PAYLOAD(rta) == sizeof(uint32_t)) {
				out->table = *(const uint32_t *)RTA_DATA(rta);
			}
			break;
		case RTA_GATEWAY:
			out->has_gateway = attr_addr(rtm->rtm_family, rta,
						     &out->gateway) == 0;
			break;
		case RTA_PREFSRC:
			out->has_prefsrc = attr_addr(rtm->rtm_family, rta,
						     &out->prefsrc) == 0;
			break;
		default:
			break;
		}
	}
	return 0;
}

/* Waits for and reads the kernel's answer to request seq. */
static int read_reply(int fd, uint32_t seq, struct doctor_route *out)
{
	char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long spent = (now.tv_sec - start.tv_sec) * 1000 +
			     (now.tv_nsec - start.tv_nsec) / 1000000;
		if (spent >= ROUTE_TIMEOUT_MS) {
			return ZG_ETIMEOUT;
		}
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int ready = poll(&pfd, 1, (int)(ROUTE_TIMEOUT_MS - spent));
		if (ready < 0 && errno != EINTR) {
			return -errno;
		}
		if (ready <= 0) {
			continue;
		}
		ssize_t got = recv(fd, buf, sizeof(buf), 0);
		if (got < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				continue;
			}
			return -errno;
		}
		int len = (int)got;
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf;
		     NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len)) {
			if (nh->nlmsg_seq != seq) {
				continue;
			}
			if (nh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *err = NLMSG_DATA(nh);
				return err->error != 0 ? err->error
						       : ZG_EMALF;
			}
			if (nh->nlmsg_type == RTM_NEWROUTE) {
				return parse_route(nh, out);
			}
		}
	}
}

int doctor_route_get(const struct zg_addr *dst, const struct zg_addr *src,
		     struct doctor_route *out)
{
	struct {
		struct nlmsghdr nh;
		struct rtmsg rtm;
		char attrs[64];
	} req;
	memset(&req, 0, sizeof(req));
	static uint32_t seq_counter;
	uint32_t seq = __atomic_add_fetch(&seq_counter, 1, __ATOMIC_RELAXED);

	size_t len = 0;
	const void *bytes = addr_bytes(dst, &len);
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.rtm));
	req.nh.nlmsg_type = RTM_GETROUTE;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.nh.nlmsg_seq = seq;
	req.rtm.rtm_family = (unsigned char)addr_family(dst);
	req.rtm.rtm_dst_len = (unsigned char)(len * 8);
	/* Report the table the route was found in (220 for strongSwan's
	 * routes), not always "main". */
	req.rtm.rtm_flags = RTM_F_LOOKUP_TABLE;
	add_attr(&req.nh, sizeof(req), RTA_DST, bytes, len);
	if (src != NULL && addr_family(src) == addr_family(dst)) {
		size_t src_len = 0;
		const void *src_bytes = addr_bytes(src, &src_len);
		req.rtm.rtm_src_len = (unsigned char)(src_len * 8);
		add_attr(&req.nh, sizeof(req), RTA_SRC, src_bytes, src_len);
	}

	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0) {
		return -errno;
	}
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	int ret = 0;
	if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0) {
		ret = -errno;
	} else {
		ret = read_reply(fd, seq, out);
	}
	close(fd);
	return ret;
}
