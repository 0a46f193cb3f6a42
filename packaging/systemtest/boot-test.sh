#!/usr/bin/env bash
# The boot test: Nutmeg's .deb on a real systemd, nobody logged in.
#
# usage: packaging/systemtest/boot-test.sh DEB
#        packaging/systemtest/boot-test.sh --check
#
# Builds (once, cached) a minimal Debian bookworm rootfs with systemd, NUT and
# the .deb's dependencies, copies it, installs the .deb with apt inside and
# boots it with systemd-nspawn. Then, through nsenter into the container:
#   1. `nutmeg apply --system` on dummy-ups (batt mode, 10 s timer, powerdown
#      on; the password on stdin); group nutmeg may use the socket, others not;
#      polkit admits the apply helper, not nutmeg itself
#   2. reboot: NUT and nutmeg.service come back by themselves, `nutmeg status`
#      reads the UPS (timed: boot to "UPS answers")
#   3. OB written to the .dev from the host: the container powers itself off
#      within timer + FINALDELAY + 10 s (timed); its journal holds Nutmeg's
#      countdown and upsmon's FSD; /etc/killpower exists; NUT's shutdown hook
#      ran `upsdrvctl shutdown` (its answer is printed)
#   4. boot again, OB then power back before the timer: it keeps running
#   5. apt remove, apt purge: /etc/nut is as it was before the install
#
# The host needs root, unshare, systemd-nspawn, nsenter and mmdebstrap. This
# machine has cgroup v1 and no systemd as PID 1: nspawn boots systemd when it
# runs in a private mount namespace with cgroup2 mounted on /sys/fs/cgroup
# and SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1. --check (make test) only says
# whether this machine can boot a container: exit 0 if so; if not, it prints
# why and exits 1, or 2 under CI=true, where the test must run.
set -euo pipefail

check=false
if [ "${1:-}" = --check ]; then check=true; fi

say() { printf 'boot-test: %s\n' "$*" >&2; }
fail() { say "FAIL: $*"; exit 1; }
cannot() {
	if $check && [ "${CI:-}" != true ]; then
		say "skipped: this machine cannot boot a container: $*"
		exit 1
	fi
	say "FAIL: cannot boot a container: $*"
	exit 2
}
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# --- can this machine boot a container? -----------------------------------
[ "$(id -u)" -eq 0 ] || cannot "needs root (systemd-nspawn, unshare -m)"
for c in unshare systemd-nspawn nsenter mmdebstrap dpkg-deb flock; do
	command -v "$c" >/dev/null || cannot "$c is not installed (.ci/deps.sh installs it)"
done
unshare -m sh -c 'mount -t cgroup2 none /sys/fs/cgroup' 2>/dev/null ||
	cannot "cannot mount cgroup2 in a private mount namespace"
$check && exit 0
deb=$(readlink -f "${1:?usage: boot-test.sh DEB | --check}")
[ -f "$deb" ] || fail "no package at $deb (make deb)"

