#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# zonegate seed demo (`make demo`): the whole scenario of shared/seed, an
# ECS instance in a VPC resolving the data centre's names through an
# IPsec VPN, on this machine in network namespaces (scripts/lab/lib.sh):
#
#   ECS 172.17.0.10 -- VPC gateway 172.17.0.1 / 198.51.100.152
#       (zonegated, VPC listener 172.17.0.53, endpoint 172.17.0.253,
#        strongSwan) -- "internet" veth -- IDC gateway 198.51.100.44
#       (strongSwan, BIND 9 on 172.28.0.7 with alidns-example.com)
#
# The VPC side is configured with the zonegate CLI; the IDC side with the
# configuration `zonegate vpn download` prints. Then, from the ECS:
#   solution 1  dig alidns-example.com -> zonegate's forwarding rule ->
#               the tunnel -> BIND: 15.15.15.15
#   solution 2  resolv.conf pointing at 172.28.0.7, straight through the
#               tunnel
#   solution 3  a secondary zone synced from BIND through the tunnel,
#               still answering after BIND is stopped
# Everything is removed at the end, also on Ctrl-C or an error.
#
#   scripts/demo-seed.sh          run, show, clean up
#   KEEP=1 scripts/demo-seed.sh   leave the lab running and print how to
#                                 use and stop it
#
# Environment: ZONEGATE_BUILD (default build/), LAB_PREFIX (namespace
# prefix, default zgd-<pid>). Needs root. Every packet stays inside the
# lab's namespaces; nothing is sent from the host's.

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lab/lib.sh
. "$top/scripts/lab/lib.sh"

LAB_BUILD=${ZONEGATE_BUILD:-$top/build}
seed_keep=${KEEP:-0}
seed_prefix=${LAB_PREFIX:-zgd-$$}

