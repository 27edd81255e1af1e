#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs zonegate's integration suite inside a network namespace of its own,
# zg-it-<pid>, so that the test topology (shared/cases/bugcorpus.md:
# 10.0.0.2, 198.51.100.53, 192.0.2.53, ...) exists only on the loopback
# interface of that namespace and nothing the tests send can leave it.
# The namespace is deleted on every exit: success, failure, Ctrl-C, TERM.
#
#   tests/integration/run.sh [PYTEST ARGS...]
#
# Environment:
#   ZONEGATE_BUILD  build directory holding src/daemon/zonegated and
#                   src/cli/zonegate (default: build/ at the top)
#   PYTHON          interpreter (default /usr/bin/python3)
#   ZG_TEST_SLOW    multiplier of every timeout (e.g. 3 under ASan)
# Needs root (ip netns).

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
export ZONEGATE_BUILD=${ZONEGATE_BUILD:-$top/build}
export PYTHONDONTWRITEBYTECODE=1

if [ "$(id -u)" -ne 0 ]; then
	echo "run.sh: needs root to create a network namespace" >&2
	exit 1
fi

ns="zg-it-$$"
cleanup()
{
	local rc=$?
	trap - EXIT INT TERM HUP
	# Anything still running in the namespace was started by this run.
	local pids
	pids=$(ip netns pids "$ns" 2>/dev/null || true)
	if [ -n "$pids" ]; then
		# shellcheck disable=SC2086 # one pid a word
		kill -KILL $pids 2>/dev/null || true
	fi
	ip netns delete "$ns" 2>/dev/null || true
	exit "$rc"
}
# On a signal, ask pytest to stop (conftest turns SIGTERM into
# KeyboardInterrupt, so fixtures tear down: daemons get SIGTERM), wait a
# bounded time, then cleanup kills what is left in the namespace.
child=""
on_signal()
{
	local code=$1 i
	if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then
		kill -TERM "$child" 2>/dev/null || true
		for i in $(seq 1 100); do
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

ip netns add "$ns"
ip -n "$ns" link set lo up

# The addresses come from one place, zgtest/addrs.py. /32 and /128 on lo:
# the kernel answers for each of them locally. nodad: IPv6 addresses are
# usable at once, without duplicate address detection.
while read -r addr; do
	case "$addr" in
	*:*) ip -n "$ns" -6 addr add "$addr/128" dev lo nodad ;;
	*) ip -n "$ns" addr add "$addr/32" dev lo ;;
	esac
done < <("$PYTHON" "$here/zgtest/addrs.py")

echo "run.sh: namespace $ns, build $ZONEGATE_BUILD"
cd "$top"
# Run the whole suite unless a test path was given.
paths=("$here")
for arg in "$@"; do
	if [ -e "${arg%%::*}" ]; then
		paths=()
		break
	fi
done
# In the background, so that the traps above run as soon as a signal
# arrives instead of after pytest ends.
set +e
ip netns exec "$ns" "$PYTHON" -m pytest -c "$here/pytest.ini" \
	--rootdir "$here" "$@" "${paths[@]}" </dev/null &
child=$!
wait "$child"
rc=$?
set -e
exit "$rc"
