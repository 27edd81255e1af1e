/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The store's zone sync tables: inbound endpoints, transfer settings,
 * update grants, and the journal that IXFR reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/error.h"
#include "store/store.h"
#include "store/tests/fixture.h"

static const struct store_caller caller = { .uid = 0, .pid = 1 };

static int setup(void **state)
{
	if (fixture_setup(state) != 0) {
		return -1;
	}
	struct fixture *f = *state;

	struct store_zone zone = {
		.soa = { .ttl = 3600, .serial = 1, .refresh = 3600,
			 .retry = 600, .expire = 604800, .minimum = 300 },
	};
	snprintf(zone.meta.name, sizeof(zone.meta.name), "example.com.");
	snprintf(zone.kind, sizeof(zone.kind), "private");
	snprintf(zone.proxy_pattern, sizeof(zone.proxy_pattern), "zone");
	snprintf(zone.soa.mname, sizeof(zone.soa.mname), "ns1.example.com.");
	snprintf(zone.soa.rname, sizeof(zone.soa.rname),
		 "hostmaster.example.com.");
	assert_int_equal(store_strv_push(&zone.ns, "ns1.example.com."), 0);
	assert_int_equal(store_begin(f->store, &caller), 0);
	assert_int_equal(store_zone_create(f->store, &zone), 0);
	assert_int_equal(store_commit(f->store, NULL), 0);
	snprintf(f->zone_id, sizeof(f->zone_id), "%s",
		 zone.meta.resource_id);
	store_zone_clear(&zone);
	return 0;
}

static void add_record(struct fixture *f, const char *name, const char *type,
		       uint32_t ttl, const char *value, char *id_out)
{
	struct store_record rec = { .ttl = ttl, .value = strdup(value) };
	snprintf(rec.meta.name, sizeof(rec.meta.name), "%s", name);
	snprintf(rec.zone_id, sizeof(rec.zone_id), "%s", f->zone_id);
	snprintf(rec.type, sizeof(rec.type), "%s", type);
	assert_int_equal(store_record_create(f->store, &rec), 0);
	if (id_out != NULL) {
		snprintf(id_out, STORE_ID_LEN, "%s", rec.meta.resource_id);
	}
	store_record_clear(&rec);
}

static void commit(struct fixture *f)
{
	assert_int_equal(store_commit(f->store, NULL), 0);
}

/* Each committed version of the zone ends with its SOA and apex NS;
 * between two versions lie exactly the changes of the later one. */
static void test_journal_holds_changes_between_versions(void **state)
{
	struct fixture *f = *state;
	char www_id[STORE_ID_LEN];

	assert_int_equal(store_begin(f->store, &caller), 0);	/* serial 2 */
	add_record(f, "www", "A", 300, "192.0.2.1", www_id);
	add_record(f, "mail", "A", 300, "192.0.2.2", NULL);
	commit(f);
	assert_int_equal(store_begin(f->store, &caller), 0);	/* serial 3 */
	assert_int_equal(store_record_delete(f->store, www_id), 0);
	commit(f);

	struct store_journal_entry *e = NULL;
	size_t n = 0;
	assert_int_equal(store_begin(f->store, NULL), 0);
	assert_int_equal(store_journal_read(f->store, f->zone_id, 1, 3, &e,
					    &n), 0);
	store_rollback(f->store);

	/* soa 1, ns, add www, add mail, soa 2, ns, del www, soa 3, ns */
	assert_int_equal(n, 9);
	assert_string_equal(e[0].kind, "soa");
	assert_int_equal(e[0].serial, 1);
	assert_string_equal(e[0].value, "ns1.example.com. "
			    "hostmaster.example.com. 1 3600 600 604800 300");
	assert_string_equal(e[1].kind, "ns");
	assert_string_equal(e[1].value, "ns1.example.com.");
	assert_int_equal(e[1].ttl, 3600);
	assert_string_equal(e[2].kind, "add");
	assert_string_equal(e[2].owner, "www");
	assert_string_equal(e[2].value, "192.0.2.1");
	assert_string_equal(e[4].kind, "soa");
	assert_int_equal(e[4].serial, 2);
	assert_string_equal(e[6].kind, "del");
	assert_string_equal(e[6].owner, "www");
	assert_int_equal(e[6].ttl, 300);
	assert_string_equal(e[7].kind, "soa");
	assert_int_equal(e[7].serial, 3);
	assert_string_equal(e[8].kind, "ns");
	store_journal_free(e, n);
}