die()
{
	echo "demo: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces); try: sudo make demo"

# Global names the library's functions never use for locals: a trap
# runs inside whatever function was interrupted, and bash resolves names
# in that function's scope first.
seed_dir=$(mktemp -d "${TMPDIR:-/tmp}/zonegate-seed.XXXXXX")
seed_cleanup()
{
	local seed_rc=$?
	# A second Ctrl-C must not cut the clean-up short; it is bounded
	# (lab_down waits at most 5 s per process).
	trap '' INT TERM HUP
	trap - EXIT
	if [ "$seed_keep" = 1 ] && [ "$seed_rc" -eq 0 ]; then
		return 0
	fi
	if [ "$seed_rc" -ne 0 ] && [ "$seed_rc" -lt 128 ]; then
		echo "demo: failed; the lab's logs follow" >&2
		tail -n 25 "$seed_dir/vpcgw/zonegated.log" \
			"$seed_dir/vpcgw/charon.log" "$seed_dir/idcgw/charon.log" \
			"$seed_dir/idcgw/named/named.log" >&2 2>/dev/null || true
	fi
	echo "demo: removing the lab"
	lab_down
	rm -rf "$seed_dir"
	exit "$seed_rc"
}
trap seed_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

lab_init "$seed_prefix" "$seed_dir"

# ecs_dig ARGS...: dig from the ECS instance (its resolv.conf applies).
ecs_dig()
{
	lab_show ip netns exec "$LAB_NS_ECS" dig +nocmd +nostats "$@"
}

# expect_a SOLUTION FLAGS_WANTED ARGS...: the ECS's answer must be the
# seed's A record, and carry (aa) or lack (noaa) the AA flag.
expect_a()
{
	local what=$1 aa=$2 out
	shift 2
	out=$(ip netns exec "$LAB_NS_ECS" dig +noall +answer +comments \
		+time=3 +tries=1 "$@" "$LAB_ZONE" A) ||
		die "$what: dig failed"
	grep -qE "^$LAB_ZONE\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+A[[:space:]]+$LAB_ZONE_A\$" <<<"$out" ||
		die "$what: expected $LAB_ZONE A $LAB_ZONE_A, got: $out"
	grep -q 'status: NOERROR' <<<"$out" || die "$what: not NOERROR: $out"
	if [ "$aa" = aa ]; then
		grep -qE '^;; flags:[a-z ]* aa' <<<"$out" ||
			die "$what: expected an authoritative answer (AA): $out"
	else
		grep -qE '^;; flags:[a-z ]* aa' <<<"$out" &&
			die "$what: expected AA=0 (forwarded): $out"
	fi
	return 0
}

# The queries BIND logged for the seed zone: "CLIENT NAME TYPE".
bind_clients()
{
	sed -n 's/.* client @[^ ]* \([0-9.]*\)#[0-9]* ([^)]*): query: \([^ ]*\) IN \([A-Z]*\) .*/\1 \2 \3/p' \
		"$LAB_DIR/idcgw/named/named.log"
}

# ---- the lab ---------------------------------------------------------------

lab_up

step_sas()
{
	lab_step "the tunnel, as the VPC gateway's charon sees it"
	if lab_zg_has vpn status; then
		lab_show lab_zg vpn status
	fi
	lab_show lab_swanctl "$LAB_VICI_VPC" --list-sas
}
step_sas

# ---- solution 1 ------------------------------------------------------------

lab_step "solution 1: the ECS asks zonegate; rule $LAB_RULE_NAME forwards from $LAB_ZG_SOURCE through the tunnel to BIND"
lab_show cat "/etc/netns/$LAB_NS_ECS/resolv.conf"
ecs_dig "$LAB_ZONE"
expect_a "solution 1" noaa
echo "BIND's query log (client, name, type):"
bind_clients | grep " $LAB_ZONE A$" | tail -n 1
bind_clients | grep -q "^$LAB_ZG_SOURCE $LAB_ZONE A$" ||
	die "BIND saw no query from the endpoint address $LAB_ZG_SOURCE"
lab_show lab_zg explain --vpc "$LAB_VPC_NAME" "$LAB_ZONE" A
if lab_zg_has doctor; then
	lab_step "zonegate doctor: the path of rule $LAB_RULE_NAME, checked"
	lab_show lab_zg doctor "$LAB_RULE_NAME"
fi

# ---- solution 2 ------------------------------------------------------------

lab_step "solution 2: the ECS's resolv.conf points at $LAB_IDC_DNS, straight through the tunnel"
lab_resolv "$LAB_IDC_DNS"
lab_show cat "/etc/netns/$LAB_NS_ECS/resolv.conf"
ecs_dig "$LAB_ZONE"
expect_a "solution 2" aa
echo "BIND's query log (client, name, type):"
bind_clients | grep " $LAB_ZONE A$" | tail -n 1
bind_clients | grep -q "^$LAB_ECS_ADDR $LAB_ZONE A$" ||
	die "BIND saw no query from the ECS $LAB_ECS_ADDR"
lab_resolv "$LAB_ZG_LISTEN"

# ---- solution 3 ------------------------------------------------------------

solution3="skipped: this zonegate has no secondary zones (zonegate secondary create, issue 4)"
if lab_has_secondary; then
	lab_step "solution 3: a secondary zone in zonegate, transferred from BIND through the tunnel"
	lab_secondary_create
	lab_show lab_zg secondary status "$LAB_ZONE"
	lab_show cat "/etc/netns/$LAB_NS_ECS/resolv.conf"
	ecs_dig "$LAB_ZONE"
	expect_a "solution 3" aa
	bind_clients | grep -q "^$LAB_ZG_SOURCE $LAB_ZONE AXFR$" ||
		die "BIND logged no AXFR from the endpoint address $LAB_ZG_SOURCE"

	echo "BIND's query log (client, name, type):"
	bind_clients | grep " $LAB_ZONE AXFR$" | tail -n 1

	lab_step "solution 3: BIND stops; the secondary keeps answering"
	lab_show kill -TERM "$(lab_pid named)"
	lab_stop named
	ecs_dig "$LAB_ZONE"
	expect_a "solution 3 without BIND" aa
	solution3="$LAB_ZONE -> $LAB_ZONE_A from zonegate's secondary copy, BIND stopped (AA)"
else
	lab_step "solution 3: $solution3"
fi

# ---- result ----------------------------------------------------------------

lab_step "result"
echo "tunnel      $(grep '^LAB_VPN_MODE=' "$LAB_DIR/lab.env" | tail -n 1 | sed 's/^LAB_VPN_MODE=zonegate$/configured by zonegate (vpn resources, downloaded peer config)/; s/^LAB_VPN_MODE=lab$/configured by the lab (this zonegate has no vpn commands)/')"
echo "solution 1  $LAB_ZONE -> $LAB_ZONE_A via rule $LAB_RULE_NAME from $LAB_ZG_SOURCE through the tunnel (AA=0)"
echo "solution 2  $LAB_ZONE -> $LAB_ZONE_A from BIND $LAB_IDC_DNS through the tunnel (AA)"
echo "solution 3  $solution3"

if [ "$seed_keep" = 1 ]; then
	cat <<EOF

The lab keeps running (KEEP=1); files in $seed_dir.
  from the ECS:  ip netns exec $LAB_NS_ECS dig $LAB_ZONE
  zonegate:      $LAB_BUILD/src/cli/zonegate --api-socket $LAB_ZG_SOCK rule list
  the tunnel:    swanctl --list-sas --uri unix://$LAB_VICI_VPC
  stop it:       $top/scripts/lab/labctl down $seed_dir
EOF
fi
