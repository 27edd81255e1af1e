#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# zonegate local demo (`make demo`): the scenario of Alibaba Cloud's
# "Resolver + on-premises BIND" guide, on this machine's loopback only.
#
#   127.0.0.70:53   BIND 9, the on-premises DNS, zone alidns-example.com
#                   (A 15.15.15.15), exactly as in the guide
#   127.0.0.53:53   the VPC's own listener address in zonegated
#   127.0.0.60      the outbound endpoint's source address
#   127.0.0.71:53   zonegated's shared listener (VPC by source CIDR; the
#                   demo VPC's CIDR 172.17.0.0/16 has no clients here)
#
# Everything runs in the host's network namespace but only on 127.0.0.x
# addresses, which Linux answers on lo for the whole 127.0.0.0/8: nothing
# leaves the machine, and `dig @127.0.0.53 ...` works from any shell while
# the demo runs (KEEP=1). zonegated binds any 127.0.0.x directly; BIND
# listens only on addresses an interface holds, so the demo adds
# 127.0.0.70/32 to lo while it runs (unless lo has it already) and removes
# it when it stops. No default upstream is configured, so names
# outside the private zone and the rule get REFUSED (EDE 20): the demo
# never sends anything to the Internet.
#
#   scripts/demo-local.sh          run, show, clean up
#   KEEP=1 scripts/demo-local.sh   leave BIND and zonegated running and
#                                  print how to stop them
#
# Environment: ZONEGATE_BUILD (default build/), DEMO_VPC_LISTEN,
# DEMO_BIND_ADDR, DEMO_SOURCE, DEMO_SHARED_LISTEN to move the addresses
# (127.0.0.53 is systemd-resolved's stub address on many machines; when
# it is taken the demo uses 127.0.0.153). Needs root (port 53).

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${ZONEGATE_BUILD:-$top/build}
daemon=$build/src/daemon/zonegated
cli_bin=$build/src/cli/zonegate
named_bin=${NAMED:-/usr/sbin/named}
keep=${KEEP:-0}

bind_addr=${DEMO_BIND_ADDR:-127.0.0.70}
source_addr=${DEMO_SOURCE:-127.0.0.60}
shared_listen=${DEMO_SHARED_LISTEN:-127.0.0.71}

die()
{
	echo "demo: $*" >&2
	exit 1
}

step()
{
	printf '\n\033[1m== %s\033[0m\n' "$*"
}

# ---- preconditions ---------------------------------------------------------

[ "$(id -u)" -eq 0 ] || die "needs root (BIND and zonegated bind port 53); try: sudo make demo"
[ -x "$daemon" ] || die "$daemon is not built; run: make"
[ -x "$cli_bin" ] || die "$cli_bin is not built; run: make"
[ -x "$named_bin" ] || die "$named_bin missing; run: make deps"
command -v dig >/dev/null || die "dig missing; run: make deps"

# True when something already listens on ADDR port 53 (UDP or TCP), on
# that address or on the wildcard address.
port53_taken()
{
	local addr=$1
	local re="(${addr//./\\.}(%[[:alnum:]]+)?|0\\.0\\.0\\.0|\\*):53"
	ss -Hlnu 2>/dev/null | awk '{print $4}' | grep -qxE "$re" && return 0
	ss -Hlnt 2>/dev/null | awk '{print $4}' | grep -qxE "$re" && return 0
	return 1
}

# The address must be one the kernel answers locally (127/8 on lo).
is_local()
{
	ip -o route get "$1" 2>/dev/null | grep -q '^local '
}

if [ -n "${DEMO_VPC_LISTEN:-}" ]; then
	vpc_listen=$DEMO_VPC_LISTEN
elif port53_taken 127.0.0.53; then
	vpc_listen=127.0.0.153
	echo "demo: 127.0.0.53:53 is taken (systemd-resolved?), using $vpc_listen"
else
	vpc_listen=127.0.0.53
fi

for a in "$bind_addr" "$vpc_listen" "$source_addr" "$shared_listen"; do
	is_local "$a" || die "$a is not a local address of this host"
done
for a in "$bind_addr" "$vpc_listen" "$shared_listen"; do
	if port53_taken "$a"; then
		die "something already listens on $a port 53 (or on all addresses); set DEMO_* to other 127.0.0.x addresses"
	fi
done

# ---- clean-up --------------------------------------------------------------

work=$(mktemp -d /tmp/zonegate-demo.XXXXXX)
named_pid=""
zg_pid=""
added_addr=""

stop_pid()
{
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
}

cleanup()
{
	local rc=$?
	trap - EXIT INT TERM HUP
	if [ "$keep" = 1 ] && [ "$rc" -eq 0 ]; then
		return 0
	fi
	stop_pid "$zg_pid"
	stop_pid "$named_pid"
	wait 2>/dev/null || true
	if [ -n "$added_addr" ]; then
		ip addr del "$added_addr/32" dev lo 2>/dev/null || true
	fi
	if [ "$rc" -ne 0 ]; then
		echo "demo: failed; logs follow" >&2
		tail -n 30 "$work/zonegated.log" "$work/named.log" >&2 2>/dev/null || true
	fi
	rm -rf "$work"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

zonegate()
{
	"$cli_bin" --api-socket "$work/api.sock" "$@"
}

# Prints a command, then runs it.
show()
{
	local arg line="\$"
	for arg in "$@"; do
		case "$arg" in
		*" "*) line="$line '$arg'" ;;
		*) line="$line $arg" ;;
		esac
	done
	printf '%s\n' "$line"
	"$@"
}

