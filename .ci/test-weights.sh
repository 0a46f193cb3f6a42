#!/usr/bin/env bash
# Reads `go test -json` output on stdin and prints .ci/test-weights: each
# top-level test's package (relative to the module), name and seconds. The
# sharding in .ci/own-run-nut.sh balances its shards with these figures;
# they only steer the split, so stale figures cost time, never a test.
#   go test -json ... ./... | .ci/test-weights.sh >.ci/test-weights
set -euo pipefail
mod=$(cd "$(dirname "$0")/.." && go list -m)
awk -v mod="$mod" '
	/"Action":"(pass|fail)"/ && /"Test":"/ {
		if (!match($0, /"Package":"[^"]*"/)) next
		pkg = substr($0, RSTART + 11, RLENGTH - 12)
		match($0, /"Test":"[^"]*"/); test = substr($0, RSTART + 8, RLENGTH - 9)
		if (test ~ /\//) next
		match($0, /"Elapsed":[0-9.]+/); secs = substr($0, RSTART + 10, RLENGTH - 10)
		if (pkg == mod) pkg = "."; else sub("^" mod "/", "", pkg)
		printf "%s\t%s\t%s\n", pkg, test, secs
	}' | sort -t"$(printf '\t')" -k1,1 -k3,3gr
