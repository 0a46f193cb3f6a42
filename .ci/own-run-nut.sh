#!/usr/bin/env bash
# `go test -exec .ci/own-run-nut.sh` runs each test binary in a mount
# namespace of its own with an empty /run/nut. upsmon 2.8.0 writes its pid
# to /run/nut/upsmon.pid whatever its environment says, so one upsmon runs
# per mount namespace; nutlab.LockUpsmon keeps its lock in /run/nut, so the
# packages that start upsmon do not wait for one another.
#
# A package's own tests run one after another (they share that upsmon, and
# most of their time is spent waiting on NUT's daemons, not on the CPU). The
# longest packages are therefore split into shards: the binary runs once per
# shard, side by side, each in a namespace of its own and with -test.run
# naming its share of the top-level tests. .ci/test-weights (each test's
# seconds in an earlier run; .ci/test-weights.sh writes it) balances the
# shares. Every test still runs exactly once. The shards' output is shown
# one shard after another; a failing shard says which tests it ran.
# CPU-bound packages and tests run at nice 10 (see nice_pkg and bulk).
#
# Needs root and unshare; elsewhere the binary runs as it is, whole, and the
# lock is the machine's. NUTMEG_TEST_SHARDS=1 turns sharding off.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")

ns=0
if [ "$(id -u)" = 0 ] && [ -d /run/nut ] && unshare -m true 2>/dev/null; then
	ns=1
	gid=$(getent group nut | cut -d: -f3 || true)
fi

[ "$ns" = 1 ] || exec "$@"

# "${own_ns[@]}" CMD...: CMD in a new mount namespace with a tmpfs on /run/nut.
own_ns=(unshare -m --propagation private sh -c '
	gid=$1; shift
	mount -t tmpfs -o "mode=0770${gid:+,gid=$gid}" nutmeg-run-nut /run/nut
	exec "$@"' sh "$gid")

# go test runs the binary in its package's directory.
pkg=${PWD#"$root"}
pkg=${pkg#/}
[ -n "$pkg" ] || pkg=.
case $pkg in
nut/service) shards=4 ;;
cmd/nutmeg) shards=3 ;;
wizard | nut/monitor) shards=2 ;;
*) shards=1 ;;
esac
shards=${NUTMEG_TEST_SHARDS:-$shards}
# Work that only needs the CPU (drawing pictures, building packages) runs at
# a lower priority, so that it does not delay the tests that time NUT's
# reactions, which make test runs beside it: whole packages, and tests of
# a mixed package, which then run in a shard of their own.
nice_pkg=0
bulk=""
case $pkg in
wizard | assets | gui/icon | gui/window | packaging) nice_pkg=1 ;;
cmd/nutmeg) bulk=TestScreenshots ;;
esac
if [ "$nice_pkg" = 1 ]; then own_ns=(nice -n 10 "${own_ns[@]}"); fi
# Only a whole run is split: a run that names its tests, lists them,
# benchmarks or writes a profile goes as it is.
for a in "${@:2}"; do
	case $a in
	-test.run* | -test.list* | -test.bench* | -test.fuzz* | -test.*profile* | -test.skip*) shards=1 ;;
	esac
done
# NUTMEG_TEST_CPULOG=FILE appends each binary's package, wall seconds and
# the CPU seconds of the processes it waited for (where make test's CPU
# goes).
cpulog() {
	[ -n "${NUTMEG_TEST_CPULOG:-}" ] || return 0
	times >"$1.times"
	tail -1 "$1.times" | awk -v pkg="$pkg" -v wall="$(($(date +%s) - start))" '
		{ for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); s += a[1] * 60 + a[2] } }
		END { printf "%s\t%d\t%.0f\n", pkg, wall, s }' >>"$NUTMEG_TEST_CPULOG"
	rm -f "$1.times"
}
start=$(date +%s)
if [ "$shards" -le 1 ]; then
	[ -n "${NUTMEG_TEST_CPULOG:-}" ] || exec "${own_ns[@]}" "$@"
	rc=0
	"${own_ns[@]}" "$@" || rc=$?
	cpulog "$(mktemp -u)"
	exit $rc
fi

bin=$1
names=$("${own_ns[@]}" "$bin" -test.list '.*' | grep -E '^(Test|Example|Fuzz)' || true)
[ -n "$names" ] || exec "${own_ns[@]}" "$@"
bulk_set=""
if [ -n "$bulk" ]; then
	bulk_set=$(printf '%s\n' "$names" | grep -xE "$bulk" | paste -sd'|' || true)
	names=$(printf '%s\n' "$names" | grep -vxE "$bulk" || true)
fi

# Longest first, each to the shard with the least so far (unknown tests
# count 5 s).
plan=$(printf '%s\n' "$names" | awk -v pkg="$pkg" -v n="$shards" -v wf="$here/test-weights" '
	BEGIN { while ((getline l < wf) > 0) { split(l, f, "\t"); if (f[1] == pkg) w[f[2]] = f[3] } }
	{ t[NR] = $0; s[NR] = ($0 in w) ? w[$0] : 5 }
	END {
		for (i = 1; i <= NR; i++) for (j = i + 1; j <= NR; j++)
			if (s[j] > s[i]) { x = s[i]; s[i] = s[j]; s[j] = x; x = t[i]; t[i] = t[j]; t[j] = x }
		for (i = 1; i <= NR; i++) {
			b = 1; for (k = 2; k <= n; k++) if (load[k] < load[b]) b = k
			load[b] += s[i]; set[b] = set[b] (set[b] == "" ? "" : "|") t[i]
		}
		for (k = 1; k <= n; k++) if (set[k] != "") print set[k]
	}')

tmp=$(mktemp -d)
# The shards' shared build directory (cmd/nutmeg's goBuild): each binary
# is linked once per run, not once per shard.
mkdir -m 0755 "$tmp/builds"
export NUTMEG_TEST_BUILDS="$tmp/builds"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

i=0
while IFS= read -r set; do
	[ -n "$set" ] || continue
	i=$((i + 1))
	printf '%s\n' "$set" >"$tmp/$i.tests"
	"${own_ns[@]}" "$@" "-test.run=^($set)\$" >"$tmp/$i.out" 2>&1 &
	pids+=($!)
done <<<"$plan"
if [ -n "$bulk_set" ]; then
	i=$((i + 1))
	printf '%s\n' "$bulk_set" >"$tmp/$i.tests"
	nice -n 10 "${own_ns[@]}" "$@" "-test.run=^($bulk_set)\$" >"$tmp/$i.out" 2>&1 &
	pids+=($!)
fi

rc=0
for k in "${!pids[@]}"; do
	i=$((k + 1))
	src=0
	wait "${pids[$k]}" || src=$?
	# Each shard ends with PASS or FAIL; one verdict for the whole binary
	# comes last.
	# (test2json mode marks it with a ^V.)
	out=$(sed '${/^\x16\?\(PASS\|FAIL\)$/d}' "$tmp/$i.out")
	[ -z "$out" ] || printf '%s\n' "$out"
	if [ "$src" != 0 ]; then
		rc=1
		echo "(shard $i of ${#pids[@]} exited $src; it ran: $(tr '|' ' ' <"$tmp/$i.tests"))"
	fi
done
pids=()
cpulog "$tmp/cpu"
if [ "$rc" = 0 ]; then echo PASS; else echo FAIL; fi
exit $rc
