/* SPDX-License-Identifier: GPL-3.0-or-later */
/* doctor's pure checks (security group, loops), the kernel route lookup,
 * SOA probes against a small DNS server on 127.0.0.1, and whole runs over
 * a plan copied from a configuration. Traffic stays on 127.0.0.1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/error.h"
#include "doctor/doctor.h"

/* ---- a DNS server on 127.0.0.1 for the probes -------------------------- */

enum fake_mode {
	FAKE_SOA = 0,		/* NOERROR, AA, SOA serial 42 in the answer */
	FAKE_NODATA,		/* NOERROR, empty answer */
	FAKE_REFUSED,
	FAKE_WRONG_ID,		/* the reply's ID is off by one */
};

struct fake {
	int udp, tcp;		/* bound to 127.0.0.1, same port */
	uint16_t port;
	enum fake_mode mode;
	int stop[2];		/* pipe: write to stop the thread */
	pthread_t thread;
	int queries;		/* queries seen */
};

/* The reply to query (len octets) in out; returns its length. */
static size_t fake_reply(struct fake *f, const uint8_t *q, size_t len,
			 uint8_t *out)
{
	/* Header and question copied; the question ends before the OPT RR
	 * (11 octets) the probe adds. */
	size_t qend = len - 11;
	memcpy(out, q, qend);
	out[2] |= 0x80;				/* QR */
	out[3] = 0x00;				/* RA=0, rcode 0 */
	out[6] = out[7] = 0;			/* ANCOUNT */
	out[10] = out[11] = 0;			/* ARCOUNT */
	if (f->mode == FAKE_WRONG_ID) {
		out[1] ^= 1;
	}
	if (f->mode == FAKE_REFUSED) {
		out[3] = 5;
		return qend;
	}
	out[2] |= 0x04;				/* AA */
	if (f->mode == FAKE_NODATA) {
		return qend;
	}
	static const uint8_t soa[] = {
		0xc0, 0x0c, 0x00, 0x06, 0x00, 0x01,	/* owner, SOA, IN */
		0x00, 0x00, 0x0e, 0x10, 0x00, 0x1b,	/* TTL 3600, RDLEN 27 */
		0x02, 'n', 's', 0x00,			/* mname ns. */
		0x01, 'h', 0x00,			/* rname h. */
		0x00, 0x00, 0x00, 0x2a,			/* serial 42 */
		0x00, 0x00, 0x0e, 0x10, 0x00, 0x00, 0x02, 0x58,
		0x00, 0x09, 0x3a, 0x80, 0x00, 0x00, 0x01, 0x2c,
	};
	memcpy(out + qend, soa, sizeof(soa));
	out[7] = 1;
	return qend + sizeof(soa);
}

static void fake_tcp_client(struct fake *f, int fd)
{
	uint8_t buf[600], out[700];
	size_t have = 0;
	while (have < 2 || have < 2 + (size_t)((buf[0] << 8) | buf[1])) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		if (poll(&pfd, 1, 2000) <= 0) {
			return;
		}
		ssize_t got = recv(fd, buf + have, sizeof(buf) - have, 0);
		if (got <= 0) {
			return;
		}
		have += (size_t)got;
	}
	f->queries++;
	size_t n = fake_reply(f, buf + 2, have - 2, out + 2);
	out[0] = (uint8_t)(n >> 8);
	out[1] = (uint8_t)n;
	(void)send(fd, out, n + 2, MSG_NOSIGNAL);
}

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	for (;;) {
		struct pollfd pfds[3] = {
			{ .fd = f->udp, .events = POLLIN },
			{ .fd = f->tcp, .events = POLLIN },
			{ .fd = f->stop[0], .events = POLLIN },
		};
		if (poll(pfds, 3, 5000) <= 0 || pfds[2].revents != 0) {
			return NULL;
		}
		if (pfds[0].revents != 0) {
			uint8_t buf[600], out[700];
			struct sockaddr_storage peer;
			socklen_t plen = sizeof(peer);
			ssize_t got = recvfrom(f->udp, buf, sizeof(buf), 0,
					       (struct sockaddr *)&peer, &plen);
			if (got > 23) {
				f->queries++;
				size_t n = fake_reply(f, buf, (size_t)got, out);
				(void)sendto(f->udp, out, n, 0,
					     (struct sockaddr *)&peer, plen);
			}
		}
		if (pfds[1].revents != 0) {
			int fd = accept(f->tcp, NULL, NULL);
			if (fd >= 0) {
				fake_tcp_client(f, fd);
				close(fd);
			}
		}
	}
}

