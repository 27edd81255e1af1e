/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the VICI codec and client: the encoding example of
 * strongSwan's vici README, packets recorded from charon 5.9.8,
 * malformed input, and a client against a fake charon on a unix
 * socket. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/error.h"
#include "vpn/internal.h"
#include "vpn/vici.h"
#include "vpn/tests/data/charon_5_9_8.h"

/* The README's example: key1 = value1, section1 { sub-section { key2 =
 * value2 } list1 = [item1, item2] }. */
static const uint8_t readme_example[] = {
	3, 4, 'k', 'e', 'y', '1', 0, 6, 'v', 'a', 'l', 'u', 'e', '1',
	1, 8, 's', 'e', 'c', 't', 'i', 'o', 'n', '1',
	1, 11, 's', 'u', 'b', '-', 's', 'e', 'c', 't', 'i', 'o', 'n',
	3, 4, 'k', 'e', 'y', '2', 0, 6, 'v', 'a', 'l', 'u', 'e', '2',
	2,
	4, 5, 'l', 'i', 's', 't', '1',
	5, 0, 5, 'i', 't', 'e', 'm', '1',
	5, 0, 5, 'i', 't', 'e', 'm', '2',
	6,
	2,
};

static void test_builder_encodes_the_readme_example(void **state)
{
	struct vici_builder b;
	vici_builder_init(&b);
	vici_add_str(&b, "key1", "value1");
	vici_section_begin(&b, "section1");
	vici_section_begin(&b, "sub-section");
	vici_add_str(&b, "key2", "value2");
	vici_section_end(&b);
	vici_list_begin(&b, "list1");
	vici_list_item(&b, "item1");
	vici_list_item(&b, "item2");
	vici_list_end(&b);
	vici_section_end(&b);

	assert_int_equal(vici_builder_finish(&b), 0);
	assert_int_equal(b.len, sizeof(readme_example));
	assert_memory_equal(b.buf, readme_example, sizeof(readme_example));
	vici_builder_free(&b);
}

static void test_parser_reads_the_readme_example(void **state)
{
	struct vici_node *root = NULL;
	assert_int_equal(vici_parse(readme_example, sizeof(readme_example),
				    &root), 0);
	assert_int_equal(root->n_children, 2);
	assert_string_equal(vici_get_str(root, "key1"), "value1");

	const struct vici_node *s1 = vici_get(root, "section1");
	assert_non_null(s1);
	assert_int_equal(s1->kind, VICI_NODE_SECTION);
	const struct vici_node *sub = vici_get(s1, "sub-section");
	assert_string_equal(vici_get_str(sub, "key2"), "value2");

	const struct vici_node *list = vici_get(s1, "list1");
	assert_int_equal(list->kind, VICI_NODE_LIST);
	assert_int_equal(list->n_children, 2);
	assert_string_equal(list->children[0].value, "item1");
	assert_int_equal(list->children[1].len, 5);
	assert_string_equal(list->children[1].value, "item2");
	assert_null(vici_get_str(s1, "list1"));	/* a list, not a value */
	vici_node_free(root);
}

static void test_request_packet_names_the_command(void **state)
{
	static const uint8_t expect[] = {
		0, 0, 0, 9, 0, 7, 'v', 'e', 'r', 's', 'i', 'o', 'n',
	};
	uint8_t *pkt = NULL;
	size_t len = 0;
	assert_int_equal(vici_packet_encode(VICI_CMD_REQUEST, "version",
					    NULL, 0, &pkt, &len), 0);
	assert_int_equal(len, sizeof(expect));
	assert_memory_equal(pkt, expect, len);
	free(pkt);

	/* An unnamed type carries no name even when given one. */
	assert_int_equal(vici_packet_encode(VICI_CMD_RESPONSE, "x", NULL, 0,
					    &pkt, &len), 0);
	assert_int_equal(len, 5);
	assert_int_equal(pkt[4], VICI_CMD_RESPONSE);
	free(pkt);
	assert_int_equal(vici_packet_encode(VICI_EVENT, NULL, NULL, 0, &pkt,
					    &len), ZG_EINVAL);
}

