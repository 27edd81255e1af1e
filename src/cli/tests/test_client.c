/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the CLI's request timeouts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include <cmocka.h>

#include "cli/client.h"

/* An import, export, backup or restore may run for minutes: it waits
 * ten, the other requests one. */
static void test_long_requests_wait_ten_minutes(void **state)
{
	assert_int_equal(client_timeout_ms(true, NULL), 600000);
	assert_int_equal(client_timeout_ms(false, NULL), 60000);
}

static void test_environment_sets_the_timeout_in_seconds(void **state)
{
	assert_int_equal(client_timeout_ms(true, "5"), 5000);
	assert_int_equal(client_timeout_ms(false, "1800"), 1800000);
	assert_int_equal(client_timeout_ms(false, "86400"), 86400000);
}

static void test_unusable_environment_values_are_ignored(void **state)
{
	const char *bad[] = { "", "0", "-5", "+5", " 5", "5s", "86401",
			      "99999999999999999999" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(client_timeout_ms(true, bad[i]), 600000);
		assert_int_equal(client_timeout_ms(false, bad[i]), 60000);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_long_requests_wait_ten_minutes),
		cmocka_unit_test(test_environment_sets_the_timeout_in_seconds),
		cmocka_unit_test(test_unusable_environment_values_are_ignored),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
