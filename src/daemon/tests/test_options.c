/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of zonegated's command-line and config-file parsing. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/error.h"
#include "daemon/options.h"

#define MAX_ARGS 32

struct fixture {
	struct daemon_options opts;
	char err[512];
	char path[64];		/* config file written by the test, or "" */
};

/* Runs options_parse() on "zonegated" followed by the NULL-ended args. */
static int parse(struct fixture *f, ...)
{
	char *argv[MAX_ARGS + 2] = { "zonegated" };
	int argc = 1;
	va_list ap;

	va_start(ap, f);
	for (const char *arg = va_arg(ap, const char *); arg != NULL;
	     arg = va_arg(ap, const char *)) {
		assert_true(argc <= MAX_ARGS);
		argv[argc++] = (char *)arg;
	}
	va_end(ap);

	options_free(&f->opts);
	f->err[0] = '\0';
	return options_parse(argc, argv, &f->opts, f->err, sizeof(f->err));
}

/* Writes text to a fresh temporary file; its path goes to f->path. */
static const char *write_config(struct fixture *f, const char *text)
{
	strcpy(f->path, "/tmp/zg-dmn-test-XXXXXX");
	int fd = mkstemp(f->path);
	assert_true(fd >= 0);
	size_t len = strlen(text);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	return f->path;
}

static void assert_listen(const struct daemon_options *opts, size_t i,
			  const char *expected)
{
	char text[ZG_ADDR_STRLEN];
	assert_true(i < opts->n_dns_listen);
	addr_format(&opts->dns_listen[i], true, text, sizeof(text));
	assert_string_equal(text, expected);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	options_free(&f->opts);
	if (f->path[0] != '\0') {
		unlink(f->path);
	}
	free(f);
	return 0;
}

static void test_no_options_gives_documented_defaults(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, NULL), OPTIONS_RUN);
	assert_string_equal(f->opts.api_socket, "/run/zonegate/api.sock");
	assert_string_equal(f->opts.state_path, "/var/lib/zonegate/state.db");
	assert_int_equal(f->opts.workers, 0);
	assert_false(f->opts.foreground);
	assert_int_equal(f->opts.log_level, ZG_LOG_NOTICE);
	assert_null(f->opts.log_file);
	assert_null(f->opts.config_path);
	assert_int_equal(f->opts.n_dns_listen, 0);
}

static void test_every_long_option_is_stored(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "--dns-listen", "127.0.0.1:5399",
			       "--api-socket", "/tmp/zg.sock",
			       "--state", "/tmp/zg.db", "--workers", "3",
			       "--foreground", "--log-level", "debug",
			       "--log-file", "/tmp/zg.log", NULL),
			 OPTIONS_RUN);
	assert_listen(&f->opts, 0, "127.0.0.1:5399");
	assert_string_equal(f->opts.api_socket, "/tmp/zg.sock");
	assert_string_equal(f->opts.state_path, "/tmp/zg.db");
	assert_int_equal(f->opts.workers, 3);
	assert_true(f->opts.foreground);
	assert_int_equal(f->opts.log_level, ZG_LOG_DEBUG);
	assert_string_equal(f->opts.log_file, "/tmp/zg.log");
}

static void test_query_log_is_off_unless_given(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, NULL), OPTIONS_RUN);
	assert_null(f->opts.query_log);
	options_free(&f->opts);

	const char *path = write_config(f, "query-log = /tmp/zg-q-file.log\n");
	assert_int_equal(parse(f, "--config", path, NULL), OPTIONS_RUN);
	assert_string_equal(f->opts.query_log, "/tmp/zg-q-file.log");
	options_free(&f->opts);

	assert_int_equal(parse(f, "--config", path, "--query-log",
			       "/tmp/zg-q.log", NULL), OPTIONS_RUN);
	assert_string_equal(f->opts.query_log, "/tmp/zg-q.log");
}

static void test_option_value_after_equals_sign(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "--workers=2", "-f", NULL), OPTIONS_RUN);
	assert_int_equal(f->opts.workers, 2);
	assert_true(f->opts.foreground);
}

