//go:build linux

package tray

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/gui/icon"
	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
)

func devVars(status string, charge, runtime, load string) map[string]string {
	return map[string]string{
		"ups.status": status, "battery.charge": charge, "battery.runtime": runtime, "ups.load": load,
		"ups.mfr": "Nutlab", "ups.model": "Dummy 700",
	}
}

// TestRemoteTrayOverDBus runs the tray in remote mode against a real upsd
// (nutlab: dummy-ups + upsd) and reads it over D-Bus the way a panel does.
func TestRemoteTrayOverDBus(t *testing.T) {
	lab := nutlab.New(t)
	lab.WriteBasic("ups", "ups.dev", "upsmon", "labpass", lab.Dir+"/marker")
	lab.WriteDev("ups.dev", devVars("OL", "100", "1500", "12"))
	lab.StartDriver("dummy-ups", "ups")
	lab.StartUpsd()
	lab.WaitReady("ups", 15*time.Second)

	bus := privateBus(t)
	c := busConn(t, bus)
	w := startWatcher(t, c)
	notes := startNotifications(t, c)
	exe, started := scriptExe(t)
	p := startTray(t, bus, "NUTMEG_TRAY_TEST_SERVER="+lab.Addr(), "NUTMEG_TRAY_TEST_UPS=ups", "NUTMEG_TRAY_TEST_EXE="+exe, "NUTMEG_TRAY_TEST_OPEN=wizard")
	s := waitRegistered(t, c, w, p)

	waitTooltip := func(want string) {
		t.Helper()
		waitFor(t, 15*time.Second, func() bool { return s.tooltip() == want },
			func() string { return "tooltip " + s.tooltip() + ", want " + want + "\n" + p.out.String() })
	}
	waitTooltip("On mains · 100% · 25 min left · load 12%")
	if got := s.title(); got != "Nutmeg: On mains · 100%" {
		t.Errorf("title %q", got)
	}
	if !sameIcon(t, s.pixmaps(), icon.State{Level: icon.Normal, Charge: 100, Online: true}, 32) {
		t.Errorf("icon is not the online/full one")
	}
	wantMenu := []string{"On mains", "100% · 25 min left · load 12%", "UPS ups · Nutlab Dummy 700", LabelOpenStatus, LabelSettings, LabelQuit}
	if got := s.visibleLabels(); !slices.Equal(got, wantMenu) {
		t.Errorf("menu %q, want %q", got, wantMenu)
	}

	// Power fails: tooltip, icon and one notification.
	lab.WriteDev("ups.dev", devVars("OB DISCHRG", "64", "660", "23"))
	waitTooltip("On battery · 64% · 11 min left · load 23%")
	if !sameIcon(t, s.pixmaps(), icon.State{Level: icon.OnBattery, Charge: 64}, 32) {
		t.Errorf("icon is not the amber 64%% one")
	}
	// More polls and changes on battery must not repeat the notification.
	lab.WriteDev("ups.dev", devVars("OB DISCHRG", "60", "600", "24"))
	waitTooltip("On battery · 60% · 10 min left · load 24%")
	lab.WriteDev("ups.dev", devVars("OB DISCHRG LB", "9", "45", "24"))
	waitTooltip("Low battery · 9% · 45 s left · load 24%")
	// Notifications go out in order: once LOWBATT's is in, a repeated
	// ONBATT would be in too.
	waitFor(t, 10*time.Second, func() bool { return notes.count("UPS battery low") == 1 }, func() string { return strings.Join(notes.summaries(), ", ") })
	if n := notes.count("UPS on battery"); n != 1 {
		t.Errorf("%d ONBATT notifications, want 1: %q", n, notes.summaries())
	}
	if !sameIcon(t, s.pixmaps(), icon.State{Level: icon.LowBattery, Charge: 9}, 32) {
		t.Errorf("icon is not the red 9%% one")
	}
	// Remote mode has no service: no countdown and no actions.
	for _, l := range s.visibleLabels() {
		if strings.HasPrefix(l, "Postpone") || l == LabelShutdownNow {
			t.Errorf("remote tray offers %q", l)
		}
	}

	lab.WriteDev("ups.dev", devVars("OL CHRG", "10", "50", "20"))
	waitTooltip("On mains, charging · 10% · 50 s left · load 20%")
	waitFor(t, 10*time.Second, func() bool { return notes.count("UPS on line power") == 1 }, func() string { return strings.Join(notes.summaries(), ", ") })

	// upsd goes away: grey icon, "unreachable", COMMBAD once; it comes back
	// and the tray reconnects by itself.
	lab.Stop("upsd")
	waitTooltip("UPS server unreachable")
	if !sameIcon(t, s.pixmaps(), icon.State{Level: icon.Unreachable, Charge: 10}, 32) {
		t.Errorf("icon is not the unreachable one")
	}
	waitFor(t, 10*time.Second, func() bool { return notes.count("UPS communication lost") == 1 }, func() string { return strings.Join(notes.summaries(), ", ") })
	lab.StartUpsd()
	waitTooltip("On mains, charging · 10% · 50 s left · load 20%")
	if n := notes.count("UPS communication lost"); n != 1 {
		t.Errorf("%d COMMBAD notifications: %q", n, notes.summaries())
	}
	// "Restored" takes the place of "lost" on screen; "on line power" took
	// the place of "battery low".
	waitFor(t, 10*time.Second, func() bool { return notes.count("UPS communication restored") == 1 }, func() string { return strings.Join(notes.summaries(), ", ") })
	lost, _ := notes.find("UPS communication lost")
	restored, _ := notes.find("UPS communication restored")
	if restored.Replaces != lost.ID {
		t.Errorf("restored replaces note %d, want the lost note %d", restored.Replaces, lost.ID)
	}
	low, _ := notes.find("UPS battery low")
	online, _ := notes.find("UPS on line power")
	if online.Replaces != low.ID || low.Urgency != 2 || online.Urgency != 1 {
		t.Errorf("online note %+v after low-battery note %+v", online, low)
	}

	// The first run opened the wizard; the window items start theirs.
	waitFor(t, 10*time.Second, func() bool { b, _ := os.ReadFile(started); return string(b) == "wizard\n" },
		func() string {
			b, _ := os.ReadFile(started)
			return "at start: " + string(b) + ", want the wizard once"
		})
	s.click(LabelSettings)
	s.click(LabelOpenStatus)
	waitFor(t, 10*time.Second, func() bool {
		b, _ := os.ReadFile(started)
		lines := strings.Fields(string(b))
		slices.Sort(lines)
		return slices.Equal(lines, []string{"window", "wizard", "wizard"})
	}, func() string { b, _ := os.ReadFile(started); return "started: " + string(b) })

	// Quit from the menu ends the process cleanly.
	s.click(LabelQuit)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("tray exit after Quit: %v\n%s", err, p.out)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("tray still running after Quit\n%s", p.out)
	}
}
