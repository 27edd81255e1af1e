/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The VPN manager: one thread that loads the store's IPsec connections
 * into charon over VICI, unloads the ones that went, watches their SAs
 * and publishes status and forwarding hints (state diagram in vpn.h). */
#include "vpn/vpn.h"

#include <inttypes.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>
#include <urcu.h>

#include "common/error.h"
#include "common/log.h"
#include "store/store.h"
#include "vpn/internal.h"
#include "vpn/vici.h"

#define CONNECT_TIMEOUT_MS 2000
#define COMMAND_TIMEOUT_MS 8000
#define RETRY_MIN_MS 1000
#define RETRY_MAX_MS 30000
/* SAs are read this often while charon is reachable (byte counters),
 * and at once after an ike-updown or child-updown event. */
#define REFRESH_MS 5000
/* Events come in bursts (IKE_SA and CHILD_SA together); read the SAs
 * once the burst is over. */
#define EVENT_SETTLE_MS 100

/* What charon has from us, as it was sent: a change is a difference in
 * these bytes. */
struct loaded {
	char name[VPN_NAME_LEN];
	uint8_t *conn_msg;
	size_t conn_len;
	uint8_t *shared_msg;
	size_t shared_len;
};

/* IKE_SAs of one connection noticed in one reading of the SAs; more
 * than this are closed in later rounds. */
#define MAX_CARRYING 4

/* A connection as the store has it, ready for charon. */
struct desired {
	char connection_id[VPN_NAME_LEN];
	bool enabled;
	bool usable;			/* spec built; else error says why */
	struct vpn_spec spec;
	char error[256];
	/* The IKE_SAs that carried its traffic at the last reading. */
	struct vpn_sa_ref carrying[MAX_CARRYING];
	size_t n_carrying;
};

struct vpn_manager {
	struct store *store;
	char *vici_path;
	pthread_t thread;
	int wake_fd;			/* eventfd: kick, stop, refresh */

	/* Shared with API threads; lock order: only this lock. */
	pthread_mutex_t lock;
	pthread_cond_t refreshed;	/* signalled after each status copy */
	bool stop;
	bool kicked;
	struct store_strv initiate;	/* connection_ids to initiate now */
	uint64_t refresh_wanted;	/* generations, see status() */
	uint64_t refresh_done;
	struct vpn_status status;	/* the published copy */

