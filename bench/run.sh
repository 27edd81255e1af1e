#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# zonegate's benchmark (make bench): failover after a target blackholes,
# side by side with dnsdist and Unbound; throughput and CPU per answered
# query of a private-zone answer against BIND 9 and Knot DNS as
# authoritative servers; memory for a zone of N records. Everything runs
# in a network namespace of its own, zg-obs-bench-<pid>, created here and
# deleted on every exit; nothing leaves it. Bounded: the whole run is
# killed after BENCH_TIMEOUT_S seconds. Results: bench/README.md.
#
#   bench/run.sh [--only failover|throughput|memory]...
#
# Environment:
#   ZONEGATE_BUILD   build directory (default: build/ at the top)
#   BENCH_OUT        directory for logs and results.json
#                    (default: /tmp/zg-bench-<pid>)
#   BENCH_RECORDS    records of the memory benchmark's zone (20000)
#   BENCH_TIMEOUT_S  bound of the whole run (600)
# Needs root (ip netns).

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
export ZONEGATE_BUILD=${ZONEGATE_BUILD:-$top/build}
export BENCH_OUT=${BENCH_OUT:-/tmp/zg-bench-$$}
export PYTHONDONTWRITEBYTECODE=1
timeout_s=${BENCH_TIMEOUT_S:-600}

if [ "$(id -u)" -ne 0 ]; then
	echo "bench: needs root to create a network namespace" >&2
	exit 1
fi
for tool in dnsperf dnsdist unbound named knotd; do
	if ! command -v "$tool" >/dev/null 2>&1 &&
	   ! [ -x "/usr/sbin/$tool" ]; then
		echo "bench: $tool is missing: run make deps" >&2
		exit 1
	fi
done
if ! [ -x "$ZONEGATE_BUILD/src/daemon/zonegated" ]; then
	echo "bench: no zonegated in $ZONEGATE_BUILD: run make" >&2
	exit 1
fi

ns="zg-obs-bench-$$"
cleanup()
{
	local rc=$?
	trap - EXIT INT TERM HUP
	# Whatever still runs in the namespace was started by this run.
	local pids
	pids=$(ip netns pids "$ns" 2>/dev/null || true)
	if [ -n "$pids" ]; then
		# shellcheck disable=SC2086 # one pid a word
		kill -KILL $pids 2>/dev/null || true
	fi
	ip netns delete "$ns" 2>/dev/null || true
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

ip netns add "$ns"
ip -n "$ns" link set lo up
# The addresses come from one place, zgbench.py (--addresses).
while read -r addr; do
	ip -n "$ns" addr add "$addr/32" dev lo
done < <("$PYTHON" "$here/zgbench.py" --addresses)

mkdir -p "$BENCH_OUT"
echo "bench: namespace $ns, build $ZONEGATE_BUILD, output $BENCH_OUT"
set +e
timeout --signal=TERM --kill-after=10 "$timeout_s" \
	ip netns exec "$ns" "$PYTHON" "$here/zgbench.py" "$@"
rc=$?
set -e
if [ "$rc" -eq 124 ]; then
	echo "bench: stopped after $timeout_s s (BENCH_TIMEOUT_S)" >&2
fi
exit "$rc"