static void fake_start(struct fake *f, enum fake_mode mode)
{
	memset(f, 0, sizeof(*f));
	f->mode = mode;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f->tcp = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(f->tcp >= 0);
	assert_int_equal(bind(f->tcp, (struct sockaddr *)&sin, sizeof(sin)),
			 0);
	socklen_t len = sizeof(sin);
	assert_int_equal(getsockname(f->tcp, (struct sockaddr *)&sin, &len),
			 0);
	assert_int_equal(listen(f->tcp, 8), 0);
	f->udp = socket(AF_INET, SOCK_DGRAM, 0);
	assert_int_equal(bind(f->udp, (struct sockaddr *)&sin, sizeof(sin)),
			 0);
	f->port = ntohs(sin.sin_port);
	assert_int_equal(pipe(f->stop), 0);
	assert_int_equal(pthread_create(&f->thread, NULL, fake_main, f), 0);
}

static void fake_stop(struct fake *f)
{
	assert_int_equal(write(f->stop[1], "x", 1), 1);
	pthread_join(f->thread, NULL);
	close(f->udp);
	close(f->tcp);
	close(f->stop[0]);
	close(f->stop[1]);
}

/* A port on 127.0.0.1 where nothing listens (bound, then closed). */
static uint16_t closed_port(int type)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, type, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	socklen_t len = sizeof(sin);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	return ntohs(sin.sin_port);
}

static struct zg_addr addr(const char *text, uint16_t port)
{
	struct zg_addr a;
	assert_int_equal(addr_parse(text, port, &a), 0);
	return a;
}

static struct zg_prefix prefix(const char *text)
{
	struct zg_prefix p;
	assert_int_equal(prefix_parse(text, &p), 0);
	return p;
}

/* "example." in wire form. */
static const uint8_t EXAMPLE[] = { 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0 };

/* ---- the security group ------------------------------------------------ */

static void test_egress_matches_protocol_port_and_prefix(void **state)
{
	struct doctor_egress rules[] = {
		{ IPPROTO_UDP, 53, prefix("10.0.0.0/8") },
		{ IPPROTO_TCP, 0, prefix("192.0.2.0/24") },
	};
	struct zg_addr a = addr("10.1.2.3", 53);
	assert_true(doctor_egress_allows(rules, 2, IPPROTO_UDP, &a));
	assert_false(doctor_egress_allows(rules, 2, IPPROTO_TCP, &a));
	a = addr("10.1.2.3", 5353);
	assert_false(doctor_egress_allows(rules, 2, IPPROTO_UDP, &a));
	a = addr("192.0.2.9", 5353);
	assert_true(doctor_egress_allows(rules, 2, IPPROTO_TCP, &a));
	assert_false(doctor_egress_allows(rules, 2, IPPROTO_UDP, &a));
}

static void test_egress_both_protocols_rule_and_empty_group(void **state)
{
	struct doctor_egress any[] = { { 0, 53, prefix("::/0") } };
	struct zg_addr v6 = addr("[2001:db8::1]:53", 53);
	struct zg_addr v4 = addr("192.0.2.1", 53);
	assert_true(doctor_egress_allows(any, 1, IPPROTO_UDP, &v6));
	assert_true(doctor_egress_allows(any, 1, IPPROTO_TCP, &v6));
	/* An IPv6 prefix never holds an IPv4 address. */
	assert_false(doctor_egress_allows(any, 1, IPPROTO_UDP, &v4));
	assert_false(doctor_egress_allows(NULL, 0, IPPROTO_UDP, &v4));
}

/* ---- loops ------------------------------------------------------------- */

static void test_loop_same_address_and_port_is_found(void **state)
{
	struct zg_addr listen[] = { addr("10.0.0.2", 53),
				    addr("172.17.0.53", 53) };
	struct zg_addr t = addr("172.17.0.53", 53);
	assert_int_equal(doctor_find_loop(listen, 2, &t, false), 1);
	t = addr("172.17.0.53", 5353);
	assert_int_equal(doctor_find_loop(listen, 2, &t, true), -1);
	t = addr("172.28.0.7", 53);
	assert_int_equal(doctor_find_loop(listen, 2, &t, false), -1);
}