/* Splits a recorded packet after checking its length prefix. */
static void decode_recorded(const uint8_t *rec, size_t len,
			    struct vici_packet *pkt)
{
	size_t body = ((size_t)rec[0] << 24) | ((size_t)rec[1] << 16) |
		      ((size_t)rec[2] << 8) | rec[3];
	assert_int_equal(body + 4, len);
	assert_int_equal(vici_packet_decode(rec + 4, body, pkt), 0);
}

static void test_recorded_version_response_decodes(void **state)
{
	struct vici_packet pkt;
	struct vici_node *root = NULL;
	decode_recorded(rec_version_response, sizeof(rec_version_response),
			&pkt);
	assert_int_equal(pkt.type, VICI_CMD_RESPONSE);
	assert_string_equal(pkt.name, "");
	assert_int_equal(vici_parse(pkt.msg, pkt.msg_len, &root), 0);
	assert_string_equal(vici_get_str(root, "daemon"), "charon");
	assert_string_equal(vici_get_str(root, "version"), "5.9.8");
	assert_string_equal(vici_get_str(root, "sysname"), "Linux");
	assert_string_equal(vici_get_str(root, "machine"), "x86_64");
	vici_node_free(root);
}

static void test_recorded_unknown_and_confirm_are_bare_types(void **state)
{
	struct vici_packet pkt;
	decode_recorded(rec_cmd_unknown, sizeof(rec_cmd_unknown), &pkt);
	assert_int_equal(pkt.type, VICI_CMD_UNKNOWN);
	assert_int_equal(pkt.msg_len, 0);
	decode_recorded(rec_event_confirm, sizeof(rec_event_confirm), &pkt);
	assert_int_equal(pkt.type, VICI_EVENT_CONFIRM);
	decode_recorded(rec_list_sas_response, sizeof(rec_list_sas_response),
			&pkt);
	assert_int_equal(pkt.type, VICI_CMD_RESPONSE);
	assert_int_equal(pkt.msg_len, 0);
}

static void test_recorded_list_sa_gives_tunnel_status(void **state)
{
	struct vici_packet pkt;
	struct vici_node *root = NULL;
	decode_recorded(rec_list_sa_event, sizeof(rec_list_sa_event), &pkt);
	assert_int_equal(pkt.type, VICI_EVENT);
	assert_string_equal(pkt.name, "list-sa");
	assert_int_equal(vici_parse(pkt.msg, pkt.msg_len, &root), 0);

	const struct vici_node *ike = vici_get(root, "zonegate-vco-1");
	assert_non_null(ike);
	struct vpn_conn_status st = { 0 };
	vpn_status_merge_sa(ike, &st);
	assert_true(st.has_ike);
	assert_string_equal(st.ike_state, "ESTABLISHED");
	assert_int_equal(st.ike_version, 2);
	assert_string_equal(st.local_host, "198.51.100.152");
	assert_string_equal(st.remote_host, "198.51.100.44");
	assert_string_equal(st.ike_proposal,
			    "AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048");
	assert_int_equal(st.established_s, 11);
	assert_int_equal(st.n_children, 1);

	const struct vpn_child_status *c = &st.children[0];
	assert_string_equal(c->name, "zonegate-vco-1");
	assert_string_equal(c->state, "INSTALLED");
	assert_string_equal(c->protocol, "ESP");
	assert_string_equal(c->encryption, "AES_CBC-256");
	/* One 20-octet UDP payload each way: 20 + 8 + 20 octets of IP. */
	assert_int_equal(c->bytes_in, 48);
	assert_int_equal(c->bytes_out, 48);
	assert_int_equal(c->packets_in, 1);
	assert_int_equal(c->packets_out, 1);
	assert_int_equal(c->installed_s, 11);
	assert_int_equal(c->n_local_ts, 1);
	assert_string_equal(c->local_ts[0], "172.17.0.0/16");
	assert_string_equal(c->remote_ts[0], "172.28.0.0/16");
	assert_int_equal(vpn_status_tunnel(&st), VPN_TUNNEL_UP);

	/* It carries traffic: charon's unique id 3, up for 11 s. */
	struct vpn_sa_ref ref = { 0 };
	assert_true(vpn_status_carrying(ike, &ref));
	assert_int_equal(ref.unique_id, 3);
	assert_int_equal(ref.established_s, 11);
	vici_node_free(root);
}