static void test_journal_records_ttl_change_as_delete_and_add(void **state)
{
	struct fixture *f = *state;
	size_t changed = 0;

	assert_int_equal(store_begin(f->store, &caller), 0);	/* serial 2 */
	add_record(f, "www", "A", 300, "192.0.2.1", NULL);
	commit(f);
	assert_int_equal(store_begin(f->store, &caller), 0);	/* serial 3 */
	assert_int_equal(store_rrset_set_ttl(f->store, f->zone_id, "www", "A",
					     60, &changed), 0);
	commit(f);

	struct store_journal_entry *e = NULL;
	size_t n = 0;
	assert_int_equal(store_begin(f->store, NULL), 0);
	assert_int_equal(store_journal_read(f->store, f->zone_id, 2, 3, &e,
					    &n), 0);
	store_rollback(f->store);

	assert_int_equal(changed, 1);
	assert_int_equal(n, 6);	/* soa 2, ns, del, add, soa 3, ns */
	assert_string_equal(e[2].kind, "del");
	assert_int_equal(e[2].ttl, 300);
	assert_string_equal(e[3].kind, "add");
	assert_int_equal(e[3].ttl, 60);
	assert_string_equal(e[3].value, "192.0.2.1");
	store_journal_free(e, n);
}

static void test_journal_read_refuses_unknown_or_reversed(void **state)
{
	struct fixture *f = *state;
	struct store_journal_entry *e = NULL;
	size_t n = 0;

	assert_int_equal(store_begin(f->store, &caller), 0);	/* serial 2 */
	add_record(f, "www", "A", 300, "192.0.2.1", NULL);
	commit(f);

	assert_int_equal(store_begin(f->store, NULL), 0);
	assert_int_equal(store_journal_read(f->store, f->zone_id, 7, 2, &e,
					    &n), ZG_ENOENT);
	assert_int_equal(store_journal_read(f->store, f->zone_id, 2, 1, &e,
					    &n), ZG_ENOENT);
	store_rollback(f->store);
	assert_null(e);
}

static void test_transfer_settings_replace_and_delete(void **state)
{
	struct fixture *f = *state;
	struct store_transfer xfr = { 0 }, got = { 0 };
	snprintf(xfr.zone_id, sizeof(xfr.zone_id), "%s", f->zone_id);
	assert_int_equal(store_strv_push(&xfr.allow, "192.0.2.0/24"), 0);
	assert_int_equal(store_strv_push(&xfr.notify, "192.0.2.10:53"), 0);

	assert_int_equal(store_begin(f->store, &caller), 0);
	assert_int_equal(store_transfer_put(f->store, &xfr), 0);
	assert_int_equal(store_transfer_put(f->store, &xfr), 0);
	assert_int_equal(store_transfer_get(f->store, f->zone_id, &got), 0);
	assert_int_equal(got.allow.n, 1);
	assert_string_equal(got.notify.v[0], "192.0.2.10:53");
	assert_string_equal(got.tsig_key, "");

	/* A key that does not exist cannot be required. */
	snprintf(xfr.tsig_key, sizeof(xfr.tsig_key), "nokey.");
	assert_int_equal(store_transfer_put(f->store, &xfr), ZG_EEXIST);
	store_rollback(f->store);

	assert_int_equal(store_begin(f->store, &caller), 0);
	xfr.tsig_key[0] = '\0';
	assert_int_equal(store_transfer_put(f->store, &xfr), 0);
	assert_int_equal(store_transfer_delete(f->store, f->zone_id), 0);
	assert_int_equal(store_transfer_delete(f->store, f->zone_id),
			 ZG_ENOENT);
	commit(f);
	store_transfer_clear(&xfr);
	store_transfer_clear(&got);
}

/* The NOTIFY source is kept with the settings; "" is the automatic
 * choice, which a database from before schema 9 gets. */
