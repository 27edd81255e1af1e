/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Pacing of SOA checks (pace.c) on a fake clock: XFR_SOA_CHECKS_PER_S
 * starts in each window of one second, the rest in order, checks of a
 * NOTIFY or an operator ahead of the others. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "xfr/xfr_impl.h"

#define N_ZONES 50

static struct xfr_pace_link links[N_ZONES];

static int index_of(const struct xfr_pace_link *l)
{
	return l == NULL ? -1 : (int)(l - links);
}

static void reset(struct xfr_pace *p)
{
	memset(links, 0, sizeof(links));
	xfr_pace_init(p, XFR_SOA_CHECKS_PER_S);
}

/* Zones 0..n-1 ask at now; returns how many may start at once. */
static int request_all(struct xfr_pace *p, int n, uint64_t now)
{
	int started = 0;
	for (int i = 0; i < n; i++) {
		if (xfr_pace_request(p, &links[i], false, now)) {
			assert_int_equal(i, started);
			started++;
		}
	}
	return started;
}

static void test_default_rate_is_binds_serial_query_rate(void **state)
{
	(void)state;
	assert_int_equal(XFR_SOA_CHECKS_PER_S, 20);
}

static void test_fifty_due_start_20_then_20_then_10_in_order(void **state)
{
	(void)state;
	struct xfr_pace p;
	reset(&p);
	assert_int_equal(request_all(&p, N_ZONES, 0), 20);
	assert_null(xfr_pace_next(&p, 0));
	assert_int_equal(xfr_pace_wait_ms(&p, 0), 1000);
	assert_int_equal(xfr_pace_wait_ms(&p, 400), 600);
	assert_null(xfr_pace_next(&p, 999));

	for (int i = 20; i < 40; i++) {
		assert_int_equal(index_of(xfr_pace_next(&p, 1000)), i);
	}
	assert_null(xfr_pace_next(&p, 1000));
	assert_int_equal(xfr_pace_wait_ms(&p, 1000), 1000);

	for (int i = 40; i < 50; i++) {
		assert_int_equal(index_of(xfr_pace_next(&p, 2000)), i);
	}
	assert_null(xfr_pace_next(&p, 2000));
	assert_int_equal(xfr_pace_wait_ms(&p, 2000), UINT64_MAX);
	assert_int_equal(p.n_queued, 0);
}

static void test_new_check_does_not_overtake_waiting_ones(void **state)
{
	(void)state;
	struct xfr_pace p;
	reset(&p);
	assert_int_equal(request_all(&p, 25, 0), 20);
	/* The window is over but the waiting ones have not been handed
	 * out yet: a new check waits behind them. */
	assert_false(xfr_pace_request(&p, &links[25], false, 1500));
	for (int i = 20; i < 26; i++) {
		assert_int_equal(index_of(xfr_pace_next(&p, 1500)), i);
	}
	assert_null(xfr_pace_next(&p, 1500));
}

static void test_notify_for_a_waiting_zone_moves_it_ahead(void **state)
{
	(void)state;
	struct xfr_pace p;
	reset(&p);
	assert_int_equal(request_all(&p, N_ZONES, 0), 20);
	/* NOTIFY for zone 45 at 0.5 s: still no budget; it waits, first. */
	assert_false(xfr_pace_request(&p, &links[45], true, 500));
	assert_true(links[45].urgent);
	assert_int_equal(p.n_queued, 30);
	/* A second NOTIFY keeps its place. */
	assert_false(xfr_pace_request(&p, &links[45], true, 600));
	assert_int_equal(p.n_queued, 30);

	assert_int_equal(index_of(xfr_pace_next(&p, 1000)), 45);
	for (int i = 20; i < 39; i++) {
		assert_int_equal(index_of(xfr_pace_next(&p, 1000)), i);
	}
	assert_null(xfr_pace_next(&p, 1000));
	for (int i = 39; i < 50; i++) {
		if (i != 45) {
			assert_int_equal(index_of(xfr_pace_next(&p, 2000)),
					 i);
		}
	}
	assert_null(xfr_pace_next(&p, 2000));
}

static void test_notify_counts_against_the_budget(void **state)
{
	(void)state;
	struct xfr_pace p;
	reset(&p);
	assert_int_equal(request_all(&p, 20, 0), 20);
	/* Zone 20 is not waiting: an urgent check still waits for the
	 * next window, ahead of zone 21's timer check. */
	assert_false(xfr_pace_request(&p, &links[21], false, 10));
	assert_false(xfr_pace_request(&p, &links[20], true, 20));
	assert_int_equal(index_of(xfr_pace_next(&p, 1000)), 20);
	assert_int_equal(index_of(xfr_pace_next(&p, 1000)), 21);
}

static void test_urgent_check_starts_at_once_with_budget(void **state)
{
	(void)state;
	struct xfr_pace p;
	reset(&p);
	assert_int_equal(request_all(&p, 5, 0), 5);
	assert_true(xfr_pace_request(&p, &links[5], true, 100));
	assert_int_equal(p.n_queued, 0);
}

static void test_removed_zone_is_not_started(void **state)
{
	(void)state;
	struct xfr_pace p;
	reset(&p);
	assert_int_equal(request_all(&p, 23, 0), 20);
	xfr_pace_remove(&p, &links[21]);
	xfr_pace_remove(&p, &links[21]);
	xfr_pace_remove(&p, &links[3]);	/* not waiting: no effect */
	assert_int_equal(p.n_queued, 2);
	assert_int_equal(index_of(xfr_pace_next(&p, 1000)), 20);
	assert_int_equal(index_of(xfr_pace_next(&p, 1000)), 22);
	assert_null(xfr_pace_next(&p, 1000));
}

static void test_window_opens_at_first_start_after_idle(void **state)
{
	(void)state;
	struct xfr_pace p;
	reset(&p);
	/* Idle until 5 s: the budget is full there, and the window runs
	 * from 5 s to 6 s. */
	assert_int_equal(request_all(&p, 21, 5000), 20);
	assert_int_equal(xfr_pace_wait_ms(&p, 5300), 700);
	assert_null(xfr_pace_next(&p, 5999));
	assert_int_equal(index_of(xfr_pace_next(&p, 6000)), 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_rate_is_binds_serial_query_rate),
		cmocka_unit_test(test_fifty_due_start_20_then_20_then_10_in_order),
		cmocka_unit_test(test_new_check_does_not_overtake_waiting_ones),
		cmocka_unit_test(test_notify_for_a_waiting_zone_moves_it_ahead),
		cmocka_unit_test(test_notify_counts_against_the_budget),
		cmocka_unit_test(test_urgent_check_starts_at_once_with_budget),
		cmocka_unit_test(test_removed_zone_is_not_started),
		cmocka_unit_test(test_window_opens_at_first_start_after_idle),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
