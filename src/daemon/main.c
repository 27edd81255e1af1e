/* SPDX-License-Identifier: GPL-3.0-or-later */
/* zonegated: starts the store, the configuration publisher, the DNS
 * workers and listeners and the management API, and stops them. */
#include <errno.h>
#include <malloc.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <urcu.h>

#include "api/api.h"
#include "cache/cache.h"
#include "common/error.h"
#include "common/log.h"
#include "config/config.h"
#include "config/publish.h"
#include "daemon/listeners.h"
#include "daemon/log_output.h"
#include "daemon/options.h"
#include "daemon/process.h"
#include "daemon/tcp.h"
#include "daemon/worker.h"
#include "daemon/zonesvc.h"
#include "resolve/resolve.h"
#include "querylog/querylog.h"
#include "stats/stats.h"
#include "store/store.h"
#include "daemon/vpn_health.h"
#include "vpn/vpn.h"
#include "xfr/xfr.h"

#ifndef ZONEGATE_VERSION
#define ZONEGATE_VERSION "unknown"
#endif

#define EXIT_USAGE 2

/* Everything the daemon runs; torn down in reverse order. */
struct daemon {
	struct daemon_options opts;
	struct log_output *log;
	int ready_fd;			/* to the waiting parent, or -1 */
	sigset_t signals;		/* blocked, taken by sigwait */
	struct store *store;
	struct cache *cache;		/* shared by workers and API */
	struct worker **workers;
	size_t n_workers;
	struct listeners *listeners;
	struct config_publisher *pub;
	struct api_server *api;
	struct xfr_service *xfr;	/* secondary zones, NOTIFY in */
	struct zonesvc *zonesvc;	/* transfers out, dynamic updates */
	struct vpn_manager *vpn;	/* IPsec connections in charon */
	bool started;
};

/* \return an exit status, or -1 to go on and start. */
static int read_options(struct daemon *d, int argc, char **argv)
{
	char err[512] = "";

	int action = options_parse(argc, argv, &d->opts, err, sizeof(err));
	if (action == OPTIONS_HELP) {
		options_usage(stdout, "zonegated");
		return EXIT_SUCCESS;
	}
	if (action == OPTIONS_VERSION) {
		printf("zonegated %s\n", ZONEGATE_VERSION);
		return EXIT_SUCCESS;
	}
	if (action < 0) {
		fprintf(stderr, "zonegated: %s\n", err);
		return EXIT_USAGE;
	}
	return -1;
}

/* Paths are used after chdir("/") in the background. */
static int make_paths_absolute(struct daemon_options *opts)
{
	char **paths[] = { &opts->state_path, &opts->api_socket,
			   &opts->log_file, &opts->query_log,
			   &opts->vici_socket };

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (*paths[i] == NULL) {
			continue;
		}
		char *abs = process_absolute_path(*paths[i]);
		if (abs == NULL) {
			return ZG_ENOMEM;
		}
		free(*paths[i]);
		*paths[i] = abs;
	}
	return 0;
}

static int setup_logging(struct daemon *d)
{
	char err[512];

	d->log = log_output_open(d->opts.log_file, !d->opts.foreground, err,
				 sizeof(err));
	if (d->log == NULL) {
		fprintf(stderr, "zonegated: %s\n", err);
		return ZG_EINVAL;
	}
	zg_log_init(d->opts.log_level, log_output_stream(d->log));
	return 0;
}

/* Process-wide set-up, before any thread exists. */
static int setup_process(struct daemon *d)
{
	if (make_paths_absolute(&d->opts) != 0) {
		fprintf(stderr, "zonegated: cannot resolve relative paths\n");
		return ZG_ENOMEM;
	}
	process_raise_fd_limit();

	int ret = setup_logging(d);
	if (ret == 0 && !d->opts.foreground) {
		ret = process_daemonize(&d->ready_fd);
		if (ret != 0) {
			zg_log(ZG_LOG_ERROR, "daemon", NULL, "cannot go into the background: %s; not starting",
			       zg_strerror(ret));
		}
	}
	if (ret == 0) {
		ret = process_block_signals(&d->signals);
		if (ret != 0) {
			zg_log(ZG_LOG_ERROR, "daemon", NULL, "cannot block signals: %s; not starting",
			       zg_strerror(ret));
		}
	}
	return ret;
}