static void test_transfer_keeps_the_notify_source(void **state)
{
	struct fixture *f = *state;
	struct store_transfer xfr = { 0 }, got = { 0 };
	snprintf(xfr.zone_id, sizeof(xfr.zone_id), "%s", f->zone_id);
	assert_int_equal(store_strv_push(&xfr.allow, "192.0.2.10/32"), 0);
	snprintf(xfr.notify_source, sizeof(xfr.notify_source), "10.0.0.5");

	assert_int_equal(store_begin(f->store, &caller), 0);
	assert_int_equal(store_transfer_put(f->store, &xfr), 0);
	assert_int_equal(store_transfer_get(f->store, f->zone_id, &got), 0);
	assert_string_equal(got.notify_source, "10.0.0.5");
	store_transfer_clear(&got);

	xfr.notify_source[0] = '\0';
	assert_int_equal(store_transfer_put(f->store, &xfr), 0);
	assert_int_equal(store_transfer_get(f->store, f->zone_id, &got), 0);
	assert_string_equal(got.notify_source, "");
	commit(f);
	assert_int_equal(fixture_int(f->store, "SELECT count(*)"
				     " FROM zone_transfer"
				     " WHERE notify_source = ''"), 1);
	store_transfer_clear(&xfr);
	store_transfer_clear(&got);
}

static void make_vpc(struct fixture *f, const char *name,
		     const char *listener, char *id_out)
{
	struct store_vpc vpc = { 0 };
	char cidr[32];
	snprintf(vpc.meta.name, sizeof(vpc.meta.name), "%s", name);
	snprintf(cidr, sizeof(cidr), "10.%d.0.0/16", name[0] - 'a' + 1);
	assert_int_equal(store_strv_push(&vpc.cidrs, cidr), 0);
	if (listener != NULL) {
		assert_int_equal(store_strv_push(&vpc.listen, listener), 0);
	}
	assert_int_equal(store_vpc_create(f->store, &vpc), 0);
	snprintf(id_out, STORE_ID_LEN, "%s", vpc.meta.resource_id);
	store_vpc_clear(&vpc);
}

static void make_inbound(struct fixture *f, const char *vpc_id,
			 const char *listener)
{
	struct store_inbound ib = { 0 };
	snprintf(ib.meta.name, sizeof(ib.meta.name), "in-%s", listener);
	snprintf(ib.vpc_id, sizeof(ib.vpc_id), "%s", vpc_id);
	assert_int_equal(store_strv_push(&ib.listen, listener), 0);
	assert_int_equal(store_strv_push(&ib.allow, "192.0.2.0/24"), 0);
	assert_int_equal(store_inbound_create(f->store, &ib), 0);
	store_inbound_clear(&ib);
}

/* VPC by VPC in binding order: its inbound endpoints' listeners, oldest
 * endpoint first, then its own; VPCs the zone is not bound to add
 * nothing. */
static void test_transfer_sources_follow_the_bindings(void **state)
{
	struct fixture *f = *state;
	char vpc_a[STORE_ID_LEN], vpc_b[STORE_ID_LEN], vpc_c[STORE_ID_LEN];
	struct store_strv got = { 0 };

	assert_int_equal(store_begin(f->store, &caller), 0);
	make_vpc(f, "a", "10.0.0.3:53", vpc_a);
	make_vpc(f, "b", "10.0.0.7:5353", vpc_b);
	make_vpc(f, "c", "10.0.0.9:53", vpc_c);
	make_inbound(f, vpc_a, "10.0.0.5:53");
	make_inbound(f, vpc_c, "10.0.0.8:53");
	make_inbound(f, vpc_a, "10.0.0.4:53");
	assert_int_equal(store_transfer_sources(f->store, f->zone_id, &got),
			 0);
	assert_int_equal(got.n, 0);

	assert_int_equal(store_zone_bind(f->store, f->zone_id, vpc_b), 0);
	assert_int_equal(store_zone_bind(f->store, f->zone_id, vpc_a), 0);
	assert_int_equal(store_transfer_sources(f->store, f->zone_id, &got),
			 0);
	commit(f);

	assert_int_equal(got.n, 4);
	assert_string_equal(got.v[0], "10.0.0.7:5353");
	assert_string_equal(got.v[1], "10.0.0.5:53");
	assert_string_equal(got.v[2], "10.0.0.4:53");
	assert_string_equal(got.v[3], "10.0.0.3:53");
	store_strv_clear(&got);
}

