#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Installs the Debian packages that zonegate's build, demo and tests need,
# when some are missing. Meant for a fresh Debian 12 machine, run as root
# (or through sudo).
#
#   scripts/deps.sh            check, install what is missing, say so
#   scripts/deps.sh --quiet    print nothing when everything is present
#   scripts/deps.sh --bench    also what make bench compares against
#                              (dnsperf, dnsdist, Unbound, Knot DNS)
#
# The packages come with daemons of their own (named from bind9, charon
# from strongSwan). They must not start: the demo and the tests start
# their own BIND on chosen addresses and their own charons in the lab's
# namespaces. So the install runs with a temporary
# /usr/sbin/policy-rc.d that forbids every service start (exit 101, see
# invoke-rc.d(8)); a policy-rc.d that was there before is put back. When
# systemd runs, the freshly installed named and strongSwan services are
# also disabled and stopped. Environment: ZG_DEPS_DRY_RUN=1 prints what
# would be done.

set -eu

PACKAGES="build-essential pkg-config meson ninja-build libknot-dev
liburcu-dev libsqlite3-dev libmicrohttpd-dev libjansson-dev libcmocka-dev
bind9 bind9-dnsutils knot-dnsutils python3-dnspython python3-pytest
iproute2 sqlite3 util-linux strongswan-swanctl strongswan-charon
charon-systemd strongswan-starter libcharon-extra-plugins
libstrongswan-extra-plugins unbound"
# Only with --bench: the references of bench/run.sh.
BENCH_PACKAGES="dnsperf dnsdist knot"

POLICY=/usr/sbin/policy-rc.d
POLICY_BACKUP=/usr/sbin/policy-rc.d.zonegate-deps

quiet=0
for arg in "$@"; do
	case "$arg" in
	--quiet|-q) quiet=1 ;;
	--bench) PACKAGES="$PACKAGES $BENCH_PACKAGES" ;;
	-h|--help)
		sed -n '4,21p' "$0" | sed 's/^# \{0,1\}//'
		exit 0 ;;
	*) echo "deps.sh: unknown argument: $arg" >&2; exit 2 ;;
	esac
done

say()
{
	if [ "$quiet" -eq 0 ]; then
		echo "deps: $*"
	fi
}

# A package counts as present only when dpkg says "installed" (not
# "config-files", not half-installed).
missing=""
for pkg in $PACKAGES; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null \
		|| true)
	if [ "$status" != "installed" ]; then
		missing="$missing $pkg"
	fi
done

if [ -z "$missing" ]; then
	say "all packages present"
	exit 0
fi

# From here on something is installed, so we always speak.
echo "deps: missing:$missing"

if [ "${ZG_DEPS_DRY_RUN:-0}" = 1 ]; then
	echo "deps: dry run: would install:$missing"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		echo "deps: not root, re-running through sudo"
		exec sudo "$0" "$@"
	fi
	echo "deps: must run as root to install:$missing" >&2
	exit 1
fi

# Temporary policy-rc.d: no service of the packages starts during the
# install. Put the previous one back on every exit path.
had_policy=0
if [ -e "$POLICY" ] || [ -L "$POLICY" ]; then
	had_policy=1
	mv -f "$POLICY" "$POLICY_BACKUP"
fi

restore_policy()
{
	rm -f "$POLICY"
	if [ "$had_policy" -eq 1 ]; then
		mv -f "$POLICY_BACKUP" "$POLICY"
	fi
}
trap restore_policy EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

printf '#!/bin/sh\n# %s\nexit 101\n' \
	"zonegate deps.sh: no service starts during install" >"$POLICY"
chmod 755 "$POLICY"

export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086 # word splitting of the package list is meant
apt-get install -y --no-install-recommends $missing

# With systemd, policy-rc.d stops the start during install but the unit
# stays enabled and would start on the next boot: disable it and make sure
# it is not running.
if [ -d /run/systemd/system ]; then
	case " $missing " in
	*" bind9 "*)
		echo "deps: disabling the packaged named service"
		systemctl disable --now named.service 2>/dev/null || true
		systemctl disable --now bind9.service 2>/dev/null || true
		;;
	esac
	case " $missing " in
	*" charon-systemd "*|*" strongswan-starter "*)
		echo "deps: disabling the packaged strongSwan services"
		systemctl disable --now strongswan.service 2>/dev/null || true
		systemctl disable --now strongswan-starter.service \
			2>/dev/null || true
		;;
	esac
	for unit in dnsdist unbound knot; do
		case " $missing " in
		*" $unit "*)
			systemctl disable --now "$unit.service" 2>/dev/null ||
				true
			;;
		esac
	done
fi

echo "deps: installed:$missing"