static void test_loop_wildcard_listener_catches_local_targets(void **state)
{
	struct zg_addr listen[] = { addr("[::]:53", 53),
				    addr("0.0.0.0", 53) };
	struct zg_addr t = addr("10.9.9.9", 53);
	/* Only when the target is an address of this host. */
	assert_int_equal(doctor_find_loop(listen, 2, &t, false), -1);
	assert_int_equal(doctor_find_loop(listen, 2, &t, true), 1);
	t = addr("10.9.9.9", 54);
	assert_int_equal(doctor_find_loop(listen, 2, &t, true), -1);
	t = addr("[fd00::1]:53", 53);
	assert_int_equal(doctor_find_loop(listen, 2, &t, true), 0);
}

/* ---- the kernel's route ------------------------------------------------ */

static void test_route_to_loopback_is_local_on_lo(void **state)
{
	struct doctor_route rt;
	struct zg_addr dst = addr("127.0.0.1", 53);
	assert_int_equal(doctor_route_get(&dst, NULL, &rt), 0);
	assert_int_equal(rt.type, RTN_LOCAL);
	assert_string_equal(rt.ifname, "lo");
	/* No table asserted: without policy rules Linux keeps the local and
	 * main tables merged and reports either. */
	assert_string_equal(doctor_route_type_name(rt.type), "local");
}

static void test_route_from_a_source_this_host_lacks_fails(void **state)
{
	struct doctor_route rt;
	struct zg_addr dst = addr("127.0.0.1", 53);
	/* 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never ours. */
	struct zg_addr src = addr("192.0.2.77", 0);
	int ret = doctor_route_get(&dst, &src, &rt);
	assert_true(ret < 0);
	assert_true(ret > ZG_EINVAL);	/* an errno from the kernel */
}

/* ---- SOA probes -------------------------------------------------------- */

static struct doctor_probe probe(uint16_t port, int protocol)
{
	struct doctor_probe p = { 0 };
	p.domain = EXAMPLE;
	p.target = addr("127.0.0.1", port);
	p.has_source = true;
	p.source = addr("127.0.0.1", 0);
	p.protocol = protocol;
	return p;
}

static void test_probe_reads_the_soa_serial_over_udp_and_tcp(void **state)
{
	struct fake f;
	fake_start(&f, FAKE_SOA);
	struct doctor_probe p[2] = { probe(f.port, IPPROTO_UDP),
				     probe(f.port, IPPROTO_TCP) };
	assert_int_equal(doctor_probe_run(p, 2, 2000), 0);
	fake_stop(&f);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(p[i].error, 0);
		assert_int_equal(p[i].rcode, KNOT_RCODE_NOERROR);
		assert_true(p[i].aa);
		assert_false(p[i].tc);
		assert_true(p[i].soa_found);
		assert_int_equal(p[i].serial, 42);
	}
	assert_int_equal(f.queries, 2);
}

static void test_probe_drops_a_reply_with_another_id(void **state)
{
	struct fake f;
	fake_start(&f, FAKE_WRONG_ID);
	struct doctor_probe p = probe(f.port, IPPROTO_UDP);
	assert_int_equal(doctor_probe_run(&p, 1, 300), 0);
	fake_stop(&f);
	assert_int_equal(f.queries, 1);
	assert_int_equal(p.error, ZG_ETIMEOUT);
}

static void test_probe_reports_refused_and_nodata(void **state)
{
	struct fake f;
	fake_start(&f, FAKE_REFUSED);
	struct doctor_probe p = probe(f.port, IPPROTO_UDP);
	assert_int_equal(doctor_probe_run(&p, 1, 2000), 0);
	fake_stop(&f);
	assert_int_equal(p.error, 0);
	assert_int_equal(p.rcode, KNOT_RCODE_REFUSED);
	assert_false(p.soa_found);

	fake_start(&f, FAKE_NODATA);
	p = probe(f.port, IPPROTO_TCP);
	assert_int_equal(doctor_probe_run(&p, 1, 2000), 0);
	fake_stop(&f);
	assert_int_equal(p.error, 0);
	assert_int_equal(p.rcode, KNOT_RCODE_NOERROR);
	assert_true(p.aa);
	assert_false(p.soa_found);
}

