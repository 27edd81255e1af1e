# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash
#
# The seed scenario in network namespaces, as a bash library: sourced by
# scripts/demo-seed.sh (make demo) and scripts/lab/labctl (the integration
# test in tests/integration/lab/). One place knows the topology:
#
#   ECS ns                 VPC gateway ns                 IDC gateway ns
#   172.17.0.10/16 --lan-- 172.17.0.1/16      --"internet"-- 198.51.100.44/24
#   default via            198.51.100.152/24     (veth)      172.28.0.7/32 on lo
#   172.17.0.1             172.17.0.53 zonegate VPC listener
#                          172.17.0.253 outbound endpoint source
#                          zonegated, charon (kernel-libipsec)
#                                                         charon, BIND 9
#
# The IPsec tunnel joins 172.17.0.0/16 and 172.28.0.0/16 between the two
# gateways' public addresses, as in the seed (shared/seed). The kernels of
# our machines have no ESP, so each charon runs the userland data plane
# (kernel-libipsec: a TUN device ipsec0, routes in table 220, ESP always in
# UDP 4500). Two charons on one host would share /run/charon.pid: each one
# runs in a mount namespace of its own with a tmpfs on /run, its own
# strongswan.conf and a VICI socket in the lab directory, outside that
# private /run, so swanctl and zonegated reach it from outside.
#
# Links are created directly inside the namespaces (ip link add ... netns),
# so nothing of the lab ever exists in the host's network namespace and no
# packet of it is sent from there. The ECS resolver file is
# /etc/netns/<ns>/resolv.conf, which `ip netns exec` mounts over
# /etc/resolv.conf for that namespace only.
#
# Every process the lab starts is recorded (name and pid) in $LAB_DIR/pids
# and every namespace in $LAB_DIR/lab.env before it is created, so that
# lab_down, run from a trap or from another process (labctl down DIR),
# stops and removes all of it. Functions return non-zero after printing
# why (lab_fail); they never exit, so the caller's traps decide.

# ---- addresses (the seed's, shared/seed) -----------------------------------

LAB_ECS_ADDR=172.17.0.10
LAB_VPC_CIDR=172.17.0.0/16
LAB_VPC_GW=172.17.0.1
LAB_VPC_WAN=198.51.100.152
LAB_IDC_WAN=198.51.100.44
LAB_WAN_PLEN=24
LAB_IDC_CIDR=172.28.0.0/16
LAB_IDC_DNS=172.28.0.7
LAB_ZG_LISTEN=172.17.0.53
LAB_ZG_SOURCE=172.17.0.253
LAB_ZONE=alidns-example.com
# shellcheck disable=SC2034 # used by the demo
LAB_ZONE_A=15.15.15.15

# Resource names used with the zonegate CLI.
LAB_VPC_NAME=seed-vpc
LAB_EP_NAME=seed-ob
LAB_RULE_NAME=to-idc
# shellcheck disable=SC2034 # used by the demo and the tests
LAB_VGW_NAME=seed-vgw
LAB_CGW_NAME=idc-cgw
LAB_CONN_NAME=to-idc-vpn

LAB_CHARON=${LAB_CHARON:-/usr/lib/ipsec/charon}
LAB_NAMED=${LAB_NAMED:-/usr/sbin/named}
LAB_SWANCTL=${LAB_SWANCTL:-/usr/sbin/swanctl}
LAB_STARTER=${LAB_STARTER:-/usr/lib/ipsec/starter}

# Set by lab_init: LAB_PREFIX LAB_DIR LAB_NS_ECS LAB_NS_VPC LAB_NS_IDC
# LAB_ZG_SOCK LAB_VICI_VPC LAB_VICI_IDC; LAB_BUILD must name the build.

# ---- small helpers ---------------------------------------------------------

lab_fail()
{
	echo "lab: $*" >&2
	return 1
}

lab_log()
{
	if [ "${LAB_QUIET:-0}" != 1 ]; then
		echo "lab: $*"
	fi
}

# A heading for a step (quiet under LAB_QUIET=1).
lab_step()
{
	if [ "${LAB_QUIET:-0}" != 1 ]; then
		printf '\n\033[1m== %s\033[0m\n' "$*"
	fi
}

