/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the VPN tables of the state database: gateways, customer
 * gateways, IPsec connections, routes, references between them, and
 * that backups carry them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "store/store.h"
#include "store/tests/fixture.h"

static const struct store_caller caller = { .uid = 1, .pid = 2 };

/* Creates the seed's resources: a VPC, gateway 198.51.100.152 for
 * 172.17.0.0/16, customer gateway 198.51.100.44, a connection to
 * 172.28.0.0/16. */
static void make_seed(struct store *s)
{
	struct store_vpc vpc = { .builtin_zones = true };
	struct store_vpn_gateway gw = { 0 };
	struct store_customer_gateway cgw = { 0 };
	struct store_ipsec_connection conn = { 0 };

	assert_int_equal(store_begin(s, &caller), 0);
	snprintf(vpc.meta.name, sizeof(vpc.meta.name), "prod");
	assert_int_equal(store_strv_push(&vpc.cidrs, "172.17.0.0/16"), 0);
	assert_int_equal(store_vpc_create(s, &vpc), 0);

	snprintf(gw.meta.name, sizeof(gw.meta.name), "vpcgw");
	snprintf(gw.vpc_id, sizeof(gw.vpc_id), "%s", vpc.meta.resource_id);
	snprintf(gw.public_ip, sizeof(gw.public_ip), "198.51.100.152");
	assert_int_equal(store_strv_push(&gw.local_subnets, "172.17.0.0/16"),
			 0);
	assert_int_equal(store_vpn_gateway_create(s, &gw), 0);
	assert_string_equal(gw.meta.resource_id, "vgw-1");

	snprintf(cgw.meta.name, sizeof(cgw.meta.name), "idc");
	snprintf(cgw.ip, sizeof(cgw.ip), "198.51.100.44");
	assert_int_equal(store_customer_gateway_create(s, &cgw), 0);
	assert_string_equal(cgw.meta.resource_id, "cgw-1");

	snprintf(conn.meta.name, sizeof(conn.meta.name), "toMyIdc");
	snprintf(conn.gateway_id, sizeof(conn.gateway_id), "vgw-1");
	snprintf(conn.cgw_id, sizeof(conn.cgw_id), "cgw-1");
	assert_int_equal(store_strv_push(&conn.local_subnets,
					 "172.17.0.0/16"), 0);
	assert_int_equal(store_strv_push(&conn.remote_subnets,
					 "172.28.0.0/16"), 0);
	snprintf(conn.psk, sizeof(conn.psk), "1234567");
	conn.enabled = true;
	conn.allow_weak_crypto = true;
	conn.ike_version = 1;
	snprintf(conn.ike_mode, sizeof(conn.ike_mode), "main");
	snprintf(conn.ike_encryption, sizeof(conn.ike_encryption), "3des");
	snprintf(conn.ike_integrity, sizeof(conn.ike_integrity), "md5");
	snprintf(conn.ike_dh_group, sizeof(conn.ike_dh_group), "modp1024");
	conn.ike_lifetime_s = 86400;
	snprintf(conn.esp_encryption, sizeof(conn.esp_encryption), "3des");
	snprintf(conn.esp_integrity, sizeof(conn.esp_integrity), "md5");
	snprintf(conn.esp_pfs, sizeof(conn.esp_pfs), "none");
	conn.esp_lifetime_s = 3600;
	conn.dpd_interval_s = 30;
	assert_int_equal(store_ipsec_connection_create(s, &conn), 0);
	assert_string_equal(conn.meta.resource_id, "vco-1");
	assert_int_equal(store_commit(s, NULL), 0);

	store_vpc_clear(&vpc);
	store_vpn_gateway_clear(&gw);
	store_customer_gateway_clear(&cgw);
	store_ipsec_connection_clear(&conn);
}