wait_for()
{
	local what=$1 tries=$2
	shift 2
	local i
	for i in $(seq 1 "$tries"); do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
	done
	die "$what did not come up within $((tries / 10)) s"
}

# ---- the on-premises BIND --------------------------------------------------

step "on-premises DNS: BIND 9 on $bind_addr with zone alidns-example.com"
if ! ip -o -4 addr show dev lo | grep -q " inet $bind_addr/"; then
	show ip addr add "$bind_addr/32" dev lo
	added_addr=$bind_addr
fi
cat >"$work/alidns-example.com.zone" <<'EOF'
$TTL 3600
@       IN SOA  172.28.0.7. admin.alidns-example.com. (
                        8       ; serial
                        1D      ; refresh
                        1H      ; retry
                        1W      ; expire
                        3H )    ; minimum
@       IN      NS      172.28.0.7.
@       IN      A       15.15.15.15
EOF
cat >"$work/named.conf" <<EOF
options {
	directory "$work";
	pid-file "$work/named.pid";
	session-keyfile "$work/session.key";
	managed-keys-directory "$work";
	listen-on port 53 { $bind_addr; };
	listen-on-v6 { none; };
	recursion no;
	allow-query { any; };
	dnssec-validation no;
	notify no;
};
controls { };
zone "alidns-example.com" { type primary; file "alidns-example.com.zone"; };
EOF
"$named_bin" -g -n 1 -u root -c "$work/named.conf" >"$work/named.log" 2>&1 &
named_pid=$!
wait_for "BIND" 100 dig +time=1 +tries=1 +short @"$bind_addr" alidns-example.com SOA
sed -n '/^\$TTL/,$p' "$work/alidns-example.com.zone"

# ---- zonegated -------------------------------------------------------------

step "zonegated (state and API socket in $work)"
"$daemon" --foreground --state "$work/state.db" --api-socket "$work/api.sock" \
	--dns-listen "$shared_listen:53" --workers 2 --log-level info \
	>"$work/zonegated.log" 2>&1 &
zg_pid=$!
wait_for "zonegated" 100 zonegate vpc list
echo "zonegated runs as pid $zg_pid"

step "configuration, with the CLI"
show zonegate vpc create demo-vpc --cidr 172.17.0.0/16 --listen "$vpc_listen"
show zonegate zone create corp.internal
show zonegate record add corp.internal www A 172.17.0.10
show zonegate record add corp.internal db A 172.17.0.20 --ttl 60
show zonegate record add corp.internal @ MX "10 mail.corp.internal."
show zonegate record add corp.internal mail A 172.17.0.25
show zonegate record add corp.internal api CNAME www.corp.internal.
show zonegate zone bind corp.internal --vpc demo-vpc
show zonegate endpoint create demo-ob --vpc demo-vpc --source "$source_addr"
show zonegate rule create to-idc --domain alidns-example.com \
	--endpoint demo-ob --target "$bind_addr:53"
show zonegate rule bind to-idc --vpc demo-vpc

# ---- what the VPC sees -----------------------------------------------------

step "a private record, asked at the VPC's listener $vpc_listen"
show dig +nocmd +nostats @"$vpc_listen" www.corp.internal A
step "a CNAME inside the private zone"
show dig +nocmd +nostats @"$vpc_listen" api.corp.internal A
step "alidns-example.com, forwarded by rule to-idc to BIND at $bind_addr"
show dig +nocmd +nostats @"$vpc_listen" alidns-example.com A

step "why: zonegate explain"
show zonegate explain --vpc demo-vpc www.corp.internal A
show zonegate explain --vpc demo-vpc alidns-example.com A

# The demo fails loudly when the answers are not the expected ones.
private=$(dig +short +time=2 +tries=1 @"$vpc_listen" www.corp.internal A)
onprem=$(dig +short +time=2 +tries=1 @"$vpc_listen" alidns-example.com A)
[ "$private" = "172.17.0.10" ] || die "www.corp.internal gave '$private', expected 172.17.0.10"
[ "$onprem" = "15.15.15.15" ] || die "alidns-example.com gave '$onprem', expected 15.15.15.15"

step "result"
echo "www.corp.internal  -> $private   (private zone corp.internal, AA)"
echo "alidns-example.com -> $onprem   (rule to-idc -> BIND $bind_addr, AA=0)"

if [ "$keep" = 1 ]; then
	cat >"$work/stop.sh" <<EOF
#!/bin/sh
# Stops the zonegate demo started from $top.
kill -TERM $zg_pid $named_pid 2>/dev/null
sleep 1
kill -KILL $zg_pid $named_pid 2>/dev/null
${added_addr:+ip addr del $added_addr/32 dev lo}
rm -rf "$work"
echo "demo stopped"
EOF
	chmod +x "$work/stop.sh"
	cat <<EOF

The demo keeps running (KEEP=1):
  zonegated pid $zg_pid, BIND pid $named_pid, files in $work
  try:      dig @$vpc_listen db.corp.internal
            $cli_bin --api-socket $work/api.sock rule list
  stop it:  $work/stop.sh
EOF
fi
