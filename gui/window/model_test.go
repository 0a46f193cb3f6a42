package window

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/client"
)

func status(vars map[string]string) *client.Status {
	st := client.NewStatus("ups", vars, t0)
	return &st
}

func rowText(rows []Row, label string) (string, bool) {
	for _, r := range rows {
		if r.Label == label {
			return r.Text, true
		}
	}
	return "", false
}

func TestFigures(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		want map[string]string // label → text; "" means the row is absent
	}{
		{"everything reported", map[string]string{"ups.status": "OL", "battery.charge": "64", "battery.runtime": "660", "ups.load": "23",
			"input.voltage": "230.4", "output.voltage": "229", "input.frequency": "50", "output.frequency": "50.1", "battery.voltage": "13.5", "ups.temperature": "31.26"},
			map[string]string{"Battery charge": "64 %", "Runtime left": "11 min", "Load": "23 %", "Input voltage": "230.4 V",
				"Output voltage": "229 V", "Input frequency": "50 Hz", "Output frequency": "50.1 Hz", "Battery voltage": "13.5 V", "Temperature": "31.3 °C"}},
		{"nothing reported reads unknown, never 0", map[string]string{"ups.status": "OL"},
			map[string]string{"Battery charge": Unknown, "Runtime left": Unknown, "Load": Unknown, "Input voltage": Unknown,
				"Output voltage": Unknown, "Input frequency": Unknown, "Output frequency": "", "Temperature": "", "Battery voltage": ""}},
		{"garbage is unknown", map[string]string{"battery.charge": "n/a", "battery.runtime": ""},
			map[string]string{"Battery charge": Unknown, "Runtime left": Unknown}},
		{"a real zero stays 0", map[string]string{"ups.load": "0", "input.voltage": "0"},
			map[string]string{"Load": "0 %", "Input voltage": "0 V"}},
		{"battery temperature stands in", map[string]string{"battery.temperature": "25"},
			map[string]string{"Temperature": "25 °C"}},
		{"identity", map[string]string{"ups.mfr": "APC", "ups.model": "Back-UPS ES 700", "ups.beeper.status": "enabled"},
			map[string]string{"Maker": "APC", "Model": "Back-UPS ES 700", "Beeper": "enabled", "Serial number": ""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rows := Figures(status(tc.vars))
			for label, want := range tc.want {
				got, ok := rowText(rows, label)
				if want == "" {
					if ok {
						t.Errorf("%s: shown as %q, want no row", label, got)
					}
					continue
				}
				if got != want {
					t.Errorf("%s: %q (present %v), want %q", label, got, ok, want)
				}
			}
			for _, r := range rows {
				if r.Text == "0" || strings.HasPrefix(r.Text, "0 ") && tc.vars[labelVar[r.Label]] != "0" {
					t.Errorf("%s reads %q for %q", r.Label, r.Text, tc.vars[labelVar[r.Label]])
				}
			}
		})
	}
	if rows := Figures(nil); len(rows) != 6 {
		t.Errorf("no status: %v, want the six unknown rows", rows)
	}
}

var labelVar = map[string]string{"Battery charge": "battery.charge", "Load": "ups.load", "Input voltage": "input.voltage", "Output voltage": "output.voltage"}

func TestHeadlineOf(t *testing.T) {
	tests := []struct {
		name          string
		linked        bool
		state         api.State
		title, level  string
		detailContain string
	}{
		{"no service", false, api.State{}, "Nutmeg service not running", "warning", "nutmeg service"},
		{"no data yet", true, api.State{UPS: "ups"}, "Waiting for the UPS", "warning", "ups"},
		{"lost", true, api.State{UPS: "ups", Status: status(map[string]string{"ups.status": "OL"})}, "UPS not reachable", "warning", "last ones"},
		{"online", true, api.State{Connected: true, Status: status(map[string]string{"ups.status": "OL CHRG"})}, "On line power", "ok", "On line power · Charging"},
		{"on battery", true, api.State{Connected: true, Status: status(map[string]string{"ups.status": "OB DISCHRG"})}, "On battery", "warning", "Discharging"},
		{"low battery", true, api.State{Connected: true, Status: status(map[string]string{"ups.status": "OB LB"})}, "On battery", "critical", "Battery low"},
		{"fsd", true, api.State{Connected: true, Status: status(map[string]string{"ups.status": "FSD OB LB"})}, "Forced shutdown in progress", "critical", "Forced shutdown"},
		{"replace battery", true, api.State{Connected: true, Status: status(map[string]string{"ups.status": "OL RB"})}, "On line power", "warning", "Replace battery"},
		{"no flags", true, api.State{Connected: true, Status: status(map[string]string{})}, "Status unknown", "warning", "Status unknown"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := HeadlineOf(tc.linked, tc.state)
			if h.Title != tc.title || h.Level != tc.level || !strings.Contains(h.Detail, tc.detailContain) {
				t.Errorf("%+v, want %q %q detail with %q", h, tc.title, tc.level, tc.detailContain)
			}
		})
	}
}