/* The serial the zone has now. */
static uint32_t zone_serial(struct fixture *f)
{
	struct store_zone zone = { 0 };
	assert_int_equal(store_begin(f->store, NULL), 0);
	assert_int_equal(store_zone_get(f->store, f->zone_id, &zone), 0);
	store_rollback(f->store);
	uint32_t serial = zone.soa.serial;
	store_zone_clear(&zone);
	return serial;
}

static int journal_count(struct fixture *f, uint32_t from, uint32_t to,
			 size_t *n)
{
	struct store_journal_entry *e = NULL;
	assert_int_equal(store_begin(f->store, NULL), 0);
	int ret = store_journal_read(f->store, f->zone_id, from, to, &e, n);
	store_rollback(f->store);
	store_journal_free(e, *n);
	return ret;
}

/* The zone's default server name gets addresses from the inbound
 * endpoints of its VPCs (config_zone_glue()): an endpoint of a bound VPC
 * raises the serial once and restarts the journal there, so an IXFR
 * from before gets the whole zone; one of another VPC changes nothing;
 * binding to a VPC with endpoints raises it too. */
static void test_inbound_changes_raise_the_serial_and_restart_journal(
	void **state)
{
	struct fixture *f = *state;
	char vpc_a[STORE_ID_LEN], vpc_b[STORE_ID_LEN];
	size_t n = 0;

	assert_int_equal(store_begin(f->store, &caller), 0);
	make_vpc(f, "a", NULL, vpc_a);
	make_vpc(f, "b", NULL, vpc_b);
	assert_int_equal(store_zone_bind(f->store, f->zone_id, vpc_a), 0);
	commit(f);
	assert_int_equal(zone_serial(f), 1);	/* no endpoint: no change */

	assert_int_equal(store_begin(f->store, &caller), 0);
	make_inbound(f, vpc_a, "10.0.0.5:53");
	make_inbound(f, vpc_a, "10.0.0.6:53");
	commit(f);
	assert_int_equal(zone_serial(f), 2);	/* once per transaction */
	assert_int_equal(journal_count(f, 1, 2, &n), ZG_ENOENT);

	assert_int_equal(store_begin(f->store, &caller), 0);
	make_inbound(f, vpc_b, "10.0.0.7:53");
	add_record(f, "www", "A", 300, "192.0.2.1", NULL);
	commit(f);
	assert_int_equal(zone_serial(f), 3);	/* the record alone */
	assert_int_equal(journal_count(f, 2, 3, &n), 0);
	assert_int_equal(n, 5);		/* soa 2, ns, add www, soa 3, ns */

	assert_int_equal(store_begin(f->store, &caller), 0);
	assert_int_equal(store_zone_bind(f->store, f->zone_id, vpc_b), 0);
	commit(f);
	assert_int_equal(zone_serial(f), 4);
	assert_int_equal(journal_count(f, 3, 4, &n), ZG_ENOENT);

	/* An address of the operator's at ns1 replaces a generated one. */
	assert_int_equal(store_begin(f->store, &caller), 0);
	add_record(f, "ns1", "A", 300, "192.0.2.53", NULL);
	commit(f);
	assert_int_equal(zone_serial(f), 5);
	assert_int_equal(journal_count(f, 4, 5, &n), ZG_ENOENT);
}

/* Without inbound listeners in the zone's VPCs nothing is generated:
 * records at ns1 leave the journal as it is. */
static void test_ns1_records_keep_the_journal_without_endpoints(
	void **state)
{
	struct fixture *f = *state;
	char vpc_a[STORE_ID_LEN];
	size_t n = 0;

	assert_int_equal(store_begin(f->store, &caller), 0);
	make_vpc(f, "a", NULL, vpc_a);
	assert_int_equal(store_zone_bind(f->store, f->zone_id, vpc_a), 0);
	add_record(f, "ns1", "A", 300, "192.0.2.53", NULL);
	commit(f);

	assert_int_equal(zone_serial(f), 2);
	assert_int_equal(journal_count(f, 1, 2, &n), 0);
	assert_int_equal(n, 5);		/* soa 1, ns, add ns1, soa 2, ns */
}

