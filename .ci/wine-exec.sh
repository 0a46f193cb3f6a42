#!/usr/bin/env bash
# `go test -exec .ci/wine-exec.sh` runs a Windows test binary under Wine in
# Nutmeg's own cached WINEPREFIX (see wine-env.sh).
set -euo pipefail
. "$(dirname "$0")/wine-env.sh"
wine_prefix
exec "$WINE" "$@"