static int open_state(struct daemon *d)
{
	char fields[64 + 4096];
	char err[512] = "";

	snprintf(fields, sizeof(fields), "state=%s", d->opts.state_path);
	int ret = process_make_parent_dirs(d->opts.state_path);
	if (ret != 0) {
		zg_log(ZG_LOG_ERROR, "daemon", fields, "cannot create the state directory: %s; not starting",
		       zg_strerror(ret));
		return ret;
	}

	/* Two daemons on one state would both serve and write it. */
	ret = process_lock_state(d->opts.state_path, err, sizeof(err));
	if (ret != 0) {
		zg_log(ZG_LOG_ERROR, "daemon", fields, "%s; not starting",
		       err);
		return ret;
	}

	ret = store_open(d->opts.state_path, &d->store, err, sizeof(err));
	if (ret == ZG_ESCHEMA) {
		zg_log(ZG_LOG_ERROR, "daemon", fields, "the state database was written by a newer zonegate (%s); not starting: run that version or restore a backup",
		       err);
	} else if (ret != 0) {
		zg_log(ZG_LOG_ERROR, "daemon", fields, "cannot open the state database: %s; not starting",
		       err[0] != '\0' ? err : zg_strerror(ret));
	}
	return ret;
}

/* The answer cache every worker shares and the API flushes; it is
 * set before any worker or API thread exists. */
static int create_cache(struct daemon *d)
{
	struct cache_limits limits;
	const struct daemon_options *o = &d->opts;

	cache_limits_default(&limits);
	if (o->cache_size != 0) {
		limits.max_bytes = o->cache_size;
	}
	if (o->cache_max_ttl >= 0) {
		limits.max_ttl = (uint32_t)o->cache_max_ttl;
	}
	if (o->cache_max_neg_ttl >= 0) {
		limits.max_neg_ttl = (uint32_t)o->cache_max_neg_ttl;
	}
	if (o->cache_min_ttl >= 0) {
		limits.min_ttl = (uint32_t)o->cache_min_ttl;
	}
	if (o->cache_min_neg_ttl >= 0) {
		limits.min_neg_ttl = (uint32_t)o->cache_min_neg_ttl;
	}

	d->cache = cache_new(&limits);
	if (d->cache == NULL) {
		zg_log(ZG_LOG_ERROR, "daemon", NULL, "cannot create the answer cache: out of memory; not starting");
		return ZG_ENOMEM;
	}
	resolve_set_cache(d->cache);
	api_set_cache(d->cache);
	return 0;
}

static unsigned cpu_count(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0) {
		return (unsigned)CPU_COUNT(&set);
	}
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

/* Workers get their loops now; their threads start after the first
 * publication, which opens the listeners in those loops. */
static int create_workers(struct daemon *d)
{
	unsigned n = d->opts.workers != 0 ? d->opts.workers : cpu_count();
	if (n > OPTIONS_MAX_WORKERS) {
		n = OPTIONS_MAX_WORKERS;
	}

	tcp_set_per_client_limit(d->opts.tcp_per_client);
	d->workers = calloc(n, sizeof(*d->workers));
	if (d->workers == NULL) {
		zg_log(ZG_LOG_ERROR, "daemon", NULL, "cannot create workers: out of memory; not starting");
		return ZG_ENOMEM;
	}
	for (unsigned i = 0; i < n; i++) {
		d->workers[i] = worker_new(i);
		if (d->workers[i] == NULL) {
			return ZG_ENOMEM;	/* logged */
		}
		d->n_workers++;
	}
	return 0;
}

/* Counters per worker, and the query log when asked for; both before
 * the worker threads start, since each attaches to its slot. */
static int start_observability(struct daemon *d)
{
	char err[512 + 4096];

	int ret = stats_init((unsigned)d->n_workers);
	if (ret != 0) {
		zg_log(ZG_LOG_ERROR, "daemon", NULL, "cannot create the query counters: %s; not starting",
		       zg_strerror(ret));
		return ret;
	}
	if (d->opts.query_log == NULL) {
		return 0;
	}
	ret = querylog_open(d->opts.query_log, (unsigned)d->n_workers, err,
			    sizeof(err));
	if (ret != 0) {
		zg_log(ZG_LOG_ERROR, "daemon", NULL, "%s; not starting", err);
	}
	return ret;
}

static int start_workers(struct daemon *d)
{
	for (size_t i = 0; i < d->n_workers; i++) {
		int ret = worker_start(d->workers[i]);
		if (ret != 0) {
			return ret;	/* logged */
		}
	}
	return 0;
}

