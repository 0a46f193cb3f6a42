#!/usr/bin/env bash
# make test's three jobs, side by side (most of each job's time is spent
# waiting on NUT's daemons, Wine or a booting container, not on the CPU):
#
#   go       go test -race of every package but packaging/windows, the
#            slowest packages first (their shards, .ci/own-run-nut.sh, then
#            overlap the rest);
#   windows  the Windows cross-build, the Windows binaries' own tests under
#            Wine (wine-test), then packaging/windows's tests, which run
#            those binaries;
#   boot     the .deb on a booted container (make test-system), where this
#            machine can boot one (boot-test.sh --check).
#
# Run inside .ci/with-desktop.sh. Each job's output is shown whole when it
# ends, with its time; the exit status is non-zero if any job failed.
# usage: .ci/test-all.sh   (GO, MAKE and WINBIN from make)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
cd "$top"
GO=${GO:-go}
MAKE=${MAKE:-make}
WINBIN=${WINBIN:-bin/windows}
exec_wrap="$here/own-run-nut.sh"

# Started first: the packages whose tests take longest (.ci/test-weights).
first=(./cmd/nutmeg ./nut/service ./wizard ./nut/monitor ./nut/conf ./gui/tray)
rest=$("$GO" list ./... | grep -vx "$("$GO" list -m)/packaging/windows")

tmp=$(mktemp -d)
pids=()
# Each job is a process group of its own (set -m), so that stopping one
# stops what it started.
set -m
cleanup() {
	for p in "${pids[@]}"; do kill -- "-$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

job() { # name cmd...: runs cmd in the background, output to $tmp/name
	local name=$1
	shift
	(
		start=$(date +%s)
		"$@" >"$tmp/$name.out" 2>&1
		rc=$?
		echo "$rc $(($(date +%s) - start))" >"$tmp/$name.rc"
	) &
	pids+=($!)
	echo "test-all: started $name"
}

go_job() {
	# The windows job's packages are left out here and tested there.
	"$GO" test -race -count=1 -p 4 -timeout 30m -exec "$exec_wrap" \
		"${first[@]}" $rest
}

windows_job() {
	local rc=0
	ls -d /tmp/wine-* 2>/dev/null | sort >"$tmp/wine-dirs.before"
	"$MAKE" --no-print-directory windows WINBIN="$WINBIN" &&
		"$MAKE" --no-print-directory wine-test &&
		NUTMEG_WINDOWS_BIN="$top/$WINBIN" "$GO" test -race -count=1 -timeout 30m -exec "$exec_wrap" ./packaging/windows ||
		rc=$?
	wine_server_dirs_clean
	return $rc
}

# Debian's Wine gives each wineserver a dir /tmp/wine-XXXXXX and leaves it
# behind when the server ends. Once the cached prefix's server has ended
# too (the tests end their own prefixes' servers), the dirs this job made
# go; those that were there before it stay.
wine_server_dirs_clean() {
	(
		. "$here/wine-env.sh"
		[ -n "${WINESERVER:-}" ] || exit 0
		"$WINESERVER" -k 2>/dev/null
		"$WINESERVER" -w 2>/dev/null
		true
	)
	ls -d /tmp/wine-* 2>/dev/null | sort | comm -13 "$tmp/wine-dirs.before" - |
		while read -r d; do [ -O "$d" ] && rm -rf -- "$d"; done
}

boot_job() {
	local rc=0
	packaging/systemtest/boot-test.sh --check || rc=$?
	case $rc in
	0) env -u DISPLAY -u DBUS_SESSION_BUS_ADDRESS "$MAKE" --no-print-directory test-system ;;
	1) return 0 ;; # said why it skipped (outside CI only)
	*) return 1 ;;
	esac
}

job go go_job
job windows windows_job
job boot boot_job

# Each job's output as soon as it ends, in the order they end.
failed=()
left=(go windows boot)
while [ ${#left[@]} -gt 0 ]; do
	next=()
	for name in "${left[@]}"; do
		if [ -f "$tmp/$name.rc" ]; then
			read -r rc secs <"$tmp/$name.rc"
			echo "=== test-all: $name (exit $rc, ${secs} s)"
			cat "$tmp/$name.out"
			[ "$rc" = 0 ] || failed+=("$name")
		else
			next+=("$name")
		fi
	done
	left=("${next[@]}")
	[ ${#left[@]} -eq 0 ] || sleep 1
done
wait
pids=()
if [ ${#failed[@]} -gt 0 ]; then
	echo "test-all: FAILED: ${failed[*]}"
	exit 1
fi
echo "test-all: all jobs passed"
