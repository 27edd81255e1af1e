/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The table of which destinations sit behind which tunnel and whether
 * that tunnel is up, read lock-free by forwarding through RCU and
 * replaced whole by the VPN manager. */
#include "vpn/vpn.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <urcu.h>

#include "common/error.h"

/* One published table; never changed once published. */
struct hint_table {
	size_t n;
	struct vpn_hint_entry entries[];
};

/* Readers: rcu_dereference() under rcu_read_lock(). Writers hold
 * writer_lock, which also protects the hook. */
static struct hint_table *current_table;
static pthread_mutex_t writer_lock = PTHREAD_MUTEX_INITIALIZER;
static vpn_hint_fn hook_fn;
static void *hook_arg;

enum vpn_hint vpn_hint_target(const struct zg_addr *target,
			      char *connection_id)
{
	enum vpn_hint hint = VPN_HINT_NONE;
	const char *decider = NULL;

	rcu_read_lock();
	const struct hint_table *t = rcu_dereference(current_table);
	for (size_t i = 0; t != NULL && i < t->n; i++) {
		const struct vpn_hint_entry *e = &t->entries[i];
		bool inside = false;
		for (size_t j = 0; j < e->n_prefixes && !inside; j++) {
			inside = prefix_contains(&e->prefixes[j], target);
		}
		if (!inside) {
			continue;
		}
		/* One tunnel up is a path: up wins over down. */
		if (e->up || hint == VPN_HINT_NONE) {
			hint = e->up ? VPN_HINT_UP : VPN_HINT_DOWN;
			decider = e->connection_id;
		}
		if (e->up) {
			break;
		}
	}
	if (connection_id != NULL) {
		memcpy(connection_id, decider != NULL ? decider : "",
		       decider != NULL ? VPN_NAME_LEN : 1);
	}
	rcu_read_unlock();
	return hint;
}

void vpn_hint_set_hook(vpn_hint_fn fn, void *arg)
{
	pthread_mutex_lock(&writer_lock);
	hook_fn = fn;
	hook_arg = arg;
	pthread_mutex_unlock(&writer_lock);
}

static const struct vpn_hint_entry *find_entry(const struct hint_table *t,
					       const char *connection_id)
{
	for (size_t i = 0; t != NULL && i < t->n; i++) {
		if (strcmp(t->entries[i].connection_id, connection_id) == 0) {
			return &t->entries[i];
		}
	}
	return NULL;
}

static bool same_prefixes(const struct vpn_hint_entry *a,
			  const struct vpn_hint_entry *b)
{
	return a->n_prefixes == b->n_prefixes &&
	       memcmp(a->prefixes, b->prefixes,
		      a->n_prefixes * sizeof(a->prefixes[0])) == 0;
}

/* Tells the hook what changed from old to new. */
static void report(const struct hint_table *old, const struct hint_table *new,
		   vpn_hint_fn fn, void *arg)
{
	for (size_t i = 0; fn != NULL && i < new->n; i++) {
		const struct vpn_hint_entry *e = &new->entries[i];
		const struct vpn_hint_entry *was = find_entry(old,
							      e->connection_id);
		if (was == NULL || was->up != e->up ||
		    !same_prefixes(was, e)) {
			fn(arg, e->connection_id, e->prefixes, e->n_prefixes,
			   e->up);
		}
	}
	for (size_t i = 0; fn != NULL && old != NULL && i < old->n; i++) {
		const struct vpn_hint_entry *e = &old->entries[i];
		if (find_entry(new, e->connection_id) == NULL && !e->up) {
			fn(arg, e->connection_id, e->prefixes, e->n_prefixes,
			   true);
		}
	}
}

int vpn_hint_publish(const struct vpn_hint_entry *entries, size_t n)
{
	struct hint_table *t = malloc(sizeof(*t) + n * sizeof(t->entries[0]));
	if (t == NULL) {
		return ZG_ENOMEM;
	}
	t->n = n;
	if (n > 0) {
		memcpy(t->entries, entries, n * sizeof(t->entries[0]));
	}

	pthread_mutex_lock(&writer_lock);
	struct hint_table *old = current_table;
	rcu_assign_pointer(current_table, t);
	vpn_hint_fn fn = hook_fn;
	void *arg = hook_arg;
	report(old, t, fn, arg);
	pthread_mutex_unlock(&writer_lock);

	/* Readers that may still hold the old table finish first. */
	synchronize_rcu();
	free(old);
	return 0;
}

void vpn_hint_reset(void)
{
	pthread_mutex_lock(&writer_lock);
	struct hint_table *old = current_table;
	rcu_assign_pointer(current_table, NULL);
	pthread_mutex_unlock(&writer_lock);
	synchronize_rcu();
	free(old);
}
