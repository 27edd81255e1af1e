/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The event loop: timers fire in deadline order, posts cross threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <pthread.h>

#include <cmocka.h>

#include "common/loop.h"

struct order {
	struct loop *loop;
	int fired[4];
	int n;
};

static struct order order_state;

static void record_timer(struct loop_timer *t)
{
	order_state.fired[order_state.n++] = (int)(intptr_t)t->arg;
	if (order_state.n == 3) {
		loop_stop(order_state.loop);
	}
}

static void test_timers_fire_in_deadline_order(void **state)
{
	struct loop *loop = loop_new();
	assert_non_null(loop);
	order_state = (struct order){ .loop = loop };

	struct loop_timer t1, t2, t3, never;
	loop_timer_init(&t1, record_timer, (void *)1);
	loop_timer_init(&t2, record_timer, (void *)2);
	loop_timer_init(&t3, record_timer, (void *)3);
	loop_timer_init(&never, record_timer, (void *)9);
	loop_timer_start(loop, &t3, 30);
	loop_timer_start(loop, &t1, 10);
	loop_timer_start(loop, &never, 15);
	loop_timer_start(loop, &t2, 20);
	loop_timer_stop(loop, &never);
	assert_false(loop_timer_running(&never));

	assert_int_equal(loop_run(loop), 0);
	assert_int_equal(order_state.n, 3);
	assert_int_equal(order_state.fired[0], 1);
	assert_int_equal(order_state.fired[1], 2);
	assert_int_equal(order_state.fired[2], 3);
	loop_free(loop);
}

static void stop_from_post(void *arg)
{
	int *ran = arg;
	(*ran)++;
}

static void stop_loop(void *arg)
{
	loop_stop(arg);
}

static void *poster(void *arg)
{
	static int ran;
	struct loop *loop = arg;
	loop_post(loop, stop_from_post, &ran);
	loop_post(loop, stop_loop, loop);
	return &ran;
}

static void test_post_from_another_thread_runs_in_loop(void **state)
{
	struct loop *loop = loop_new();
	pthread_t thread;
	void *ran = NULL;

	assert_int_equal(pthread_create(&thread, NULL, poster, loop), 0);
	assert_int_equal(loop_run(loop), 0);
	pthread_join(thread, &ran);
	assert_int_equal(*(int *)ran, 1);
	loop_free(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timers_fire_in_deadline_order),
		cmocka_unit_test(test_post_from_another_thread_runs_in_loop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