# --- the rootfs, cached by what goes into it --------------------------------
suite=bookworm
mirror=${NUTMEG_TEST_MIRROR:-http://deb.debian.org/debian}
# the package's Depends (first of each alternative), what boots, and pkexec
deps=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/ //g' | grep . | sort -u | paste -sd,)
include="systemd,systemd-sysv,dbus,pkexec,$deps"
cache=${XDG_CACHE_HOME:-$HOME/.cache}/nutmeg/systemtest
key=$(printf '%s\n' rootfs-v1 "$suite" "$mirror" minbase "$include" | sha256sum | cut -c1-16)
tarball=$cache/rootfs-$suite-$key.tar
mkdir -p "$cache"
cached=hit
[ -s "$tarball" ] || cached="cold build"
t=$(now)
(
	flock 9
	if [ ! -s "$tarball" ]; then
		say "building the $suite rootfs ($include) into $tarball"
		# mmdebstrap picks the output format from the name: keep .tar last
		tmp=$cache/.building-$key.tar
		mmdebstrap --quiet --variant=minbase --include="$include" "$suite" "$tmp" "$mirror" ||
			{ rm -f "$tmp"; exit 1; }
		mv "$tmp" "$tarball"
	fi
) 9>"$cache/.lock" || fail "mmdebstrap failed"
rootfs_time=$(since "$t")

work=$(mktemp -d /var/tmp/nutmeg-boot.XXXXXX)
root=$work/root
nspawn=
leader=
cleanup() {
	if [ -n "$nspawn" ] && kill -0 "$nspawn" 2>/dev/null; then
		kill -TERM "$nspawn" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$nspawn" 2>/dev/null || break; sleep 0.2; done
		kill -KILL "$nspawn" 2>/dev/null || true
	fi
	# A killed nspawn leaves the container running: its systemd (the
	# leader, init of the container's PID namespace) takes everything in
	# the container with it. Left running, its upsd would hold port 3493
	# of the host's network, which the container shares, for the next run.
	if [ -n "$leader" ] && kill -0 "$leader" 2>/dev/null; then
		kill -KILL "$leader" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$leader" 2>/dev/null || break; sleep 0.1; done
	fi
	if [ "${KEEP:-}" = 1 ]; then say "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# The container shares the host's network: NUT's port must be free here.
if (exec 3<>/dev/tcp/127.0.0.1/3493) 2>/dev/null; then
	fail "something on this host listens on 127.0.0.1:3493 (a NUT server, or a container an earlier run left behind); the container shares the host's network and needs that port"
fi
t=$(now)
mkdir -p "$root" "$work/journal"
tar -C "$root" -xf "$tarball"
copy_time=$(since "$t")
rm -f "$root/etc/hostname"
tr -d '-' </proc/sys/kernel/random/uuid >"$root/etc/machine-id"
cp "$deb" "$root/root/nutmeg.deb"
say "rootfs: $rootfs_time s to get (cache $cached), $copy_time s to copy"

# --- running the container ---------------------------------------------------
boots=0
boot() {
	boots=$((boots + 1))
	boot_start=$(now)
	env -i PATH="$PATH" SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 unshare -m sh -c \
		'mount -t cgroup2 none /sys/fs/cgroup && exec systemd-nspawn --quiet --register=no --keep-unit -b -M "nutmeg-test-$3" --console=read-only -D "$1" --bind="$2":/var/log/journal' \
		sh "$root" "$work/journal" "$$" >"$work/console-$boots.log" 2>&1 &
	nspawn=$!
	leader=
	for _ in $(seq 100); do
		leader=$(pgrep -P "$nspawn" -x systemd || true)
		[ -n "$leader" ] && break
		sleep 0.1
	done
	[ -n "$leader" ] || { cat "$work/console-$boots.log" >&2; fail "boot $boots: no systemd in the container"; }
	local st=
	# systemd takes a moment to open its bus; then --wait waits for the boot.
	# Entered that early, systemctl may also find no sign yet that systemd
	# is PID 1 and say "offline" (seen once in a boot after a power-off).
	for _ in $(seq 200); do
		st=$(in_ct timeout 120 systemctl is-system-running --wait 2>/dev/null || true)
		case "$st" in "" | offline) ;; *) break ;; esac
		sleep 0.1
	done
	case "$st" in
	running) ;;
	*) in_ct systemctl --no-pager --failed >&2 || true; fail "boot $boots: system is $st" ;;
	esac
	say "boot $boots: multi-user after $(since "$boot_start") s"
}
# in_ct runs a command inside the container, with a clean environment.
in_ct() {
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root nsenter -t "$leader" -a "$@"
}
# wait_exit waits up to $1 s for the container to stop; nspawn's exit
# status goes to $rc.
wait_exit() {
	local end
	end=$(awk -v a="$(now)" -v d="$1" 'BEGIN { printf "%.1f", a + d }')
	while kill -0 "$nspawn" 2>/dev/null; do
		awk -v e="$end" -v n="$(now)" 'BEGIN { exit !(n <= e) }' || return 1
		sleep 0.1
	done
	rc=0
	wait "$nspawn" || rc=$?
	nspawn=
}
# ups writes the dummy-ups .dev file from the host. dummy-ups re-reads it
# when its mtime changes, in whole seconds: never two writes in one second.
last_write=0
ups() {
	while [ "$(date +%s)" -le "$last_write" ]; do sleep 0.1; done
	printf 'ups.status: %s\nbattery.charge: %s\nbattery.runtime: 1800\nups.mfr: Nutmeg\nups.model: boot test\n' "$1" "$2" >"$root/etc/nut/.ups.dev.new"
	chmod 644 "$root/etc/nut/.ups.dev.new"
	mv "$root/etc/nut/.ups.dev.new" "$root/etc/nut/ups.dev"
	last_write=$(date +%s)
}
journal() { journalctl --no-pager -D "$work/journal" "$@"; }
snapshot_nut() {
	(cd "$root/etc/nut" && find . -path ./ups.dev -prune -o -printf '%p %y %m %U %G\n' | sort &&
		find . -type f ! -name ups.dev -print0 | sort -z | xargs -0 sha256sum)
}

