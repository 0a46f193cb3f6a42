#!/usr/bin/env bash
# Runs a command inside a private desktop: an Xvfb display, a D-Bus session
# bus and an unlocked gnome-keyring, all started here and all stopped when the
# command ends, whatever its outcome. The keyring lives in a temp dir, so the
# user's own keyring is never touched.
set -euo pipefail

if [ -z "${NUTMEG_DESKTOP_INNER:-}" ]; then
	tmp=$(mktemp -d /tmp/nutmeg-desktop.XXXXXX)
	xvfb_pid=""
	cleanup() {
		if [ -n "$xvfb_pid" ]; then kill "$xvfb_pid" 2>/dev/null || true; wait "$xvfb_pid" 2>/dev/null || true; fi
		rm -rf "$tmp"
	}
	trap cleanup EXIT INT TERM

	# A display number nobody uses; -displayfd would do, but needs a fd dance in bash.
	# Two of these scripts started at once may pick the same number: the
	# display is ours only once its lock file names our Xvfb, else the
	# next number is tried (sharing another run's display would lose it
	# when that run ends).
	disp=""
	for d in $(seq 90 200); do
		if [ -e "/tmp/.X11-unix/X$d" ] || [ -e "/tmp/.X$d-lock" ]; then continue; fi
		Xvfb ":$d" -screen 0 1280x1024x24 -nolisten tcp >"$tmp/xvfb.log" 2>&1 &
		xvfb_pid=$!
		for _ in $(seq 100); do
			kill -0 "$xvfb_pid" 2>/dev/null || break
			if [ -e "/tmp/.X11-unix/X$d" ] && [ "$(tr -d ' ' <"/tmp/.X$d-lock" 2>/dev/null)" = "$xvfb_pid" ]; then
				disp=$d
				break
			fi
			sleep 0.1
		done
		[ -n "$disp" ] && break
		kill "$xvfb_pid" 2>/dev/null || true
		wait "$xvfb_pid" 2>/dev/null || true
		xvfb_pid=""
	done
	[ -n "$disp" ] || { echo "with-desktop: no free X display" >&2; cat "$tmp/xvfb.log" >&2; exit 1; }
	export DISPLAY=":$disp"
	export XDG_RUNTIME_DIR="$tmp/run" XDG_DATA_HOME="$tmp/data" XDG_CONFIG_HOME="$tmp/config" XDG_CACHE_HOME="${XDG_CACHE_HOME:-$HOME/.cache}"
	mkdir -p -m 0700 "$XDG_RUNTIME_DIR" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME"
	# The session bus listens in $tmp: the stock session config's
	# tmpdir=/tmp leaves a socket file in /tmp after every run (dbus 1.14).
	sed 's#<listen>.*</listen>#<listen>unix:dir='"$tmp"'</listen>#' /usr/share/dbus-1/session.conf >"$tmp/session.conf"
	set +e
	NUTMEG_DESKTOP_INNER=1 dbus-run-session --config-file="$tmp/session.conf" -- "$0" "$@"
	rc=$?
	set -e
	exit $rc
fi

# Inside the private session bus. The keyring daemon runs in the foreground
# (as our child) so we can stop it; its password comes on stdin, never argv.
keyring_pid=""
stop_keyring() { if [ -n "$keyring_pid" ]; then kill "$keyring_pid" 2>/dev/null || true; wait "$keyring_pid" 2>/dev/null || true; fi; }
trap stop_keyring EXIT INT TERM
exec 3< <(printf 'nutmeg-test-keyring')
gnome-keyring-daemon --foreground --unlock --components=secrets <&3 >"$XDG_RUNTIME_DIR/keyring.env" 2>"$XDG_RUNTIME_DIR/keyring.log" &
keyring_pid=$!
exec 3<&-
# Ready when it owns the Secret Service name on our bus.
for _ in $(seq 100); do
	if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; then
		break
	fi
	kill -0 "$keyring_pid" 2>/dev/null || { echo "with-desktop: gnome-keyring-daemon exited:" >&2; cat "$XDG_RUNTIME_DIR/keyring.log" >&2; exit 1; }
	sleep 0.1
done
export NUTMEG_TEST_DESKTOP=1
set +e
"$@"
rc=$?
set -e
exit $rc
