/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the publisher: the store's state becomes the served snapshot
 * and zones, only marked zones are rebuilt, concurrent syncs share one
 * publication. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <urcu.h>

#include "common/error.h"
#include "config/config.h"
#include "config/publish.h"
#include "store/store.h"
#include "zone/zone.h"

static const struct store_caller caller = { .uid = 7, .pid = 8 };

struct fixture {
	char dir[64];
	struct store *store;
	struct config_publisher *pub;
	int hook_calls;
	const struct config *hook_cfg;
};

static void count_hook(void *arg, const struct config *cfg)
{
	struct fixture *f = arg;
	__atomic_add_fetch(&f->hook_calls, 1, __ATOMIC_SEQ_CST);
	f->hook_cfg = cfg;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (f == NULL) {
		return -1;
	}
	snprintf(f->dir, sizeof(f->dir), "/tmp/zg-publish-test-XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		return -1;
	}
	char path[128], err[256];
	snprintf(path, sizeof(path), "%s/state.db", f->dir);
	if (store_open(path, &f->store, err, sizeof(err)) != 0) {
		return -1;
	}
	struct zg_addr extra;
	if (addr_parse("127.0.0.1:25399", 53, &extra) != 0) {
		return -1;
	}
	f->pub = config_publisher_new(f->store, &extra, 1);
	if (f->pub == NULL) {
		return -1;
	}
	config_publisher_set_hook(f->pub, count_hook, f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	config_publisher_free(f->pub);
	config_publish(NULL);
	store_close(f->store);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	int ret = system(cmd);
	free(f);
	return ret == 0 ? 0 : -1;
}

/*
 * Building state through the store
 */

static void make_vpc(struct store *s, const char *cidr, const char *listen)
{
	struct store_vpc vpc = { .builtin_zones = true };
	strcpy(vpc.meta.name, "prod");
	assert_int_equal(store_strv_push(&vpc.cidrs, cidr), 0);
	if (listen != NULL) {
		assert_int_equal(store_strv_push(&vpc.listen, listen), 0);
	}
	assert_int_equal(store_vpc_create(s, &vpc), 0);
	store_vpc_clear(&vpc);
}

static void make_zone(struct store *s, const char *name)
{
	struct store_zone zone = { 0 };
	snprintf(zone.meta.name, sizeof(zone.meta.name), "%s", name);
	strcpy(zone.kind, "private");
	strcpy(zone.proxy_pattern, "record");
	zone.soa = (struct store_soa){ .ttl = 3600, .serial = 1,
		.refresh = 3600, .retry = 600, .expire = 604800,
		.minimum = 300 };
	snprintf(zone.soa.mname, sizeof(zone.soa.mname), "ns1.%s", name);
	snprintf(zone.soa.rname, sizeof(zone.soa.rname), "hostmaster.%s",
		 name);
	assert_int_equal(store_strv_push(&zone.ns, zone.soa.mname), 0);
	assert_int_equal(store_zone_create(s, &zone), 0);
	store_zone_clear(&zone);
}

static void make_record(struct store *s, const char *zone_id,
			const char *name, const char *type, const char *value)
{
	struct store_record rec = { .ttl = 300 };
	snprintf(rec.meta.name, sizeof(rec.meta.name), "%s", name);
	strcpy(rec.zone_id, zone_id);
	strcpy(rec.type, type);
	rec.value = strdup(value);
	assert_int_equal(store_record_create(s, &rec), 0);
	store_record_clear(&rec);
}

static void make_forwarding(struct store *s)
{
	struct store_endpoint ep = { 0 };
	strcpy(ep.meta.name, "ob");
	strcpy(ep.vpc_id, "vpc-1");
	assert_int_equal(store_strv_push(&ep.sources, "127.0.0.60"), 0);
	ep.egress = calloc(1, sizeof(*ep.egress));
	ep.n_egress = 1;
	ep.egress[0] = (struct store_egress){ "udp", 53, "0.0.0.0/0" };
	assert_int_equal(store_endpoint_create(s, &ep), 0);
	store_endpoint_clear(&ep);

	struct store_rule rule = { 0 };
	strcpy(rule.meta.name, "to-idc");
	strcpy(rule.domain, "alidns-example.com.");
	strcpy(rule.endpoint_id, "ep-1");
	assert_int_equal(store_strv_push(&rule.targets, "127.0.0.70:53"), 0);
	assert_int_equal(store_rule_create(s, &rule), 0);
	assert_int_equal(store_rule_bind(s, "rule-1", "vpc-1"), 0);
	store_rule_clear(&rule);

	bool created = false;
	struct store_upstream up = { 0 };
	assert_int_equal(store_strv_push(&up.targets, "127.0.0.80:53"), 0);
	assert_int_equal(store_upstream_put(s, &up, &created), 0);
	store_upstream_clear(&up);
	strcpy(up.vpc_id, "vpc-1");
	strcpy(up.source, "127.0.0.1");
	assert_int_equal(store_strv_push(&up.targets, "127.0.0.81:53"), 0);
	assert_int_equal(store_upstream_put(s, &up, &created), 0);
	store_upstream_clear(&up);
}

/* Commits and marks what the commit says changed, as the API does. */
static uint64_t commit_and_mark(struct fixture *f)
{
	struct store_commit commit = { 0 };
	assert_int_equal(store_commit(f->store, &commit), 0);
	if (commit.config_changed) {
		config_publisher_mark_config(f->pub);
	}
	for (size_t i = 0; i < commit.zones.n; i++) {
		config_publisher_mark_zone(f->pub, commit.zones.v[i]);
	}
	uint64_t version = commit.version;
	store_commit_clear(&commit);
	return version;
}

static const struct config_zone *find_zone(const struct config *cfg,
					   const char *zone_id)
{
	for (size_t i = 0; i < cfg->n_zones; i++) {
		if (strcmp(cfg->zones[i].zone_id, zone_id) == 0) {
			return &cfg->zones[i];
		}
	}
	return NULL;
}

static const struct zone_contents *contents_of(const char *zone_id)
{
	const struct config_zone *z = find_zone(config_current(), zone_id);
	return z != NULL ? zone_handle_contents(z->handle) : NULL;
}

/*
 * Tests
 */

static void test_load_all_serves_what_the_store_holds(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(store_begin(f->store, &caller), 0);
	make_vpc(f->store, "10.1.0.0/16", "127.0.0.53:53");
	make_zone(f->store, "corp.example.");
	make_record(f->store, "zone-1", "www", "A", "10.1.2.3");
	assert_int_equal(store_zone_bind(f->store, "zone-1", "vpc-1"), 0);
	make_forwarding(f->store);
	uint64_t version = commit_and_mark(f);

	assert_int_equal(config_publisher_load_all(f->pub), 0);
	assert_int_equal(config_publisher_version(f->pub), version);
	assert_int_equal(f->hook_calls, 1);

	rcu_read_lock();
	const struct config *cfg = config_current();
	assert_ptr_equal(f->hook_cfg, cfg);
	assert_int_equal(cfg->version, version);

	assert_int_equal(cfg->n_vpcs, 1);
	assert_string_equal(cfg->vpcs[0].vpc_id, "vpc-1");
	assert_int_equal(cfg->vpcs[0].n_cidrs, 1);
	assert_int_equal(cfg->vpcs[0].n_listeners, 1);
	assert_int_equal(addr_port(&cfg->vpcs[0].listeners[0]), 53);

	assert_int_equal(cfg->n_zones, 1);
	const struct config_zone *zone = &cfg->zones[0];
	assert_string_equal(zone->zone_id, "zone-1");
	assert_string_equal(zone->name, "corp.example.");
	assert_int_equal(zone->proxy_pattern, CONFIG_PROXY_RECORD);
	assert_int_equal(zone->n_vpcs, 1);
	assert_string_equal(zone->vpc_ids[0], "vpc-1");
	const struct zone_contents *z = zone_handle_contents(zone->handle);
	assert_non_null(z);
	/* SOA, NS and the one A record; a new zone keeps serial 1. */
	assert_int_equal(zone_contents_rr_count(z), 3);
	assert_int_equal(zone_contents_serial(z), 1);

	assert_int_equal(cfg->n_rules, 1);
	assert_string_equal(cfg->rules[0].domain, "alidns-example.com.");
	assert_ptr_equal(cfg->rules[0].endpoint, &cfg->endpoints[0]);
	assert_int_equal(cfg->rules[0].n_targets, 1);
	assert_int_equal(cfg->endpoints[0].n_sources, 1);
	assert_int_equal(cfg->endpoints[0].n_egress, 1);

	assert_int_equal(cfg->n_upstreams, 2);
	assert_string_equal(cfg->upstreams[0].upstream_id, "upstream-global");
	assert_ptr_equal(cfg->global_upstream, &cfg->upstreams[0]);
	assert_string_equal(cfg->upstreams[1].upstream_id, "upstream-vpc-1");
	assert_true(cfg->upstreams[1].has_source);
	assert_ptr_equal(cfg->vpcs[0].upstream, &cfg->upstreams[1]);

	/* The listen set has the VPC's listener and --dns-listen. */
	assert_int_equal(cfg->n_listen, 2);
	rcu_read_unlock();
}

static void test_only_marked_zones_are_rebuilt(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(store_begin(f->store, &caller), 0);
	make_zone(f->store, "a.example.");
	make_zone(f->store, "b.example.");
	commit_and_mark(f);
	assert_int_equal(config_publisher_load_all(f->pub), 0);

	rcu_read_lock();
	const struct config *cfg_before = config_current();
	const struct zone_contents *a_before = contents_of("zone-1");
	const struct zone_contents *b_before = contents_of("zone-2");
	rcu_read_unlock();
	int hooks = f->hook_calls;

	assert_int_equal(store_begin(f->store, &caller), 0);
	make_record(f->store, "zone-1", "www", "A", "192.0.2.1");
	uint64_t version = commit_and_mark(f);
	assert_int_equal(config_publisher_sync(f->pub), 0);
	assert_int_equal(config_publisher_version(f->pub), version);

	rcu_read_lock();
	/* A record change publishes the zone, not a new snapshot. */
	assert_ptr_equal(config_current(), cfg_before);
	assert_int_equal(f->hook_calls, hooks);
	const struct zone_contents *a = contents_of("zone-1");
	assert_ptr_not_equal(a, a_before);
	assert_int_equal(zone_contents_serial(a), 2);
	assert_int_equal(zone_contents_rr_count(a), 3);
	assert_ptr_equal(contents_of("zone-2"), b_before);
	rcu_read_unlock();
}

static void test_deleted_zone_leaves_the_snapshot(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(store_begin(f->store, &caller), 0);
	make_zone(f->store, "a.example.");
	make_zone(f->store, "b.example.");
	commit_and_mark(f);
	assert_int_equal(config_publisher_load_all(f->pub), 0);

	assert_int_equal(store_begin(f->store, &caller), 0);
	assert_int_equal(store_zone_delete(f->store, "zone-1"), 0);
	commit_and_mark(f);
	assert_int_equal(config_publisher_sync(f->pub), 0);

	rcu_read_lock();
	const struct config *cfg = config_current();
	assert_int_equal(cfg->n_zones, 1);
	assert_string_equal(cfg->zones[0].zone_id, "zone-2");
	assert_null(find_zone(cfg, "zone-1"));
	rcu_read_unlock();
}

static void test_record_that_does_not_parse_is_left_out(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(store_begin(f->store, &caller), 0);
	make_zone(f->store, "a.example.");
	make_record(f->store, "zone-1", "www", "A", "192.0.2.1");
	/* The API never stores this; a hand-edited backup might. */
	make_record(f->store, "zone-1", "bad", "A", "not-an-address");
	commit_and_mark(f);
	assert_int_equal(config_publisher_load_all(f->pub), 0);

	rcu_read_lock();
	const struct zone_contents *z = contents_of("zone-1");
	assert_non_null(z);
	assert_int_equal(zone_contents_rr_count(z), 3);
	rcu_read_unlock();
}

/* A zone whose SOA mname is 255 characters long: 256 octets on the
 * wire, one more than a name may have (RFC 1035 section 3.1), so the
 * zone cannot be built. Older versions stored such zones (the default
 * ns1.<zone> of a long zone name). */
static void make_unbuildable_zone(struct store *s)
{
	char name[STORE_NAME_LEN];
	snprintf(name, sizeof(name), "%0*d.%0*d.%0*d.%0*d.", 61, 0, 61, 0,
		 61, 0, 60, 0);
	assert_int_equal(strlen(name), 247);
	make_zone(s, "b.example.");
	struct store_zone zone = { 0 };
	assert_int_equal(store_zone_get(s, "zone-2", &zone), 0);
	snprintf(zone.soa.mname, sizeof(zone.soa.mname), "ns12345.%s", name);
	assert_int_equal(strlen(zone.soa.mname), 255);
	assert_int_equal(store_zone_update(s, &zone, true, false), 0);
	store_zone_clear(&zone);
}

/* One zone that cannot be built neither stops the publication of the
 * others nor every later one: it is published as not loaded (NULL
 * contents: SERVFAIL with EDE 14), the rest is served, and the version
 * goes on. */
static void test_unbuildable_zone_is_not_loaded_and_others_publish(
	void **state)
{
	struct fixture *f = *state;
	assert_int_equal(store_begin(f->store, &caller), 0);
	make_vpc(f->store, "10.1.0.0/16", NULL);
	make_zone(f->store, "a.example.");
	make_record(f->store, "zone-1", "www", "A", "192.0.2.1");
	make_unbuildable_zone(f->store);
	uint64_t version = commit_and_mark(f);

	assert_int_equal(config_publisher_load_all(f->pub), 0);
	assert_int_equal(config_publisher_version(f->pub), version);
	rcu_read_lock();
	assert_int_equal(config_current()->n_zones, 2);
	assert_non_null(find_zone(config_current(), "zone-2"));
	assert_null(contents_of("zone-2"));
	assert_non_null(contents_of("zone-1"));
	assert_int_equal(zone_contents_rr_count(contents_of("zone-1")), 3);
	rcu_read_unlock();

	/* Later changes publish as usual. */
	assert_int_equal(store_begin(f->store, &caller), 0);
	make_record(f->store, "zone-1", "www2", "A", "192.0.2.2");
	version = commit_and_mark(f);
	assert_int_equal(config_publisher_sync(f->pub), 0);
	assert_int_equal(config_publisher_version(f->pub), version);
	rcu_read_lock();
	assert_int_equal(zone_contents_rr_count(contents_of("zone-1")), 4);
	assert_null(contents_of("zone-2"));
	rcu_read_unlock();
}

/* A served zone that can no longer be built stops being served with
 * its old contents: it is not loaded. */
static void test_zone_that_stops_building_becomes_not_loaded(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(store_begin(f->store, &caller), 0);
	make_zone(f->store, "a.example.");
	commit_and_mark(f);
	assert_int_equal(config_publisher_load_all(f->pub), 0);
	rcu_read_lock();
	assert_non_null(contents_of("zone-1"));
	rcu_read_unlock();

	struct store_zone zone = { 0 };
	assert_int_equal(store_begin(f->store, &caller), 0);
	assert_int_equal(store_zone_get(f->store, "zone-1", &zone), 0);
	memset(zone.soa.rname, 'r', 254);
	zone.soa.rname[254] = '.';
	zone.soa.rname[255] = '\0';
	assert_int_equal(store_zone_update(f->store, &zone, true, false), 0);
	store_zone_clear(&zone);
	uint64_t version = commit_and_mark(f);
	assert_int_equal(config_publisher_sync(f->pub), 0);
	assert_int_equal(config_publisher_version(f->pub), version);
	rcu_read_lock();
	assert_null(contents_of("zone-1"));
	rcu_read_unlock();
}

struct syncer {
	struct fixture *f;
	int ret;
};

static void *mark_and_sync(void *arg)
{
	struct syncer *s = arg;
	config_publisher_mark_config(s->f->pub);
	s->ret = config_publisher_sync(s->f->pub);
	return NULL;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = ms * 1000000L };
	nanosleep(&ts, NULL);
}