static void test_grants_replace_types_and_revoke_by_key(void **state)
{
	struct fixture *f = *state;
	struct store_tsig_key key = { 0 };
	snprintf(key.meta.name, sizeof(key.meta.name), "acme.");
	snprintf(key.algorithm, sizeof(key.algorithm), "hmac-sha256");
	snprintf(key.secret, sizeof(key.secret), "c2VjcmV0");
	struct store_grant g = { 0 };
	snprintf(g.key_name, sizeof(g.key_name), "acme.");
	snprintf(g.match, sizeof(g.match), "subtree");
	snprintf(g.name, sizeof(g.name), "_acme-challenge.example.com.");
	assert_int_equal(store_strv_push(&g.types, "TXT"), 0);

	assert_int_equal(store_begin(f->store, &caller), 0);
	assert_int_equal(store_tsig_create(f->store, &key), 0);
	assert_int_equal(store_grant_put(f->store, f->zone_id, &g), 0);
	assert_int_equal(store_strv_push(&g.types, "CNAME"), 0);
	assert_int_equal(store_grant_put(f->store, f->zone_id, &g), 0);
	struct store_grant *list = NULL;
	size_t n = 0;
	assert_int_equal(store_grant_list(f->store, f->zone_id, &list, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].types.n, 2);
	assert_string_equal(list[0].types.v[1], "CNAME");
	store_grant_list_free(list, n);

	assert_int_equal(store_grant_revoke(f->store, f->zone_id, "acme."), 0);
	assert_int_equal(store_grant_revoke(f->store, f->zone_id, "acme."),
			 ZG_ENOENT);
	commit(f);
	store_grant_clear(&g);
	store_tsig_key_clear(&key);
}

static void test_key_in_use_by_transfers_or_grants_stays(void **state)
{
	struct fixture *f = *state;
	struct store_tsig_key key = { 0 };
	snprintf(key.meta.name, sizeof(key.meta.name), "xfr.");
	snprintf(key.algorithm, sizeof(key.algorithm), "hmac-sha256");
	snprintf(key.secret, sizeof(key.secret), "c2VjcmV0");
	struct store_transfer xfr = { 0 };
	snprintf(xfr.zone_id, sizeof(xfr.zone_id), "%s", f->zone_id);
	snprintf(xfr.tsig_key, sizeof(xfr.tsig_key), "xfr.");
	assert_int_equal(store_strv_push(&xfr.allow, "192.0.2.0/24"), 0);

	assert_int_equal(store_begin(f->store, &caller), 0);
	assert_int_equal(store_tsig_create(f->store, &key), 0);
	assert_int_equal(store_transfer_put(f->store, &xfr), 0);
	struct store_strv users = { 0 };
	assert_int_equal(store_tsig_users(f->store, "xfr.", &users), 0);
	assert_int_equal(users.n, 1);
	assert_string_equal(users.v[0], f->zone_id);
	assert_int_equal(store_tsig_delete(f->store, "xfr."), ZG_EEXIST);
	store_rollback(f->store);
	store_strv_clear(&users);
	store_transfer_clear(&xfr);
	store_tsig_key_clear(&key);
}