/* Every publication may change the listeners and the secondary zones. */
static void on_publish(void *arg, const struct config *cfg)
{
	struct daemon *d = arg;
	listeners_hook(d->listeners, cfg);
	xfr_service_config_changed(d->xfr);
	vpn_health_published(cfg);
}

/* The secondary-zone service exists before the publisher (whose hook
 * tells it about changes) and answers NOTIFYs once workers run. */
static int create_xfr(struct daemon *d)
{
	d->xfr = xfr_service_new(d->store);
	if (d->xfr == NULL) {
		zg_log(ZG_LOG_ERROR, "daemon", NULL, "cannot create the transfer service: out of memory; not starting");
		return ZG_ENOMEM;
	}
	resolve_set_service(RESOLVE_SERVICE_NOTIFY, xfr_notify_service,
			    d->xfr);
	return 0;
}

/* The store's contents become the served configuration; the publisher
 * hook opens the listeners it names. */
static int load_configuration(struct daemon *d)
{
	d->listeners = listeners_new(d->workers, d->n_workers);
	d->pub = config_publisher_new(d->store, d->opts.dns_listen,
				      d->opts.n_dns_listen);
	if (d->listeners == NULL || d->pub == NULL) {
		zg_log(ZG_LOG_ERROR, "daemon", NULL, "cannot create the configuration publisher: out of memory; not starting");
		return ZG_ENOMEM;
	}
	config_publisher_set_hook(d->pub, on_publish, d);

	int ret = config_publisher_load_all(d->pub);
	if (ret != 0) {
		zg_log(ZG_LOG_ERROR, "daemon", NULL, "cannot load the configuration from the state database: %s; not starting",
		       zg_strerror(ret));
	}
	return ret;
}

/* Transfers out and dynamic updates register with the query path
 * before the workers start; NOTIFYs follow publications from then on. */
static int start_zone_services(struct daemon *d)
{
	d->zonesvc = zonesvc_start(d->store, d->pub);
	if (d->zonesvc == NULL) {
		zg_log(ZG_LOG_ERROR, "daemon", NULL, "cannot start zone transfers out and dynamic updates; not starting");
		return ZG_ENOMEM;
	}
	return 0;
}

/* Another zonegated answering on the API socket (another state file)
 * would lose its socket to this one: refuse before any DNS listener
 * opens, so nothing of the running daemon is disturbed. */
static int check_api_socket(struct daemon *d)
{
	if (!api_socket_in_use(d->opts.api_socket)) {
		return 0;
	}
	char fields[64 + 4096];
	snprintf(fields, sizeof(fields), "api_socket=%s", d->opts.api_socket);
	zg_log(ZG_LOG_ERROR, "daemon", fields, "another zonegated serves %s; not starting",
	       d->opts.api_socket);
	return ZG_ECONFLICT;
}

static int start_api(struct daemon *d)
{
	d->api = api_start(d->opts.api_socket, d->store, d->pub);
	if (d->api == NULL) {
		char fields[64 + 4096];
		snprintf(fields, sizeof(fields), "api_socket=%s",
			 d->opts.api_socket);
		zg_log(ZG_LOG_ERROR, "daemon", fields, "cannot serve the management API; not starting");
		return ZG_EINVAL;
	}
	return 0;
}

/* The VPN manager talks to charon in a thread of its own; routes and
 * tunnels stay charon's, DNS workers never wait for it. */
static int start_vpn(struct daemon *d)
{
	/* A tunnel going down marks the targets behind it down at once. */
	vpn_hint_set_hook(vpn_health_hint, NULL);
	d->vpn = vpn_manager_start(d->store, d->opts.vici_socket);
	if (d->vpn == NULL) {
		return ZG_ENOMEM;	/* logged */
	}
	api_set_vpn(d->api, d->vpn);
	return 0;
}

static void announce_start(struct daemon *d)
{
	char listen[2048];

	listeners_describe(d->listeners, listen, sizeof(listen));
	zg_log(ZG_LOG_NOTICE, "daemon", NULL, "zonegated %s started with %zu worker%s, listening on %s",
	       ZONEGATE_VERSION, d->n_workers, d->n_workers == 1 ? "" : "s",
	       listen[0] != '\0' ? listen : "no address yet");
	d->started = true;

	log_output_detach_stderr(d->log);
	process_notify_ready(d->ready_fd);
	d->ready_fd = -1;
}