# Prints a command, then runs it (the demo shows what it does). The
# lab's wrappers are printed as the commands they stand for.
lab_show()
{
	local arg line="\$" tail="" vici=""
	case "$1" in
	lab_zg) line="\$ zonegate"; shift ;;
	lab_swanctl)
		vici=$2
		line="\$ swanctl"
		tail=" --uri unix://$vici"
		shift 2 ;;
	esac
	for arg in "$@"; do
		case "$arg" in
		*[[:space:]]*) line="$line '$arg'" ;;
		*) line="$line $arg" ;;
		esac
	done
	if [ "${LAB_QUIET:-0}" != 1 ]; then
		printf '%s%s\n' "$line" "$tail"
	fi
	case "$line" in
	"\$ zonegate"*) lab_zg "$@" ;;
	"\$ swanctl"*) lab_swanctl "$vici" "$@" ;;
	*) "$@" ;;
	esac
}

# lab_wait WHAT TENTHS CMD...: runs CMD every 0.1 s until it succeeds, at
# most TENTHS times (plus the time CMD itself takes). With LAB_WAIT_PID
# set, gives up at once when that process has exited.
lab_wait()
{
	local what=$1 tries=$2 i
	shift 2
	for ((i = 0; i < tries; i++)); do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		if [ -n "${LAB_WAIT_PID:-}" ] &&
			! kill -0 "$LAB_WAIT_PID" 2>/dev/null; then
			lab_fail "$what: the process exited"
			return
		fi
		sleep 0.1
	done
	lab_fail "$what not ready within $((tries / 10)) s"
}

# Runs a command inside one of the lab's namespaces.
lab_in()
{
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# The zonegate CLI on the lab's zonegated.
lab_zg()
{
	"$LAB_BUILD/src/cli/zonegate" --api-socket "$LAB_ZG_SOCK" "$@"
}

lab_swanctl()
{
	local vici=$1
	shift
	"$LAB_SWANCTL" "$@" --uri "unix://$vici"
}

# True when the zonegate CLI knows the command (e.g. lab_zg_has vpn).
lab_zg_has()
{
	"$LAB_BUILD/src/cli/zonegate" "$@" --help >/dev/null 2>&1
}

# Records a started process: lab_track NAME PID.
lab_track()
{
	echo "$1 $2" >>"$LAB_DIR/pids"
}

lab_pid()
{
	awk -v n="$1" '$1 == n { p = $2 } END { if (p) print p }' \
		"$LAB_DIR/pids" 2>/dev/null
}

# ---- set-up ----------------------------------------------------------------

# lab_init PREFIX DIR: names everything and writes DIR/lab.env, so that a
# later lab_down (even from another process) knows what to remove.
lab_init()
{
	LAB_PREFIX=$1
	LAB_DIR=$2
	LAB_NS_ECS=$LAB_PREFIX-ecs
	LAB_NS_VPC=$LAB_PREFIX-vpcgw
	LAB_NS_IDC=$LAB_PREFIX-idcgw
	LAB_ZG_SOCK=$LAB_DIR/vpcgw/api.sock
	LAB_VICI_VPC=$LAB_DIR/vpcgw/charon.vici
	LAB_VICI_IDC=$LAB_DIR/idcgw/charon.vici
	case "$LAB_PREFIX" in
	""|*[!A-Za-z0-9_-]*)
		lab_fail "prefix '$LAB_PREFIX': use letters, digits, - and _"
		return ;;
	esac
	mkdir -p "$LAB_DIR/ecs" "$LAB_DIR/vpcgw" "$LAB_DIR/idcgw" || return
	: >"$LAB_DIR/pids"
	cat >"$LAB_DIR/lab.env" <<EOF
LAB_PREFIX=$LAB_PREFIX
LAB_DIR=$LAB_DIR
LAB_BUILD=$LAB_BUILD
LAB_NS_ECS=$LAB_NS_ECS
LAB_NS_VPC=$LAB_NS_VPC
LAB_NS_IDC=$LAB_NS_IDC
LAB_ZG_SOCK=$LAB_ZG_SOCK
LAB_VICI_VPC=$LAB_VICI_VPC
LAB_VICI_IDC=$LAB_VICI_IDC
EOF
}

# Appends KEY=VALUE to lab.env (what the lab found out while starting).
lab_note()
{
	echo "$1=$2" >>"$LAB_DIR/lab.env"
}

