/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tunnel state as a health hint: when the VPN manager sees a tunnel go
 * down or up, the forwarding targets behind it are marked down at once
 * or probed at once. Wires vpn to health through the served config. */
#ifndef ZONEGATE_DAEMON_VPN_HEALTH_H
#define ZONEGATE_DAEMON_VPN_HEALTH_H

#include <stdbool.h>
#include <stddef.h>

#include "common/addr.h"

/*!
 * The vpn_hint_fn the daemon gives vpn_hint_set_hook() (arg unused).
 * Runs in the VPN manager's thread, which must be registered with urcu:
 * it reads the current configuration. For every target of a rule or
 * default upstream inside prefixes, with the health key forwarding uses
 * (target and endpoint, or upstream id): down marks it down at once with
 * the probe forwarding would send (an SOA query for the rule's domain,
 * or the root for an upstream, from the endpoint's sources); up makes
 * that probe due now.
 *
 * The push covers the targets of the configuration served when the
 * tunnel changes state; vpn_health_published() covers those that come
 * later.
 */
void vpn_health_hint(void *arg, const char *connection_id,
		     const struct zg_prefix *prefixes, size_t n, bool up);

struct config;

/*!
 * Called for every published configuration (cfg, current until the call
 * returns; the caller is registered with urcu): a target of a rule or
 * default upstream that health does not know yet and whose every tunnel
 * is down (vpn_hint_target()) starts out down, as if the tunnel had
 * gone down after it was configured. Targets health already knows keep
 * their state: their tunnel's changes reach them through the push.
 */
void vpn_health_published(const struct config *cfg);

#endif
