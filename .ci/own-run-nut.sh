#!/usr/bin/env bash
# `go test -exec .ci/own-run-nut.sh` runs each test binary in a mount
# namespace of its own with an empty /run/nut. upsmon 2.8.0 writes its pid
# to /run/nut/upsmon.pid whatever its environment says, so one upsmon runs
# per mount namespace; nutlab.LockUpsmon keeps its lock in /run/nut, so the
# packages that start upsmon no longer wait for one another (each package's
# own tests still take turns). Needs root and unshare; elsewhere the binary
# runs as it is and the lock is the machine's.
set -euo pipefail
if [ "$(id -u)" = 0 ] && [ -d /run/nut ] && unshare -m true 2>/dev/null; then
	gid=$(getent group nut | cut -d: -f3 || true)
	exec unshare -m --propagation private sh -c '
		gid=$1; shift
		mount -t tmpfs -o "mode=0770${gid:+,gid=$gid}" nutmeg-run-nut /run/nut
		exec "$@"' sh "$gid" "$@"
fi
exec "$@"