func TestEventRowsAndMerge(t *testing.T) {
	a := api.Event{Time: t0, Name: "ONBATT", UPS: "ups", Message: "UPS ups is on battery"}
	b := api.Event{Time: t0.Add(time.Second), Name: "COUNTDOWN", UPS: "ups"}
	c := api.Event{Time: t0.Add(2 * time.Second), Name: "LOWBATT", UPS: "ups", Message: "low"}
	merged := MergeEvents([]api.Event{a, b}, []api.Event{b, c, a}, 0)
	if len(merged) != 3 || merged[2].Name != "LOWBATT" {
		t.Fatalf("merge: %+v", merged)
	}
	if m := MergeEvents(merged, nil, 2); len(m) != 2 || m[0].Name != "COUNTDOWN" {
		t.Errorf("max 2 keeps the newest: %+v", m)
	}
	rows := EventRows(merged, time.UTC)
	want := []EventRow{
		{"2026-11-25 12:00:02", "UPS battery low", "low", "critical"},
		{"2026-11-25 12:00:01", "Shutdown countdown started", "The UPS ups is on battery. This computer will shut down unless line power returns.", "warning"},
		{"2026-11-25 12:00:00", "UPS on battery", "UPS ups is on battery", "warning"},
	}
	for i := range want {
		if rows[i] != want[i] {
			t.Errorf("row %d: %+v, want %+v", i, rows[i], want[i])
		}
	}
}

func TestCommands(t *testing.T) {
	dir := t.TempDir()
	tab := filepath.Join(dir, "cmdvartab")
	os.WriteFile(tab, []byte("# comment\nCMDDESC test.battery.start.quick \"Quick test from the table\"\nVARDESC ups.load \"Load\"\nCMDDESC broken\n"), 0o600)
	desc := LoadDescriptions(tab)
	cmds := Commands([]string{"load.off", "driver.reload", "beeper.toggle", "test.battery.start.quick", "x.y"}, desc)
	var names []string
	for _, c := range cmds {
		names = append(names, c.Name)
	}
	if got := strings.Join(names, " "); got != "test.battery.start.quick beeper.toggle driver.reload x.y load.off" {
		t.Errorf("order: %s", got)
	}
	if cmds[0].Description != "Quick test from the table" || cmds[3].Description != "no description" || !cmds[4].Risky || cmds[0].Risky {
		t.Errorf("commands: %+v", cmds)
	}
	if q := cmds[4].Confirmation("ups"); !strings.Contains(q, "load.off") || !strings.Contains(q, "switch off the power") {
		t.Errorf("risky confirmation: %q", q)
	}
	if q := cmds[0].Confirmation("ups"); strings.Contains(q, "switch off") || !strings.Contains(q, "UPS ups") {
		t.Errorf("plain confirmation: %q", q)
	}
	if d := LoadDescriptions(filepath.Join(dir, "missing")); d["beeper.disable"] == "" {
		t.Error("no built-in descriptions without NUT's table")
	}
	// NUT's own table, when installed, names the battery test.
	if _, err := os.Stat(CmdDescFile); err == nil {
		if d := LoadDescriptions(CmdDescFile); d["test.battery.start"] != "Start a battery test" {
			t.Errorf("cmdvartab: %q", d["test.battery.start"])
		}
	}
}

func TestSettingsRows(t *testing.T) {
	s := nut.Defaults()
	s.Driver, s.Port = "usbhid-ups", "auto"
	s.MonPwd = "very-secret-password"
	s.EmailNotify, s.ToEmail = true, []string{"a@example.org"}
	rows := SettingsRows(s)
	all := ""
	for _, r := range rows {
		all += r.Label + ": " + r.Text + "\n"
	}
	for _, want := range []string{"Driver: usbhid-ups on auto", "Shut down: 30 s after the UPS goes on battery", "Postpone: up to 3 × 5 min", "Email: to a@example.org", "Power the UPS off afterwards: no"} {
		if !strings.Contains(all, want) {
			t.Errorf("missing %q in\n%s", want, all)
		}
	}
	if strings.Contains(all, s.MonPwd) || strings.Contains(all, s.RemotePwd) {
		t.Error("a password is in the settings summary")
	}
	s.Mode, s.RemoteHost, s.Shutdown = nut.ModeSecondary, "nas.local", nut.ShutdownLowBatt
	all = ""
	for _, r := range SettingsRows(s) {
		all += r.Label + ": " + r.Text + "\n"
	}
	for _, want := range []string{"secondary: follows the NUT server nas.local:3493", "Shut down: when the UPS reports a low battery", "Postpone: not allowed"} {
		if !strings.Contains(all, want) {
			t.Errorf("missing %q in\n%s", want, all)
		}
	}
	if strings.Contains(all, "Driver") || strings.Contains(all, "Remote monitor") {
		t.Errorf("secondary shows primary-only rows:\n%s", all)
	}
}
