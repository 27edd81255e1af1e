/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The secondary-zone service: its thread and loop, the list of zones
 * kept in step with the store, and the requests other threads post. */
#include "xfr/xfr_impl.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdnssec/binary.h>
#include <urcu.h>

#include "common/error.h"
#include "common/log.h"
#include "config/config.h"
#include "zone/zone.h"

/* What the store says one secondary zone should be. */
struct wanted {
	struct store_zone zone;
	struct store_secondary sec;
	bool has_key;
	knot_tsig_key_t key;
	struct store_endpoint ep;
	bool has_ep;
	bool ep_missing;
	bool key_missing;
	bool preloaded;			/* stored is read: the zone was not
					 * the service's when it was read */
	struct xfr_stored stored;
};

static void wanted_clear(struct wanted *w)
{
	xfr_stored_clear(&w->stored);
	store_zone_clear(&w->zone);
	store_secondary_clear(&w->sec);
	if (w->has_key) {
		knot_tsig_key_deinit(&w->key);
	}
	store_endpoint_clear(&w->ep);
	memset(w, 0, sizeof(*w));
}

/*
 * Reading the store
 */

static int read_one(struct store *store, const struct store_zone *zone,
		    struct wanted *w)
{
	w->zone = *zone;
	int ret = store_secondary_get(store, zone->meta.resource_id, &w->sec);
	if (ret != 0) {
		return ret;
	}
	if (w->sec.tsig_key[0] != '\0') {
		struct store_tsig_key stored = { 0 };
		ret = store_tsig_get(store, w->sec.tsig_key, &stored);
		if (ret == 0) {
			w->has_key = xfr_tsig_key_from_store(&stored,
							     &w->key) == 0;
			w->key_missing = !w->has_key;
		} else if (ret == ZG_ENOENT) {
			w->key_missing = true;
			ret = 0;
		}
		store_tsig_key_clear(&stored);
	}
	if (ret == 0 && w->sec.endpoint_id[0] != '\0') {
		ret = store_endpoint_get(store, w->sec.endpoint_id, &w->ep);
		w->has_ep = ret == 0;
		w->ep_missing = ret == ZG_ENOENT;
		ret = ret == ZG_ENOENT ? 0 : ret;
	}
	return ret;
}

static bool known_zone(struct xfr_service *svc, const char *zone_id)
{
	pthread_mutex_lock(&svc->lock);
	bool known = false;
	for (struct xfr_zone *z = svc->zones; z != NULL && !known;
	     z = z->next) {
		known = strcmp(z->zone_id, zone_id) == 0;
	}
	pthread_mutex_unlock(&svc->lock);
	return known;
}

/* Reads every secondary zone, and what the store holds of each zone the
 * service does not have yet. The zones array's entries are moved into
 * the wanted list (their strv owned there). Store thread. */
static int read_wanted(struct xfr_service *svc, struct wanted **out,
		       size_t *n_out)
{
	struct store *store = svc->store;
	*out = NULL;
	*n_out = 0;
	struct store_zone *zones = NULL;
	size_t n = 0;
	bool more = false;
	int ret = store_begin(store, NULL);
	if (ret != 0) {
		return ret;
	}
	ret = store_zone_list(store, NULL, 0, &zones, &n, &more);
	struct wanted *w = ret == 0 ? calloc(n + 1, sizeof(*w)) : NULL;
	if (ret == 0 && w == NULL) {
		ret = ZG_ENOMEM;
	}
	size_t k = 0;
	for (size_t i = 0; ret == 0 && i < n; i++) {
		if (strcmp(zones[i].kind, "secondary") != 0) {
			continue;
		}
		ret = read_one(store, &zones[i], &w[k]);
		memset(&zones[i], 0, sizeof(zones[i]));
		const char *zone_id = w[k].zone.meta.resource_id;
		if (ret == 0 && !known_zone(svc, zone_id)) {
			ret = xfr_stored_read(store, zone_id, &w[k].stored);
			w[k].preloaded = ret == 0;
		}
		k++;
	}
	store_rollback(store);
	store_zone_list_free(zones, n);
	if (ret != 0) {
		for (size_t i = 0; i < k; i++) {
			wanted_clear(&w[i]);
		}
		free(w);
		return ret;
	}
	*out = w;
	*n_out = k;
	return 0;
}

