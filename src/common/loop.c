/* SPDX-License-Identifier: GPL-3.0-or-later */
/* epoll-based event loop with a binary heap of timers. */
#include "common/loop.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "common/error.h"

#define MAX_EVENTS 64

struct post {
	loop_post_cb cb;
	void *arg;
	struct post *next;
};

struct loop {
	int epfd;
	struct loop_io wake;		/* eventfd that interrupts epoll_wait */
	uint64_t now_ms;
	atomic_bool stop;

	struct loop_timer **heap;	/* min-heap on deadline_ms */
	size_t heap_len;
	size_t heap_cap;

	pthread_mutex_t post_lock;	/* protects posts */
	struct post *posts;		/* LIFO; reversed before running */
	bool posts_due;			/* the eventfd fired in this batch */

	/* The batch being dispatched, so that loop_io_del() can forget
	 * events of an io that its caller is about to free. */
	struct epoll_event events[MAX_EVENTS];
	int batch_len;
	int batch_next;
};

uint64_t loop_clock_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t loop_now_ms(const struct loop *loop)
{
	return loop->now_ms;
}

static void run_posts(struct loop *loop)
{
	pthread_mutex_lock(&loop->post_lock);
	struct post *list = loop->posts;
	loop->posts = NULL;
	pthread_mutex_unlock(&loop->post_lock);

	/* Posts were pushed LIFO; run them in the order they were made. */
	struct post *ordered = NULL;
	while (list != NULL) {
		struct post *next = list->next;
		list->next = ordered;
		ordered = list;
		list = next;
	}
	while (ordered != NULL) {
		struct post *next = ordered->next;
		ordered->cb(ordered->arg);
		free(ordered);
		ordered = next;
	}
}

static void wake_cb(struct loop_io *io, uint32_t events)
{
	uint64_t count;
	if (read(io->fd, &count, sizeof(count)) < 0) {
		/* EAGAIN: another wake-up already drained it. */
	}
	/* Posts run after the whole batch, so a post may free an io
	 * whose event is still queued in this batch. */
	((struct loop *)io->arg)->posts_due = true;
}

struct loop *loop_new(void)
{
	struct loop *loop = calloc(1, sizeof(*loop));
	if (loop == NULL) {
		return NULL;
	}
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	loop->wake.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	pthread_mutex_init(&loop->post_lock, NULL);
	if (loop->epfd < 0 || loop->wake.fd < 0) {
		loop_free(loop);
		return NULL;
	}
	loop->wake.cb = wake_cb;
	loop->wake.arg = loop;
	if (loop_io_add(loop, &loop->wake, EPOLLIN) != 0) {
		loop_free(loop);
		return NULL;
	}
	loop->now_ms = loop_clock_ms();
	return loop;
}

void loop_free(struct loop *loop)
{
	if (loop == NULL) {
		return;
	}
	struct post *p = loop->posts;
	while (p != NULL) {
		struct post *next = p->next;
		free(p);
		p = next;
	}
	if (loop->wake.fd >= 0) {
		close(loop->wake.fd);
	}
	if (loop->epfd >= 0) {
		close(loop->epfd);
	}
	pthread_mutex_destroy(&loop->post_lock);
	free(loop->heap);
	free(loop);
}

int loop_io_add(struct loop *loop, struct loop_io *io, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = io };
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, io->fd, &ev) != 0) {
		return -errno;
	}
	io->added = true;
	return 0;
}

int loop_io_mod(struct loop *loop, struct loop_io *io, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = io };
	if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, io->fd, &ev) != 0) {
		return -errno;
	}
	return 0;
}

void loop_io_del(struct loop *loop, struct loop_io *io)
{
	if (!io->added) {
		return;
	}
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, io->fd, NULL);
	io->added = false;
	/* An event for io may still wait in the batch being dispatched:
	 * forget it, so the caller may free io as soon as this returns. */
	for (int i = loop->batch_next; i < loop->batch_len; i++) {
		if (loop->events[i].data.ptr == io) {
			loop->events[i].data.ptr = NULL;
		}
	}
}

/* Heap helpers: index 0 is the earliest deadline. */
static void heap_swap(struct loop *loop, size_t a, size_t b)
{
	struct loop_timer *t = loop->heap[a];
	loop->heap[a] = loop->heap[b];
	loop->heap[b] = t;
	loop->heap[a]->heap_index = a;
	loop->heap[b]->heap_index = b;
}

static void heap_up(struct loop *loop, size_t i)
{
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (loop->heap[parent]->deadline_ms <= loop->heap[i]->deadline_ms) {
			break;
		}
		heap_swap(loop, i, parent);
		i = parent;
	}
}