static void test_the_oldest_of_duplicate_sas_is_kept(void **state)
{
	/* Both ends initiated: ours (#1) and the peer's (#2), one second
	 * apart; then a third from a later race. */
	const struct vpn_sa_ref sas[] = {
		{ .unique_id = 1, .established_s = 40 },
		{ .unique_id = 2, .established_s = 41 },
		{ .unique_id = 3, .established_s = 2 },
	};
	assert_int_equal(vpn_status_keeper(sas, 3), 1);
	assert_int_equal(vpn_status_keeper(sas, 1), 0);
	/* Same age: the lower unique id, whatever the order. */
	const struct vpn_sa_ref tie[] = {
		{ .unique_id = 7, .established_s = 5 },
		{ .unique_id = 4, .established_s = 5 },
	};
	assert_int_equal(vpn_status_keeper(tie, 2), 1);
}

static void test_established_without_child_is_connecting(void **state)
{
	struct vici_builder b;
	struct vici_node *root = NULL;
	struct vpn_conn_status st = { 0 };

	assert_int_equal(vpn_status_tunnel(&st), VPN_TUNNEL_DOWN);
	vici_builder_init(&b);
	vici_section_begin(&b, "zonegate-vco-2");
	vici_add_str(&b, "state", "CONNECTING");
	vici_section_end(&b);
	vici_section_begin(&b, "zonegate-vco-2");
	vici_add_str(&b, "state", "ESTABLISHED");
	vici_section_end(&b);
	assert_int_equal(vici_builder_finish(&b), 0);
	assert_int_equal(vici_parse(b.buf, b.len, &root), 0);

	vpn_status_merge_sa(&root->children[0], &st);
	assert_int_equal(vpn_status_tunnel(&st), VPN_TUNNEL_CONNECTING);
	vpn_status_merge_sa(&root->children[1], &st);
	assert_string_equal(st.ike_state, "ESTABLISHED");
	assert_int_equal(vpn_status_tunnel(&st), VPN_TUNNEL_CONNECTING);
	/* Neither carries traffic: nothing to keep or close. */
	struct vpn_sa_ref ref = { 0 };
	assert_false(vpn_status_carrying(&root->children[0], &ref));
	assert_false(vpn_status_carrying(&root->children[1], &ref));
	vici_node_free(root);
	vici_builder_free(&b);
}

static void expect_malformed(const uint8_t *msg, size_t len)
{
	struct vici_node *root = (struct vici_node *)1;
	assert_int_equal(vici_parse(msg, len, &root), ZG_EMALF);
	assert_null(root);
}