/*
 * Settings
 */

static int parse_addrs(const struct store_strv *in, uint16_t port,
		       struct zg_addr **out, size_t *n_out)
{
	*out = calloc(in->n + 1, sizeof(**out));
	*n_out = 0;
	if (*out == NULL) {
		return ZG_ENOMEM;
	}
	for (size_t i = 0; i < in->n; i++) {
		int ret = port != 0 ? addr_parse(in->v[i], port, &(*out)[*n_out])
				    : addr_parse_ip(in->v[i], &(*out)[*n_out]);
		if (ret == 0) {
			(*n_out)++;
		}
	}
	return 0;
}

static bool same_addrs(const struct zg_addr *a, size_t na,
		       const struct zg_addr *b, size_t nb)
{
	if (na != nb) {
		return false;
	}
	for (size_t i = 0; i < na; i++) {
		if (!addr_equal(&a[i], &b[i])) {
			return false;
		}
	}
	return true;
}

static bool same_key(const struct xfr_zone *z, const struct wanted *w)
{
	if (z->has_key != w->has_key) {
		return false;
	}
	return !z->has_key ||
	       (knot_dname_is_equal(z->key.name, w->key.name) &&
		z->key.algorithm == w->key.algorithm &&
		dnssec_binary_cmp(&z->key.secret, &w->key.secret) == 0);
}

/* The new settings of one zone; true when they change what a check
 * sends (primaries, key, source) or what it may take (the limits: a
 * transfer refused before may fit now, or the zone be past them).
 * Taken under svc->lock. */
static bool apply_settings(struct xfr_zone *z, struct wanted *w,
			   struct zg_addr *prim, size_t n_prim,
			   struct zg_addr *allow, size_t n_allow)
{
	bool changed = !same_addrs(z->primaries, z->n_primaries, prim, n_prim) ||
		       !same_key(z, w) ||
		       strcmp(z->endpoint_id, w->sec.endpoint_id) != 0 ||
		       z->max_records != w->sec.max_records ||
		       z->max_bytes != w->sec.max_bytes;

	free(z->primaries);
	z->primaries = prim;
	z->n_primaries = n_prim;
	free(z->allow);
	z->allow = allow;
	z->n_allow = n_allow;
	if (z->has_key) {
		knot_tsig_key_deinit(&z->key);
	}
	z->has_key = w->has_key;
	z->key = w->key;
	w->has_key = false;
	memset(&w->key, 0, sizeof(w->key));
	snprintf(z->key_name, sizeof(z->key_name), "%s", w->sec.tsig_key);
	store_strv_clear(&z->vpcs);
	z->vpcs = w->zone.vpcs;
	memset(&w->zone.vpcs, 0, sizeof(w->zone.vpcs));
	snprintf(z->endpoint_id, sizeof(z->endpoint_id), "%s",
		 w->sec.endpoint_id);
	z->endpoint_missing = w->ep_missing;
	z->has_source4 = z->has_source6 = false;
	for (size_t i = 0; w->has_ep && i < w->ep.sources.n; i++) {
		struct zg_addr a;
		if (addr_parse_ip(w->ep.sources.v[i], &a) != 0) {
			continue;
		}
		if (addr_family(&a) == AF_INET && !z->has_source4) {
			z->source4 = a;
			z->has_source4 = true;
		} else if (addr_family(&a) == AF_INET6 && !z->has_source6) {
			z->source6 = a;
			z->has_source6 = true;
		}
	}
	z->max_records = w->sec.max_records;
	z->max_bytes = w->sec.max_bytes;
	return changed;
}