# True when the host has what the lab needs; prints what is missing.
lab_check_tools()
{
	local missing="" f
	for f in "$LAB_CHARON" "$LAB_NAMED" "$LAB_SWANCTL" \
		"$LAB_BUILD/src/daemon/zonegated" \
		"$LAB_BUILD/src/cli/zonegate"; do
		[ -x "$f" ] || missing="$missing $f"
	done
	for f in ip unshare dig; do
		command -v "$f" >/dev/null 2>&1 || missing="$missing $f"
	done
	if [ ! -e /usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so ]; then
		missing="$missing kernel-libipsec(libcharon-extra-plugins)"
	fi
	if [ ! -c /dev/net/tun ]; then
		missing="$missing /dev/net/tun"
	fi
	if [ -n "$missing" ]; then
		lab_fail "missing:$missing (make deps installs the packages)"
		return
	fi
}

# The namespaces and links. No name of the lab's is ever used in the
# host namespace: each veth pair is created inside its first namespace
# with its peer already in the second.
lab_net_up()
{
	local ns
	for ns in "$LAB_NS_ECS" "$LAB_NS_VPC" "$LAB_NS_IDC"; do
		if ip netns list | awk '{print $1}' | grep -qx "$ns"; then
			lab_fail "namespace $ns exists already"
			return
		fi
	done
	for ns in "$LAB_NS_ECS" "$LAB_NS_VPC" "$LAB_NS_IDC"; do
		echo "$ns" >>"$LAB_DIR/namespaces"
		ip netns add "$ns" || return
		ip -n "$ns" link set lo up || return
	done

	# ECS <-> VPC gateway: the VPC's LAN.
	ip -n "$LAB_NS_ECS" link add eth0 type veth \
		peer name lan0 netns "$LAB_NS_VPC" || return
	ip -n "$LAB_NS_ECS" addr add "$LAB_ECS_ADDR/16" dev eth0 || return
	ip -n "$LAB_NS_ECS" link set eth0 up || return
	ip -n "$LAB_NS_ECS" route add default via "$LAB_VPC_GW" || return

	ip -n "$LAB_NS_VPC" addr add "$LAB_VPC_GW/16" dev lan0 || return
	ip -n "$LAB_NS_VPC" addr add "$LAB_ZG_LISTEN/32" dev lan0 || return
	ip -n "$LAB_NS_VPC" addr add "$LAB_ZG_SOURCE/32" dev lan0 || return
	ip -n "$LAB_NS_VPC" link set lan0 up || return

	# VPC gateway <-> IDC gateway: the "internet". Neither side has a
	# route to the other's private network: only the tunnel joins them.
	ip -n "$LAB_NS_VPC" link add wan0 type veth \
		peer name wan0 netns "$LAB_NS_IDC" || return
	ip -n "$LAB_NS_VPC" addr add "$LAB_VPC_WAN/$LAB_WAN_PLEN" dev wan0 ||
		return
	ip -n "$LAB_NS_VPC" link set wan0 up || return
	ip -n "$LAB_NS_IDC" addr add "$LAB_IDC_WAN/$LAB_WAN_PLEN" dev wan0 ||
		return
	ip -n "$LAB_NS_IDC" link set wan0 up || return
	ip -n "$LAB_NS_IDC" addr add "$LAB_IDC_DNS/32" dev lo || return

	# Both gateways route between their LAN and the tunnel.
	lab_in "$LAB_NS_VPC" sysctl -qw net.ipv4.ip_forward=1 || return
	lab_in "$LAB_NS_IDC" sysctl -qw net.ipv4.ip_forward=1 || return
	lab_in "$LAB_NS_VPC" sysctl -qw net.ipv4.conf.all.send_redirects=0 ||
		return
}

# lab_resolv NAMESERVER: the ECS's resolver file.
lab_resolv()
{
	mkdir -p "/etc/netns/$LAB_NS_ECS" || return
	printf 'nameserver %s\noptions timeout:2 attempts:2\n' "$1" \
		>"/etc/netns/$LAB_NS_ECS/resolv.conf"
}

# ---- strongSwan ------------------------------------------------------------

