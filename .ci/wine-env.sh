# Sourced by the Wine test helpers: a private, cached 64-bit WINEPREFIX with
# the ProcessPrng shim that Go binaries need under Wine 8. The prefix lives in
# ${XDG_CACHE_HOME:-$HOME/.cache}/nutmeg/wine (made once, under a lock), never
# in the user's ~/.wine.
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WINE="${WINE:-/usr/lib/wine/wine64}"
[ -x "$WINE" ] || WINE="$(command -v wine64 || command -v wine)"
# Debian's wine64 package puts wineserver in /usr/lib/wine alone; only the
# wine package adds it to PATH.
WINESERVER="${WINESERVER:-/usr/lib/wine/wineserver64}"
[ -x "$WINESERVER" ] || WINESERVER="$(command -v wineserver64 || command -v wineserver)"
export WINEPREFIX="${NUTMEG_WINEPREFIX:-${XDG_CACHE_HOME:-$HOME/.cache}/nutmeg/wine}"
export WINEARCH=win64 WINEDEBUG="${WINEDEBUG:--all}" WINEDLLOVERRIDES="${WINEDLLOVERRIDES:-mscoree,mshtml=}"

wine_prefix() {
	mkdir -p "$(dirname "$WINEPREFIX")"
	(
		flock 9
		local dll="$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"
		if [ ! -f "$WINEPREFIX/.nutmeg-ready" ]; then
			"$WINE" wineboot --init >/dev/null 2>&1 || { echo "wine: wineboot failed" >&2; exit 1; }
			"$WINESERVER" -w 2>/dev/null || true
		fi
		if [ ! -f "$dll" ] || [ "$here/wine/processprng.c" -nt "$dll" ]; then
			x86_64-w64-mingw32-gcc -shared -O2 -s -o "$dll.tmp" "$here/wine/processprng.c" -ladvapi32 &&
				mv "$dll.tmp" "$dll" || { echo "wine: building the ProcessPrng shim failed" >&2; exit 1; }
		fi
		touch "$WINEPREFIX/.nutmeg-ready"
	) 9>"$WINEPREFIX.lock"
}