# --- 0. install ---------------------------------------------------------------
boot
snapshot_nut >"$work/nut-before"
in_ct apt-get install -y -q --no-install-recommends /root/nutmeg.deb >"$work/apt-install.log" 2>&1 ||
	{ cat "$work/apt-install.log" >&2; fail "apt install of the .deb"; }
in_ct getent group nutmeg >/dev/null || fail "postinst did not create the group nutmeg"
en=$(in_ct systemctl is-enabled nutmeg.service || true)
[ "$en" = disabled ] || fail "nutmeg.service is $en after install: the package must enable nothing"
say "installed; group nutmeg exists, nutmeg.service $en"

# --- 1. apply --system --------------------------------------------------------
ups OL 100
cat >"$root/root/settings.json" <<'JSON'
{"version": 1, "identifier": "ups", "mode": "primary", "driver": "dummy-ups", "port": "ups.dev",
 "shutdown": "batt", "shutdowntimer": 10, "powerdown": true, "description": "boot test UPS"}
JSON
pw=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
t=$(now)
printf '%s\n' "$pw" | in_ct nutmeg apply --system --settings /root/settings.json --password-stdin >"$work/apply.log" 2>&1 ||
	{ cat "$work/apply.log" >&2; in_ct journalctl --no-pager -n 60 >&2 || true; fail "nutmeg apply --system"; }
say "apply --system: $(since "$t") s: $(tr '\n' ' ' <"$work/apply.log")"
grep -q "ups.status: OL" "$work/apply.log" || fail "apply did not prove ups.status OL"
grep -rqF -- "$pw" "$work/apply.log" "$root/etc/nutmeg/settings.json" && fail "the password leaked into the output or settings"
[ "$(in_ct systemctl is-enabled nutmeg.service)" = enabled ] || fail "apply did not enable nutmeg.service"
in_ct systemctl is-active -q nutmeg.service || fail "nutmeg.service not running after apply"

# the socket: group nutmeg may talk to it, others not
in_ct useradd -m -G nutmeg member
in_ct useradd -m stranger
for _ in $(seq 50); do [ -S "$root/var/lib/nutmeg/nutmeg.sock" ] && break; sleep 0.2; done
sock=$(in_ct stat -c '%a %U:%G' /var/lib/nutmeg/nutmeg.sock 2>&1 || true)
dir=$(in_ct stat -c '%a %U:%G' /var/lib/nutmeg)
say "state dir: $dir, socket: $sock"
[ "$sock" = "660 root:nutmeg" ] || fail "the socket is $sock, want 660 root:nutmeg"
[ "$dir" = "750 root:nutmeg" ] || fail "the state dir is $dir, want 750 root:nutmeg"
in_ct runuser -u member -- nutmeg status --socket /var/lib/nutmeg/nutmeg.sock >"$work/member.log" 2>&1 ||
	{ cat "$work/member.log" >&2; fail "a member of group nutmeg cannot read the system service"; }
if in_ct runuser -u stranger -- nutmeg status --socket /var/lib/nutmeg/nutmeg.sock >"$work/stranger.log" 2>&1; then
	fail "a user outside group nutmeg read the system service: $(cat "$work/stranger.log")"
fi
grep -qi "permission denied" "$work/stranger.log" || fail "the stranger failed for another reason: $(cat "$work/stranger.log")"
say "member reads the service; stranger refused: $(tail -n 1 "$work/stranger.log")"

# polkit: the apply action admits the helper and nothing else. A rule grants
# the action (only) to member, so pkexec needs no agent; pkexec of nutmeg
# itself is the generic exec action, which the rule leaves to auth_admin.
mkdir -p "$root/etc/polkit-1/rules.d"
cat >"$root/etc/polkit-1/rules.d/50-nutmeg-boot-test.rules" <<'JS'
polkit.addRule(function(action, subject) {
	if (subject.user == "member") {
		polkit.log("boot-test: " + action.id + " " + action.lookup("program"));
		if (action.id == "io.github.nutmeg_ups.nutmeg.apply-system") return polkit.Result.YES;
		return polkit.Result.NO;
	}
});
JS
in_ct systemctl restart polkit.service
in_ct runuser -u member -- pkexec /usr/libexec/nutmeg/nutmeg-apply-system --help >"$work/pk-helper.log" 2>&1 ||
	{ cat "$work/pk-helper.log" >&2; fail "pkexec of the apply helper was not admitted by its action"; }