# lab_strongswan_conf SIDE: a strongswan.conf of the lab's own. Only the
# plugins the tunnel needs are loaded (not the host's
# /etc/strongswan.d/charon/*.conf): no resolve plugin that could write a
# resolv.conf, no updown script touching the host's firewall.
lab_strongswan_conf()
{
	local side=$1 dir=$LAB_DIR/$1
	cat >"$dir/strongswan.conf" <<EOF
# strongswan.conf of the zonegate lab, $side gateway.
charon {
	load = random nonce openssl aes sha1 sha2 md5 hmac gmp kdf pem pkcs1 pubkey x509 kernel-libipsec kernel-netlink socket-default vici stroke
	# The userland data plane creates ipsec0 and routes in table 220.
	install_routes = yes
	routing_table = 220
	routing_table_prio = 220
	filelog {
		lab {
			path = $dir/charon.log
			time_format = %H:%M:%S
			flush_line = yes
			default = 1
			ike = 1
			cfg = 1
			knl = 1
		}
	}
	plugins {
		vici {
			socket = unix://$dir/charon.vici
		}
		stroke {
			socket = unix://$dir/charon.ctl
			# ipsec.secrets of the legacy form (the starter).
			secrets_file = $dir/ipsec.secrets
		}
	}
}
EOF
}

# lab_charon_start SIDE NS [IPSEC_CONF]: charon in NS, in a mount
# namespace of its own with a tmpfs on /run (its pid file and any sockets
# left at defaults). With IPSEC_CONF, the legacy way of the seed: the
# starter reads that ipsec.conf, runs charon and hands it the
# connections; charon reads $LAB_DIR/SIDE/ipsec.secrets. Daemons are
# started with `ip netns exec ... &`, not through a shell function, so
# that $! is the daemon itself (ip, unshare and sh exec).
lab_charon_start()
{
	local side=$1 ns=$2 dir=$LAB_DIR/$1 ipsec_conf=${3:-}
	local -a cmd=("$LAB_CHARON")
	if [ -n "$ipsec_conf" ]; then
		cmd=("$LAB_STARTER" --nofork --conf "$ipsec_conf")
	fi
	lab_strongswan_conf "$side" || return
	[ -e "$dir/ipsec.secrets" ] || : >"$dir/ipsec.secrets"
	chmod 600 "$dir/ipsec.secrets"
	rm -f "$dir/charon.vici"
	ip netns exec "$ns" unshare --mount --propagation private \
		sh -c 'mount -t tmpfs zg-lab-run /run && exec "$@"' lab-charon \
		env STRONGSWAN_CONF="$dir/strongswan.conf" "${cmd[@]}" \
		>"$dir/charon.out" 2>&1 &
	lab_track "charon-$side" $!
	LAB_WAIT_PID=$! lab_wait "charon ($side)" 100 \
		lab_swanctl "$dir/charon.vici" --stats ||
		{ tail -n 20 "$dir/charon.out" "$dir/charon.log" >&2; return 1; }
}

# lab_ike_established VICI CHILD: true when CHILD is INSTALLED.
lab_child_installed()
{
	lab_swanctl "$1" --list-sas --child "$2" 2>/dev/null |
		grep -q "INSTALLED"
}

# ---- BIND 9 (the on-premises DNS) -----------------------------------------

lab_bind_start()
{
	local dir=$LAB_DIR/idcgw/named
	mkdir -p "$dir" || return
	# The zone file of the seed, Step 7, exactly.
	cat >"$dir/$LAB_ZONE.zone" <<'EOF'
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
	cat >"$dir/named.conf" <<EOF
options {
	directory "$dir";
	pid-file "$dir/named.pid";
	session-keyfile "$dir/session.key";
	managed-keys-directory "$dir";
	listen-on port 53 { $LAB_IDC_DNS; };
	listen-on-v6 { none; };
	recursion no;
	allow-query { any; };
	allow-transfer { $LAB_VPC_CIDR; };
	dnssec-validation no;
	notify no;
	querylog yes;
};
controls { };
zone "$LAB_ZONE" { type primary; file "$LAB_ZONE.zone"; };
EOF
	ip netns exec "$LAB_NS_IDC" "$LAB_NAMED" -g -n 1 -u root \
		-c "$dir/named.conf" >"$dir/named.log" 2>&1 &
	lab_track named $!
	LAB_WAIT_PID=$! lab_wait "BIND" 100 \
		lab_in "$LAB_NS_IDC" dig +time=1 +tries=1 \
		+short @"$LAB_IDC_DNS" "$LAB_ZONE" SOA ||
		{ tail -n 20 "$dir/named.log" >&2; return 1; }
}