/* Updates z from w; true when a check should run now. */
static bool update_zone(struct xfr_service *svc, struct xfr_zone *z,
			struct wanted *w)
{
	struct zg_addr *prim = NULL, *allow = NULL;
	size_t n_prim = 0, n_allow = 0;
	if (parse_addrs(&w->sec.primaries, 53, &prim, &n_prim) != 0 ||
	    parse_addrs(&w->sec.allow_notify, 0, &allow, &n_allow) != 0) {
		free(prim);
		free(allow);
		return false;
	}
	pthread_mutex_lock(&svc->lock);
	bool changed = apply_settings(z, w, prim, n_prim, allow, n_allow);
	pthread_mutex_unlock(&svc->lock);

	char fields[2 * STORE_NAME_LEN];
	xfr_zone_fields(z, fields, sizeof(fields));
	if (w->key_missing) {
		zg_log(ZG_LOG_ERROR, "xfr", fields,
		       "TSIG key %s is missing or unusable; requests go unsigned and signed NOTIFYs are refused",
		       w->sec.tsig_key);
	}
	if (w->ep_missing) {
		zg_log(ZG_LOG_ERROR, "xfr", fields,
		       "endpoint %s no longer exists; no transfer is made until the zone names an existing endpoint",
		       w->sec.endpoint_id);
	}
	return changed;
}

/*
 * Zones
 */

static void zone_free(struct xfr_zone *z)
{
	xfr_zone_cancel(z);
	xfr_zone_drop_held(z);
	zone_handle_unref(z->handle);
	knot_rrset_free(z->soa, NULL);
	free(z->primaries);
	free(z->allow);
	if (z->has_key) {
		knot_tsig_key_deinit(&z->key);
	}
	store_strv_clear(&z->vpcs);
	free(z);
}

/* The handle the publisher made for zone_id, referenced; NULL when the
 * served configuration does not have the zone yet. */
static struct zone_handle *find_handle(const char *zone_id)
{
	struct zone_handle *h = NULL;
	rcu_read_lock();
	const struct config *cfg = config_current();
	for (size_t i = 0; cfg != NULL && i < cfg->n_zones; i++) {
		if (strcmp(cfg->zones[i].zone_id, zone_id) == 0) {
			h = cfg->zones[i].handle;
			zone_handle_ref(h);
			break;
		}
	}
	rcu_read_unlock();
	return h;
}

struct xfr_zone *xfr_service_zone(struct xfr_service *svc,
				  const char *zone_id)
{
	for (struct xfr_zone *z = svc->zones; z != NULL; z = z->next) {
		if (strcmp(z->zone_id, zone_id) == 0) {
			return z;
		}
	}
	return NULL;
}

static void add_zone(struct xfr_service *svc, struct wanted *w)
{
	const char *zone_id = w->zone.meta.resource_id;
	struct zone_handle *h = find_handle(zone_id);
	if (h == NULL) {
		return;		/* the next publication brings it */
	}
	struct xfr_zone *z = calloc(1, sizeof(*z));
	if (z == NULL) {
		zone_handle_unref(h);
		return;
	}
	z->svc = svc;
	z->handle = h;
	xfr_zone_init_timers(z);
	snprintf(z->zone_id, sizeof(z->zone_id), "%s", zone_id);
	snprintf(z->name, sizeof(z->name), "%s", w->zone.meta.name);
	if (knot_dname_from_str(z->apex, z->name, sizeof(z->apex)) == NULL) {
		zone_free(z);
		return;
	}
	knot_dname_to_lower(z->apex);
	snprintf(z->st.zone_id, sizeof(z->st.zone_id), "%s", zone_id);
	(void)update_zone(svc, z, w);

	pthread_mutex_lock(&svc->lock);
	z->next = svc->zones;
	svc->zones = z;
	pthread_mutex_unlock(&svc->lock);
	xfr_zone_load(z, &w->stored);
}