static void test_connection_round_trips_every_field(void **state)
{
	struct fixture *f = *state;
	struct store_ipsec_connection conn = { 0 };

	make_seed(f->store);
	assert_int_equal(store_begin(f->store, NULL), 0);
	assert_int_equal(store_ipsec_connection_get(f->store, "vco-1", &conn),
			 0);
	store_rollback(f->store);

	assert_string_equal(conn.meta.name, "toMyIdc");
	assert_string_equal(conn.gateway_id, "vgw-1");
	assert_string_equal(conn.cgw_id, "cgw-1");
	assert_int_equal(conn.local_subnets.n, 1);
	assert_string_equal(conn.local_subnets.v[0], "172.17.0.0/16");
	assert_int_equal(conn.remote_subnets.n, 1);
	assert_string_equal(conn.remote_subnets.v[0], "172.28.0.0/16");
	assert_string_equal(conn.psk, "1234567");
	assert_true(conn.enabled);
	assert_true(conn.allow_weak_crypto);
	assert_int_equal(conn.ike_version, 1);
	assert_string_equal(conn.ike_mode, "main");
	assert_string_equal(conn.ike_encryption, "3des");
	assert_string_equal(conn.ike_integrity, "md5");
	assert_string_equal(conn.ike_dh_group, "modp1024");
	assert_int_equal(conn.ike_lifetime_s, 86400);
	assert_string_equal(conn.esp_encryption, "3des");
	assert_string_equal(conn.esp_integrity, "md5");
	assert_string_equal(conn.esp_pfs, "none");
	assert_int_equal(conn.esp_lifetime_s, 3600);
	assert_int_equal(conn.dpd_interval_s, 30);
	assert_int_equal(conn.meta.version, 1);

	store_ipsec_connection_clear(&conn);
	assert_string_equal(conn.psk, "");
}

static void test_update_bumps_version_and_replaces_subnets(void **state)
{
	struct fixture *f = *state;
	struct store_ipsec_connection conn = { 0 };

	make_seed(f->store);
	assert_int_equal(store_begin(f->store, &caller), 0);
	assert_int_equal(store_ipsec_connection_get(f->store, "vco-1", &conn),
			 0);
	conn.enabled = false;
	store_strv_clear(&conn.remote_subnets);
	assert_int_equal(store_strv_push(&conn.remote_subnets,
					 "10.8.0.0/24"), 0);
	assert_int_equal(store_strv_push(&conn.remote_subnets,
					 "10.9.0.0/24"), 0);
	assert_int_equal(store_ipsec_connection_update(f->store, &conn), 0);
	assert_int_equal(conn.meta.version, 2);
	assert_int_equal(store_commit(f->store, NULL), 0);
	store_ipsec_connection_clear(&conn);

	assert_int_equal(store_begin(f->store, NULL), 0);
	assert_int_equal(store_ipsec_connection_get(f->store, "vco-1", &conn),
			 0);
	store_rollback(f->store);
	assert_false(conn.enabled);
	assert_int_equal(conn.remote_subnets.n, 2);
	assert_string_equal(conn.remote_subnets.v[1], "10.9.0.0/24");
	assert_int_equal(conn.local_subnets.n, 1);
	store_ipsec_connection_clear(&conn);
}

static void test_referenced_resources_cannot_be_deleted(void **state)
{
	struct fixture *f = *state;
	struct store_vpn_route route = { 0 };

	make_seed(f->store);
	assert_int_equal(store_begin(f->store, &caller), 0);
	snprintf(route.connection_id, sizeof(route.connection_id), "vco-1");
	snprintf(route.destination, sizeof(route.destination),
		 "172.29.0.0/16");
	assert_int_equal(store_vpn_route_create(f->store, &route), 0);
	assert_string_equal(route.meta.resource_id, "vrt-1");
	assert_string_equal(route.meta.name, "172.29.0.0/16");

	assert_int_equal(store_ipsec_connection_delete(f->store, "vco-1"),
			 ZG_EEXIST);
	assert_int_equal(store_vpn_gateway_delete(f->store, "vgw-1"),
			 ZG_EEXIST);
	assert_int_equal(store_customer_gateway_delete(f->store, "cgw-1"),
			 ZG_EEXIST);
	assert_int_equal(store_vpc_delete(f->store, "vpc-1"), ZG_EEXIST);

	assert_int_equal(store_vpn_route_delete(f->store, "vrt-1"), 0);
	assert_int_equal(store_ipsec_connection_delete(f->store, "vco-1"), 0);
	assert_int_equal(store_vpn_gateway_delete(f->store, "vgw-1"), 0);
	assert_int_equal(store_customer_gateway_delete(f->store, "cgw-1"), 0);
	assert_int_equal(store_vpn_route_delete(f->store, "vrt-1"),
			 ZG_ENOENT);
	assert_int_equal(store_commit(f->store, NULL), 0);
}