static void test_dns_listen_defaults_to_port_53(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "--dns-listen", "192.0.2.1",
			       "--dns-listen", "::1", NULL), OPTIONS_RUN);
	assert_int_equal(f->opts.n_dns_listen, 2);
	assert_listen(&f->opts, 0, "192.0.2.1:53");
	assert_listen(&f->opts, 1, "[::1]:53");
}

static void test_dns_listen_ipv6_takes_port_in_brackets(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "--dns-listen", "[2001:db8::53]:5353",
			       NULL), OPTIONS_RUN);
	assert_int_equal(f->opts.n_dns_listen, 1);
	assert_listen(&f->opts, 0, "[2001:db8::53]:5353");
}

static void test_dns_listen_repeats_in_order(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "--dns-listen", "127.0.0.2:5300",
			       "--dns-listen", "127.0.0.1:5300",
			       "--dns-listen", "[::1]:5300", NULL),
			 OPTIONS_RUN);
	assert_int_equal(f->opts.n_dns_listen, 3);
	assert_listen(&f->opts, 0, "127.0.0.2:5300");
	assert_listen(&f->opts, 1, "127.0.0.1:5300");
	assert_listen(&f->opts, 2, "[::1]:5300");
}

static void test_bad_dns_listen_is_refused_naming_the_option(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "--dns-listen", "127.0.0.1:0", NULL),
			 ZG_EINVAL);
	assert_non_null(strstr(f->err, "--dns-listen: '127.0.0.1:0'"));

	assert_int_equal(parse(f, "--dns-listen", "localhost", NULL),
			 ZG_EINVAL);
	assert_non_null(strstr(f->err, "--dns-listen: 'localhost'"));

	/* A bare IPv6 address never takes a port: the last group is part
	 * of the address. */
	assert_int_equal(parse(f, "--dns-listen", "2001:db8::53", NULL),
			 OPTIONS_RUN);
	assert_listen(&f->opts, 0, "[2001:db8::53]:53");
}

static void test_workers_out_of_range_is_refused(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "--workers", "0", NULL), ZG_EINVAL);
	assert_string_equal(f->err,
			    "--workers: '0' is not a number from 1 to 256");
	assert_int_equal(parse(f, "--workers", "257", NULL), ZG_EINVAL);
	assert_int_equal(parse(f, "--workers", "2x", NULL), ZG_EINVAL);
	assert_int_equal(parse(f, "--workers", "-1", NULL), ZG_EINVAL);
	assert_int_equal(parse(f, "-w", "256", NULL), OPTIONS_RUN);
	assert_int_equal(f->opts.workers, 256);
}

/* --tcp-max-per-client: 1 to a worker's whole limit (256); unset it is
 * 0, which the daemon reads as the default of 16. */
static void test_tcp_max_per_client_range(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, NULL), OPTIONS_RUN);
	assert_int_equal(f->opts.tcp_per_client, 0);
	assert_int_equal(parse(f, "--tcp-max-per-client", "4", NULL),
			 OPTIONS_RUN);
	assert_int_equal(f->opts.tcp_per_client, 4);
	assert_int_equal(parse(f, "--tcp-max-per-client", "0", NULL),
			 ZG_EINVAL);
	assert_string_equal(f->err,
			    "--tcp-max-per-client: '0' is not a number from 1 to 256");
	assert_int_equal(parse(f, "--tcp-max-per-client", "257", NULL),
			 ZG_EINVAL);
	assert_int_equal(parse(f, "--tcp-max-per-client", "+4", NULL),
			 ZG_EINVAL);
}

static void test_unknown_log_level_is_refused(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "--log-level", "verbose", NULL), ZG_EINVAL);
	assert_string_equal(f->err, "--log-level: 'verbose' is not one of error, warning, notice, info, debug");
	assert_int_equal(parse(f, "--log-level", "warning", NULL), OPTIONS_RUN);
	assert_int_equal(f->opts.log_level, ZG_LOG_WARNING);
}

static void test_unknown_option_is_named(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "--listen", "127.0.0.1", NULL), ZG_EINVAL);
	assert_string_equal(f->err, "--listen: unknown option (see --help)");
	assert_int_equal(parse(f, "-x", NULL), ZG_EINVAL);
	assert_string_equal(f->err, "-x: unknown option (see --help)");
}