static int start(struct daemon *d)
{
	int ret = setup_process(d);
	if (ret == 0) {
		ret = open_state(d);
	}
	if (ret == 0) {
		ret = check_api_socket(d);
	}
	if (ret == 0) {
		ret = create_cache(d);
	}
	if (ret == 0) {
		ret = create_workers(d);
	}
	if (ret == 0) {
		ret = start_observability(d);
	}
	if (ret == 0) {
		ret = create_xfr(d);
	}
	if (ret == 0) {
		ret = load_configuration(d);
	}
	if (ret == 0) {
		ret = start_zone_services(d);
	}
	if (ret == 0) {
		/* Serves the stored secondary zones before queries come. */
		ret = xfr_service_start(d->xfr);
	}
	if (ret == 0) {
		ret = start_workers(d);
	}
	if (ret == 0) {
		ret = start_api(d);
	}
	if (ret == 0) {
		api_set_xfr(d->api, d->xfr);
	}
	if (ret == 0) {
		ret = start_vpn(d);
	}
	if (ret == 0) {
		announce_start(d);
	}
	return ret;
}

/* Serves until SIGTERM or SIGINT; SIGHUP reopens the log file. */
static void run_until_signal(struct daemon *d)
{
	for (;;) {
		int signo = process_wait_signal(&d->signals);
		if (signo == SIGHUP) {
			querylog_reopen();
		}
		if (signo != SIGHUP) {
			zg_log(ZG_LOG_NOTICE, "daemon", NULL, "stopping on %s",
			       signo == SIGINT ? "SIGINT" : "SIGTERM");
			return;
		}
		int ret = log_output_reopen(d->log);
		if (ret != 0) {
			zg_log(ZG_LOG_ERROR, "daemon", NULL, "cannot reopen the log file: %s; still writing to the old one",
			       zg_strerror(ret));
		} else {
			zg_log(ZG_LOG_INFO, "daemon", NULL, "log file reopened on SIGHUP");
		}
	}
}

/*
 * Stops in the reverse order of start: no more API changes, no more
 * publications (so the hook no longer touches the listeners), workers
 * joined (they release their queries and connections), then the
 * sockets, the configuration and the store. Works on a partly started
 * daemon too.
 */
static void stop(struct daemon *d)
{
	api_stop(d->api);
	/* Its threads publish and post to workers: before both go. */
	zonesvc_stop(d->zonesvc);
	config_publisher_free(d->pub);
	for (size_t i = 0; i < d->n_workers; i++) {
		worker_stop(d->workers[i]);
	}
	/* No NOTIFY and no publication reaches the transfer service now. */
	xfr_service_free(d->xfr);
	/* Workers are joined: the rings hold their last lines. */
	querylog_close();
	listeners_free(d->listeners);
	config_publish(NULL);
	config_builtins_free();
	for (size_t i = 0; i < d->n_workers; i++) {
		worker_free(d->workers[i]);
	}
	free(d->workers);
	zonesvc_free(d->zonesvc);
	/* After the workers: their queries waited on its flights. */
	cache_free(d->cache);
	stats_free();
	/* The API, its only other user, is stopped. */
	vpn_manager_stop(d->vpn);
	vpn_hint_set_hook(NULL, NULL);
	store_close(d->store);
	/* Zones and snapshots may still wait in call_rcu() callbacks. */
	rcu_barrier();

	if (d->started) {
		zg_log(ZG_LOG_NOTICE, "daemon", NULL, "stopped");
	}
	zg_log_init(d->opts.log_level, NULL);
	log_output_close(d->log);
	options_free(&d->opts);
}

/*
 * Fixes glibc's mmap threshold at its default (128 KiB). Left alone, glibc
 * raises it to the size of the largest mapped block freed so far (and the
 * heap trim threshold to twice that): after the publisher reads a big
 * zone's rows once, every later block of that size stays in a malloc heap
 * and the heaps keep tens of MiB they no longer use. Fixed, big blocks
 * (rows, request bodies, large zone arena chunks) are mapped and unmapped
 * on their own, and heaps shrink back. A refusal only costs memory.
 */
static void tune_malloc(void)
{
#ifdef M_MMAP_THRESHOLD
	(void)mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
}

int main(int argc, char **argv)
{
	struct daemon d = { .ready_fd = -1 };

	tune_malloc();

	int status = read_options(&d, argc, argv);
	if (status >= 0) {
		options_free(&d.opts);
		return status;
	}

	if (start(&d) == 0) {
		run_until_signal(&d);
		status = EXIT_SUCCESS;
	} else {
		status = EXIT_FAILURE;
	}
	stop(&d);
	return status;
}