# ---- zonegated -------------------------------------------------------------

lab_zonegated_start()
{
	local dir=$LAB_DIR/vpcgw
	local daemon=$LAB_BUILD/src/daemon/zonegated
	local -a extra=()
	if "$daemon" --help 2>&1 | grep -q -- '--vici-socket'; then
		extra+=(--vici-socket "$LAB_VICI_VPC")
		lab_note LAB_ZG_VICI yes
	else
		lab_note LAB_ZG_VICI no
	fi
	# The only --dns-listen is the gateway's own loopback: the VPC's
	# listener address comes from the VPC resource.
	ip netns exec "$LAB_NS_VPC" "$daemon" --foreground --state "$dir/state.db" \
		--api-socket "$LAB_ZG_SOCK" --dns-listen 127.0.0.1:53 \
		--workers 2 --log-level "${LAB_ZG_LOG_LEVEL:-info}" \
		"${extra[@]}" >"$dir/zonegated.log" 2>&1 &
	lab_track zonegated $!
	LAB_WAIT_PID=$! lab_wait "zonegated" 150 lab_zg vpc list ||
		{ tail -n 20 "$dir/zonegated.log" >&2; return 1; }
}

# ---- tear-down -------------------------------------------------------------

# lab_stop_pid PID: TERM, up to 5 s, then KILL.
lab_stop_pid()
{
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
}

# lab_stop NAME: stops one recorded process (e.g. named).
lab_stop()
{
	local pid
	pid=$(lab_pid "$1")
	if [ -n "$pid" ]; then
		lab_stop_pid "$pid"
	fi
}

# lab_down: stops every recorded process, kills whatever still runs in
# the lab's namespaces (only the lab starts processes there), deletes
# the namespaces and their /etc/netns directories. Safe to run twice
# and on a half-built lab. LAB_DIR itself is left to the caller.
lab_down()
{
	local name pid ns pids
	if [ -f "$LAB_DIR/pids" ]; then
		# Newest first: zonegated before the charon it talks to.
		while read -r name pid; do
			[ -n "$pid" ] && lab_stop_pid "$pid"
		done < <(tac "$LAB_DIR/pids")
	fi
	if [ -f "$LAB_DIR/namespaces" ]; then
		while read -r ns; do
			[ -n "$ns" ] || continue
			pids=$(ip netns pids "$ns" 2>/dev/null || true)
			if [ -n "$pids" ]; then
				# shellcheck disable=SC2086 # one pid a word
				kill -KILL $pids 2>/dev/null || true
			fi
			ip netns delete "$ns" 2>/dev/null || true
			rm -rf "/etc/netns/$ns"
		done <"$LAB_DIR/namespaces"
	fi
	# An empty /etc/netns was made by us or is harmless; leave it alone
	# when anything else lives there.
	rmdir /etc/netns 2>/dev/null || true
}

# lab_purge PREFIX: removes any namespace named PREFIX-* and its
# /etc/netns directory, killing what runs inside. For runners that lost
# track of a lab (the process that made it was killed).
lab_purge()
{
	local prefix=$1 ns pids
	case "$prefix" in
	""|*[!A-Za-z0-9_-]*) lab_fail "bad prefix '$prefix'"; return ;;
	esac
	for ns in $(ip netns list | awk '{print $1}'); do
		case "$ns" in
		"$prefix"-*)
			pids=$(ip netns pids "$ns" 2>/dev/null || true)
			if [ -n "$pids" ]; then
				# shellcheck disable=SC2086
				kill -KILL $pids 2>/dev/null || true
			fi
			ip netns delete "$ns" 2>/dev/null || true
			;;
		esac
	done
	for ns in /etc/netns/"$prefix"-*; do
		[ -d "$ns" ] && rm -rf "$ns"
	done
	rmdir /etc/netns 2>/dev/null || true
}

# ---- the VPC side, with the zonegate CLI ----------------------------------

