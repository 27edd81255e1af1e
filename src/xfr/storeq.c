/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The service's store thread: every store access of the secondary-zone
 * service runs here, in the order posted, so that the service loop never
 * waits for the store while another thread holds it. */
#include "xfr/xfr_impl.h"

#include <errno.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "common/error.h"
#include "common/log.h"

/* Takes the finished jobs in order and calls them back (loop thread). */
static void on_done(struct loop_io *io, uint32_t events)
{
	(void)events;
	struct xfr_service *svc = io->arg;
	uint64_t count;
	while (read(svc->jobs_fd, &count, sizeof(count)) < 0 &&
	       errno == EINTR) {
	}

	pthread_mutex_lock(&svc->jobs_lock);
	struct xfr_job *job = svc->done_head;
	svc->done_head = svc->done_tail = NULL;
	pthread_mutex_unlock(&svc->jobs_lock);

	while (job != NULL) {
		struct xfr_job *next = job->next;
		job->done(job, true);
		job = next;
	}
}

static void push_done(struct xfr_service *svc, struct xfr_job *job)
{
	job->next = NULL;
	if (svc->done_tail != NULL) {
		svc->done_tail->next = job;
	} else {
		svc->done_head = job;
	}
	svc->done_tail = job;
}

static void *store_main(void *arg)
{
	struct xfr_service *svc = arg;
	pthread_mutex_lock(&svc->jobs_lock);
	for (;;) {
		while (svc->jobs_head == NULL && !svc->jobs_stop) {
			pthread_cond_wait(&svc->jobs_cond, &svc->jobs_lock);
		}
		struct xfr_job *job = svc->jobs_head;
		if (job == NULL) {
			break;		/* stopping, and nothing is left */
		}
		svc->jobs_head = job->next;
		if (svc->jobs_head == NULL) {
			svc->jobs_tail = NULL;
		}
		job->taken = true;
		pthread_mutex_unlock(&svc->jobs_lock);

		job->run(job);

		pthread_mutex_lock(&svc->jobs_lock);
		push_done(svc, job);
		uint64_t one = 1;
		if (write(svc->jobs_fd, &one, sizeof(one)) < 0 &&
		    errno != EAGAIN) {
			zg_log(ZG_LOG_ERROR, "xfr", NULL,
			       "cannot wake the transfer loop: %s; finished store work waits for the next wake-up",
			       zg_strerror(-errno));
		}
	}
	pthread_mutex_unlock(&svc->jobs_lock);
	return NULL;
}

int xfr_jobs_init(struct xfr_service *svc)
{
	svc->jobs_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (svc->jobs_fd < 0) {
		return -errno;
	}
	pthread_mutex_init(&svc->jobs_lock, NULL);
	pthread_cond_init(&svc->jobs_cond, NULL);
	svc->jobs_io = (struct loop_io){ .fd = svc->jobs_fd, .cb = on_done,
					 .arg = svc };
	int ret = loop_io_add(svc->loop, &svc->jobs_io, EPOLLIN);
	if (ret != 0) {
		pthread_cond_destroy(&svc->jobs_cond);
		pthread_mutex_destroy(&svc->jobs_lock);
		close(svc->jobs_fd);
		svc->jobs_fd = -1;
	}
	return ret;
}

int xfr_jobs_start(struct xfr_service *svc)
{
	int ret = pthread_create(&svc->jobs_thread, NULL, store_main, svc);
	if (ret != 0) {
		return -ret;
	}
	svc->jobs_started = true;
	return 0;
}

void xfr_jobs_post(struct xfr_service *svc, struct xfr_job *job)
{
	job->svc = svc;
	job->next = NULL;
	job->taken = false;
	pthread_mutex_lock(&svc->jobs_lock);
	if (svc->jobs_tail != NULL) {
		svc->jobs_tail->next = job;
	} else {
		svc->jobs_head = job;
	}
	svc->jobs_tail = job;
	pthread_cond_signal(&svc->jobs_cond);
	pthread_mutex_unlock(&svc->jobs_lock);
}

bool xfr_jobs_edit(struct xfr_service *svc, struct xfr_job *job,
		   void (*edit)(struct xfr_job *job, void *arg), void *arg)
{
	pthread_mutex_lock(&svc->jobs_lock);
	bool waiting = !job->taken;
	if (waiting) {
		edit(job, arg);
	}
	pthread_mutex_unlock(&svc->jobs_lock);
	return waiting;
}

void xfr_jobs_stop(struct xfr_service *svc)
{
	if (svc->jobs_fd < 0) {
		return;
	}
	if (svc->jobs_started) {
		/* What is queued still runs: a transfer received is stored
		 * (served after the restart), the last refresh state too. */
		pthread_mutex_lock(&svc->jobs_lock);
		svc->jobs_stop = true;
		pthread_cond_signal(&svc->jobs_cond);
		pthread_mutex_unlock(&svc->jobs_lock);
		pthread_join(svc->jobs_thread, NULL);
		svc->jobs_started = false;
	}

	/* Never started: the queue is dropped unrun. */
	struct xfr_job *lists[2] = { svc->done_head, svc->jobs_head };
	svc->done_head = svc->done_tail = NULL;
	svc->jobs_head = svc->jobs_tail = NULL;
	for (size_t i = 0; i < 2; i++) {
		while (lists[i] != NULL) {
			struct xfr_job *next = lists[i]->next;
			lists[i]->done(lists[i], false);
			lists[i] = next;
		}
	}
	loop_io_del(svc->loop, &svc->jobs_io);
	close(svc->jobs_fd);
	svc->jobs_fd = -1;
	pthread_cond_destroy(&svc->jobs_cond);
	pthread_mutex_destroy(&svc->jobs_lock);
}