static void test_concurrent_syncs_share_one_publication(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(config_publisher_load_all(f->pub), 0);
	int hooks = f->hook_calls;

	/* Hold the store: the first publication blocks reading it while
	 * the other callers mark and wait. */
	assert_int_equal(store_begin(f->store, NULL), 0);
	enum { N = 8 };
	pthread_t threads[N];
	struct syncer syncers[N];
	for (int i = 0; i < N; i++) {
		syncers[i] = (struct syncer){ .f = f, .ret = -1 };
		assert_int_equal(pthread_create(&threads[i], NULL,
						mark_and_sync, &syncers[i]), 0);
		if (i == 0) {
			sleep_ms(100);
		}
	}
	sleep_ms(100);
	store_rollback(f->store);
	for (int i = 0; i < N; i++) {
		pthread_join(threads[i], NULL);
		assert_int_equal(syncers[i].ret, 0);
	}
	/* One publication for the first caller, one for the seven that
	 * arrived while it ran. */
	assert_int_equal(f->hook_calls - hooks, 2);
}

int main(void)
{
	rcu_register_thread();
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_load_all_serves_what_the_store_holds),
		T(test_only_marked_zones_are_rebuilt),
		T(test_deleted_zone_leaves_the_snapshot),
		T(test_record_that_does_not_parse_is_left_out),
		T(test_unbuildable_zone_is_not_loaded_and_others_publish),
		T(test_zone_that_stops_building_becomes_not_loaded),
		T(test_concurrent_syncs_share_one_publication),
	};
#undef T
	int ret = cmocka_run_group_tests(tests, NULL, NULL);
	config_builtins_free();
	rcu_unregister_thread();
	return ret;
}