static void test_parser_refuses_malformed_messages(void **state)
{
	/* A value cut short, a name cut short. */
	static const uint8_t short_value[] = { 3, 1, 'k', 0, 5, 'a', 'b' };
	static const uint8_t short_name[] = { 1, 9, 's', 'e' };
	/* An item outside a list; a key inside a list. */
	static const uint8_t stray_item[] = { 5, 0, 1, 'x' };
	static const uint8_t key_in_list[] = {
		4, 1, 'l', 3, 1, 'k', 0, 1, 'v', 6,
	};
	/* A section end at the root; a section never closed; a list
	 * never closed; an unknown element type. */
	static const uint8_t stray_end[] = { 2 };
	static const uint8_t open_section[] = { 1, 1, 's', 3, 1, 'k', 0, 0 };
	static const uint8_t open_list[] = { 4, 1, 'l', 5, 0, 0 };
	static const uint8_t unknown_type[] = { 9 };

	expect_malformed(short_value, sizeof(short_value));
	expect_malformed(short_name, sizeof(short_name));
	expect_malformed(stray_item, sizeof(stray_item));
	expect_malformed(key_in_list, sizeof(key_in_list));
	expect_malformed(stray_end, sizeof(stray_end));
	expect_malformed(open_section, sizeof(open_section));
	expect_malformed(open_list, sizeof(open_list));
	expect_malformed(unknown_type, sizeof(unknown_type));
}

static void test_parser_limits_nesting(void **state)
{
	uint8_t msg[3 * (VICI_MAX_DEPTH + 1) + VICI_MAX_DEPTH + 1];
	size_t len = 0;
	for (int depth = 0; depth <= VICI_MAX_DEPTH; depth++) {
		msg[len++] = VICI_SECTION_START;
		msg[len++] = 1;
		msg[len++] = 's';
	}
	for (int depth = 0; depth <= VICI_MAX_DEPTH; depth++) {
		msg[len++] = VICI_SECTION_END;
	}
	expect_malformed(msg, len);

	/* One level less is fine. */
	struct vici_node *root = NULL;
	assert_int_equal(vici_parse(msg + 3, len - 4, &root), 0);
	vici_node_free(root);
}

static void test_builder_refuses_misplaced_elements(void **state)
{
	struct vici_builder b;
	char long_name[300];
	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';

	vici_builder_init(&b);
	vici_list_begin(&b, "l");
	vici_add_str(&b, "k", "v");
	assert_int_equal(vici_builder_finish(&b), ZG_EINVAL);
	vici_builder_free(&b);

	vici_builder_init(&b);
	vici_section_begin(&b, "s");
	assert_int_equal(vici_builder_finish(&b), ZG_EINVAL);
	vici_builder_free(&b);

	vici_builder_init(&b);
	vici_section_end(&b);
	assert_int_equal(vici_builder_finish(&b), ZG_EINVAL);
	vici_builder_free(&b);

	vici_builder_init(&b);
	vici_add_str(&b, long_name, "v");
	assert_int_equal(vici_builder_finish(&b), ZG_EINVAL);
	vici_builder_free(&b);

	vici_builder_init(&b);
	vici_list_item(&b, "outside");
	assert_int_equal(vici_builder_finish(&b), ZG_EINVAL);
	vici_builder_free(&b);

	char *big = calloc(1, 70000);
	assert_non_null(big);
	memset(big, 'x', 69999);
	vici_builder_init(&b);
	vici_add_str(&b, "k", big);
	assert_int_equal(vici_builder_finish(&b), ZG_EINVAL);
	vici_builder_free(&b);
	free(big);
}