static void test_probe_to_a_closed_port_is_refused(void **state)
{
	struct doctor_probe p[2] = {
		probe(closed_port(SOCK_DGRAM), IPPROTO_UDP),
		probe(closed_port(SOCK_STREAM), IPPROTO_TCP),
	};
	assert_int_equal(doctor_probe_run(p, 2, 2000), 0);
	/* ICMP port unreachable on a connected UDP socket; RST on TCP. */
	assert_int_equal(p[0].error, -ECONNREFUSED);
	assert_int_equal(p[1].error, -ECONNREFUSED);
}

static void test_probe_from_a_source_this_host_lacks(void **state)
{
	struct doctor_probe p = probe(53, IPPROTO_UDP);
	p.source = addr("192.0.2.77", 0);
	assert_int_equal(doctor_probe_run(&p, 1, 500), 0);
	assert_int_equal(p.error, -EADDRNOTAVAIL);
}

/* ---- plans from a configuration ---------------------------------------- */

/* A configuration with one VPC, one endpoint (sources, egress) and two
 * rules, one bound to the VPC. Only what doctor reads is filled. */
struct fixture {
	struct config cfg;
	struct config_vpc vpc;
	struct config_endpoint ep;
	struct config_egress egress[2];
	struct config_rule rules[2];
	char vpc_ids[1][CONFIG_ID_LEN];
	struct zg_addr listen[1];
	uint8_t wire[2][64];
};

static void fixture_init(struct fixture *fx, const char *source,
			 const char *target, uint16_t port, bool tcp_allowed)
{
	memset(fx, 0, sizeof(*fx));
	snprintf(fx->vpc.vpc_id, sizeof(fx->vpc.vpc_id), "vpc-1");
	snprintf(fx->ep.endpoint_id, sizeof(fx->ep.endpoint_id), "ep-1");
	fx->ep.sources[0] = addr(source, 0);
	fx->ep.n_sources = 1;
	fx->egress[0] = (struct config_egress){ IPPROTO_UDP, 0,
						prefix("0.0.0.0/0") };
	fx->egress[1] = (struct config_egress){ IPPROTO_TCP, 0,
						prefix("0.0.0.0/0") };
	fx->ep.egress = fx->egress;
	fx->ep.n_egress = tcp_allowed ? 2 : 1;
	snprintf(fx->vpc_ids[0], CONFIG_ID_LEN, "vpc-1");

	static char *const domains[2] = { "example.", "other.test." };
	for (int i = 0; i < 2; i++) {
		struct config_rule *r = &fx->rules[i];
		snprintf(r->rule_id, sizeof(r->rule_id), "rule-%d", i + 1);
		r->domain = domains[i];
		assert_non_null(knot_dname_from_str(fx->wire[i], domains[i],
						    sizeof(fx->wire[i])));
		r->domain_wire = fx->wire[i];
		r->targets[0] = addr(target, port);
		r->n_targets = 1;
		r->endpoint = &fx->ep;
	}
	fx->rules[0].vpc_ids = fx->vpc_ids;
	fx->rules[0].n_vpcs = 1;

	fx->listen[0] = addr("10.0.0.2", 53);
	fx->cfg.vpcs = &fx->vpc;
	fx->cfg.n_vpcs = 1;
	fx->cfg.rules = fx->rules;
	fx->cfg.n_rules = 2;
	fx->cfg.endpoints = &fx->ep;
	fx->cfg.n_endpoints = 1;
	fx->cfg.listen = fx->listen;
	fx->cfg.n_listen = 1;
}

