#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs the seed lab's integration tests (tests/integration/lab/): the
# seed scenario in network namespaces of its own (scripts/lab/labctl),
# which the suite's single namespace (../run.sh) cannot hold.
#
# pytest itself runs in an empty namespace zg-lab-<pid>-ctl (only lo), so
# the suite's rule "run inside a zg-* namespace" holds and the test
# process can send nothing anywhere: every packet of a test is sent from
# inside one of the lab's namespaces. It enters that namespace with
# nsenter --net only (not ip netns exec), so that the labs it creates are
# visible to this script, which removes every zg-lab-<pid>-* namespace,
# their /etc/netns directories and the work directory on every exit.
#
#   tests/integration/lab/run.sh [PYTEST ARGS...]
#
# Paths outside this folder are not the lab's: given only those, it
# does nothing. Environment as ../run.sh (ZONEGATE_BUILD, PYTHON,
# ZG_TEST_SLOW). Needs root.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
export ZONEGATE_BUILD=${ZONEGATE_BUILD:-$top/build}
export PYTHONDONTWRITEBYTECODE=1

if [ "$(id -u)" -ne 0 ]; then
	echo "lab/run.sh: needs root to create network namespaces" >&2
	exit 1
fi

# Test paths given: run only when some are in this folder.
paths=("$here")
for arg in "$@"; do
	p=${arg%%::*}
	if [ -e "$p" ]; then
		paths=()
		case "$(cd "$(dirname "$p")" && pwd)/$(basename "$p")" in
		"$here"|"$here"/*) lab_selected=1 ;;
		esac
	fi
done
if [ ${#paths[@]} -eq 0 ] && [ -z "${lab_selected:-}" ]; then
	echo "lab/run.sh: no lab test selected"
	exit 0
fi

prefix="zg-lab-$$"
ctl="$prefix-ctl"
work=$(mktemp -d /tmp/zg-lab-run.XXXXXX)
had_etc_netns=0
[ -d /etc/netns ] && had_etc_netns=1
export ZG_LAB_PREFIX=$prefix ZG_LAB_WORK=$work

child=""
cleanup()
{
	local rc=$?
	trap '' INT TERM HUP
	trap - EXIT
	if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then
		kill -KILL "$child" 2>/dev/null || true
	fi
	# Labs the tests did not remove (killed run, failed teardown).
	"$top/scripts/lab/labctl" purge "$prefix" || true
	if [ "$had_etc_netns" -eq 0 ]; then
		rmdir /etc/netns 2>/dev/null || true
	fi
	rm -rf "$work"
	exit "$rc"
}
# On a signal, let pytest tear the labs down (conftest turns SIGTERM
# into KeyboardInterrupt), a bounded time, then purge what is left.
on_signal()
{
	local code=$1 i
	if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then
		kill -TERM "$child" 2>/dev/null || true
		for i in $(seq 1 150); do
			kill -0 "$child" 2>/dev/null || break
			sleep 0.2
		done
	fi
	exit "$code"
}
trap cleanup EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
trap 'on_signal 129' HUP

ip netns add "$ctl"
ip -n "$ctl" link set lo up

echo "lab/run.sh: labs $prefix-*, build $ZONEGATE_BUILD"
cd "$top"
set +e
nsenter --net="/run/netns/$ctl" "$PYTHON" -m pytest \
	-c "$here/../pytest.ini" --rootdir "$here/.." "$@" "${paths[@]}" \
	</dev/null &
child=$!
wait "$child"
rc=$?
set -e
child=""
# pytest exits 5 when nothing was selected (e.g. -k of other tests).
if [ "$rc" -eq 5 ]; then
	rc=0
fi
exit "$rc"
