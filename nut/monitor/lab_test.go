//go:build linux

package monitor

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
)

// startNUT runs dummy-ups and upsd with the users of the differential test.
func startNUT(t *testing.T, lab *nutlab.Lab) {
	t.Helper()
	lab.WriteFile("nut.conf", "MODE=netserver\n")
	lab.WriteFile("ups.conf", "[ups]\n\tdriver = dummy-ups\n\tport = ups.dev\n")
	lab.WriteFile("upsd.conf", fmt.Sprintf("LISTEN 127.0.0.1 %d\n", lab.Port))
	lab.WriteFile("upsd.users", fmt.Sprintf("[%s]\n\tpassword = %s\n\tupsmon secondary\n[%s]\n\tpassword = %s\n\tupsmon primary\n[%s]\n\tpassword = %s\n\tactions = SET\n",
		monUser, monPass, adminUser, adminPass, setUser, setPass))
	lab.WriteDev("ups.dev", fullDev("OL"))
	lab.StartDriver("dummy-ups", "ups")
	lab.WaitDriverSocket("dummy-ups", "ups")
	lab.StartUpsd()
	lab.WaitReady("ups", 15*time.Second)
}

func runMonitor(t *testing.T, cfg Config) (*Monitor, chan error) {
	t.Helper()
	cfg.Log = slog.New(slog.DiscardHandler)
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return m, done
}

// After NUT restarts (the NAS rebooted its UPS service), the monitor is
// logged in again within seconds, so the primary waits for it again.
func TestReloginAfterNUTRestart(t *testing.T) {
	lab := nutlab.New(t)
	startNUT(t, lab)
	rec := &recorder{}
	_, _ = runMonitor(t, Config{Addr: lab.Addr(), UPS: "ups", User: monUser, Password: monPass, ShutdownCmd: "exit 0",
		OnEvent: rec.add})
	lab.WaitLogins("ups", 1, 10*time.Second)
	lab.Stop("upsd")
	lab.Stop("driver")
	waitFor(t, "COMMBAD", 10*time.Second, func() bool { _, ok := rec.find(api.EvCommBad); return ok })
	time.Sleep(3 * time.Second)
	lab.StartDriver("dummy-ups", "ups")
	lab.WaitDriverSocket("dummy-ups", "ups")
	back := time.Now()
	lab.StartUpsd()
	lab.WaitLogins("ups", 1, 10*time.Second)
	took := time.Since(back)
	t.Logf("logged in again %v after upsd started", took.Round(time.Millisecond))
	if took > 5*time.Second {
		t.Errorf("logged in again %v after upsd came back, want within 5 s", took)
	}
	waitFor(t, "COMMOK", 10*time.Second, func() bool { _, ok := rec.find(api.EvCommOK); return ok })
}

// The point of the LOGIN: a primary upsmon (NUT 2.8.0) that sets FSD waits
// for this secondary to log out before its own shutdown, and no longer
// than that: it goes down right after the monitor's shutdown, well before
// HOSTSYNC runs out.
func TestPrimaryWaitsForMonitor(t *testing.T) {
	lab := nutlab.New(t)
	startNUT(t, lab)
	primaryMarker := filepath.Join(lab.Dir, "primary.marker")
	nativeMarker := filepath.Join(lab.Dir, "native.marker")
	const hostSync = 10
	lab.WriteFile("upsmon.conf", fmt.Sprintf("MONITOR ups@%s 1 %s %s primary\n"+
		"SHUTDOWNCMD \"/bin/sh -c 'date +%%s.%%N >> %s'\"\nPOLLFREQ 1\nPOLLFREQALERT 1\nHOSTSYNC %d\nFINALDELAY 0\n%s",
		lab.Addr(), adminUser, adminPass, primaryMarker, hostSync, nutlab.RunAsUserLine()))
	startUpsmon(t, lab)
	_, done := runMonitor(t, Config{Addr: lab.Addr(), UPS: "ups", User: monUser, Password: monPass,
		ShutdownCmd: "date +%s.%N >> " + nativeMarker, FinalDelay: 2 * time.Second, StillUp: -1})
	lab.WaitLogins("ups", 2, 20*time.Second)
	time.Sleep(1500 * time.Millisecond)

	// Low battery: the primary's upsmon sets FSD at once and waits for its
	// secondaries; the monitor sees FSD, waits FINALDELAY, shuts down and
	// logs out; then the primary shuts down.
	t0 := time.Now()
	if err := setVar(lab.Addr(), "ups.status", "OB DISCHRG LB"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
		done <- nil
	case <-time.After(20 * time.Second):
		t.Fatalf("the monitor did not shut down\n%s", lab.Logs())
	}
	lab.WaitUntil("the primary's shutdown", 20*time.Second, func() bool { return fileExists(primaryMarker) && fileExists(nativeMarker) })
	native, primary := markerTime(t, nativeMarker), markerTime(t, primaryMarker)
	t.Logf("native secondary shut down at +%.2fs, primary at +%.2fs (HOSTSYNC %d s)",
		native.Sub(t0).Seconds(), primary.Sub(t0).Seconds(), hostSync)
	if primary.Before(native) {
		t.Errorf("the primary shut down %v before the secondary: it did not wait for the LOGIN", native.Sub(primary))
	}
	if d := primary.Sub(native); d > 3*time.Second {
		t.Errorf("the primary shut down %v after the secondary: it did not see the LOGOUT", d)
	}
	if d := primary.Sub(t0); d >= hostSync*time.Second {
		t.Errorf("the primary waited %v, the whole HOSTSYNC", d)
	}
}