	/* The manager thread's own state. */
	struct vici_conn *cmd;
	struct vici_conn *events;
	bool charon_known;		/* a connection attempt was made */
	char charon_version[64];
	char charon_error[256];
	int retry_ms;
	int64_t next_connect_ms;
	int64_t next_refresh_ms;
	int64_t updated_unix_s;
	bool sync_pending;
	struct desired *desired;
	size_t n_desired;
	struct vpn_conn_status *work;	/* one per desired, same order */
	struct loaded *loaded;
	size_t n_loaded;
	struct vpn_hint_entry *hints;	/* last published */
	size_t n_hints;
	bool hints_published;
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void fields_of(const struct vpn_spec *spec, char *buf, size_t len)
{
	snprintf(buf, len, "tunnel_id=%s peer=%s", spec->connection_id,
		 spec->remote_addr);
}

static bool wants_charon(const struct vpn_manager *m)
{
	return m->n_desired > 0 || m->n_loaded > 0;
}

static void wake(struct vpn_manager *m)
{
	uint64_t one = 1;
	/* A full counter already means "wake up". */
	(void)!write(m->wake_fd, &one, sizeof(one));
}

/*
 * Reading the store
 */

/* Finds the gateway and customer gateway of conn in the lists. */
static int build_desired(const struct store_ipsec_connection *conn,
			 const struct store_vpn_gateway *gws, size_t n_gws,
			 const struct store_customer_gateway *cgws,
			 size_t n_cgws, const struct store_vpn_route *routes,
			 size_t n_routes, struct desired *d)
{
	const struct store_vpn_gateway *gw = NULL;
	const struct store_customer_gateway *cgw = NULL;
	for (size_t i = 0; i < n_gws; i++) {
		if (strcmp(gws[i].meta.resource_id, conn->gateway_id) == 0) {
			gw = &gws[i];
		}
	}
	for (size_t i = 0; i < n_cgws; i++) {
		if (strcmp(cgws[i].meta.resource_id, conn->cgw_id) == 0) {
			cgw = &cgws[i];
		}
	}

	snprintf(d->connection_id, sizeof(d->connection_id), "%s",
		 conn->meta.resource_id);
	d->enabled = conn->enabled;
	if (gw == NULL || cgw == NULL) {
		snprintf(d->error, sizeof(d->error),
			 "its gateway %s or customer gateway %s is missing",
			 conn->gateway_id, conn->cgw_id);
		return 0;
	}
	int ret = vpn_spec_build(conn, gw, cgw, routes, n_routes, &d->spec);
	if (ret != 0) {
		snprintf(d->error, sizeof(d->error),
			 "its configuration cannot be built: %s",
			 zg_strerror(ret));
		return 0;
	}
	d->usable = true;
	return 0;
}

struct store_lists {
	struct store_ipsec_connection *conns;
	size_t n_conns;
	struct store_vpn_gateway *gws;
	size_t n_gws;
	struct store_customer_gateway *cgws;
	size_t n_cgws;
	struct store_vpn_route *routes;
	size_t n_routes;
};

static void lists_free(struct store_lists *l)
{
	store_ipsec_connection_list_free(l->conns, l->n_conns);
	store_vpn_gateway_list_free(l->gws, l->n_gws);
	store_customer_gateway_list_free(l->cgws, l->n_cgws);
	store_vpn_route_list_free(l->routes, l->n_routes);
	memset(l, 0, sizeof(*l));
}

static int read_lists(struct store *store, struct store_lists *l)
{
	bool more = false;
	int ret = store_begin(store, NULL);
	if (ret != 0) {
		return ret;
	}
	ret = store_ipsec_connection_list(store, NULL, 0, &l->conns,
					  &l->n_conns, &more);
	if (ret == 0) {
		ret = store_vpn_gateway_list(store, NULL, 0, &l->gws,
					     &l->n_gws, &more);
	}
	if (ret == 0) {
		ret = store_customer_gateway_list(store, NULL, 0, &l->cgws,
						  &l->n_cgws, &more);
	}
	if (ret == 0) {
		ret = store_vpn_route_list(store, NULL, NULL, 0, &l->routes,
					   &l->n_routes, &more);
	}
	store_rollback(store);
	return ret;
}

/* The status kept across re-reads for a connection still there. */
static void carry_status(const struct vpn_manager *m,
			 const char *connection_id, struct vpn_conn_status *st)
{
	for (size_t i = 0; i < m->n_desired; i++) {
		if (strcmp(m->work[i].connection_id, connection_id) == 0) {
			*st = m->work[i];
			return;
		}
	}
	snprintf(st->connection_id, sizeof(st->connection_id), "%s",
		 connection_id);
}

static int reread_store(struct vpn_manager *m)
{
	struct store_lists l = { 0 };
	int ret = read_lists(m->store, &l);
	if (ret != 0) {
		zg_log(ZG_LOG_WARNING, "vpn", NULL, "cannot read the VPN connections from the state database: %s; trying again in %d s",
		       zg_strerror(ret), REFRESH_MS / 1000);
		lists_free(&l);
		return ret;
	}

	struct desired *desired = calloc(l.n_conns + 1, sizeof(*desired));
	struct vpn_conn_status *work = calloc(l.n_conns + 1, sizeof(*work));
	if (desired == NULL || work == NULL) {
		free(desired);
		free(work);
		lists_free(&l);
		return ZG_ENOMEM;
	}
	for (size_t i = 0; i < l.n_conns; i++) {
		build_desired(&l.conns[i], l.gws, l.n_gws, l.cgws, l.n_cgws,
			      l.routes, l.n_routes, &desired[i]);
		carry_status(m, desired[i].connection_id, &work[i]);
	}

	bool had_any = m->n_desired > 0 || m->n_loaded > 0;
	for (size_t i = 0; i < m->n_desired; i++) {
		memset(m->desired[i].spec.psk, 0, sizeof(m->desired[i].spec.psk));
	}
	free(m->desired);
	free(m->work);
	m->desired = desired;
	m->work = work;
	m->n_desired = l.n_conns;
	m->sync_pending = had_any || m->n_desired > 0;
	lists_free(&l);
	return 0;
}

/*
 * Talking to charon
 */

static void disconnect(struct vpn_manager *m, const char *why)
{
	vici_close(m->cmd);
	vici_close(m->events);
	m->cmd = NULL;
	m->events = NULL;
	snprintf(m->charon_error, sizeof(m->charon_error), "%s", why);
	/* charon forgets nothing we loaded unless it restarts; reloading
	 * after a reconnect is cheap and covers the restart. */
	for (size_t i = 0; i < m->n_loaded; i++) {
		free(m->loaded[i].conn_msg);
		free(m->loaded[i].shared_msg);
	}
	free(m->loaded);
	m->loaded = NULL;
	m->n_loaded = 0;
	m->sync_pending = true;
}

/* After a failed attempt, waits 1, 2, 4 ... 30 s. */
static void schedule_retry(struct vpn_manager *m, int64_t now)
{
	m->retry_ms = m->retry_ms == 0 ? RETRY_MIN_MS : m->retry_ms * 2;
	if (m->retry_ms > RETRY_MAX_MS) {
		m->retry_ms = RETRY_MAX_MS;
	}
	m->next_connect_ms = now + m->retry_ms;
}

static void connection_lost(struct vpn_manager *m, int err, const char *what)
{
	char why[256], fields[160];
	snprintf(why, sizeof(why), "lost charon at %s (%s failed: %s)",
		 m->vici_path, what, zg_strerror(err));
	snprintf(fields, sizeof(fields), "vici_socket=%s", m->vici_path);
	disconnect(m, why);
	schedule_retry(m, mono_ms());
	zg_log(ZG_LOG_WARNING, "vpn", fields, "%s; tunnels count as down, reconnecting in %d s",
	       why, m->retry_ms / 1000);
}

static int read_version(struct vpn_manager *m)
{
	struct vici_node *resp = NULL;
	int ret = vici_request(m->cmd, "version", NULL, COMMAND_TIMEOUT_MS,
			       NULL, NULL, &resp);
	if (ret == 0) {
		const char *v = vici_get_str(resp, "version");
		snprintf(m->charon_version, sizeof(m->charon_version), "%s",
			 v != NULL ? v : "");
	}
	vici_node_free(resp);
	return ret;
}

static int open_connections(struct vpn_manager *m)
{
	static const char *const events[] = { "ike-updown", "child-updown" };
	int ret = vici_connect(m->vici_path, CONNECT_TIMEOUT_MS, &m->cmd);
	if (ret == 0) {
		ret = vici_connect(m->vici_path, CONNECT_TIMEOUT_MS,
				   &m->events);
	}
	if (ret == 0) {
		ret = read_version(m);
	}
	/* list-sas streams its answer as list-sa events on its own
	 * connection. */
	if (ret == 0) {
		ret = vici_event_register(m->cmd, "list-sa", true,
					  COMMAND_TIMEOUT_MS);
	}
	for (size_t i = 0; ret == 0 && i < 2; i++) {
		ret = vici_event_register(m->events, events[i], true,
					  COMMAND_TIMEOUT_MS);
	}
	return ret;
}

static void try_connect(struct vpn_manager *m, int64_t now)
{
	char fields[160];
	snprintf(fields, sizeof(fields), "vici_socket=%s", m->vici_path);

	int ret = open_connections(m);
	if (ret != 0) {
		bool first = m->charon_error[0] == '\0' || !m->charon_known;
		char why[256];
		snprintf(why, sizeof(why), "charon is not reachable at %s: %s",
			 m->vici_path, zg_strerror(ret));
		bool same = strcmp(why, m->charon_error) == 0;
		disconnect(m, why);
		schedule_retry(m, now);
		zg_log(first || !same ? ZG_LOG_WARNING : ZG_LOG_DEBUG, "vpn",
		       fields, "%s; is charon running with the vici plugin? retrying in %d s",
		       why, m->retry_ms / 1000);
		m->charon_known = true;
		return;
	}
	m->charon_known = true;
	m->charon_error[0] = '\0';
	m->retry_ms = 0;
	m->sync_pending = true;
	m->next_refresh_ms = now;
	zg_log(ZG_LOG_NOTICE, "vpn", fields, "connected to charon %s",
	       m->charon_version);
}

/* Sends a command whose answer is {success, errmsg}. */
static int command(struct vpn_manager *m, const char *cmd,
		   const struct vici_builder *b, char *errmsg, size_t errlen)
{
	struct vici_node *resp = NULL;
	int ret = vici_request(m->cmd, cmd, b, COMMAND_TIMEOUT_MS, NULL, NULL,
			       &resp);
	if (ret == 0 && !vici_get_yes(resp, "success")) {
		const char *msg = vici_get_str(resp, "errmsg");
		snprintf(errmsg, errlen, "%s", msg != NULL ? msg
							    : "no reason given");
		ret = ZG_EREFUSED;
	}
	vici_node_free(resp);
	return ret;
}

static struct loaded *find_loaded(struct vpn_manager *m, const char *name)
{
	for (size_t i = 0; i < m->n_loaded; i++) {
		if (strcmp(m->loaded[i].name, name) == 0) {
			return &m->loaded[i];
		}
	}
	return NULL;
}

static void forget_loaded(struct vpn_manager *m, const char *name)
{
	struct loaded *l = find_loaded(m, name);
	if (l == NULL) {
		return;
	}
	free(l->conn_msg);
	if (l->shared_msg != NULL) {
		memset(l->shared_msg, 0, l->shared_len);
	}
	free(l->shared_msg);
	*l = m->loaded[--m->n_loaded];
}

static const struct desired *find_desired(const struct vpn_manager *m,
					  const char *name)
{
	for (size_t i = 0; i < m->n_desired; i++) {
		const struct desired *d = &m->desired[i];
		if (d->enabled && d->usable && strcmp(d->spec.name, name) == 0) {
			return d;
		}
	}
	return NULL;
}

/* Removes a connection we loaded earlier: its config (which ends its
 * SAs' start and close actions), its SAs and its key. */
static void unload(struct vpn_manager *m, const char *name)
{
	char errmsg[256] = "", fields[160];
	struct vici_builder b;
	snprintf(fields, sizeof(fields), "charon_name=%s", name);

	vici_builder_init(&b);
	vici_add_str(&b, "name", name);
	int ret = vici_builder_finish(&b);
	if (ret == 0) {
		ret = command(m, "unload-conn", &b, errmsg, sizeof(errmsg));
	}
	vici_builder_free(&b);

	vici_builder_init(&b);
	vici_add_str(&b, "ike", name);
	vici_add_str(&b, "force", "yes");
	vici_add_str(&b, "timeout", "1000");
	if (ret == 0 || ret == ZG_EREFUSED) {
		/* "no matching SAs" is a refusal too, and fine. */
		ret = vici_builder_finish(&b);
		if (ret == 0) {
			ret = command(m, "terminate", &b, errmsg,
				      sizeof(errmsg));
		}
	}
	vici_builder_free(&b);

	vici_builder_init(&b);
	vici_add_str(&b, "id", name);
	if (ret == 0 || ret == ZG_EREFUSED) {
		ret = vici_builder_finish(&b);
		if (ret == 0) {
			ret = command(m, "unload-shared", &b, errmsg,
				      sizeof(errmsg));
		}
	}
	vici_builder_free(&b);

	if (ret == 0 || ret == ZG_EREFUSED) {
		forget_loaded(m, name);
		zg_log(ZG_LOG_NOTICE, "vpn", fields, "removed from charon: its connection was deleted or disabled");
	}
}

static bool same_bytes(const uint8_t *a, size_t a_len,
		       const struct vici_builder *b)
{
	return a != NULL && a_len == b->len && memcmp(a, b->buf, a_len) == 0;
}

static uint8_t *dup_bytes(const struct vici_builder *b)
{
	uint8_t *copy = malloc(b->len > 0 ? b->len : 1);
	if (copy != NULL && b->len > 0) {
		memcpy(copy, b->buf, b->len);
	}
	return copy;
}

/* Remembers what was loaded; on ENOMEM the next sync loads again. */
static void remember(struct vpn_manager *m, const char *name,
		     const struct vici_builder *conn,
		     const struct vici_builder *shared)
{
	forget_loaded(m, name);
	struct loaded *grown = realloc(m->loaded, (m->n_loaded + 1) *
				       sizeof(*grown));
	if (grown == NULL) {
		return;
	}
	m->loaded = grown;
	struct loaded *l = &grown[m->n_loaded];
	memset(l, 0, sizeof(*l));
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->conn_msg = dup_bytes(conn);
	l->shared_msg = dup_bytes(shared);
	l->conn_len = conn->len;
	l->shared_len = shared->len;
	if (l->conn_msg == NULL || l->shared_msg == NULL) {
		free(l->conn_msg);
		free(l->shared_msg);
		return;
	}
	m->n_loaded++;
}

static void set_load_error(const struct vpn_spec *spec,
			   struct vpn_conn_status *st, const char *error)
{
	char fields[160];
	if (strcmp(st->error, error) != 0 && error[0] != '\0') {
		fields_of(spec, fields, sizeof(fields));
		zg_log(ZG_LOG_ERROR, "vpn", fields, "charon refused the connection: %s; it stays down until the connection is changed",
		       error);
	}
	snprintf(st->error, sizeof(st->error), "%s", error);
	st->loaded = error[0] == '\0';
}

/* Loads key and config of d unless charon has them as they are. */
static int load(struct vpn_manager *m, const struct desired *d,
		struct vpn_conn_status *st)
{
	struct vici_builder conn, shared;
	char errmsg[256] = "";
	vici_builder_init(&conn);
	vici_builder_init(&shared);