static void test_inbound_round_trip(void **state)
{
	struct fixture *f = *state;
	struct store_vpc vpc = { .builtin_zones = true };
	snprintf(vpc.meta.name, sizeof(vpc.meta.name), "a");
	assert_int_equal(store_strv_push(&vpc.cidrs, "10.1.0.0/16"), 0);
	struct store_inbound ib = { 0 }, got = { 0 };
	snprintf(ib.meta.name, sizeof(ib.meta.name), "onprem");
	assert_int_equal(store_strv_push(&ib.listen, "10.0.0.5:53"), 0);
	assert_int_equal(store_strv_push(&ib.allow, "192.0.2.0/24"), 0);

	assert_int_equal(store_begin(f->store, &caller), 0);
	assert_int_equal(store_vpc_create(f->store, &vpc), 0);
	snprintf(ib.vpc_id, sizeof(ib.vpc_id), "%s", vpc.meta.resource_id);
	assert_int_equal(store_inbound_create(f->store, &ib), 0);
	commit(f);

	assert_string_equal(ib.meta.resource_id, "in-1");
	assert_int_equal(store_begin(f->store, NULL), 0);
	assert_int_equal(store_inbound_get(f->store, "in-1", &got), 0);
	store_rollback(f->store);
	assert_string_equal(got.meta.name, "onprem");
	assert_string_equal(got.listen.v[0], "10.0.0.5:53");
	assert_string_equal(got.allow.v[0], "192.0.2.0/24");
	assert_string_equal(got.vpc_id, vpc.meta.resource_id);

	/* The VPC cannot go while the endpoint names it. */
	assert_int_equal(store_begin(f->store, &caller), 0);
	assert_int_equal(store_vpc_delete(f->store, vpc.meta.resource_id),
			 ZG_EEXIST);
	store_rollback(f->store);
	store_inbound_clear(&ib);
	store_inbound_clear(&got);
	store_vpc_clear(&vpc);
}

/* Three inbound endpoints, in-1 to in-3, each listening on
 * 10.0.0.N:53 and allowing 192.0.2.N/32. */
static void make_inbounds(struct fixture *f)
{
	struct store_vpc vpc = { 0 };
	snprintf(vpc.meta.name, sizeof(vpc.meta.name), "a");
	assert_int_equal(store_strv_push(&vpc.cidrs, "10.1.0.0/16"), 0);
	assert_int_equal(store_begin(f->store, &caller), 0);
	assert_int_equal(store_vpc_create(f->store, &vpc), 0);
	for (int i = 1; i <= 3; i++) {
		struct store_inbound ib = { 0 };
		char addr[32];
		snprintf(ib.meta.name, sizeof(ib.meta.name), "ib%d", i);
		snprintf(ib.vpc_id, sizeof(ib.vpc_id), "%s",
			 vpc.meta.resource_id);
		snprintf(addr, sizeof(addr), "10.0.0.%d:53", i);
		assert_int_equal(store_strv_push(&ib.listen, addr), 0);
		snprintf(addr, sizeof(addr), "192.0.2.%d/32", i);
		assert_int_equal(store_strv_push(&ib.allow, addr), 0);
		assert_int_equal(store_inbound_create(f->store, &ib), 0);
		store_inbound_clear(&ib);
	}
	commit(f);
	store_vpc_clear(&vpc);
}

/* Appends the formatted text to the page, after a comma unless it is
 * the first. */