static void test_missing_value_is_named(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "--state", NULL), ZG_EINVAL);
	assert_string_equal(f->err, "--state: needs a value");
	assert_int_equal(parse(f, "-w", NULL), ZG_EINVAL);
	assert_string_equal(f->err, "-w: needs a value");
}

static void test_flag_given_a_value_is_refused(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "--foreground=yes", NULL), ZG_EINVAL);
	assert_string_equal(f->err, "--foreground: takes no value");
}

static void test_stray_argument_is_refused(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "--foreground", "start", NULL), ZG_EINVAL);
	assert_string_equal(f->err, "unexpected argument 'start' (see --help)");
}

static void test_help_and_version_are_actions(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "--help", NULL), OPTIONS_HELP);
	assert_int_equal(parse(f, "--version", NULL), OPTIONS_VERSION);
	assert_int_equal(parse(f, "-V", "-h", NULL), OPTIONS_HELP);
}

static void test_config_file_sets_every_key(void **state)
{
	struct fixture *f = *state;
	const char *path = write_config(f,
		"# zonegated settings\n"
		"\n"
		"dns-listen = 127.0.0.1:5399\n"
		"  dns-listen=[::1]:5399   # IPv6 too\n"
		"api-socket = /tmp/zg-file.sock\n"
		"state = /tmp/zg-file.db\n"
		"workers = 5\n"
		"foreground = yes\n"
		"log-level = info\n"
		"log-file = /tmp/zg-file.log\n");

	assert_int_equal(parse(f, "--config", path, NULL), OPTIONS_RUN);
	assert_string_equal(f->opts.config_path, path);
	assert_int_equal(f->opts.n_dns_listen, 2);
	assert_listen(&f->opts, 0, "127.0.0.1:5399");
	assert_listen(&f->opts, 1, "[::1]:5399");
	assert_string_equal(f->opts.api_socket, "/tmp/zg-file.sock");
	assert_string_equal(f->opts.state_path, "/tmp/zg-file.db");
	assert_int_equal(f->opts.workers, 5);
	assert_true(f->opts.foreground);
	assert_int_equal(f->opts.log_level, ZG_LOG_INFO);
	assert_string_equal(f->opts.log_file, "/tmp/zg-file.log");
}

static void test_command_line_overrides_config_file(void **state)
{
	struct fixture *f = *state;
	const char *path = write_config(f,
		"workers = 5\n"
		"state = /tmp/from-file.db\n"
		"log-level = debug\n");

	assert_int_equal(parse(f, "--workers", "2", "-c", path, NULL),
			 OPTIONS_RUN);
	assert_int_equal(f->opts.workers, 2);
	assert_string_equal(f->opts.state_path, "/tmp/from-file.db");
	assert_int_equal(f->opts.log_level, ZG_LOG_DEBUG);
}

static void test_command_line_dns_listen_replaces_file_list(void **state)
{
	struct fixture *f = *state;
	const char *path = write_config(f,
		"dns-listen = 127.0.0.1:5301\n"
		"dns-listen = 127.0.0.1:5302\n");

	assert_int_equal(parse(f, "--config", path, "--dns-listen",
			       "127.0.0.9:5309", "--dns-listen", "[::1]:5309",
			       NULL), OPTIONS_RUN);
	assert_int_equal(f->opts.n_dns_listen, 2);
	assert_listen(&f->opts, 0, "127.0.0.9:5309");
	assert_listen(&f->opts, 1, "[::1]:5309");

	assert_int_equal(parse(f, "--config", path, NULL), OPTIONS_RUN);
	assert_int_equal(f->opts.n_dns_listen, 2);
	assert_listen(&f->opts, 1, "127.0.0.1:5302");
}

static void test_config_file_unknown_key_names_file_and_line(void **state)
{
	struct fixture *f = *state;
	char expected[256];
	const char *path = write_config(f,
		"workers = 2\n"
		"# comment\n"
		"listen = 127.0.0.1\n");

	assert_int_equal(parse(f, "--config", path, NULL), ZG_EINVAL);
	snprintf(expected, sizeof(expected), "%s:3: listen: unknown setting",
		 path);
	assert_string_equal(f->err, expected);
}