static void test_routes_filter_by_connection_and_page(void **state)
{
	struct fixture *f = *state;
	static const char *const dests[] = {
		"10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16",
	};
	struct store_vpn_route *routes = NULL;
	size_t n = 0;
	bool more = false;

	make_seed(f->store);
	assert_int_equal(store_begin(f->store, &caller), 0);
	for (size_t i = 0; i < 3; i++) {
		struct store_vpn_route route = { 0 };
		snprintf(route.connection_id, sizeof(route.connection_id),
			 "vco-1");
		snprintf(route.destination, sizeof(route.destination), "%s",
			 dests[i]);
		assert_int_equal(store_vpn_route_create(f->store, &route), 0);
	}
	assert_int_equal(store_vpn_route_list(f->store, "vco-1", NULL, 2,
					      &routes, &n, &more), 0);
	assert_int_equal(n, 2);
	assert_true(more);
	assert_string_equal(routes[1].destination, "10.2.0.0/16");
	store_vpn_route_list_free(routes, n);

	assert_int_equal(store_vpn_route_list(f->store, NULL, "vrt-2", 0,
					      &routes, &n, &more), 0);
	assert_int_equal(n, 1);
	assert_false(more);
	assert_string_equal(routes[0].meta.resource_id, "vrt-3");
	store_vpn_route_list_free(routes, n);

	assert_int_equal(store_vpn_route_list(f->store, "vco-9", NULL, 0,
					      &routes, &n, &more), 0);
	assert_int_equal(n, 0);
	store_vpn_route_list_free(routes, n);
	store_rollback(f->store);
}

static void test_change_log_never_holds_the_psk(void **state)
{
	struct fixture *f = *state;
	struct store_change *changes = NULL;
	size_t n = 0;
	bool more = false;

	make_seed(f->store);
	assert_int_equal(store_begin(f->store, NULL), 0);
	assert_int_equal(store_change_list(f->store, NULL, 0, &changes, &n,
					   &more), 0);
	store_rollback(f->store);
	assert_int_equal(n, 4);
	assert_string_equal(changes[3].kind, "ipsec-conn");
	assert_string_equal(changes[3].resource_id, "vco-1");
	for (size_t i = 0; i < n; i++) {
		assert_null(strstr(changes[i].summary, "1234567"));
	}
	store_change_list_free(changes, n);
}

static void test_backup_and_restore_keep_vpn_resources(void **state)
{
	struct fixture *f = *state;
	char backup[160], err[256];
	struct store_ipsec_connection conn = { 0 };

	make_seed(f->store);
	snprintf(backup, sizeof(backup), "%s/backup.db", f->dir);
	assert_int_equal(store_backup(f->store, backup, err, sizeof(err)), 0);

	assert_int_equal(store_begin(f->store, &caller), 0);
	assert_int_equal(store_ipsec_connection_delete(f->store, "vco-1"), 0);
	assert_int_equal(store_commit(f->store, NULL), 0);

	assert_int_equal(store_restore(f->store, backup, &caller, NULL, err,
				       sizeof(err)), 0);
	assert_int_equal(store_begin(f->store, NULL), 0);
	assert_int_equal(store_ipsec_connection_get(f->store, "vco-1", &conn),
			 0);
	store_rollback(f->store);
	assert_string_equal(conn.psk, "1234567");
	store_ipsec_connection_clear(&conn);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, \
						  fixture_teardown)
	const struct CMUnitTest tests[] = {
		T(test_connection_round_trips_every_field),
		T(test_update_bumps_version_and_replaces_subnets),
		T(test_referenced_resources_cannot_be_deleted),
		T(test_routes_filter_by_connection_and_page),
		T(test_change_log_never_holds_the_psk),
		T(test_backup_and_restore_keep_vpn_resources),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
