/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Pacing of SOA checks: at most rate starts in each window of
 * XFR_PACE_WINDOW_MS, the rest in two FIFO queues, urgent first
 * (xfr_impl.h). No clock of its own: the caller passes the time. */
#include "xfr/xfr_impl.h"

#include <string.h>

static void list_init(struct xfr_pace_link *head)
{
	head->prev = head;
	head->next = head;
}

static bool list_empty(const struct xfr_pace_link *head)
{
	return head->next == head;
}

void xfr_pace_init(struct xfr_pace *p, uint32_t rate)
{
	memset(p, 0, sizeof(*p));
	p->rate = rate > 0 ? rate : 1;
	list_init(&p->urgent);
	list_init(&p->normal);
}

/* Opens a new window with a full budget when the last one is over. */
static void refill(struct xfr_pace *p, uint64_t now_ms)
{
	if (!p->window_open || now_ms < p->window_start ||
	    now_ms - p->window_start >= XFR_PACE_WINDOW_MS) {
		p->window_open = true;
		p->window_start = now_ms;
		p->used = 0;
	}
}

/* Takes one start from the budget at now_ms; false when it is spent. */
static bool take(struct xfr_pace *p, uint64_t now_ms)
{
	refill(p, now_ms);
	if (p->used >= p->rate) {
		return false;
	}
	p->used++;
	return true;
}

static void enqueue(struct xfr_pace *p, struct xfr_pace_link *l,
		    bool urgent)
{
	struct xfr_pace_link *head = urgent ? &p->urgent : &p->normal;
	l->prev = head->prev;
	l->next = head;
	head->prev->next = l;
	head->prev = l;
	l->queued = true;
	l->urgent = urgent;
	p->n_queued++;
}

void xfr_pace_remove(struct xfr_pace *p, struct xfr_pace_link *l)
{
	if (!l->queued) {
		return;
	}
	l->prev->next = l->next;
	l->next->prev = l->prev;
	memset(l, 0, sizeof(*l));
	p->n_queued--;
}

bool xfr_pace_request(struct xfr_pace *p, struct xfr_pace_link *l,
		      bool urgent, uint64_t now_ms)
{
	if (l->queued) {
		if (urgent && !l->urgent) {
			xfr_pace_remove(p, l);
			enqueue(p, l, true);
		}
		return false;
	}
	/* Nothing that waits before it may be overtaken. */
	bool ahead = !list_empty(&p->urgent) ||
		     (!urgent && !list_empty(&p->normal));
	if (!ahead && take(p, now_ms)) {
		return true;
	}
	enqueue(p, l, urgent);
	return false;
}

struct xfr_pace_link *xfr_pace_next(struct xfr_pace *p, uint64_t now_ms)
{
	struct xfr_pace_link *head = !list_empty(&p->urgent) ? &p->urgent
							     : &p->normal;
	if (list_empty(head) || !take(p, now_ms)) {
		return NULL;
	}
	struct xfr_pace_link *l = head->next;
	xfr_pace_remove(p, l);
	return l;
}

uint64_t xfr_pace_wait_ms(const struct xfr_pace *p, uint64_t now_ms)
{
	if (p->n_queued == 0) {
		return UINT64_MAX;
	}
	if (!p->window_open || p->used < p->rate ||
	    now_ms < p->window_start ||
	    now_ms - p->window_start >= XFR_PACE_WINDOW_MS) {
		return 0;
	}
	return p->window_start + XFR_PACE_WINDOW_MS - now_ms;
}
