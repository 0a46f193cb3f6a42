#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages Nutmeg needs to build, run and test,
# and only those that are missing. Elsewhere it names them and stops.
set -euo pipefail

pkgs=(
	nut-server nut-client        # upsd, upsmon, drivers incl. dummy-ups, driver.list, udev rules
	libusb-1.0-0-dev pkg-config  # gousb (cgo)
	xorg-dev libgl1-mesa-dev     # Fyne (cgo, GLFW)
	gcc                          # cgo
	xvfb dbus gnome-keyring      # headless display, session bus, keyring for tests
	xdotool                      # clicks through the X server (gui/idle tests)
	desktop-file-utils systemd   # packaging checks (desktop-file-validate, systemd-analyze)
	dpkg binutils                # dpkg-deb, strip for the .deb (nfpm builds it)
	lintian appstream            # .deb and AppStream metainfo checks
	mmdebstrap systemd-container # the boot test: Debian rootfs, systemd-nspawn
	debian-archive-keyring       # ... whose packages mmdebstrap verifies
	iproute2 util-linux          # ip netns and unshare: the office tests (cmd/nutmeg netns_test.go)
	gcc-mingw-w64-x86-64 nsis    # make windows: cgo for Fyne, resources (windres), the installer
	wine64                       # the Windows build's tests under Wine
)

# `deps.sh bench` also brings NUT's own GUI, which make bench measures
# side by side with Nutmeg's tray.
if [ "${1:-}" = bench ]; then
	pkgs+=(nut-monitor)
fi

if ! command -v go >/dev/null 2>&1; then
	echo "deps: Go is required (https://go.dev/dl); install Go 1.26 or newer and retry." >&2
	exit 1
fi

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
	echo "deps: this is not a Debian/Ubuntu system. Install the equivalents of:" >&2
	printf '  %s\n' "${pkgs[@]}" >&2
	echo "then run make again." >&2
	exit 1
fi

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}"
sudo=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || { echo "deps: need root or sudo to install ${missing[*]}" >&2; exit 1; }
	sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