	int ret = vpn_spec_load_conn(&d->spec, &conn);
	if (ret == 0) {
		ret = vpn_spec_load_shared(&d->spec, &shared);
	}
	const struct loaded *l = find_loaded(m, d->spec.name);
	bool same = ret == 0 && l != NULL &&
		    same_bytes(l->conn_msg, l->conn_len, &conn) &&
		    same_bytes(l->shared_msg, l->shared_len, &shared);
	if (ret == 0 && !same) {
		ret = command(m, "load-shared", &shared, errmsg,
			      sizeof(errmsg));
		if (ret == 0) {
			ret = command(m, "load-conn", &conn, errmsg,
				      sizeof(errmsg));
		}
		if (ret == 0) {
			char fields[160];
			fields_of(&d->spec, fields, sizeof(fields));
			zg_log(ZG_LOG_NOTICE, "vpn", fields, "loaded into charon as %s; charon brings the tunnel up",
			       d->spec.name);
			remember(m, d->spec.name, &conn, &shared);
		}
	}
	if (ret == 0 || ret == ZG_EREFUSED) {
		set_load_error(&d->spec, st, ret == 0 ? "" : errmsg);
		ret = 0;
	}
	vici_builder_free(&conn);
	vici_builder_free(&shared);
	return ret;
}

/* Names of the configs charon holds; ours start with the prefix. */
static int charon_conns(struct vpn_manager *m, struct store_strv *names)
{
	struct vici_node *resp = NULL;
	int ret = vici_request(m->cmd, "get-conns", NULL, COMMAND_TIMEOUT_MS,
			       NULL, NULL, &resp);
	const struct vici_node *list = ret == 0 ? vici_get(resp, "conns")
						: NULL;
	for (size_t i = 0; list != NULL && list->kind == VICI_NODE_LIST &&
	     ret == 0 && i < list->n_children; i++) {
		const char *name = list->children[i].value;
		if (strncmp(name, VPN_CHARON_PREFIX,
			    strlen(VPN_CHARON_PREFIX)) == 0) {
			ret = store_strv_push(names, name);
		}
	}
	vici_node_free(resp);
	return ret;
}

/* Makes charon hold exactly the enabled connections of the store. */
static int sync_charon(struct vpn_manager *m)
{
	struct store_strv names = { 0 };
	int ret = charon_conns(m, &names);
	for (size_t i = 0; ret == 0 && i < m->n_loaded; i++) {
		if (!store_strv_has(&names, m->loaded[i].name)) {
			ret = store_strv_push(&names, m->loaded[i].name);
		}
	}
	for (size_t i = 0; ret == 0 && i < names.n; i++) {
		if (find_desired(m, names.v[i]) == NULL) {
			unload(m, names.v[i]);
		}
	}
	store_strv_clear(&names);

	for (size_t i = 0; ret == 0 && i < m->n_desired; i++) {
		const struct desired *d = &m->desired[i];
		struct vpn_conn_status *st = &m->work[i];
		if (d->enabled && d->usable) {
			ret = load(m, d, st);
		} else {
			st->loaded = false;
			snprintf(st->error, sizeof(st->error), "%s",
				 d->enabled ? d->error : "");
		}
	}
	if (ret == 0) {
		m->sync_pending = false;
	}
	return ret;
}

/* Asks charon to bring up, now, the tunnels operators asked for that
 * have no IKE_SA (charon's own retries may be minutes apart). */
static void initiate_now(struct vpn_manager *m, const struct store_strv *ids)
{
	for (size_t i = 0; i < ids->n && m->cmd != NULL; i++) {
		for (size_t j = 0; j < m->n_desired && m->cmd != NULL; j++) {
			const struct desired *d = &m->desired[j];
			const struct vpn_conn_status *st = &m->work[j];
			if (strcmp(d->connection_id, ids->v[i]) != 0 ||
			    !d->enabled || !d->usable || !st->loaded ||
			    st->has_ike) {
				continue;
			}
			struct vici_builder b;
			char errmsg[256] = "", fields[160];
			vici_builder_init(&b);
			vici_add_str(&b, "child", d->spec.name);
			vici_add_str(&b, "ike", d->spec.name);
			/* -1: answer at once, the SAs' events tell the rest */
			vici_add_str(&b, "timeout", "-1");
			vici_add_str(&b, "init-limits", "no");
			int ret = vici_builder_finish(&b);
			if (ret == 0) {
				ret = command(m, "initiate", &b, errmsg,
					      sizeof(errmsg));
			}
			vici_builder_free(&b);
			fields_of(&d->spec, fields, sizeof(fields));
			if (ret == 0) {
				zg_log(ZG_LOG_NOTICE, "vpn", fields, "asked charon to initiate the tunnel now");
			} else if (ret == ZG_EREFUSED) {
				zg_log(ZG_LOG_WARNING, "vpn", fields, "charon did not initiate the tunnel: %s; it keeps retrying by itself",
				       errmsg);
			} else {
				connection_lost(m, ret, "initiating");
			}
		}
	}
}

/*
 * Watching the SAs
 */

static struct vpn_conn_status *work_by_name(struct vpn_manager *m,
					    const char *name)
{
	for (size_t i = 0; i < m->n_desired; i++) {
		if (m->desired[i].usable &&
		    strcmp(m->desired[i].spec.name, name) == 0) {
			return &m->work[i];
		}
	}
	return NULL;
}

/* A list-sa event: one section per IKE_SA, named by its config. */
static void on_list_sa(void *arg, const char *event,
		       const struct vici_node *msg)
{
	struct vpn_manager *m = arg;
	for (size_t i = 0; i < msg->n_children; i++) {
		const struct vici_node *ike_sa = &msg->children[i];
		struct vpn_conn_status *st = ike_sa->kind == VICI_NODE_SECTION
			? work_by_name(m, ike_sa->name) : NULL;
		if (st == NULL) {
			continue;
		}
		vpn_status_merge_sa(ike_sa, st);
		struct desired *d = &m->desired[st - m->work];
		if (d->n_carrying < MAX_CARRYING &&
		    vpn_status_carrying(ike_sa, &d->carrying[d->n_carrying])) {
			d->n_carrying++;
		}
	}
}

/*
 * When both ends initiate at once, each end keeps the IKE_SA it started
 * and the one it answered (charon's uniqueness policy is checked before
 * its own SA is established, so it does not catch this). Both carry the
 * same traffic and are rekeyed and probed twice. Closing all but one
 * here deletes them at the peer too; the peer's configuration that
 * zonegate writes does not start a new SA when one is closed (peer.c).
 */
static void close_duplicates(struct vpn_manager *m)
{
	for (size_t i = 0; i < m->n_desired; i++) {
		struct desired *d = &m->desired[i];
		if (d->n_carrying < 2) {
			continue;
		}
		size_t keep = vpn_status_keeper(d->carrying, d->n_carrying);
		char fields[160];
		fields_of(&d->spec, fields, sizeof(fields));
		for (size_t j = 0; j < d->n_carrying; j++) {
			if (j == keep) {
				continue;
			}
			char errmsg[256] = "";
			struct vici_builder b;
			vici_builder_init(&b);
			vici_add_fmt(&b, "ike-id", "%" PRIu32,
				     d->carrying[j].unique_id);
			vici_add_str(&b, "timeout", "1000");
			int ret = vici_builder_finish(&b);
			if (ret == 0) {
				ret = command(m, "terminate", &b, errmsg,
					      sizeof(errmsg));
			}
			vici_builder_free(&b);
			if (ret == 0) {
				zg_log(ZG_LOG_NOTICE, "vpn", fields,
				       "closed duplicate IKE_SA #%" PRIu32 " (both ends started the tunnel at once); IKE_SA #%" PRIu32 " carries it",
				       d->carrying[j].unique_id,
				       d->carrying[keep].unique_id);
			} else {
				zg_log(ZG_LOG_WARNING, "vpn", fields,
				       "cannot close duplicate IKE_SA #%" PRIu32 ": %s; both stay up",
				       d->carrying[j].unique_id,
				       ret == ZG_EREFUSED ? errmsg
							  : zg_strerror(ret));
			}
		}
	}
}

static int read_sas(struct vpn_manager *m)
{
	for (size_t i = 0; i < m->n_desired; i++) {
		struct vpn_conn_status *st = &m->work[i];
		st->has_ike = false;
		st->ike_state[0] = '\0';
		st->n_children = 0;
		m->desired[i].n_carrying = 0;
	}

	struct vici_builder b;
	vici_builder_init(&b);
	vici_add_str(&b, "noblock", "yes");
	int ret = vici_builder_finish(&b);
	if (ret == 0) {
		ret = vici_request(m->cmd, "list-sas", &b, COMMAND_TIMEOUT_MS,
				   on_list_sa, m, NULL);
	}
	vici_builder_free(&b);
	if (ret == 0) {
		m->updated_unix_s = (int64_t)time(NULL);
	}
	return ret;
}

/* Works out each tunnel's state; logs and dates the changes. */
static void update_states(struct vpn_manager *m)
{
	bool reachable = m->cmd != NULL;
	for (size_t i = 0; i < m->n_desired; i++) {
		const struct desired *d = &m->desired[i];
		struct vpn_conn_status *st = &m->work[i];
		enum vpn_tunnel_state state = VPN_TUNNEL_DOWN;
		if (!d->enabled) {
			state = VPN_TUNNEL_DISABLED;
		} else if (d->usable && reachable) {
			state = vpn_status_tunnel(st);
		}
		if (!reachable) {
			st->has_ike = false;
			st->n_children = 0;
			st->loaded = false;
		}
		if (state == st->state) {
			continue;
		}

		char fields[160];
		fields_of(&d->spec, fields, sizeof(fields));
		bool notable = state == VPN_TUNNEL_UP ||
			       st->state == VPN_TUNNEL_UP ||
			       st->state == VPN_TUNNEL_UNKNOWN;
		zg_log(notable ? ZG_LOG_NOTICE : ZG_LOG_INFO, "vpn", fields,
		       "tunnel %s (was %s)%s", vpn_tunnel_state_name(state),
		       vpn_tunnel_state_name(st->state),
		       state == VPN_TUNNEL_DOWN && st->state == VPN_TUNNEL_UP
		       ? "; forwarding targets behind it count as down" : "");
		st->state = state;
		st->changed_unix_s = (int64_t)time(NULL);
	}
}

/*
 * Publishing
 */

static size_t build_hints(const struct vpn_manager *m,
			  struct vpn_hint_entry *out)
{
	size_t n = 0;
	for (size_t i = 0; i < m->n_desired; i++) {
		const struct desired *d = &m->desired[i];
		if (!d->usable) {
			continue;
		}
		struct vpn_hint_entry *e = &out[n++];
		memset(e, 0, sizeof(*e));
		snprintf(e->connection_id, sizeof(e->connection_id), "%s",
			 d->connection_id);
		for (size_t j = 0; j < d->spec.n_remote_ts; j++) {
			if (prefix_parse(d->spec.remote_ts[j],
					 &e->prefixes[e->n_prefixes]) == 0) {
				e->n_prefixes++;
			}
		}
		e->up = m->work[i].state == VPN_TUNNEL_UP;
	}
	return n;
}

static void publish_hints(struct vpn_manager *m)
{
	if (!m->charon_known) {
		return;		/* nothing is known yet: no hint at all */
	}
	struct vpn_hint_entry *hints = calloc(m->n_desired + 1,
					      sizeof(*hints));
	if (hints == NULL) {
		return;
	}
	size_t n = build_hints(m, hints);
	bool same = m->hints_published && n == m->n_hints &&
		    memcmp(hints, m->hints, n * sizeof(*hints)) == 0;
	if (same || vpn_hint_publish(hints, n) != 0) {
		free(hints);
		return;
	}
	free(m->hints);
	m->hints = hints;
	m->n_hints = n;
	m->hints_published = true;
}

/* Copies the thread's view into the shared status. */
static void publish_status(struct vpn_manager *m, uint64_t served)
{
	struct vpn_conn_status *conns = calloc(m->n_desired + 1,
					       sizeof(*conns));
	pthread_mutex_lock(&m->lock);
	if (conns != NULL) {
		memcpy(conns, m->work, m->n_desired * sizeof(*conns));
		free(m->status.conns);
		m->status.conns = conns;
		m->status.n_conns = m->n_desired;
	}
	m->status.charon_connected = m->cmd != NULL;
	snprintf(m->status.charon_version, sizeof(m->status.charon_version),
		 "%s", m->cmd != NULL ? m->charon_version : "");
	snprintf(m->status.charon_error, sizeof(m->status.charon_error), "%s",
		 m->charon_error);
	if (m->cmd == NULL && !wants_charon(m)) {
		snprintf(m->status.charon_error,
			 sizeof(m->status.charon_error),
			 "not contacted: no IPsec connection is configured");
	}
	int64_t left = m->next_connect_ms - mono_ms();
	m->status.retry_in_s = m->cmd == NULL && m->charon_known
		? (left > 0 ? (left + 999) / 1000 : 0) : -1;
	m->status.updated_unix_s = m->updated_unix_s;
	if (served > m->refresh_done) {
		m->refresh_done = served;
	}
	pthread_cond_broadcast(&m->refreshed);
	pthread_mutex_unlock(&m->lock);
}

/*
 * The thread
 */

/* What the others asked for, taken under the lock. */
struct wants {
	bool stop;
	bool kicked;
	uint64_t refresh;		/* generation to serve, 0: none */
	struct store_strv initiate;	/* connection_ids, taken over */
};

static void take_wants(struct vpn_manager *m, struct wants *w)
{
	pthread_mutex_lock(&m->lock);
	w->stop = m->stop;
	w->kicked = m->kicked;
	m->kicked = false;
	w->refresh = m->refresh_wanted > m->refresh_done ? m->refresh_wanted
							  : 0;
	w->initiate = m->initiate;
	memset(&m->initiate, 0, sizeof(m->initiate));
	pthread_mutex_unlock(&m->lock);
}

static void step(struct vpn_manager *m, const struct wants *w)
{
	int64_t now = mono_ms();
	if (w->kicked && reread_store(m) != 0) {
		pthread_mutex_lock(&m->lock);
		m->kicked = true;	/* again at the next refresh */
		pthread_mutex_unlock(&m->lock);
	}

	if (wants_charon(m) && m->cmd == NULL && now >= m->next_connect_ms) {
		try_connect(m, now);
	}
	int ret = 0;
	if (m->cmd != NULL && m->sync_pending) {
		ret = sync_charon(m);
		if (ret != 0) {
			connection_lost(m, ret, "loading the connections");
		}
	}
	if (m->cmd != NULL && w->initiate.n > 0) {
		initiate_now(m, &w->initiate);
	}
	if (m->cmd != NULL && (now >= m->next_refresh_ms || w->refresh)) {
		ret = read_sas(m);
		if (ret != 0) {
			connection_lost(m, ret, "reading the SAs");
		} else {
			close_duplicates(m);
		}
		m->next_refresh_ms = now + REFRESH_MS;
	}
	if (!wants_charon(m) && m->cmd != NULL && !m->sync_pending) {
		/* Nothing left to look after: leave charon alone. */
		disconnect(m, "");
		m->sync_pending = false;
		m->charon_known = false;
	}

	update_states(m);
	publish_hints(m);
	publish_status(m, w->refresh);
}

/* Reads every event that waits; any one means "read the SAs soon". */
static void drain_events(struct vpn_manager *m)
{
	bool got = false;
	for (int i = 0; i < 64 && m->events != NULL; i++) {
		int ret = vici_read_event(m->events, 0, NULL, NULL);
		if (ret == ZG_ETIMEOUT) {
			break;
		}
		if (ret != 0) {
			connection_lost(m, ret, "reading events");
			return;
		}
		got = true;
	}
	if (got) {
		int64_t soon = mono_ms() + EVENT_SETTLE_MS;
		if (soon < m->next_refresh_ms) {
			m->next_refresh_ms = soon;
		}
	}
}

static void wait_for_work(struct vpn_manager *m)
{
	int64_t now = mono_ms();
	int64_t until = now + 60000;
	if (m->cmd != NULL && m->next_refresh_ms < until) {
		until = m->next_refresh_ms;
	} else if (m->cmd == NULL && wants_charon(m) &&
		   m->next_connect_ms < until) {
		until = m->next_connect_ms;
	}
	int64_t left = until > now ? until - now : 0;

	struct pollfd pfd[2] = {
		{ .fd = m->wake_fd, .events = POLLIN },
		{ .fd = m->events != NULL ? vici_conn_fd(m->events) : -1,
		  .events = POLLIN },
	};
	if (poll(pfd, 2, (int)left) <= 0) {
		return;
	}
	if (pfd[0].revents & POLLIN) {
		uint64_t count;
		(void)!read(m->wake_fd, &count, sizeof(count));
	}
	if (pfd[1].revents != 0) {
		drain_events(m);
	}
}

static void *run(void *arg)
{
	struct vpn_manager *m = arg;
	/* The hint hook reads the served configuration under RCU. */
	rcu_register_thread();
	for (;;) {
		struct wants w;
		take_wants(m, &w);
		if (w.stop) {
			break;
		}
		step(m, &w);
		store_strv_clear(&w.initiate);
		wait_for_work(m);
	}
	disconnect(m, "");
	rcu_unregister_thread();
	return NULL;
}

/*
 * The interface
 */

static void manager_free(struct vpn_manager *m)
{
	if (m->wake_fd >= 0) {
		close(m->wake_fd);
	}
	for (size_t i = 0; i < m->n_desired; i++) {
		memset(m->desired[i].spec.psk, 0, sizeof(m->desired[i].spec.psk));
	}
	free(m->desired);
	free(m->work);
	free(m->hints);
	vpn_status_clear(&m->status);
	store_strv_clear(&m->initiate);
	pthread_cond_destroy(&m->refreshed);
	pthread_mutex_destroy(&m->lock);
	free(m->vici_path);
	free(m);
}

struct vpn_manager *vpn_manager_start(struct store *store,
				      const char *vici_path)
{
	char fields[160];
	snprintf(fields, sizeof(fields), "vici_socket=%s", vici_path);
	struct vpn_manager *m = calloc(1, sizeof(*m));
	if (m == NULL || (m->vici_path = strdup(vici_path)) == NULL) {
		free(m);
		zg_log(ZG_LOG_ERROR, "vpn", fields, "out of memory; IPsec connections are not managed");
		return NULL;
	}
	m->store = store;
	m->kicked = true;
	m->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	snprintf(m->status.vici_socket, sizeof(m->status.vici_socket), "%s",
		 vici_path);
	m->status.retry_in_s = -1;

	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&m->refreshed, &attr);
	pthread_condattr_destroy(&attr);
	pthread_mutex_init(&m->lock, NULL);