# The seed's Step 8: VPC, outbound endpoint, forwarding rule.
lab_configure_dns()
{
	lab_step "VPC side, with the zonegate CLI: VPC, endpoint, rule" || return
	lab_show lab_zg vpc create "$LAB_VPC_NAME" --cidr "$LAB_VPC_CIDR" \
		--listen "$LAB_ZG_LISTEN" || return
	lab_show lab_zg endpoint create "$LAB_EP_NAME" --vpc "$LAB_VPC_NAME" \
		--source "$LAB_ZG_SOURCE" || return
	lab_show lab_zg rule create "$LAB_RULE_NAME" --domain "$LAB_ZONE" \
		--endpoint "$LAB_EP_NAME" --target "$LAB_IDC_DNS:53" || return
	lab_show lab_zg rule bind "$LAB_RULE_NAME" --vpc "$LAB_VPC_NAME" ||
		return
}

# ---- the tunnel ------------------------------------------------------------

# Which side configures the tunnel: "zonegate" when the CLI has the VPN
# resources and zonegated drives charon (issue 5 part A), else "lab": the
# lab writes both swanctl.conf files itself so that the topology and
# solutions 1 and 2 still run over a real tunnel. lab.env records which.
lab_vpn_mode()
{
	if [ "${LAB_VPN_MODE:-}" = lab ]; then
		echo lab
	elif lab_zg_has vpn download && lab_zg_has vpn connection create &&
		grep -q '^LAB_ZG_VICI=yes' "$LAB_DIR/lab.env"; then
		echo zonegate
	else
		echo lab
	fi
}

# lab_swanctl_conn FILE NAME LOCAL_ADDR REMOTE_ADDR LOCAL_TS REMOTE_TS
#                  PSK START_ACTION: one IKEv2 PSK connection.
lab_swanctl_conn()
{
	cat >"$1" <<EOF
# Written by the zonegate lab (no zonegate VPN resources available).
connections {
	$2 {
		version = 2
		local_addrs = $3
		remote_addrs = $4
		proposals = aes256-sha256-modp2048
		dpd_delay = 10s
		local {
			auth = psk
			id = $3
		}
		remote {
			auth = psk
			id = $4
		}
		children {
			$2 {
				local_ts = $5
				remote_ts = $6
				esp_proposals = aes256-sha256-modp2048
				dpd_action = restart
				start_action = $8
			}
		}
	}
}
secrets {
	ike-$2 {
		id-local = $3
		id-remote = $4
		secret = "$7"
	}
}
EOF
}

# lab_swanctl_load VICI FILE: loads connections and secrets. swanctl
# looks for credential folders beside FILE and complains about each one
# missing; that goes to a log shown only on failure.
lab_swanctl_load()
{
	lab_show lab_swanctl "$1" --load-all --noprompt --file "$2" \
		>"$2.load.log" 2>&1 || { cat "$2.load.log" >&2; return 1; }
	grep -v '^opening directory' "$2.load.log" || true
}

lab_vpn_by_lab()
{
	local psk
	lab_step "IPsec tunnel (fallback: swanctl.conf written by the lab;" \
		"this zonegate has no 'vpn' commands)" || return
	psk=$(head -c 24 /dev/urandom | base64) || return
	lab_swanctl_conn "$LAB_DIR/vpcgw/swanctl.conf" "$LAB_CONN_NAME" \
		"$LAB_VPC_WAN" "$LAB_IDC_WAN" "$LAB_VPC_CIDR" "$LAB_IDC_CIDR" \
		"$psk" none || return
	lab_swanctl_conn "$LAB_DIR/idcgw/swanctl.conf" "$LAB_CONN_NAME" \
		"$LAB_IDC_WAN" "$LAB_VPC_WAN" "$LAB_IDC_CIDR" "$LAB_VPC_CIDR" \
		"$psk" trap || return
	chmod 600 "$LAB_DIR/vpcgw/swanctl.conf" "$LAB_DIR/idcgw/swanctl.conf"
	lab_charon_start idcgw "$LAB_NS_IDC" || return
	lab_swanctl_load "$LAB_VICI_IDC" "$LAB_DIR/idcgw/swanctl.conf" ||
		return
	lab_swanctl_load "$LAB_VICI_VPC" "$LAB_DIR/vpcgw/swanctl.conf" ||
		return
	lab_show lab_swanctl "$LAB_VICI_VPC" --initiate --child \
		"$LAB_CONN_NAME" --timeout 20 >"$LAB_DIR/vpcgw/initiate.log" ||
		{ cat "$LAB_DIR/vpcgw/initiate.log" >&2; return 1; }
	lab_note LAB_VPN_CHILD "$LAB_CONN_NAME"
}