static void test_load_conn_message_has_swanctl_keys(void **state)
{
	struct vpn_spec spec = { 0 };
	struct vici_builder b;
	struct vici_node *root = NULL;
	snprintf(spec.name, sizeof(spec.name), "zonegate-vco-1");
	snprintf(spec.local_addr, sizeof(spec.local_addr), "198.51.100.152");
	snprintf(spec.local_id, sizeof(spec.local_id), "198.51.100.152");
	snprintf(spec.remote_addr, sizeof(spec.remote_addr), "198.51.100.44");
	snprintf(spec.remote_id, sizeof(spec.remote_id), "198.51.100.44");
	snprintf(spec.local_ts[0], VPN_TS_LEN, "172.17.0.0/16");
	snprintf(spec.remote_ts[0], VPN_TS_LEN, "172.28.0.0/16");
	snprintf(spec.remote_ts[1], VPN_TS_LEN, "172.29.0.0/16");
	spec.n_local_ts = 1;
	spec.n_remote_ts = 2;
	spec.ike_version = 1;
	snprintf(spec.ike_proposal, sizeof(spec.ike_proposal),
		 "3des-md5-modp1024");
	snprintf(spec.esp_proposal, sizeof(spec.esp_proposal), "3des-md5");
	spec.ike_lifetime_s = 86400;
	spec.esp_lifetime_s = 3600;
	spec.dpd_interval_s = 30;

	vici_builder_init(&b);
	assert_int_equal(vpn_spec_load_conn(&spec, &b), 0);
	assert_int_equal(vici_parse(b.buf, b.len, &root), 0);
	const struct vici_node *conn = vici_get(root, "zonegate-vco-1");
	assert_string_equal(vici_get_str(conn, "version"), "1");
	assert_string_equal(vici_get_str(conn, "reauth_time"), "86400s");
	assert_null(vici_get_str(conn, "rekey_time"));
	assert_string_equal(vici_get_str(conn, "dpd_delay"), "30s");
	assert_string_equal(vici_get(conn, "proposals")->children[0].value,
			    "3des-md5-modp1024");
	assert_string_equal(vici_get(conn, "local_addrs")->children[0].value,
			    "198.51.100.152");
	assert_string_equal(vici_get_str(vici_get(conn, "remote"), "id"),
			    "198.51.100.44");
	assert_string_equal(vici_get_str(vici_get(conn, "local"), "auth"),
			    "psk");
	const struct vici_node *child = vici_get(vici_get(conn, "children"),
						 "zonegate-vco-1");
	const struct vici_node *rts = vici_get(child, "remote_ts");
	assert_int_equal(rts->n_children, 2);
	assert_string_equal(rts->children[1].value, "172.29.0.0/16");
	assert_string_equal(vici_get_str(child, "start_action"), "start");
	assert_string_equal(vici_get_str(child, "rekey_time"), "3600s");
	vici_node_free(root);
	vici_builder_free(&b);
}

/*
 * A fake charon: accepts one client, reads one packet, sends script.
 */
struct fake {
	char path[108];
	int listen_fd;
	const uint8_t *script;		/* sent after the first request */
	size_t script_len;
	uint8_t request[256];		/* what the client sent */
	size_t request_len;
	pthread_t thread;
};

static void *fake_run(void *arg)
{
	struct fake *f = arg;
	int fd = accept(f->listen_fd, NULL, NULL);
	if (fd < 0) {
		return NULL;
	}
	ssize_t n = recv(fd, f->request, sizeof(f->request), 0);
	f->request_len = n > 0 ? (size_t)n : 0;
	if (f->script_len > 0) {
		(void)!send(fd, f->script, f->script_len, MSG_NOSIGNAL);
	}
	/* Keep the socket open until the client closes it. */
	char sink[64];
	while (recv(fd, sink, sizeof(sink), 0) > 0) {
	}
	close(fd);
	return NULL;
}

static void fake_start(struct fake *f, const uint8_t *script, size_t len)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "/tmp/zg-vici-test-%d.sock",
		 (int)getpid());
	unlink(f->path);
	memcpy(sun.sun_path, f->path, strlen(f->path) + 1);
	f->listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(f->listen_fd >= 0);
	assert_int_equal(bind(f->listen_fd, (struct sockaddr *)&sun,
			      sizeof(sun)), 0);
	assert_int_equal(listen(f->listen_fd, 1), 0);
	f->script = script;
	f->script_len = len;
	assert_int_equal(pthread_create(&f->thread, NULL, fake_run, f), 0);
}

static void fake_stop(struct fake *f)
{
	pthread_join(f->thread, NULL);
	close(f->listen_fd);
	unlink(f->path);
}

struct events_seen {
	int count;
	char first_ike[64];
};

static void count_event(void *arg, const char *event,
			const struct vici_node *msg)
{
	struct events_seen *seen = arg;
	if (seen->count++ == 0 && msg->n_children > 0) {
		snprintf(seen->first_ike, sizeof(seen->first_ike), "%s",
			 msg->children[0].name);
	}
	assert_string_equal(event, "list-sa");
}