static void remove_unseen(struct xfr_service *svc)
{
	struct xfr_zone **link = &svc->zones;
	while (*link != NULL) {
		struct xfr_zone *z = *link;
		if (z->seen) {
			z->seen = false;
			link = &z->next;
			continue;
		}
		pthread_mutex_lock(&svc->lock);
		*link = z->next;
		pthread_mutex_unlock(&svc->lock);
		char fields[2 * STORE_NAME_LEN];
		xfr_zone_fields(z, fields, sizeof(fields));
		zg_log(ZG_LOG_INFO, "xfr", fields,
		       "zone is no longer a secondary zone here; its transfers stop");
		zone_free(z);
	}
}

/*
 * Reconciling with the store: the store thread reads, the loop applies.
 */

struct reconcile_job {
	struct xfr_job job;
	struct wanted *w;
	size_t n;
	int ret;
};

static void reconcile_run(struct xfr_job *job)
{
	struct reconcile_job *rj = (struct reconcile_job *)job;
	rj->ret = read_wanted(job->svc, &rj->w, &rj->n);
	if (rj->ret != 0) {
		zg_log(ZG_LOG_WARNING, "xfr", NULL,
		       "cannot read the secondary zones from the store: %s; they are read again with the next change",
		       zg_strerror(rj->ret));
	}
}

static void reconcile_apply(struct xfr_service *svc, struct wanted *w,
			    size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *zone_id = w[i].zone.meta.resource_id;
		struct xfr_zone *z = xfr_service_zone(svc, zone_id);
		if (z == NULL && w[i].preloaded) {
			add_zone(svc, &w[i]);
			z = xfr_service_zone(svc, zone_id);
		} else if (z == NULL) {
			/* Gone and back while the read ran (a restore):
			 * its stored data comes with the next read. */
			svc->reconcile_again = true;
			continue;
		} else if (update_zone(svc, z, &w[i])) {
			xfr_zone_settings_changed(z);
		}
		if (z != NULL) {
			z->seen = true;
		}
	}
	remove_unseen(svc);
}

static void post_reconcile(struct xfr_service *svc);

static void reconcile_done(struct xfr_job *job, bool live)
{
	struct reconcile_job *rj = (struct reconcile_job *)job;
	struct xfr_service *svc = job->svc;
	if (live) {
		svc->reconcile_queued = false;
		if (rj->ret == 0) {
			reconcile_apply(svc, rj->w, rj->n);
		}
	}
	for (size_t i = 0; i < rj->n; i++) {
		wanted_clear(&rj->w[i]);
	}
	free(rj->w);
	free(rj);
	if (live && svc->reconcile_again) {
		svc->reconcile_again = false;
		post_reconcile(svc);
	}
}

static struct reconcile_job *reconcile_job_new(struct xfr_service *svc)
{
	struct reconcile_job *rj = calloc(1, sizeof(*rj));
	if (rj == NULL) {
		zg_log(ZG_LOG_WARNING, "xfr", NULL,
		       "cannot read the secondary zones: out of memory; they are read again with the next change");
		return NULL;
	}
	rj->job.svc = svc;
	rj->job.run = reconcile_run;
	rj->job.done = reconcile_done;
	return rj;
}

/* One reconcile queued at a time; a publication meanwhile asks for one
 * more after it. Loop thread. */
static void post_reconcile(struct xfr_service *svc)
{
	if (svc->reconcile_queued) {
		svc->reconcile_again = true;
		return;
	}
	struct reconcile_job *rj = reconcile_job_new(svc);
	if (rj != NULL) {
		svc->reconcile_queued = true;
		xfr_jobs_post(svc, &rj->job);
	}
}

/*
 * The thread and posts
 */

static void *service_main(void *arg)
{
	struct xfr_service *svc = arg;
	rcu_register_thread();
	/* The first read runs here, before the loop: start-up waits for
	 * the stored zones to be served, and nothing else runs yet. */
	struct reconcile_job *rj = reconcile_job_new(svc);
	if (rj != NULL) {
		reconcile_run(&rj->job);
		reconcile_done(&rj->job, true);
	}

	pthread_mutex_lock(&svc->start_lock);
	svc->ready = true;
	pthread_cond_broadcast(&svc->started);
	pthread_mutex_unlock(&svc->start_lock);

	int ret = loop_run(svc->loop);
	if (ret != 0) {
		zg_log(ZG_LOG_ERROR, "xfr", NULL,
		       "the transfer loop failed: %s; secondary zones are no longer refreshed",
		       zg_strerror(ret));
	}
	for (struct xfr_zone *z = svc->zones; z != NULL; z = z->next) {
		xfr_zone_cancel(z);
	}
	loop_timer_stop(svc->loop, &svc->pace_timer);
	rcu_unregister_thread();
	return NULL;
}