static void test_plan_of_a_vpc_holds_its_bound_rules_only(void **state)
{
	struct fixture fx;
	fixture_init(&fx, "127.0.0.1", "192.0.2.10", 53, true);
	struct doctor_plan plan;
	assert_int_equal(doctor_plan_vpc(&fx.cfg, "vpc-1", &plan), 0);
	assert_int_equal(plan.n_paths, 1);
	struct doctor_path *p = &plan.paths[0];
	assert_string_equal(p->rule_id, "rule-1");
	assert_string_equal(p->endpoint_id, "ep-1");
	assert_string_equal(p->domain, "example.");
	assert_memory_equal(p->domain_wire, EXAMPLE, sizeof(EXAMPLE));
	assert_int_equal(p->n_targets, 1);
	assert_int_equal(p->n_sources, 1);
	assert_int_equal(p->n_egress, 2);
	assert_int_equal(p->n_vpcs, 1);
	assert_int_equal(plan.n_listen, 1);
	doctor_plan_clear(&plan);

	assert_int_equal(doctor_plan_rule(&fx.cfg, "rule-2", &plan), 0);
	assert_int_equal(plan.n_paths, 1);
	assert_string_equal(plan.paths[0].domain, "other.test.");
	doctor_plan_clear(&plan);

	assert_int_equal(doctor_plan_rule(&fx.cfg, "rule-9", &plan),
			 ZG_ENOENT);
	assert_int_equal(doctor_plan_vpc(&fx.cfg, "vpc-9", &plan), ZG_ENOENT);
	assert_int_equal(plan.n_paths, 0);
}

/* The checks of path, as "kind status" words, for exact comparison. */
static void summary(const struct doctor_path *path, char *out, size_t len)
{
	out[0] = '\0';
	for (size_t i = 0; i < path->n_checks; i++) {
		size_t used = strlen(out);
		snprintf(out + used, len - used, "%s%s %s",
			 i > 0 ? ", " : "",
			 doctor_check_name(path->checks[i].kind),
			 doctor_status_name(path->checks[i].status));
	}
}

static const struct doctor_options OPTS = { .timeout_ms = 1000 };

static void test_run_against_a_working_server_is_all_ok(void **state)
{
	struct fake f;
	fake_start(&f, FAKE_SOA);
	struct fixture fx;
	fixture_init(&fx, "127.0.0.1", "127.0.0.1", f.port, true);
	struct doctor_plan plan;
	assert_int_equal(doctor_plan_rule(&fx.cfg, "rule-1", &plan), 0);
	assert_int_equal(doctor_run(&plan, &OPTS), 0);
	fake_stop(&f);

	char s[512];
	summary(&plan.paths[0], s, sizeof(s));
	assert_string_equal(s, "source ok, loop ok, egress ok, route ok, "
			       "tunnel skip, soa ok, soa ok");
	assert_int_equal(doctor_path_status(&plan.paths[0]), DOCTOR_OK);
	const struct doctor_check *soa = &plan.paths[0].checks[5];
	assert_int_equal(soa->protocol, IPPROTO_UDP);
	assert_true(strstr(soa->detail, "serial 42") != NULL);
	assert_string_equal(soa->fix, "");
	assert_true(strstr(plan.paths[0].checks[1].detail,
			   "is an address of this host, but no zonegate listener")
		    != NULL);
	doctor_plan_clear(&plan);
}

static void test_run_names_the_tcp_rule_to_add(void **state)
{
	struct fake f;
	fake_start(&f, FAKE_SOA);
	struct fixture fx;
	fixture_init(&fx, "127.0.0.1", "127.0.0.1", f.port, false);
	struct doctor_plan plan;
	assert_int_equal(doctor_plan_rule(&fx.cfg, "rule-1", &plan), 0);
	assert_int_equal(doctor_run(&plan, &OPTS), 0);
	fake_stop(&f);

	char s[512];
	summary(&plan.paths[0], s, sizeof(s));
	/* Only the UDP probe is sent: the query path could not use TCP. */
	assert_string_equal(s, "source ok, loop ok, egress fail, route ok, "
			       "tunnel skip, soa ok");
	assert_int_equal(f.queries, 1);
	char fix[128];
	snprintf(fix, sizeof(fix),
		 "zonegate endpoint update ep-1 --add-allow tcp:%u:127.0.0.1/32",
		 (unsigned)f.port);
	assert_string_equal(plan.paths[0].checks[2].fix, fix);
	assert_int_equal(doctor_path_status(&plan.paths[0]), DOCTOR_FAIL);
	doctor_plan_clear(&plan);
}

