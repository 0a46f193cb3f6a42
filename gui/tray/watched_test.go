//go:build linux

package tray

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/gui/icon"
	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
	"github.com/nutmeg-ups/nutmeg/nut/service"
)

// TestWatchedUPSesInTrayMenu: three dummy-ups behind one real upsd, the
// first powering this machine, the other two watched by the real service
// (one read after a login). The tray's menu, read over D-Bus as a panel
// reads it, lists both watched UPSes with their state in the "Other
// UPSes" submenu; when one goes on battery the submenu says so, while the
// tooltip and the icon stay on this machine's UPS, on mains.
func TestWatchedUPSesInTrayMenu(t *testing.T) {
	lab := nutlab.New(t)
	lab.WriteDev("ups.dev", devVars("OL", "100", "1500", "12"))
	lab.WriteDev("rack.dev", devVars("OL", "90", "1200", "30"))
	lab.WriteDev("desk.dev", devVars("OL CHRG", "80", "900", "10"))
	lab.StartServer([]string{"ups", "rack", "desk"}, "viewer", "View-Pw;1")
	state := shortDir(t)
	w, err := service.NewWatcher(service.WatcherConfig{
		UPS: "ups", Addr: lab.Addr(), Mode: nut.ModePrimary,
		Policy: service.Policy{Mode: nut.ShutdownBatt, Timer: time.Minute},
		NoComm: time.Minute, StateDir: state, Poll: 200 * time.Millisecond,
		FSD: func(context.Context) error { t.Error("FSD for a watched UPS"); return nil },
		Watch: []nut.Watched{
			{Host: "127.0.0.1", Port: lab.Port, UPS: "rack"},
			{Host: "127.0.0.1", Port: lab.Port, UPS: "desk", User: "viewer", Password: "View-Pw;1"},
		},
		WatchEvery: 200 * time.Millisecond,
		Log:        slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	bus := privateBus(t)
	c := busConn(t, bus)
	sw := startWatcher(t, c)
	notes := startNotifications(t, c)
	p := startTray(t, bus, "NUTMEG_TRAY_TEST_SOCKET="+api.SocketPath(state))
	s := waitRegistered(t, c, sw, p)

	rack, desk := fmt.Sprintf("rack@127.0.0.1:%d", lab.Port), fmt.Sprintf("desk@127.0.0.1:%d", lab.Port)
	waitMenu := func(wantTitle string, want ...string) {
		t.Helper()
		waitFor(t, 15*time.Second, func() bool {
			title, got := s.subLabels(LabelOthers)
			return title == wantTitle && slices.Equal(got, want)
		}, func() string {
			title, got := s.subLabels(LabelOthers)
			return fmt.Sprintf("submenu %q %q, want %q %q\n%s", title, got, wantTitle, want, p.out.String())
		})
	}
	waitMenu(LabelOthers, rack+": On mains · 90%", desk+": On mains, charging · 80%")
	const ownTooltip = "On mains · 100% · 25 min left · load 12%"
	if s.tooltip() != ownTooltip {
		t.Errorf("tooltip %q, want this machine's UPS: %q", s.tooltip(), ownTooltip)
	}
	// The entries are information, not actions.
	for _, it := range s.menu() {
		for _, c := range it.Children {
			if c.Enabled {
				t.Errorf("submenu entry %q is clickable", c.Label)
			}
		}
	}

	// rack's power fails (OB written to its .dev file).
	lab.WriteDev("rack.dev", devVars("OB DISCHRG", "64", "660", "23"))
	waitMenu(LabelOthers+": 1 on battery", rack+": On battery · 64%", desk+": On mains, charging · 80%")
	if s.tooltip() != ownTooltip || !sameIcon(t, s.pixmaps(), icon.State{Level: icon.Normal, Charge: 100, Online: true}, 32) {
		t.Errorf("tooltip %q (want %q) or icon moved to the watched UPS", s.tooltip(), ownTooltip)
	}
	if slices.Contains(s.visibleLabels(), LabelShutdownNow) || secondsLeft(s) != -1 {
		t.Errorf("a countdown for a watched UPS: %q", s.visibleLabels())
	}
	// Its event reaches the desktop as a plain (not urgent) note naming it.
	waitFor(t, 10*time.Second, func() bool { n, ok := notes.find("UPS on battery"); return ok && strings.Contains(n.Body, rack) },
		func() string { return strings.Join(notes.summaries(), ", ") })
	if n, _ := notes.find("UPS on battery"); n.Urgency == 2 {
		t.Errorf("a watched UPS's note is critical: %+v", n)
	}

	// desk goes unreadable: its driver stops.
	lab.Stop("driver-desk")
	waitMenu(LabelOthers+": 1 on battery, 1 not reachable", rack+": On battery · 64%", desk+": not reachable")
	lab.WriteDev("rack.dev", devVars("OL CHRG", "65", "700", "23"))
	waitMenu(LabelOthers+": 1 not reachable", rack+": On mains, charging · 65%", desk+": not reachable")
}