# Prints a downloaded file with its pre-shared key hidden.
lab_show_config()
{
	printf -- '--- %s\n' "$1"
	sed -E 's/(secret = ")[^"]*"/\1<hidden>"/; s/(: PSK ")[^"]*"/\1<hidden>"/' "$1"
}

# The seed's legacy crypto profile (Step 4's ipsec.conf): IKEv1,
# 3des-md5-modp1024, ESP 3des-md5 without PFS, PSK 1234567. zonegate
# refuses it without --allow-weak-crypto.
LAB_SEED_CRYPTO=(--ike-version 1 --ike-encryption 3des --ike-integrity md5
	--ike-dh-group modp1024 --esp-encryption 3des --esp-integrity md5
	--esp-pfs none --psk 1234567)

# The VPC side of the tunnel with zonegate's VPN resources (the seed's
# Steps 1-3 and 5), zonegated loading it into its charon over VICI; the
# IDC side from `zonegate vpn download` (Step 4): swanctl.conf loaded
# with swanctl, or, with LAB_VPN_PROFILE=seed, the seed's own legacy
# profile as ipsec.conf and ipsec.secrets run by the starter.
lab_vpn_by_zonegate()
{
	local profile=${LAB_VPN_PROFILE:-default} fmt=swanctl
	local dl=$LAB_DIR/idcgw/download
	local -a crypto=()
	lab_step "VPN with the zonegate CLI: VPN gateway, customer gateway," \
		"IPsec connection, route (seed Steps 1, 2, 3, 5)" || return
	lab_show lab_zg vpn gateway create "$LAB_VGW_NAME" \
		--vpc "$LAB_VPC_NAME" --public-ip "$LAB_VPC_WAN" \
		--local-subnet "$LAB_VPC_CIDR" || return
	lab_show lab_zg vpn customer-gateway create "$LAB_CGW_NAME" \
		--ip "$LAB_IDC_WAN" || return
	if [ "$profile" = seed ]; then
		fmt=ipsec
		crypto=("${LAB_SEED_CRYPTO[@]}")
		lab_log "the seed's profile is weak: refused without" \
			"--allow-weak-crypto"
		if lab_show lab_zg vpn connection create "$LAB_CONN_NAME" \
			--gateway "$LAB_VGW_NAME" \
			--customer-gateway "$LAB_CGW_NAME" \
			--local-subnet "$LAB_VPC_CIDR" \
			--remote-subnet "$LAB_IDC_CIDR" "${crypto[@]}"; then
			lab_fail "zonegate took the weak profile without --allow-weak-crypto"
			return
		fi
		crypto+=(--allow-weak-crypto)
	fi
	# Disabled until the IDC's charon has its configuration: otherwise
	# both ends initiate at once and keep two IKE_SAs.
	lab_show lab_zg vpn connection create "$LAB_CONN_NAME" \
		--gateway "$LAB_VGW_NAME" --customer-gateway "$LAB_CGW_NAME" \
		--local-subnet "$LAB_VPC_CIDR" --remote-subnet "$LAB_IDC_CIDR" \
		"${crypto[@]}" --disabled || return
	lab_show lab_zg vpn route add "$LAB_IDC_CIDR" \
		--connection "$LAB_CONN_NAME" || return

	lab_step "IDC gateway: charon configured with what zonegate vpn" \
		"download prints (seed Step 4, $fmt)" || return
	mkdir -p "$dl" && chmod 700 "$dl" || return
	lab_show lab_zg vpn download "$LAB_CONN_NAME" --format "$fmt" \
		--output-dir "$dl" || return
	if [ "$fmt" = swanctl ]; then
		lab_show_config "$dl/swanctl.conf"
		lab_charon_start idcgw "$LAB_NS_IDC" || return
		lab_swanctl_load "$LAB_VICI_IDC" "$dl/swanctl.conf" || return
	else
		lab_show_config "$dl/ipsec.conf"
		lab_show_config "$dl/ipsec.secrets"
		cp "$dl/ipsec.secrets" "$LAB_DIR/idcgw/ipsec.secrets" || return
		lab_charon_start idcgw "$LAB_NS_IDC" "$dl/ipsec.conf" || return
	fi
	lab_step "the tunnel: zonegated loads the connection into its charon" \
		"and initiates it" || return
	lab_show lab_zg vpn connection initiate "$LAB_CONN_NAME" || return
	lab_note LAB_VPN_PROFILE "$profile"
}

