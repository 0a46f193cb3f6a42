package tray

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/gui/icon"
	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/client"
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func status(flags string, charge, runtime, load client.Value) *client.Status {
	st := &client.Status{UPS: "ups", Flags: map[string]bool{}, Charge: charge, Runtime: runtime, Load: load}
	for _, f := range strings.Fields(flags) {
		st.Flags[f] = true
	}
	return st
}

func linked(st *client.Status, cd *api.Countdown) Snapshot {
	return Snapshot{Service: true, Linked: true, State: api.State{UPS: "ups", Connected: true, Status: st, Countdown: cd}}
}

var (
	k       = client.Known
	unknown = client.Value{}
)

func TestPresentStatus(t *testing.T) {
	tests := []struct {
		name    string
		snap    Snapshot
		tooltip string
		level   icon.Level
		online  bool
		charge  bool
		fill    float64
	}{
		{"online", linked(status("OL", k(100), k(1500), k(12)), nil),
			"On mains · 100% · 25 min left · load 12%", icon.Normal, true, false, 100},
		{"charging", linked(status("OL CHRG", k(80), k(3720), k(30)), nil),
			"On mains, charging · 80% · 1 h 02 min left · load 30%", icon.Normal, true, true, 80},
		{"on battery", linked(status("OB DISCHRG", k(64), k(660), k(23)), nil),
			"On battery · 64% · 11 min left · load 23%", icon.OnBattery, false, false, 64},
		{"low battery", linked(status("OB LB", k(9), k(45), k(23)), nil),
			"Low battery · 9% · 45 s left · load 23%", icon.LowBattery, false, false, 9},
		{"online but LB", linked(status("OL LB", k(15), k(200), k(5)), nil),
			"On mains, battery low · 15% · 3 min left · load 5%", icon.LowBattery, true, false, 15},
		{"replace battery", linked(status("OL RB", k(100), k(100), k(5)), nil),
			"On mains (replace battery) · 100% · 1 min left · load 5%", icon.Normal, true, false, 100},
		{"fsd", linked(status("OB LB FSD", k(3), k(20), k(40)), nil),
			"Forced shutdown · 3% · 20 s left · load 40%", icon.LowBattery, false, false, 3},
		{"off", linked(status("OFF", k(100), unknown, unknown), nil),
			"UPS output off · 100% · runtime unknown · load unknown", icon.Normal, false, false, 100},
		{"bypass overload", linked(status("OL BYPASS OVER", k(100), k(600), k(130)), nil),
			"On bypass (overload) · 100% · 10 min left · load 130%", icon.Normal, true, false, 100},
		{"trim and boost", linked(status("OL TRIM", k(99), k(600), k(20)), nil),
			"On mains (trimming voltage) · 99% · 10 min left · load 20%", icon.Normal, true, false, 99},
		{"all unknown", linked(status("OB", unknown, unknown, unknown), nil),
			"On battery · charge unknown · runtime unknown · load unknown", icon.OnBattery, false, false, -1},
		{"no flags", linked(status("", k(50), k(60), k(1)), nil),
			"Status unknown · 50% · 1 min left · load 1%", icon.Normal, false, false, 50},
		{"waiting", Snapshot{Service: true, Linked: true, State: api.State{Connected: true}},
			"Waiting for the UPS", icon.Unreachable, false, false, -1},
		{"upsd lost", Snapshot{Service: true, Linked: true, State: api.State{Connected: false, Status: status("OL", k(90), k(600), k(10))}},
			"UPS not reachable", icon.Unreachable, false, false, 90},
		{"service down", Snapshot{Service: true, Linked: false},
			"Nutmeg service not running", icon.Unreachable, false, false, -1},
		{"service denied", Snapshot{Service: true, Linked: false, Denied: true},
			"Join the group nutmeg to see the UPS", icon.Unreachable, false, false, -1},
		{"remote down", Snapshot{Service: false, Linked: false},
			"UPS server unreachable", icon.Unreachable, false, false, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := Present(tc.snap, t0)
			if v.Tooltip != tc.tooltip {
				t.Errorf("tooltip %q, want %q", v.Tooltip, tc.tooltip)
			}
			if v.Icon.Level != tc.level || v.Icon.Online != tc.online || v.Icon.Charging != tc.charge || v.Icon.Charge != tc.fill {
				t.Errorf("icon %+v, want level %v online %v charging %v charge %v", v.Icon, tc.level, tc.online, tc.charge, tc.fill)
			}
			if len(v.Lines) == 0 || !strings.HasPrefix(tc.tooltip, v.Lines[0]) {
				t.Errorf("first menu line %q does not open the tooltip %q", v.Lines, tc.tooltip)
			}
			if v.Countdown != "" || v.Postpone != "" || v.ShutdownNow != "" {
				t.Errorf("countdown items without a countdown: %+v", v)
			}
		})
	}
}