grep -q "usage: nutmeg apply" "$work/pk-helper.log" || fail "the helper did not run nutmeg apply: $(cat "$work/pk-helper.log")"
if in_ct runuser -u member -- pkexec /usr/bin/nutmeg version >"$work/pk-nutmeg.log" 2>&1; then
	fail "pkexec /usr/bin/nutmeg ran under the apply action"
fi
say "polkit: helper admitted; pkexec nutmeg version refused: $(tail -n 1 "$work/pk-nutmeg.log")"
journal -u polkit.service | grep -o 'boot-test: .*' | sed 's/^/  /' >&2 || true
rm -f "$root/etc/polkit-1/rules.d/50-nutmeg-boot-test.rules"

# --- 2. reboot: everything comes back by itself -------------------------------
in_ct systemctl reboot
wait_exit 60 || fail "the container did not stop for the reboot"
say "rebooting (nspawn exit $rc)"
boot
answered=
for _ in $(seq 120); do
	if in_ct nutmeg status >"$work/status.log" 2>&1 && grep -q "On line power" "$work/status.log"; then
		answered=$(since "$boot_start")
		break
	fi
	sleep 0.25
done
[ -n "$answered" ] || { cat "$work/status.log" >&2; fail "nutmeg status does not read the UPS after the reboot"; }
for u in nutmeg.service nut-server.service nut-monitor.service; do
	in_ct systemctl is-active -q "$u" || fail "$u did not come back after the reboot"
done
say "after reboot: NUT and nutmeg.service running; UPS answers $answered s after nspawn started: $(head -n 1 "$work/status.log")"

# --- 3. power failure: the container powers itself off ------------------------
# NUT's shutdown hook (nutshutdown: `upsmon -K` then `upsdrvctl shutdown`)
# runs unchanged; a wrapper in this throwaway container keeps its output,
# which goes nowhere else at that point.
hook=/lib/systemd/system-shutdown/nutshutdown
[ -x "$root$hook" ] || fail "NUT's shutdown hook $hook is missing"
mv "$root$hook" "$root/root/nutshutdown.orig"
printf '#!/bin/sh\n{ echo "nutshutdown $*: start"; sh -x /root/nutshutdown.orig "$@"; echo "nutshutdown: exit $?"; } >/var/log/nutshutdown.log 2>&1\n' >"$root$hook"
chmod 755 "$root$hook"
finaldelay=$(sed -n 's/^FINALDELAY *\([0-9]*\).*/\1/p' "$root/etc/nut/upsmon.conf")
budget=$((10 + ${finaldelay:-5} + 10))
ups OB 80
ob=$(now)
wait_exit "$budget" || {
	in_ct journalctl --no-pager -n 40 >&2 || true
	fail "still running $budget s after OB (timer 10 + FINALDELAY ${finaldelay:-5} + 10)"
}
off=$(since "$ob")
say "OB to power-off: $off s (budget $budget s), nspawn exit $rc"
[ "$rc" = 0 ] || fail "nspawn exited $rc, not a power-off"
lastboot=$(journal --list-boots | awk 'END { print $2 }')
journal -b "$lastboot" -u nutmeg.service >"$work/nutmeg-journal.log"
journal -b "$lastboot" >"$work/journal-boot2.log"
for want in "name=COUNTDOWN" "countdown over: forced shutdown" "name=SHUTDOWN"; do
	grep -q "nutmeg\[.*$want" "$work/nutmeg-journal.log" ||
		{ tail -n 30 "$work/nutmeg-journal.log" >&2; fail "nutmeg.service's journal lacks $want"; }
done
for want in "nut-monitor\[.*User requested FSD" "upsd\[.*Client upsmon@127.0.0.1 set FSD on UPS \[ups\]" "nut-monitor\[.*Executing automatic power-fail shutdown"; do
	grep -q "$want" "$work/journal-boot2.log" ||
		{ grep -iE "upsmon|nut-monitor|upsd" "$work/journal-boot2.log" | tail -n 20 >&2; fail "the journal lacks upsmon's FSD ($want)"; }
