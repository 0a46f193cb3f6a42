#!/usr/bin/env bash
# Prints issue 14's table from one `make bench` run's output (FILE, the
# `go test -bench` lines): each of Nutmeg's figures next to the comparison
# measured in the same run, and the goal. The make test row is the last
# `make test` on this machine (make test records its wall time).
set -euo pipefail
file=${1:?usage: bench-table.sh BENCH-OUTPUT}
record="${XDG_CACHE_HOME:-$HOME/.cache}/nutmeg/make-test-seconds"
suite="not measured yet (run make test)"
if [ -s "$record" ]; then
	read -r secs when <"$record"
	suite="$(awk -v s="$secs" 'BEGIN { printf "%d min %02d s", s / 60, s % 60 }') (make test of ${when:-?})"
fi
awk -v suite="$suite" '
# "BenchmarkName-2  1  123 ns/op  10.8 rss-MiB ...": the name without its
# -GOMAXPROCS suffix, then value/unit pairs.
/^Benchmark/ {
	name = $1; sub(/-[0-9]+$/, "", name)
	for (i = 3; i + 1 <= NF; i += 2) m[name, $(i + 1)] = $i
}
function v(name, unit, fmt) {
	return ((name, unit) in m) ? sprintf(fmt, m[name, unit]) : "n/a"
}
END {
	print ""
	print "| figure | Nutmeg now | compared with (same run) | goal |"
	print "| --- | --- | --- | --- |"
	printf "| `nutmeg service`, 60 s idle | %s MiB RSS, %s%% CPU | NUT'"'"'s own processes: %s MiB, %s%% | <= 12 MiB, <= 0.1%% |\n",
		v("BenchmarkServiceIdle", "rss-MiB", "%.1f"), v("BenchmarkServiceIdle", "cpu-%", "%.2f"),
		v("BenchmarkServiceIdle", "nut-rss-MiB", "%.1f"), v("BenchmarkServiceIdle", "nut-cpu-%", "%.2f")
	printf "| status window idle | %s MiB, %s%% CPU | NUT-Monitor: %s MiB, %s%%; a one-label Fyne window: %s MiB, %s%% | <= 100 MiB, <= 0.3%% |\n",
		v("BenchmarkWindowIdle", "idle-RSS-MiB", "%.1f"), v("BenchmarkWindowIdle", "idle-CPU-%", "%.1f"),
		v("BenchmarkNUTMonitorIdle", "idle-RSS-MiB", "%.1f"), v("BenchmarkNUTMonitorIdle", "idle-CPU-%", "%.2f"),
		v("BenchmarkFyneFloor", "idle-RSS-MiB", "%.1f"), v("BenchmarkFyneFloor", "idle-CPU-%", "%.1f")
	printf "| status window during a countdown | %s MiB, %s%% CPU | - | <= 1%% |\n",
		v("BenchmarkWindowIdle", "countdown-RSS-MiB", "%.1f"), v("BenchmarkWindowIdle", "countdown-CPU-%", "%.1f")
	printf "| `make test`, warm cache | %s | - | <= 6 min |\n", suite
}' "$file"
# CPU figures depend on the machine: the same tree measured 0.07% for the
# idle service (NUT's own processes 0.03%) on one 2-core VM and 0.27%
# (0.12%) on another. So the table says where it was measured.
model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
echo
echo "Measured on $(nproc) × ${model:-unknown CPU}, Linux $(uname -r)."