static void page_add(char *page, size_t pagelen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void page_add(char *page, size_t pagelen, const char *fmt, ...)
{
	size_t used = strlen(page);
	if (used > 0 && used + 1 < pagelen) {
		page[used++] = ',';
		page[used] = '\0';
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(page + used, pagelen - used, fmt, ap);
	va_end(ap);
}

/* Asserts what store_inbound_list() returns: want_ret, and the page as
 * "id listen allow,..." with *more. */
static void assert_inbound_page(struct fixture *f, const char *after,
				size_t limit, int want_ret,
				const char *want_page, bool want_more)
{
	struct store_inbound *ibs = NULL;
	size_t n = 0;
	bool more = !want_more;
	assert_int_equal(store_begin(f->store, NULL), 0);
	assert_int_equal(store_inbound_list(f->store, after, limit, &ibs, &n,
					    &more), want_ret);
	store_rollback(f->store);

	char page[512] = "";
	for (size_t i = 0; i < n; i++) {
		page_add(page, sizeof(page), "%s %s %s",
			 ibs[i].meta.resource_id, ibs[i].listen.v[0],
			 ibs[i].allow.v[0]);
	}
	store_inbound_list_free(ibs, n);
	assert_string_equal(page, want_page);
	assert_int_equal(more, want_more);
}

static void test_inbound_pages_follow_the_cursor(void **state)
{
	struct fixture *f = *state;
	make_inbounds(f);

	assert_inbound_page(f, NULL, 2, 0, "in-1 10.0.0.1:53 192.0.2.1/32,"
			    "in-2 10.0.0.2:53 192.0.2.2/32", true);
	assert_inbound_page(f, "in-2", 2, 0, "in-3 10.0.0.3:53 192.0.2.3/32",
			    false);
	assert_inbound_page(f, "in-0", 0, 0, "in-1 10.0.0.1:53 192.0.2.1/32,"
			    "in-2 10.0.0.2:53 192.0.2.2/32,"
			    "in-3 10.0.0.3:53 192.0.2.3/32", false);
}

/* An inbound cursor must end in "-N"; the other kinds also take a bare
 * number. */
static void test_inbound_cursor_needs_a_dash_and_a_number(void **state)
{
	struct fixture *f = *state;
	make_inbounds(f);
	const char *const bad[] = { "2", "in-", "in-x", "in-2x", "in--" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_inbound_page(f, bad[i], 0, ZG_EINVAL, "", false);
	}

	struct store_inbound got = { .meta.version = 7 };
	assert_int_equal(store_begin(f->store, NULL), 0);
	assert_int_equal(store_inbound_get(f->store, "in-4", &got), ZG_ENOENT);
	store_rollback(f->store);
	assert_int_equal(got.meta.version, 7);
}

/* Asserts a page of TSIG keys, read in a transaction of its own, as
 * "name algorithm secret version,..." with *more. */
static void assert_tsig_page(struct fixture *f, const char *after,
			     size_t limit, const char *want_page,
			     bool want_more)
{
	struct store_tsig_key *keys = NULL;
	size_t n = 0;
	bool more = !want_more;
	assert_int_equal(store_begin(f->store, NULL), 0);
	assert_int_equal(store_tsig_list(f->store, after, limit, &keys, &n,
					 &more), 0);
	store_rollback(f->store);

	char page[512] = "";
	for (size_t i = 0; i < n; i++) {
		page_add(page, sizeof(page), "%s %s %s v%lld",
			 keys[i].meta.name, keys[i].algorithm, keys[i].secret,
			 (long long)keys[i].meta.version);
	}
	assert_true(n > 0 || keys == NULL);
	store_tsig_list_free(keys, n);
	assert_string_equal(page, want_page);
	assert_int_equal(more, want_more);
}

/* TSIG keys have no seq: they page in the order of their names. */
static void test_tsig_keys_page_in_name_order(void **state)
{
	struct fixture *f = *state;
	const char *const names[] = { "b.", "c.", "a." };
	assert_int_equal(store_begin(f->store, &caller), 0);
	for (size_t i = 0; i < 3; i++) {
		struct store_tsig_key key = { 0 };
		snprintf(key.meta.name, sizeof(key.meta.name), "%s", names[i]);
		snprintf(key.algorithm, sizeof(key.algorithm), "hmac-sha256");
		snprintf(key.secret, sizeof(key.secret), "c2VjcmV0");
		assert_int_equal(store_tsig_create(f->store, &key), 0);
	}
	commit(f);

	assert_tsig_page(f, NULL, 2, "a. hmac-sha256 c2VjcmV0 v1,"
			 "b. hmac-sha256 c2VjcmV0 v1", true);
	assert_tsig_page(f, "b.", 2, "c. hmac-sha256 c2VjcmV0 v1", false);
	assert_tsig_page(f, "c.", 0, "", false);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, \
						  fixture_teardown)
	const struct CMUnitTest tests[] = {
		T(test_journal_holds_changes_between_versions),
		T(test_journal_records_ttl_change_as_delete_and_add),
		T(test_journal_read_refuses_unknown_or_reversed),
		T(test_transfer_settings_replace_and_delete),
		T(test_transfer_keeps_the_notify_source),
		T(test_transfer_sources_follow_the_bindings),
		T(test_inbound_changes_raise_the_serial_and_restart_journal),
		T(test_ns1_records_keep_the_journal_without_endpoints),
		T(test_grants_replace_types_and_revoke_by_key),
		T(test_key_in_use_by_transfers_or_grants_stays),
		T(test_inbound_round_trip),
		T(test_inbound_pages_follow_the_cursor),
		T(test_inbound_cursor_needs_a_dash_and_a_number),
		T(test_tsig_keys_page_in_name_order),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
