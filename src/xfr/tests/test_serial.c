/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Serial number arithmetic (RFC 1982 section 3.2), with the rows of
 * shared/cases/bugcorpus.md BC-30: L is the held serial, P the
 * primary's; a transfer happens only when P is greater than L. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "xfr/xfr.h"

static void test_bc30a_wrapped_serial_is_newer(void **state)
{
	/* (P - L) mod 2^32 = 1453625650 < 2^31 */
	assert_int_equal(xfr_serial_compare(1158658354u, 4000000000u),
			 XFR_SERIAL_GREATER);
	assert_int_equal(xfr_serial_compare(4000000000u, 1158658354u),
			 XFR_SERIAL_LESS);
}

static void test_bc30b_zero_follows_the_largest_serial(void **state)
{
	assert_int_equal(xfr_serial_compare(0u, 4294967295u),
			 XFR_SERIAL_GREATER);
	assert_int_equal(xfr_serial_compare(4294967295u, 0u),
			 XFR_SERIAL_LESS);
}

static void test_bc30c_distance_of_two_to_the_31_is_undefined(void **state)
{
	assert_int_equal(xfr_serial_compare(2147483649u, 1u),
			 XFR_SERIAL_UNDEFINED);
	assert_int_equal(xfr_serial_compare(1u, 2147483649u),
			 XFR_SERIAL_UNDEFINED);
	assert_int_equal(xfr_serial_compare(0x80000000u, 0u),
			 XFR_SERIAL_UNDEFINED);
}

static void test_bc30d_smaller_serial_is_older(void **state)
{
	assert_int_equal(xfr_serial_compare(2026120401u, 2026120402u),
			 XFR_SERIAL_LESS);
}

static void test_bc30e_equal_serials(void **state)
{
	assert_int_equal(xfr_serial_compare(2026120401u, 2026120401u),
			 XFR_SERIAL_EQUAL);
}

static void test_largest_increment_is_two_to_the_31_minus_one(void **state)
{
	/* RFC 1982 section 3.1: n may be at most 2^31 - 1. */
	assert_int_equal(xfr_serial_compare(0x7fffffffu, 0u),
			 XFR_SERIAL_GREATER);
	assert_int_equal(xfr_serial_compare(0x80000001u, 0u),
			 XFR_SERIAL_LESS);
	assert_int_equal(xfr_serial_compare(5u, 4u), XFR_SERIAL_GREATER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bc30a_wrapped_serial_is_newer),
		cmocka_unit_test(test_bc30b_zero_follows_the_largest_serial),
		cmocka_unit_test(test_bc30c_distance_of_two_to_the_31_is_undefined),
		cmocka_unit_test(test_bc30d_smaller_serial_is_older),
		cmocka_unit_test(test_bc30e_equal_serials),
		cmocka_unit_test(test_largest_increment_is_two_to_the_31_minus_one),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