lab_vpn()
{
	local mode
	mode=$(lab_vpn_mode)
	lab_note LAB_VPN_MODE "$mode"
	case "$mode" in
	zonegate) lab_vpn_by_zonegate || return ;;
	*) lab_vpn_by_lab || return ;;
	esac
	lab_wait "CHILD_SA" 200 lab_tunnel_up || return
	if [ "$mode" = zonegate ]; then
		# zonegated learns of the CHILD_SA from charon's events a
		# moment later; until then its targets behind the tunnel
		# count as down.
		lab_wait "zonegate's view of the tunnel" 100 lab_zg_tunnel_up ||
			return
	fi
	if lab_zg_has doctor; then
		lab_wait "the rule's path (zonegate doctor)" 100 \
			lab_rule_path_ok || return
	fi
}

# True when zonegate doctor finds nothing wrong, not even a warning
# (a target still marked down from before the tunnel was up).
lab_rule_path_ok()
{
	lab_zg --json doctor "$LAB_RULE_NAME" --timeout 500 |
		grep -q '^{"ok":true,"status":"ok"'
}

# True when `zonegate vpn status` says the connection's tunnel is up.
lab_zg_tunnel_up()
{
	lab_zg --json vpn status "$LAB_CONN_NAME" |
		grep -q '"state": *"up"'
}

# True when the VPC gateway's charon has a CHILD_SA installed.
lab_tunnel_up()
{
	lab_swanctl "$LAB_VICI_VPC" --list-sas 2>/dev/null | grep -q INSTALLED
}

# ---- solution 3: a secondary zone -----------------------------------------

# True when this zonegate has secondary zones (issue 4).
lab_has_secondary()
{
	lab_zg_has secondary create && lab_zg_has secondary status
}

# ---- everything up to a working tunnel ------------------------------------

# lab_up: namespaces, the IDC gateway (charon, BIND), the VPC gateway
# (charon, zonegated), the zonegate configuration and the tunnel. The ECS
# resolver points at zonegate's VPC listener. On failure the caller runs
# lab_down (its trap).
lab_up()
{
	lab_check_tools || return
	lab_step "network namespaces $LAB_NS_ECS, $LAB_NS_VPC, $LAB_NS_IDC" ||
		return
	lab_net_up || return
	lab_resolv "$LAB_ZG_LISTEN" || return
	lab_log "ECS $LAB_ECS_ADDR -- VPC gateway $LAB_VPC_GW / $LAB_VPC_WAN" \
		"-- internet -- IDC gateway $LAB_IDC_WAN / $LAB_IDC_DNS"

	lab_step "IDC gateway: BIND 9 on $LAB_IDC_DNS with $LAB_ZONE" ||
		return
	lab_bind_start || return

	lab_step "VPC gateway: charon (kernel-libipsec) and zonegated" || return
	lab_charon_start vpcgw "$LAB_NS_VPC" || return
	lab_zonegated_start || return

	lab_configure_dns || return
	lab_vpn || return
	lab_note LAB_UP yes
}

# True when zonegate answers the seed zone's SOA with AA and serial 8 at
# the VPC listener: the secondary has its first transfer.
lab_secondary_synced()
{
	local out
	out=$(ip netns exec "$LAB_NS_ECS" dig +norec +time=1 +tries=1 \
		@"$LAB_ZG_LISTEN" "$LAB_ZONE" SOA) || return
	grep -qE '^;; flags:[a-z ]* aa' <<<"$out" &&
		grep -qE 'IN[[:space:]]+SOA[[:space:]]+172\.28\.0\.7\. admin\.alidns-example\.com\. 8 ' <<<"$out"
}

# Solution 3: the seed zone as a secondary of BIND, transferred from the
# endpoint's address (so through the tunnel), bound to the VPC.
lab_secondary_create()
{
	lab_show lab_zg secondary create "$LAB_ZONE" --primary "$LAB_IDC_DNS" \
		--endpoint "$LAB_EP_NAME" || return
	lab_show lab_zg zone bind "$LAB_ZONE" --vpc "$LAB_VPC_NAME" || return
	lab_wait "the first transfer of $LAB_ZONE" 200 lab_secondary_synced
}