static void test_run_never_asks_a_target_that_is_zonegate(void **state)
{
	struct fixture fx;
	fixture_init(&fx, "127.0.0.1", "10.0.0.2", 53, true);
	struct doctor_plan plan;
	assert_int_equal(doctor_plan_rule(&fx.cfg, "rule-1", &plan), 0);
	assert_int_equal(doctor_run(&plan, &OPTS), 0);

	char s[512];
	summary(&plan.paths[0], s, sizeof(s));
	assert_string_equal(s, "source ok, loop fail, soa skip");
	assert_string_equal(plan.paths[0].checks[1].detail,
			    "10.0.0.2:53 is zonegate itself (listener 10.0.0.2:53 of --dns-listen): the rule's queries would come back to zonegate");
	assert_string_equal(plan.paths[0].checks[1].fix,
			    "point the rule at the on-premises DNS server: zonegate rule update rule-1 --target IP[:PORT]");
	doctor_plan_clear(&plan);
}

static void test_run_with_a_source_this_host_lacks(void **state)
{
	struct fixture fx;
	fixture_init(&fx, "192.0.2.77", "127.0.0.1", 53, true);
	struct doctor_plan plan;
	assert_int_equal(doctor_plan_rule(&fx.cfg, "rule-1", &plan), 0);
	assert_int_equal(doctor_run(&plan, &OPTS), 0);

	char s[512];
	summary(&plan.paths[0], s, sizeof(s));
	assert_string_equal(s, "source fail, loop ok, egress ok, tunnel skip, "
			       "soa skip");
	assert_true(strstr(plan.paths[0].checks[0].fix,
			   "zonegate endpoint update ep-1 --source ADDR")
		    != NULL);
	doctor_plan_clear(&plan);
}

static enum doctor_tunnel_state tunnel_down(void *arg,
					    const struct zg_addr *target,
					    char *conn, size_t len)
{
	snprintf(conn, len, "vco-1");
	return DOCTOR_TUNNEL_DOWN;
}

static void test_run_reports_a_tunnel_that_is_down(void **state)
{
	struct fake f;
	fake_start(&f, FAKE_SOA);
	struct fixture fx;
	fixture_init(&fx, "127.0.0.1", "127.0.0.1", f.port, true);
	struct doctor_plan plan;
	struct doctor_options opts = { .timeout_ms = 1000,
				       .tunnel = tunnel_down };
	assert_int_equal(doctor_plan_rule(&fx.cfg, "rule-1", &plan), 0);
	assert_int_equal(doctor_run(&plan, &opts), 0);
	fake_stop(&f);

	const struct doctor_check *c = &plan.paths[0].checks[4];
	assert_int_equal(c->kind, DOCTOR_CHECK_TUNNEL);
	assert_int_equal(c->status, DOCTOR_FAIL);
	assert_true(strstr(c->detail, "connection vco-1, whose tunnel is down")
		    != NULL);
	doctor_plan_clear(&plan);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_egress_matches_protocol_port_and_prefix),
		cmocka_unit_test(test_egress_both_protocols_rule_and_empty_group),
		cmocka_unit_test(test_loop_same_address_and_port_is_found),
		cmocka_unit_test(test_loop_wildcard_listener_catches_local_targets),
		cmocka_unit_test(test_route_to_loopback_is_local_on_lo),
		cmocka_unit_test(test_route_from_a_source_this_host_lacks_fails),
		cmocka_unit_test(test_probe_reads_the_soa_serial_over_udp_and_tcp),
		cmocka_unit_test(test_probe_drops_a_reply_with_another_id),
		cmocka_unit_test(test_probe_reports_refused_and_nodata),
		cmocka_unit_test(test_probe_to_a_closed_port_is_refused),
		cmocka_unit_test(test_probe_from_a_source_this_host_lacks),
		cmocka_unit_test(test_plan_of_a_vpc_holds_its_bound_rules_only),
		cmocka_unit_test(test_run_against_a_working_server_is_all_ok),
		cmocka_unit_test(test_run_names_the_tcp_rule_to_add),
		cmocka_unit_test(test_run_never_asks_a_target_that_is_zonegate),
		cmocka_unit_test(test_run_with_a_source_this_host_lacks),
		cmocka_unit_test(test_run_reports_a_tunnel_that_is_down),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
