#!/usr/bin/env bash
# Builds nutmeg_<version>_<arch>.deb with nfpm (go tool nfpm, pinned in go.mod)
# from packaging/nfpm.yaml.
# usage: packaging/deb/build.sh BINDIR OUTDIR
# BINDIR holds the built nutmeg and nutmeg-tray (stripped on the way). The generated parts (the
# hicolor icons drawn by gui/icon, the gzipped man page, the changelog) are
# staged in a temp dir. Prints the path of the .deb.
set -euo pipefail
bindir=$(cd "$1" && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
version=$(sed -n 's/^Version *= *"\(.*\)"/\1/p' FyneApp.toml)
arch=$(go env GOARCH)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

# Debian ships binaries stripped (their debug info would be a -dbgsym package).
mkdir "$stage/bin"
for b in nutmeg nutmeg-tray; do
	[ -x "$bindir/$b" ] || { echo "build.sh: $bindir/$b missing (make build)" >&2; exit 1; }
	strip --strip-unneeded -o "$stage/bin/$b" "$bindir/$b"
done
go run ./assets/genicon -hicolor "$stage/hicolor"
gzip -9n <packaging/man/nutmeg.1 >"$stage/nutmeg.1.gz"
echo '.so man1/nutmeg.1' | gzip -9n >"$stage/nutmeg-tray.1.gz" # the tray is described there
{
	echo "nutmeg ($version) unstable; urgency=medium"
	echo
	echo "  * Release $version; see https://github.com/nutmeg-ups/nutmeg for the changes."
	echo
	echo " -- Nutmeg developers <nutmeg@users.noreply.github.com>  $(date -R -d @"${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")"
} | gzip -9n >"$stage/changelog.gz"

deb="$out/nutmeg_${version}_${arch}.deb"
NUTMEG_VERSION=$version NUTMEG_ARCH=$arch NUTMEG_STAGE=$stage \
	go tool nfpm package --config packaging/nfpm.yaml --packager deb --target "$deb" >&2
echo "$deb"