static void heap_down(struct loop *loop, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, min = i;
		if (l < loop->heap_len &&
		    loop->heap[l]->deadline_ms < loop->heap[min]->deadline_ms) {
			min = l;
		}
		if (r < loop->heap_len &&
		    loop->heap[r]->deadline_ms < loop->heap[min]->deadline_ms) {
			min = r;
		}
		if (min == i) {
			return;
		}
		heap_swap(loop, i, min);
		i = min;
	}
}

void loop_timer_init(struct loop_timer *timer, loop_timer_cb cb, void *arg)
{
	timer->deadline_ms = 0;
	timer->heap_index = SIZE_MAX;
	timer->cb = cb;
	timer->arg = arg;
}

bool loop_timer_running(const struct loop_timer *timer)
{
	return timer->heap_index != SIZE_MAX;
}

void loop_timer_stop(struct loop *loop, struct loop_timer *timer)
{
	if (!loop_timer_running(timer)) {
		return;
	}
	size_t i = timer->heap_index;
	size_t last = loop->heap_len - 1;
	if (i != last) {
		heap_swap(loop, i, last);
	}
	loop->heap_len--;
	timer->heap_index = SIZE_MAX;
	if (i < loop->heap_len) {
		heap_up(loop, i);
		heap_down(loop, i);
	}
}

void loop_timer_start(struct loop *loop, struct loop_timer *timer,
		      uint64_t after_ms)
{
	loop_timer_stop(loop, timer);
	if (loop->heap_len == loop->heap_cap) {
		size_t cap = loop->heap_cap ? loop->heap_cap * 2 : 64;
		struct loop_timer **heap = realloc(loop->heap, cap * sizeof(*heap));
		if (heap == NULL) {
			abort();	/* a lost timer would leak a query forever */
		}
		loop->heap = heap;
		loop->heap_cap = cap;
	}
	timer->deadline_ms = loop_clock_ms() + after_ms;
	timer->heap_index = loop->heap_len;
	loop->heap[loop->heap_len++] = timer;
	heap_up(loop, timer->heap_index);
}

static void run_timers(struct loop *loop)
{
	while (loop->heap_len > 0 &&
	       loop->heap[0]->deadline_ms <= loop->now_ms) {
		struct loop_timer *timer = loop->heap[0];
		loop_timer_stop(loop, timer);
		timer->cb(timer);
	}
}

static int next_timeout(const struct loop *loop)
{
	if (loop->heap_len == 0) {
		return 1000;
	}
	uint64_t deadline = loop->heap[0]->deadline_ms;
	if (deadline <= loop->now_ms) {
		return 0;
	}
	uint64_t wait = deadline - loop->now_ms;
	return wait > 1000 ? 1000 : (int)wait;
}

int loop_post(struct loop *loop, loop_post_cb cb, void *arg)
{
	struct post *post = malloc(sizeof(*post));
	if (post == NULL) {
		return ZG_ENOMEM;
	}
	post->cb = cb;
	post->arg = arg;
	pthread_mutex_lock(&loop->post_lock);
	post->next = loop->posts;
	loop->posts = post;
	pthread_mutex_unlock(&loop->post_lock);

	uint64_t one = 1;
	if (write(loop->wake.fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is already non-zero, a wake is due. */
	}
	return 0;
}

void loop_stop(struct loop *loop)
{
	atomic_store(&loop->stop, true);
	uint64_t one = 1;
	if (write(loop->wake.fd, &one, sizeof(one)) < 0) {
		/* see loop_post() */
	}
}

int loop_run(struct loop *loop)
{
	while (!atomic_load(&loop->stop)) {
		loop->now_ms = loop_clock_ms();
		int n = epoll_wait(loop->epfd, loop->events, MAX_EVENTS,
				   next_timeout(loop));
		if (n < 0 && errno != EINTR) {
			return -errno;
		}
		loop->now_ms = loop_clock_ms();
		loop->batch_len = n > 0 ? n : 0;
		for (loop->batch_next = 0; loop->batch_next < loop->batch_len;) {
			struct epoll_event *ev = &loop->events[loop->batch_next++];
			struct loop_io *io = ev->data.ptr;
			/* NULL: removed by an earlier callback of this batch. */
			if (io != NULL) {
				io->cb(io, ev->events);
			}
		}
		loop->batch_len = 0;
		loop->batch_next = 0;
		if (loop->posts_due) {
			loop->posts_due = false;
			run_posts(loop);
		}
		run_timers(loop);
	}
	return 0;
}