static void on_config_post(void *arg)
{
	struct xfr_service *svc = arg;
	atomic_store(&svc->reconcile_posted, false);
	post_reconcile(svc);
}

struct refresh_post {
	struct xfr_service *svc;
	char zone_id[STORE_ID_LEN];
};

static void on_refresh_post(void *arg)
{
	struct refresh_post *p = arg;
	struct xfr_zone *z = xfr_service_zone(p->svc, p->zone_id);
	if (z != NULL) {
		xfr_zone_refresh_urgent(z);
	}
	free(p);
}

struct xfr_service *xfr_service_new(struct store *store)
{
	struct xfr_service *svc = calloc(1, sizeof(*svc));
	if (svc == NULL) {
		return NULL;
	}
	svc->store = store;
	svc->loop = loop_new();
	if (svc->loop == NULL) {
		free(svc);
		return NULL;
	}
	if (xfr_jobs_init(svc) != 0) {
		loop_free(svc->loop);
		free(svc);
		return NULL;
	}
	xfr_service_pace_init(svc);
	pthread_mutex_init(&svc->lock, NULL);
	pthread_mutex_init(&svc->start_lock, NULL);
	pthread_cond_init(&svc->started, NULL);
	return svc;
}

int xfr_service_start(struct xfr_service *svc)
{
	int ret = xfr_jobs_start(svc);
	if (ret != 0) {
		zg_log(ZG_LOG_ERROR, "xfr", NULL,
		       "cannot start the transfer store thread: %s",
		       zg_strerror(ret));
		return ret;
	}
	ret = pthread_create(&svc->thread, NULL, service_main, svc);
	if (ret != 0) {
		zg_log(ZG_LOG_ERROR, "xfr", NULL,
		       "cannot start the transfer thread: %s",
		       zg_strerror(-ret));
		return -ret;
	}
	svc->thread_started = true;
	pthread_mutex_lock(&svc->start_lock);
	while (!svc->ready) {
		pthread_cond_wait(&svc->started, &svc->start_lock);
	}
	pthread_mutex_unlock(&svc->start_lock);
	return 0;
}

void xfr_service_free(struct xfr_service *svc)
{
	if (svc == NULL) {
		return;
	}
	if (svc->thread_started) {
		loop_stop(svc->loop);
		pthread_join(svc->thread, NULL);
	}
	xfr_jobs_stop(svc);
	while (svc->zones != NULL) {
		struct xfr_zone *z = svc->zones;
		svc->zones = z->next;
		zone_free(z);
	}
	loop_free(svc->loop);
	pthread_cond_destroy(&svc->started);
	pthread_mutex_destroy(&svc->start_lock);
	pthread_mutex_destroy(&svc->lock);
	free(svc);
}

void xfr_service_config_changed(struct xfr_service *svc)
{
	if (svc == NULL || atomic_exchange(&svc->reconcile_posted, true)) {
		return;
	}
	if (loop_post(svc->loop, on_config_post, svc) != 0) {
		atomic_store(&svc->reconcile_posted, false);
	}
}

int xfr_service_refresh(struct xfr_service *svc, const char *zone_id)
{
	struct refresh_post *p = calloc(1, sizeof(*p));
	if (p == NULL) {
		return ZG_ENOMEM;
	}
	p->svc = svc;
	snprintf(p->zone_id, sizeof(p->zone_id), "%s", zone_id);
	if (loop_post(svc->loop, on_refresh_post, p) != 0) {
		free(p);
		return ZG_ENOMEM;
	}
	return 0;
}
