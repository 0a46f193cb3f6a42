#!/usr/bin/env bash
# Cross-builds Nutmeg for Windows (amd64) into OUT (default bin/windows):
# nutmeg.exe (Fyne: cgo through x86_64-w64-mingw32-gcc), nutmeg-tray.exe
# (no cgo), both with the icon, version information and manifest embedded,
# and the NSIS installer nutmeg-VERSION-setup.exe.
# usage: packaging/windows/build.sh [OUT]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=$(mkdir -p "${1:-$top/bin/windows}" && cd "${1:-$top/bin/windows}" && pwd)
GO=${GO:-go}
version=$(sed -n 's/^Version *= *"\(.*\)"/\1/p' "$top/FyneApp.toml")
build=$(sed -n 's/^Build *= *\([0-9]*\)/\1/p' "$top/FyneApp.toml")

# The outputs are kept under the user's cache dir, keyed by every tracked
# file they can depend on (tests, testdata, docs and CI scripts left out)
# and the tools' versions: make test builds them every run, and the
# installer's solid LZMA alone takes a minute of CPU. NUTMEG_NO_BUILD_CACHE=1
# builds anyway.
cache=${XDG_CACHE_HOME:-$HOME/.cache}/nutmeg/windows-build
outputs=(nutmeg.exe nutmeg-tray.exe nutmeg.ico "nutmeg-$version-setup.exe")
key=""
if [ -z "${NUTMEG_NO_BUILD_CACHE:-}" ] && git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	key=$(
		cd "$top"
		git ls-files -z -- . ':!:*_test.go' ':!:*/testdata/*' ':!:*.md' ':!:.ci' | xargs -0 sha256sum
		"$GO" version
		x86_64-w64-mingw32-gcc --version | head -1
		makensis -VERSION
	)
	key=$(printf '%s\n' "$key" | sha256sum | cut -c1-24)
	if [ -f "$cache/$key/done" ]; then
		(cd "$cache/$key" && cp "${outputs[@]}" "$out/")
		echo "built $out/nutmeg.exe $out/nutmeg-tray.exe $out/nutmeg-$version-setup.exe (from the build cache, $cache/$key)"
		exit 0
	fi
fi

res=$(mktemp -d)
trap 'rm -rf "$res"' EXIT

cd "$top"
"$GO" run ./packaging/windows/mkres -out "$res" -version "$version" -build "${build:-0}"
# The .syso files are picked up by go build for windows/amd64 only; they are
# generated, never committed (.gitignore).
for b in nutmeg nutmeg-tray; do
	(cd "$res" && x86_64-w64-mingw32-windres -O coff -i "$b.rc" -o "$b.syso")
	cp "$res/$b.syso" "cmd/$b/rsrc_windows_amd64.syso"
done
trap 'rm -rf "$res" cmd/nutmeg/rsrc_windows_amd64.syso cmd/nutmeg-tray/rsrc_windows_amd64.syso' EXIT
cp "$res/nutmeg.ico" "$out/nutmeg.ico"

# -H windowsgui: no console window for the tray and the windows. The CLI
# still writes to a console it was started from (see README).
GOOS=windows GOARCH=amd64 CGO_ENABLED=0 "$GO" build -ldflags "-H windowsgui" -o "$out/nutmeg-tray.exe" ./cmd/nutmeg-tray
GOOS=windows GOARCH=amd64 CGO_ENABLED=1 CC=x86_64-w64-mingw32-gcc \
	"$GO" build -ldflags "-H windowsgui" -o "$out/nutmeg.exe" ./cmd/nutmeg

makensis -V2 -DVERSION="$version" -DBIN="$out" -DOUT="$out/nutmeg-$version-setup.exe" "$here/nutmeg.nsi"
if [ -n "$key" ]; then
	# Three builds are kept: the newest by the time they were made.
	mkdir -p "$cache"
	rm -rf "$cache/$key.part"
	mkdir "$cache/$key.part"
	(cd "$out" && cp "${outputs[@]}" "$cache/$key.part/")
	touch "$cache/$key.part/done"
	rm -rf "$cache/$key"
	mv "$cache/$key.part" "$cache/$key"
	ls -1dt "$cache"/*/ | tail -n +4 | xargs -r rm -rf
fi
echo "built $out/nutmeg.exe $out/nutmeg-tray.exe $out/nutmeg-$version-setup.exe"