done
say "journal of the powered-off boot:"
grep -E "nutmeg\[.*(COUNTDOWN|countdown over|name=SHUTDOWN)|User requested FSD|set FSD|power-fail shutdown|systemd-shutdown|Powering off" "$work/journal-boot2.log" | cut -c1-200 | sed 's/^/  | /' >&2
[ -f "$root/etc/killpower" ] || fail "POWERDOWNFLAG /etc/killpower missing after the shutdown"
[ -s "$root/var/log/nutshutdown.log" ] || fail "NUT's shutdown hook did not run at power-off"
grep -q "upsdrvctl shutdown" "$root/var/log/nutshutdown.log" ||
	{ cat "$root/var/log/nutshutdown.log" >&2; fail "NUT's shutdown hook did not run upsdrvctl shutdown"; }
say "/etc/killpower exists; NUT's shutdown hook ran at power-off:"
sed 's/^/  | /' "$root/var/log/nutshutdown.log" >&2
mv "$root/root/nutshutdown.orig" "$root$hook"

# --- 4. power back before the timer: it keeps running ------------------------
ups OL 80
boot
for _ in $(seq 120); do
	in_ct nutmeg status >"$work/status.log" 2>&1 && grep -q "On line power" "$work/status.log" && break
	sleep 0.25
done
countdowns() { in_ct nutmeg events -n 0 2>/dev/null | grep -c " COUNTDOWN " || true; }
before=$(countdowns)
ups OB 75
sleep 4
[ "$(countdowns)" -gt "$before" ] ||
	fail "no countdown started for this outage 4 s after OB (after a power-off by FSD and a reboot, the service must count down again: $(journal -u nutmeg.service | grep -i 'resuming' | tail -n 1 | cut -c1-200))"
ups OL 75
sleep 16
kill -0 "$nspawn" 2>/dev/null || fail "the container powered off although power came back before the timer"
[ "$(in_ct systemctl is-system-running || true)" = running ] || fail "the system is shutting down after power came back"
in_ct nutmeg events -n 20 >"$work/events.log" 2>&1 || fail "nutmeg events: $(cat "$work/events.log")"
# what followed this outage's countdown (the log also holds the earlier boot's)
awk '/ COUNTDOWN / { after = ""; seen = 1; next } seen { after = after $0 "\n" } END { printf "%s", after }' \
	"$work/events.log" >"$work/after-countdown.log"
for ev in ONLINE CANCELLED; do
	grep -q " $ev " "$work/after-countdown.log" || { cat "$work/events.log" >&2; fail "no $ev event after the short outage's countdown"; }
done
grep -q " SHUTDOWN " "$work/after-countdown.log" && { cat "$work/events.log" >&2; fail "a SHUTDOWN event after power came back"; }
say "power back after 4 s of a 10 s timer: still running 20 s later; last events: $(tail -n 3 "$work/events.log" | tr '\n' ' ' | cut -c1-200)"

# --- 5. remove and purge ------------------------------------------------------
in_ct apt-get remove -y -q nutmeg >"$work/apt-remove.log" 2>&1 || { cat "$work/apt-remove.log" >&2; fail "apt remove"; }
in_ct systemctl is-active -q nutmeg.service && fail "nutmeg.service still running after apt remove"
[ -e "$root/etc/systemd/system/multi-user.target.wants/nutmeg.service" ] && fail "nutmeg.service still enabled after apt remove"
in_ct apt-get purge -y -q nutmeg >"$work/apt-purge.log" 2>&1 || { cat "$work/apt-purge.log" >&2; fail "apt purge"; }
snapshot_nut >"$work/nut-after"
diff -u "$work/nut-before" "$work/nut-after" >&2 || fail "/etc/nut after purge differs from before the install"
for d in /etc/nutmeg /var/lib/nutmeg; do [ -e "$root$d" ] && fail "$d left after purge"; done
say "remove stopped and disabled nutmeg.service; purge left /etc/nut as before the install ($(grep -c . "$work/nut-before") entries and checksums compared)"
in_ct systemctl poweroff || true
wait_exit 60 || true

say "PASS. rootfs ${rootfs_time} s + copy ${copy_time} s; UPS answers ${answered} s after boot start; OB to power-off ${off} s"