// TestEveryFlagCombination runs every subset of NUT's common flags with
// unknown figures and checks what must always hold.
func TestEveryFlagCombination(t *testing.T) {
	flags := []string{"OL", "OB", "LB", "CHRG", "DISCHRG", "RB", "FSD", "OFF", "BYPASS", "OVER", "CAL"}
	for mask := 0; mask < 1<<len(flags); mask++ {
		var set []string
		for i, f := range flags {
			if mask&(1<<i) != 0 {
				set = append(set, f)
			}
		}
		st := status(strings.Join(set, " "), unknown, unknown, unknown)
		v := Present(linked(st, nil), t0)
		has := func(f string) bool { return slices.Contains(set, f) }
		for _, s := range append([]string{v.Tooltip, v.Title}, v.Lines...) {
			if strings.Contains(s, " 0%") || strings.Contains(s, "0 s") || strings.Contains(s, "0 min") {
				t.Fatalf("%v: unknown shown as zero: %q", set, s)
			}
		}
		if !strings.Contains(v.Tooltip, "charge unknown") || !strings.Contains(v.Tooltip, "runtime unknown") || !strings.Contains(v.Tooltip, "load unknown") {
			t.Fatalf("%v: tooltip %q lacks the unknowns", set, v.Tooltip)
		}
		want := icon.Normal
		switch {
		case has("LB"):
			want = icon.LowBattery
		case has("OB"):
			want = icon.OnBattery
		}
		if v.Icon.Level != want {
			t.Fatalf("%v: level %v, want %v", set, v.Icon.Level, want)
		}
		if v.Icon.Charge != -1 {
			t.Fatalf("%v: unknown charge drawn as %v", set, v.Icon.Charge)
		}
		if v.Icon.Online && (has("OB") || !has("OL")) {
			t.Fatalf("%v: plug drawn", set)
		}
		if has("OB") && !has("FSD") && !strings.HasPrefix(v.Tooltip, "On battery") && !strings.HasPrefix(v.Tooltip, "Low battery") {
			t.Fatalf("%v: on battery reads %q", set, v.Tooltip)
		}
		if has("RB") && !strings.Contains(v.Tooltip, "replace battery") {
			t.Fatalf("%v: RB not mentioned: %q", set, v.Tooltip)
		}
	}
}

func TestPresentCountdown(t *testing.T) {
	cd := func(left time.Duration, can bool, step int) *api.Countdown {
		return &api.Countdown{Reason: "ONBATT", Started: t0.Add(-10 * time.Second), ShutdownAt: t0.Add(left), CanPostpone: can, PostponeStep: step}
	}
	ob := status("OB DISCHRG", k(64), k(660), k(23))
	lb := status("OB LB", k(8), k(40), k(23))
	tests := []struct {
		name                          string
		snap                          Snapshot
		countdown, postpone, shutdown string
	}{
		{"42 s", linked(ob, cd(42*time.Second, true, 300)), "Shutting down in 0:42", "Postpone 5 min", "Shut down now"},
		{"partial second rounds up", linked(ob, cd(41*time.Second+time.Millisecond, true, 300)), "Shutting down in 0:42", "Postpone 5 min", "Shut down now"},
		{"minutes", linked(ob, cd(5*time.Minute+7*time.Second, true, 90)), "Shutting down in 5:07", "Postpone 90 s", "Shut down now"},
		{"hours", linked(ob, cd(2*time.Hour+3*time.Minute+4*time.Second, true, 3600)), "Shutting down in 2:03:04", "Postpone 1 h", "Shut down now"},
		{"cannot postpone", linked(ob, cd(30*time.Second, false, 300)), "Shutting down in 0:30", "", "Shut down now"},
		{"low battery hides postpone", linked(lb, cd(30*time.Second, true, 300)), "Shutting down in 0:30", "", "Shut down now"},
		{"past due", linked(ob, cd(-time.Second, true, 300)), "Shutting down now", "Postpone 5 min", "Shut down now"},
		{"confirming", func() Snapshot { s := linked(ob, cd(42*time.Second, true, 300)); s.Confirming = true; return s }(),
			"Shutting down in 0:42", "Postpone 5 min", LabelConfirm},
		{"remote mode: no actions", func() Snapshot { s := linked(ob, cd(42*time.Second, true, 300)); s.Service = false; return s }(),
			"Shutting down in 0:42", "", ""},
		{"service lost: stale countdown hidden", func() Snapshot { s := linked(ob, cd(42*time.Second, true, 300)); s.Linked = false; return s }(),
			"", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := Present(tc.snap, t0)
			if v.Countdown != tc.countdown || v.Postpone != tc.postpone || v.ShutdownNow != tc.shutdown {
				t.Errorf("got %q / %q / %q, want %q / %q / %q", v.Countdown, v.Postpone, v.ShutdownNow, tc.countdown, tc.postpone, tc.shutdown)
			}
			if tc.countdown != "" && !strings.HasSuffix(v.Tooltip, strings.ToLower(tc.countdown[:1])+tc.countdown[1:]) {
				t.Errorf("tooltip %q does not end with the countdown", v.Tooltip)
			}
		})
	}
}

