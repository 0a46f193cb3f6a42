#!/usr/bin/env bash
# Builds nutmeg_<version>_<arch>.deb from a built binary.
# usage: packaging/deb/build.sh BINARY OUTDIR
# nutmeg-tray and nutmeg-gui are taken from beside BINARY when they are there.
set -euo pipefail
bin=$1 out=$2
here=$(cd "$(dirname "$0")/.." && pwd)
top=$(cd "$here/.." && pwd)
version=$(sed -n 's/^Version *= *"\(.*\)"/\1/p' "$top/FyneApp.toml")
arch=$(dpkg --print-architecture)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

install -Dm755 "$bin" "$root/usr/bin/nutmeg"
tray="$(dirname "$bin")/nutmeg-tray"
[ -x "$tray" ] && install -Dm755 "$tray" "$root/usr/bin/nutmeg-tray"
gui="$(dirname "$bin")/nutmeg-gui" # the windows: nutmeg execs it
[ -x "$gui" ] && install -Dm755 "$gui" "$root/usr/bin/nutmeg-gui"
install -Dm644 "$here/linux/nutmeg.desktop" "$root/usr/share/applications/io.github.nutmeg_ups.nutmeg.desktop"
install -Dm644 "$top/assets/icon.png" "$root/usr/share/icons/hicolor/512x512/apps/io.github.nutmeg_ups.nutmeg.png"
install -Dm644 "$here/polkit/io.github.nutmeg_ups.nutmeg.policy" "$root/usr/share/polkit-1/actions/io.github.nutmeg_ups.nutmeg.policy"
install -Dm644 "$here/udev/63-nutmeg-ups.rules" "$root/lib/udev/rules.d/63-nutmeg-ups.rules"
install -Dm644 "$here/systemd/nutmeg.service" "$root/lib/systemd/system/nutmeg.service"
install -d "$root/DEBIAN"
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" "$here/deb/control.in" >"$root/DEBIAN/control"
cat >"$root/DEBIAN/postinst" <<'EOS'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
	udevadm control --reload-rules 2>/dev/null || true
	udevadm trigger --subsystem-match=usb --action=add 2>/dev/null || true
fi
EOS
chmod 755 "$root/DEBIAN/postinst"
mkdir -p "$out"
deb="$out/nutmeg_${version}_${arch}.deb"
dpkg-deb --root-owner-group --build "$root" "$deb" >/dev/null
echo "$deb"
