package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/client"
	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
)

// statusLab runs upsd with two dummy-ups UPSes: ups (on battery, no
// runtime reported) and ups2 (online).
func statusLab(t *testing.T, two bool) *nutlab.Lab {
	t.Helper()
	lab := nutlab.New(t)
	lab.WriteBasic("ups", "ups.dev", "monuser", "monpass", filepath.Join(lab.Dir, "marker"))
	if two {
		lab.WriteFile("ups.conf", "[ups]\n\tdriver = dummy-ups\n\tport = ups.dev\n[ups2]\n\tdriver = dummy-ups\n\tport = ups2.dev\n")
	}
	lab.WriteDev("ups.dev", map[string]string{"ups.status": "OB DISCHRG", "battery.charge": "64", "ups.load": "23", "input.voltage": "0"})
	lab.WriteDev("ups2.dev", map[string]string{"ups.status": "OL CHRG", "battery.charge": "100", "battery.runtime": "3600"})
	lab.StartDriver("dummy-ups", "ups")
	if two {
		args := []string{"-a", "ups2", "-F"}
		if nutlab.IsRoot() {
			args = append(args, "-u", "root")
		}
		lab.Start("driver2", "dummy-ups", args...)
	}
	lab.StartUpsd()
	lab.WaitReady("ups", 15*time.Second)
	if two {
		lab.WaitReady("ups2", 15*time.Second)
	}
	return lab
}

func TestStatusServer(t *testing.T) {
	one := statusLab(t, false)
	two := statusLab(t, true)
	down := fmt.Sprintf("127.0.0.1:%d", nutlab.FreePort(t))
	tests := []struct {
		name string
		args []string
		code int
		out  []string // each in stdout
		err  string   // in stderr
	}{
		{"no server", []string{"status"}, 1, nil, "use --server"},
		{"bad address", []string{"status", "--server", "a b"}, 2, nil, "--server"},
		{"one UPS, text", []string{"status", "--server", one.Addr()}, 0, []string{
			"ups@" + one.Addr() + ": On battery · 64% · load 23%\n",
			"Status:           On battery, Discharging\n",
			"Battery charge:   64 %\n",
			"Input voltage:    0 V\n",
		}, ""},
		{"unknown UPS", []string{"status", "--server", one.Addr(), "--ups", "nosuch"}, 2, nil, `no UPS named "nosuch"`},
		{"several UPSes", []string{"status", "--server", two.Addr()}, 2, nil, "several UPSes (ups, ups2)"},
		{"several UPSes, one named", []string{"status", "--server", two.Addr(), "--ups", "ups2"}, 0, []string{"ups2@" + two.Addr() + ": On line power · 100%\n", "Runtime left:     1 h 00 min\n"}, ""},
		{"upsd down", []string{"status", "--server", down}, 1, nil, "connect to upsd"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCmd(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stdout %q stderr %q", code, tc.code, out, errOut)
			}
			for _, w := range tc.out {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			if !strings.Contains(errOut, tc.err) {
				t.Errorf("stderr %q lacks %q", errOut, tc.err)
			}
		})
	}
	// Nothing unknown is shown as 0.
	if _, out, _ := runCmd(t, "status", "--server", one.Addr()); strings.Contains(out, "Runtime") || strings.Contains(out, "left") {
		t.Errorf("unreported runtime shown:\n%s", out)
	}
}

func TestStatusServerJSON(t *testing.T) {
	lab := statusLab(t, false)
	code, out, errOut := runCmd(t, "status", "--json", "--server", lab.Addr(), "--ups", "ups")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var st client.Status
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if st.UPS != "ups" || !st.Has("OB") || st.Charge != client.Known(64) || st.Runtime.OK || st.InputVoltage != client.Known(0) {
		t.Errorf("decoded %+v", st)
	}
	if !strings.Contains(out, `"runtime": null`) {
		t.Errorf("unknown runtime not null:\n%s", out)
	}
}

// `nutmeg status` through the service lists the watched UPSes after this
// machine's own, each with its state or why it cannot be read.
func TestStatusListsWatched(t *testing.T) {
	at := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	own := client.NewStatus("ups", map[string]string{"ups.status": "OL", "battery.charge": "100"}, at)
	rack := client.NewStatus("rack", map[string]string{"ups.status": "OB DISCHRG", "battery.charge": "64"}, at)
	got := formatServiceState(api.State{UPS: "ups", Mode: "primary", Connected: true, Status: &own, Watched: []api.WatchedUPS{
		{Key: "rack@10.0.0.2:3493", Connected: true, Status: &rack},
		{Key: "nas@nas.local:3493", Err: "connection refused"},
		{Key: "new@10.0.0.3:3493"},
	}}, at)
	want := "Other UPSes (watched, read-only):\n  rack@10.0.0.2:3493: On battery · 64%\n" +
		"  nas@nas.local:3493: cannot be read: connection refused\n  new@10.0.0.3:3493: not read yet\n"
	if !strings.HasPrefix(got, "ups (via the Nutmeg service, primary): On line power · 100%\n") || !strings.HasSuffix(got, want) {
		t.Errorf("status:\n%s\nwant it to end with:\n%s", got, want)
	}
}