static void test_config_file_bad_value_names_file_and_line(void **state)
{
	struct fixture *f = *state;
	char expected[256];
	const char *path = write_config(f, "\n\nworkers = many\n");

	assert_int_equal(parse(f, "--config", path, NULL), ZG_EINVAL);
	snprintf(expected, sizeof(expected),
		 "%s:3: workers: 'many' is not a number from 1 to 256", path);
	assert_string_equal(f->err, expected);
}

static void test_config_file_line_without_equals_is_refused(void **state)
{
	struct fixture *f = *state;
	char expected[256];
	const char *path = write_config(f, "foreground\n");

	assert_int_equal(parse(f, "--config", path, NULL), ZG_EINVAL);
	snprintf(expected, sizeof(expected),
		 "%s:1: 'foreground' is not 'key = value'", path);
	assert_string_equal(f->err, expected);
}

static void test_config_file_empty_value_is_refused(void **state)
{
	struct fixture *f = *state;
	char expected[256];
	const char *path = write_config(f, "state =   # nothing\n");

	assert_int_equal(parse(f, "--config", path, NULL), ZG_EINVAL);
	snprintf(expected, sizeof(expected), "%s:1: state: no value after '='",
		 path);
	assert_string_equal(f->err, expected);
}

static void test_config_file_cannot_name_another_config(void **state)
{
	struct fixture *f = *state;
	const char *path = write_config(f, "config = /etc/other.conf\n");

	assert_int_equal(parse(f, "--config", path, NULL), ZG_EINVAL);
	assert_non_null(strstr(f->err, ":1: config: not allowed"));
}

static void test_config_file_foreground_no_and_bad_bool(void **state)
{
	struct fixture *f = *state;
	const char *path = write_config(f, "foreground = no\n");

	assert_int_equal(parse(f, "--config", path, NULL), OPTIONS_RUN);
	assert_false(f->opts.foreground);
	assert_int_equal(parse(f, "--config", path, "--foreground", NULL),
			 OPTIONS_RUN);
	assert_true(f->opts.foreground);

	unlink(path);
	path = write_config(f, "foreground = perhaps\n");
	assert_int_equal(parse(f, "--config", path, NULL), ZG_EINVAL);
	assert_non_null(strstr(f->err, ":1: foreground: 'perhaps' is not yes or no"));
}

static void test_missing_config_file_is_reported(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "--config", "/nonexistent/zonegated.conf",
			       NULL), -ENOENT);
	assert_string_equal(f->err, "/nonexistent/zonegated.conf: cannot read: No such file or directory");
}

static void test_command_line_error_wins_over_file_error(void **state)
{
	struct fixture *f = *state;
	const char *path = write_config(f, "bogus = 1\n");

	assert_int_equal(parse(f, "--config", path, "--workers", "x", NULL),
			 ZG_EINVAL);
	assert_string_equal(f->err,
			    "--workers: 'x' is not a number from 1 to 256");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_no_options_gives_documented_defaults),
		T(test_every_long_option_is_stored),
		T(test_query_log_is_off_unless_given),
		T(test_option_value_after_equals_sign),
		T(test_dns_listen_defaults_to_port_53),
		T(test_dns_listen_ipv6_takes_port_in_brackets),
		T(test_dns_listen_repeats_in_order),
		T(test_bad_dns_listen_is_refused_naming_the_option),
		T(test_workers_out_of_range_is_refused),
		T(test_tcp_max_per_client_range),
		T(test_unknown_log_level_is_refused),
		T(test_unknown_option_is_named),
		T(test_missing_value_is_named),
		T(test_flag_given_a_value_is_refused),
		T(test_stray_argument_is_refused),
		T(test_help_and_version_are_actions),
		T(test_config_file_sets_every_key),
		T(test_command_line_overrides_config_file),
		T(test_command_line_dns_listen_replaces_file_list),
		T(test_config_file_unknown_key_names_file_and_line),
		T(test_config_file_bad_value_names_file_and_line),
		T(test_config_file_line_without_equals_is_refused),
		T(test_config_file_empty_value_is_refused),
		T(test_config_file_cannot_name_another_config),
		T(test_config_file_foreground_no_and_bad_bool),
		T(test_missing_config_file_is_reported),
		T(test_command_line_error_wins_over_file_error),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