	int ret = m->wake_fd < 0 ? -errno
		: -pthread_create(&m->thread, NULL, run, m);
	if (ret != 0) {
		zg_log(ZG_LOG_ERROR, "vpn", fields, "cannot start the VPN manager: %s; IPsec connections are not managed",
		       zg_strerror(ret));
		manager_free(m);
		return NULL;
	}
	return m;
}

void vpn_manager_stop(struct vpn_manager *mgr)
{
	if (mgr == NULL) {
		return;
	}
	pthread_mutex_lock(&mgr->lock);
	mgr->stop = true;
	pthread_cond_broadcast(&mgr->refreshed);
	pthread_mutex_unlock(&mgr->lock);
	wake(mgr);
	pthread_join(mgr->thread, NULL);
	vpn_hint_reset();
	manager_free(mgr);
}

void vpn_manager_kick(struct vpn_manager *mgr)
{
	pthread_mutex_lock(&mgr->lock);
	mgr->kicked = true;
	pthread_mutex_unlock(&mgr->lock);
	wake(mgr);
}

void vpn_manager_initiate(struct vpn_manager *mgr, const char *connection_id)
{
	pthread_mutex_lock(&mgr->lock);
	if (!store_strv_has(&mgr->initiate, connection_id)) {
		/* On ENOMEM charon's own retries remain. */
		(void)store_strv_push(&mgr->initiate, connection_id);
	}
	pthread_mutex_unlock(&mgr->lock);
	wake(mgr);
}

static void wait_refresh(struct vpn_manager *m, int fresh_ms)
{
	uint64_t gen = ++m->refresh_wanted;
	wake(m);

	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += fresh_ms / 1000;
	until.tv_nsec += (long)(fresh_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	while (m->refresh_done < gen && !m->stop) {
		if (pthread_cond_timedwait(&m->refreshed, &m->lock,
					   &until) != 0) {
			break;
		}
	}
}

int vpn_manager_status(struct vpn_manager *mgr, int fresh_ms,
		       struct vpn_status *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&mgr->lock);
	if (fresh_ms > 0 && !mgr->stop) {
		wait_refresh(mgr, fresh_ms);
	}
	*out = mgr->status;
	out->conns = calloc(mgr->status.n_conns + 1, sizeof(*out->conns));
	if (out->conns != NULL) {
		memcpy(out->conns, mgr->status.conns,
		       mgr->status.n_conns * sizeof(*out->conns));
	}
	pthread_mutex_unlock(&mgr->lock);
	if (out->conns == NULL) {
		out->n_conns = 0;
		return ZG_ENOMEM;
	}
	return 0;
}

void vpn_status_clear(struct vpn_status *status)
{
	free(status->conns);
	memset(status, 0, sizeof(*status));
}
