# Nutmeg's whole developer interface. See README.md.
SHELL := /bin/bash
GO ?= go
BIN := bin/nutmeg

.PHONY: run demo test test-steps bench build deps vet clean deb test-system windows wine-test

deps:
	@.ci/deps.sh

# Three binaries, installed side by side: nutmeg (the service and the command
# line, no Fyne linked), nutmeg-gui (the same commands plus the windows, which
# nutmeg execs for window/wizard/screenshots) and nutmeg-tray (the all-day
# tray, no Fyne, about 10 MiB RSS; nutmeg execs it when run with no command).
#
# GUI_TAGS: Fyne's no_emoji leaves out its 4 MiB colour-emoji font, which
# Fyne parses once per text style in use (about 19 MiB of the status window's
# RSS, `make bench`); Nutmeg's texts use no emoji, and the symbols they do use
# (✓ ✗ ★ ☆ ○ … · →) render pixel for pixel the same with and without it.
GUI_TAGS := no_emoji
build: deps
	$(GO) build -tags nogui -o $(BIN) ./cmd/nutmeg
	$(GO) build -tags $(GUI_TAGS) -o bin/nutmeg-gui ./cmd/nutmeg
	$(GO) build -o bin/nutmeg-tray ./cmd/nutmeg-tray

# With no UPS set up yet, offer the demo first (a simulated UPS plays a power
# failure; its "shutdown" only writes a line to a log).
run: build
	@if [ ! -f "$${XDG_CONFIG_HOME:-$$HOME/.config}/nutmeg/settings.json" ] && [ -t 0 ]; then \
		read -r -p "No UPS is set up yet. Watch the demo on a simulated UPS first? [Y/n] " a; \
		case "$$a" in [nN]*) ;; *) exec ./$(BIN) demo ;; esac; \
	fi; exec ./$(BIN)

demo: build
	./$(BIN) demo

# Packages with Windows code paths: their tests run as Windows binaries
# under Wine (wine-test). Packages that must build without cgo for macOS.
WINE_PKGS := ./nut/paths ./nut/filelock ./nut/localsock ./nut/api ./nut/secret ./gui/autostart ./hw/usb ./nut/monitor
DARWIN_PKGS := ./nut/... ./hw/... ./gui/icon ./gui/autostart ./packaging/... ./wizard/flow
WINBIN := bin/windows

vet:
	$(GO) vet ./...
	GOOS=darwin CGO_ENABLED=0 $(GO) vet $(DARWIN_PKGS)
	GOOS=windows CGO_ENABLED=0 $(GO) vet $(WINE_PKGS) ./hw/... ./gui/tray ./cmd/nutmeg-tray
	GOOS=windows CGO_ENABLED=0 $(GO) build ./nut/... ./hw/... ./gui/tray ./gui/autostart ./gui/icon
	GOOS=windows CGO_ENABLED=0 $(GO) build -tags nogui -o /dev/null ./cmd/nutmeg
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi

# Tests run in a private Xvfb + D-Bus session + unlocked keyring that
# .ci/with-desktop.sh starts and always stops. .ci/test-all.sh runs three
# jobs side by side: go test -race of the packages; the Windows build, its
# tests under Wine and packaging/windows's tests of it (screenshots,
# installer, the service against a real upsd); and the boot test where this
# machine can boot a container (root, systemd-nspawn; elsewhere it says why
# it skipped, except under CI=true).
# Each test binary runs in a mount namespace of its own with an empty
# /run/nut (.ci/own-run-nut.sh), where upsmon's fixed pid file is, so
# packages that start upsmon run side by side, and the slowest packages
# run in shards.
test:
	@start=$$(date +%s); rc=0; $(MAKE) --no-print-directory test-steps || rc=$$?; \
	if [ $$rc = 0 ]; then d="$${XDG_CACHE_HOME:-$$HOME/.cache}/nutmeg"; mkdir -p "$$d"; \
		echo "$$(( $$(date +%s) - start )) $$(date -u +%Y-%m-%dT%H:%MZ)" >"$$d/make-test-seconds"; fi; \
	exit $$rc

# make test's steps; make test times them (make bench's table shows the
# last successful run's wall time).
test-steps: deps vet
	GO=$(GO) MAKE=$(MAKE) WINBIN=$(WINBIN) .ci/with-desktop.sh .ci/test-all.sh

# The .deb on a booted Debian container with nobody logged in: apply
# --system, reboot, power failure to power-off, power back, remove, purge
# (packaging/systemtest/boot-test.sh; the rootfs is cached under
# $${XDG_CACHE_HOME:-~/.cache}/nutmeg/systemtest).
test-system: build
	deb=$$(packaging/deb/build.sh bin bin) && packaging/systemtest/boot-test.sh "$$deb"

# The Windows code paths' unit tests, as Windows binaries under Wine in a
# cached WINEPREFIX (${XDG_CACHE_HOME:-~/.cache}/nutmeg/wine).
wine-test:
	GOOS=windows CGO_ENABLED=0 $(GO) test -exec $(CURDIR)/.ci/wine-exec.sh -count=1 -timeout 10m $(WINE_PKGS)

# Cross-builds $(WINBIN)/nutmeg.exe (Fyne: cgo through mingw-w64),
# nutmeg-tray.exe and the NSIS installer nutmeg-VERSION-setup.exe.
windows: deps
	packaging/windows/build.sh $(WINBIN)

# Every benchmark, one package at a time (another package's benchmark
# running beside it would be in its CPU figures), then issue 14's table from
# their figures (.ci/bench-table.sh): Nutmeg next to NUT's own programs in
# the same run.
bench:
	@.ci/deps.sh bench
	@mkdir -p bin
	set -o pipefail; .ci/with-desktop.sh $(GO) test -p 1 -tags $(GUI_TAGS) -run '^$$' -bench . -benchmem ./... | tee bin/bench.txt
	@.ci/bench-table.sh bin/bench.txt

clean:
	rm -rf bin

# A .deb of the current tree, built with nfpm (a Go tool of the module).
deb: build
	packaging/deb/build.sh bin bin