func TestCountdownTicks(t *testing.T) {
	at := t0.Add(42 * time.Second)
	s := linked(status("OB", k(50), k(600), k(10)), &api.Countdown{ShutdownAt: at, CanPostpone: true, PostponeStep: 300})
	var got []string
	for i := 0; i <= 3; i++ {
		got = append(got, Present(s, t0.Add(time.Duration(i)*time.Second)).Countdown)
	}
	want := []string{"Shutting down in 0:42", "Shutting down in 0:41", "Shutting down in 0:40", "Shutting down in 0:39"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// A failed shutdown is said at the top of the menu until power returns,
// instead of a countdown stuck at zero; a server's FSD says who ordered it.
func TestPresentShutdownFailedAndServerFSD(t *testing.T) {
	cd := &api.Countdown{Reason: "ONBATT", Started: t0.Add(-40 * time.Second), ShutdownAt: t0.Add(-10 * time.Second)}
	failed := linked(status("OB DISCHRG FSD", k(40), k(600), k(20)), cd)
	failed.State.ShutdownFailed = "the shutdown command failed (exit status 1): Interactive authentication required."
	v := Present(failed, t0)
	if len(v.Lines) == 0 || v.Lines[0] != "Shutdown failed: the shutdown command failed (exit status 1): Interactive authentication required." {
		t.Errorf("menu lines %q: want the failure first", v.Lines)
	}
	if v.Countdown != "" || v.Postpone != "" || !strings.HasSuffix(v.Tooltip, "shutdown failed") {
		t.Errorf("failed shutdown view: countdown %q postpone %q tooltip %q", v.Countdown, v.Postpone, v.Tooltip)
	}

	fsd := linked(status("OB DISCHRG FSD", k(40), k(600), k(20)),
		&api.Countdown{Reason: "FSD", Started: t0, ShutdownAt: t0.Add(5 * time.Second)})
	if v := Present(fsd, t0); v.Countdown != "The server orders a shutdown: shutting down in 0:05" {
		t.Errorf("server FSD countdown %q", v.Countdown)
	}
}

// The watched UPSes' submenu: its title counts what needs a look; each
// line names a UPS and its state; nothing is said without the service.
func TestPresentWatched(t *testing.T) {
	ws := []api.WatchedUPS{
		{Key: "rack@10.0.0.2:3493", Connected: true, Status: status("OB DISCHRG", k(64), k(660), k(23))},
		{Key: "desk@10.0.0.3:3493", Connected: true, Status: status("OL", unknown, unknown, unknown)},
		{Key: "lab@10.0.0.4:3493", Err: "connection refused"},
		{Key: "new@10.0.0.5:3493"},
	}
	cases := []struct {
		name  string
		snap  Snapshot
		title string
		lines []string
	}{
		{"none watched", linked(status("OL", k(100), k(1500), k(12)), nil), "", nil},
		{"four", func() Snapshot {
			s := linked(status("OL", k(100), k(1500), k(12)), nil)
			s.State.Watched = ws
			return s
		}(), "Other UPSes: 1 on battery, 1 not reachable", []string{
			"rack@10.0.0.2:3493: On battery · 64%", "desk@10.0.0.3:3493: On mains · charge unknown",
			"lab@10.0.0.4:3493: not reachable", "new@10.0.0.5:3493: waiting for the UPS"}},
		{"all on mains", func() Snapshot {
			s := linked(status("OL", k(100), k(1500), k(12)), nil)
			s.State.Watched = ws[1:2]
			return s
		}(), "Other UPSes", []string{"desk@10.0.0.3:3493: On mains · charge unknown"}},
		{"service gone", Snapshot{Service: true, State: api.State{Watched: ws}}, "", nil},
	}
	for _, c := range cases {
		v := Present(c.snap, t0)
		if v.Others != c.title || !slices.Equal(v.OtherLines, c.lines) {
			t.Errorf("%s: %q %q, want %q %q", c.name, v.Others, v.OtherLines, c.title, c.lines)
		}
		if c.snap.Linked && v.Tooltip != "On mains · 100% · 25 min left · load 12%" {
			t.Errorf("%s: tooltip %q moved off this machine's UPS", c.name, v.Tooltip)
		}
	}
}