static void test_streamed_request_passes_events_then_response(void **state)
{
	static uint8_t script[sizeof(rec_list_sa_event) +
			      sizeof(rec_list_sas_response)];
	memcpy(script, rec_list_sa_event, sizeof(rec_list_sa_event));
	memcpy(script + sizeof(rec_list_sa_event), rec_list_sas_response,
	       sizeof(rec_list_sas_response));
	struct fake f;
	fake_start(&f, script, sizeof(script));

	struct vici_conn *conn = NULL;
	struct events_seen seen = { 0 };
	struct vici_node *resp = NULL;
	assert_int_equal(vici_connect(f.path, 1000, &conn), 0);
	assert_int_equal(vici_request(conn, "list-sas", NULL, 2000,
				      count_event, &seen, &resp), 0);
	assert_int_equal(seen.count, 1);
	assert_string_equal(seen.first_ike, "zonegate-vco-1");
	assert_int_equal(resp->n_children, 0);
	vici_node_free(resp);
	vici_close(conn);
	fake_stop(&f);

	/* The request on the wire: CMD_REQUEST "list-sas", no message. */
	static const uint8_t expect[] = {
		0, 0, 0, 10, 0, 8, 'l', 'i', 's', 't', '-', 's', 'a', 's',
	};
	assert_int_equal(f.request_len, sizeof(expect));
	assert_memory_equal(f.request, expect, sizeof(expect));
}

static void test_unknown_command_is_enoent(void **state)
{
	struct fake f;
	struct vici_conn *conn = NULL;
	fake_start(&f, rec_cmd_unknown, sizeof(rec_cmd_unknown));
	assert_int_equal(vici_connect(f.path, 1000, &conn), 0);
	assert_int_equal(vici_request(conn, "no-such-command", NULL, 2000,
				      NULL, NULL, NULL), ZG_ENOENT);
	vici_close(conn);
	fake_stop(&f);
}

static void test_silent_charon_times_out(void **state)
{
	struct fake f;
	struct vici_conn *conn = NULL;
	fake_start(&f, NULL, 0);
	assert_int_equal(vici_connect(f.path, 1000, &conn), 0);
	assert_int_equal(vici_request(conn, "version", NULL, 200, NULL, NULL,
				      NULL), ZG_ETIMEOUT);
	vici_close(conn);
	fake_stop(&f);
}

static void test_connect_to_missing_socket_fails_with_errno(void **state)
{
	struct vici_conn *conn = NULL;
	assert_int_equal(vici_connect("/tmp/zg-vici-test-no-such.sock", 500,
				      &conn), -ENOENT);
	assert_null(conn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builder_encodes_the_readme_example),
		cmocka_unit_test(test_parser_reads_the_readme_example),
		cmocka_unit_test(test_request_packet_names_the_command),
		cmocka_unit_test(test_recorded_version_response_decodes),
		cmocka_unit_test(
			test_recorded_unknown_and_confirm_are_bare_types),
		cmocka_unit_test(test_recorded_list_sa_gives_tunnel_status),
		cmocka_unit_test(test_established_without_child_is_connecting),
		cmocka_unit_test(test_the_oldest_of_duplicate_sas_is_kept),
		cmocka_unit_test(test_parser_refuses_malformed_messages),
		cmocka_unit_test(test_parser_limits_nesting),
		cmocka_unit_test(test_builder_refuses_misplaced_elements),
		cmocka_unit_test(test_load_conn_message_has_swanctl_keys),
		cmocka_unit_test(
			test_streamed_request_passes_events_then_response),
		cmocka_unit_test(test_unknown_command_is_enoent),
		cmocka_unit_test(test_silent_charon_times_out),
		cmocka_unit_test(
			test_connect_to_missing_socket_fails_with_errno),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
