package service

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/api"
)

// The wrapper runs the command as upsmon would (a shell line) and records
// its exit status and last error line; it passes the status on.
func TestShutdownWrapper(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		cmd        string
		status     int
		last       string
		markerLine bool
	}{
		{cmd: "echo ran > " + filepath.Join(dir, "m") + "; echo 'first' >&2; echo 'shutdown: Permission denied' >&2; exit 1", status: 1, last: "shutdown: Permission denied", markerLine: true},
		{cmd: "/bin/true", status: 0},
		{cmd: "# a comment must not swallow the wrapper's closing parenthesis", status: 0},
		{cmd: "exit 7", status: 7},
	} {
		os.Remove(filepath.Join(dir, "m"))
		result := filepath.Join(dir, "it's result") // a quote in the path
		wrapper := filepath.Join(dir, "wrapper")
		line, err := WriteShutdownWrapper(wrapper, result, tc.cmd)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := os.Stat(wrapper)
		if st.Mode().Perm() != 0o700 {
			t.Errorf("wrapper mode %v, want 0700", st.Mode().Perm())
		}
		// upsmon runs SHUTDOWNCMD through the shell.
		err = exec.Command("/bin/sh", "-c", line).Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tc.status {
			t.Errorf("%q: wrapper exited %d, want %d", tc.cmd, code, tc.status)
		}
		r, ok := readShutdownResult(result)
		if !ok || r.status != tc.status || r.last != tc.last || time.Since(r.ended) > time.Minute {
			t.Errorf("%q: result %+v %v, want status %d, last %q", tc.cmd, r, ok, tc.status, tc.last)
		}
		if _, err := os.Stat(filepath.Join(dir, "m")); (err == nil) != tc.markerLine {
			t.Errorf("%q: the command itself did not run as written", tc.cmd)
		}
	}
	// A record that cannot be written never keeps the command from running.
	m := filepath.Join(dir, "m2")
	line, err := WriteShutdownWrapper(filepath.Join(dir, "w3"), "/proc/no-such-dir/result", "echo ran > "+m)
	if err != nil {
		t.Fatal(err)
	}
	if err := exec.Command("/bin/sh", "-c", line).Run(); err != nil {
		t.Errorf("wrapper with an unwritable record: %v", err)
	}
	if _, err := os.Stat(m); err != nil {
		t.Error("the command did not run when its record could not be written")
	}
	if _, err := WriteShutdownWrapper(filepath.Join(dir, "w2"), filepath.Join(dir, "r2"), "true\nreboot"); err == nil {
		t.Error("a two-line command was accepted")
	}
}

// A shutdown command that fails is said (SHUTDOWN_FAILED with its exit
// status and last error line, in the state the tray shows) and tried again
// 30 s later while the UPS is still on battery; power coming back calls it
// off and clears FSD.
func TestFailedShutdownIsReportedAndRetried(t *testing.T) {
	r := startService(t, func(s *nut.Settings) {
		s.ShutdownTimer = 2
		// The marker command, then a failure as an ordinary user's shutdown gives it.
		s.ShutdownCmd = strings.TrimSuffix(s.ShutdownCmd, "'") + "; echo \"shutdown: Interactive authentication required.\" >&2; exit 1'"
	})
	marker := r.marker
	col := collect(t, filepath.Join(r.state, api.SocketName))
	col.wait(t, 0, 20*time.Second, "connected state", func(m api.Message) bool { return m.Type == "state" && m.State.Connected })
	r.lab.WriteDev("ups.dev", dev("OB DISCHRG"))
	first := waitMarker(t, marker, 15*time.Second)
	ev, i := col.event(t, 0, EvShutdownFailed, 10*time.Second)
	if d := ev.at.Sub(first); d > 10*time.Second {
		t.Errorf("SHUTDOWN_FAILED %v after the first try, want within 10 s", d)
	}
	if msg := ev.m.Event.Message; !strings.Contains(msg, "exit status 1") || !strings.Contains(msg, "Interactive authentication required.") {
		t.Errorf("SHUTDOWN_FAILED says %q; want the exit status and the command's last error line", msg)
	}
	col.wait(t, 0, 5*time.Second, "state with the failure", func(m api.Message) bool {
		return m.Type == "state" && strings.Contains(m.State.ShutdownFailed, "exit status 1")
	})
	// A reload now would kill the upsmon that carries out the shutdown.
	if rep, err := col.c.Do(t.Context(), api.Request{Op: "reload"}); err != nil || rep.OK || !strings.Contains(rep.Reason, "shutdown is under way") {
		t.Errorf("reload after FSD: %+v %v, want a refusal", rep, err)
	}
	tries := waitMarkers(t, marker, 2, testRetryEvery+15*time.Second)
	if len(tries) < 2 {
		t.Fatalf("no second try within %v of the first (tries %v); events %v", testRetryEvery+15*time.Second, tries, col.eventNames())
	}
	t.Logf("second try %.1f s after the first (RetryEvery %v)", tries[1].Sub(tries[0]).Seconds(), testRetryEvery)
	if d := tries[1].Sub(tries[0]); d < testRetryEvery*9/10 {
		t.Errorf("second try only %v after the first, want about %v", d, testRetryEvery)
	}
	col.event(t, i+1, EvShutdownFailed, 10*time.Second)
	// The new upsmon takes the FSD still set on upsd as it starts: that is
	// the retry working, not an error.
	if logs := r.log.String(); strings.Contains(logs, "level=ERROR") {
		t.Errorf("the retry logged an error:\n%s", logs)
	}

	// Power back: the failure is called off, FSD cleared, no more tries.
	r.lab.WriteDev("ups.dev", dev("OL"))
	col.event(t, i, EvCancelled, 15*time.Second)
	col.wait(t, 0, 30*time.Second, "state without FSD nor failure", func(m api.Message) bool {
		return m.Type == "state" && m.State.ShutdownFailed == "" && m.State.Connected && m.State.Status != nil &&
			m.State.Status.Has("OL") && !m.State.Status.Has("FSD") && m.State.Countdown == nil
	})
	n := len(markers(t, marker))
	time.Sleep(3 * time.Second)
	if m := markers(t, marker); len(m) != n {
		t.Errorf("a shutdown was tried after the power came back: %v", m)
	}
}

// testRetryEvery replaces the 30 s between tries of a failed shutdown in
// this package's services: the tests check the pause is kept (not that it
// is 30 s, which TestRetryEveryDefault does), and waiting 30 s twice a run
// was a minute of the suite.
const testRetryEvery = 8 * time.Second

// outage starts a service with a timer of sec seconds, makes the UPS go on
// battery and returns the deadline the tray shows, with the settings as
// saved (for a reload).
func outage(t *testing.T, sec int) (*runningService, *collector, time.Time, nut.Settings) {
	t.Helper()
	r := startService(t, func(s *nut.Settings) { s.ShutdownTimer = sec })
	col := collect(t, filepath.Join(r.state, api.SocketName))
	col.wait(t, 0, 20*time.Second, "connected state", func(m api.Message) bool { return m.Type == "state" && m.State.Connected })
	r.lab.WriteDev("ups.dev", dev("OB DISCHRG"))
	st, _ := col.wait(t, 0, 10*time.Second, "countdown", func(m api.Message) bool { return m.Type == "state" && m.State.Countdown != nil })
	s, err := nut.Load(r.svc.cfg.SettingsPath)
	if err != nil {
		t.Fatal(err)
	}
	return r, col, st.m.State.Countdown.ShutdownAt, s
}

// A reload during an outage runs beside the watcher: the countdown keeps
// its deadline (a longer timer applies to the next outage), and power that
// comes back after the UPS was renamed still cancels it.
func TestReloadDuringOutage(t *testing.T) {
	t.Run("longer timer keeps the deadline", func(t *testing.T) {
		r, col, shown, s := outage(t, 8)
		s.ShutdownTimer = 600
		if err := nut.Save(r.svc.cfg.SettingsPath, s); err != nil {
			t.Fatal(err)
		}
		if rep, err := col.c.Do(t.Context(), api.Request{Op: "reload"}); err != nil || !rep.OK {
			t.Fatalf("reload: %+v %v", rep, err)
		}
		mark := waitMarker(t, r.marker, 20*time.Second)
		if d := mark.Sub(shown); d < -1500*time.Millisecond || d > 1500*time.Millisecond {
			t.Errorf("marker %v from the deadline shown before the reload, want within 1.5 s", d)
		}
	})
	t.Run("another identifier, then power back", func(t *testing.T) {
		r, col, shown, s := outage(t, 8)
		s.Identifier = "ups2"
		if err := nut.Save(r.svc.cfg.SettingsPath, s); err != nil {
			t.Fatal(err)
		}
		if rep, err := col.c.Do(t.Context(), api.Request{Op: "reload"}); err != nil || !rep.OK {
			t.Fatalf("reload: %+v %v", rep, err)
		}
		col.wait(t, 0, 10*time.Second, "ups2 on battery", func(m api.Message) bool {
			return m.Type == "state" && m.State.UPS == "ups2" && m.State.Status != nil && m.State.Status.Has("OB")
		})
		r.lab.WriteDev("ups.dev", dev("OL"))
		col.event(t, 0, EvCancelled, 10*time.Second)
		time.Sleep(time.Until(shown.Add(2 * time.Second)))
		if m := markers(t, r.marker); len(m) != 0 {
			t.Fatalf("shut down with mains power back after a reload: %v", m)
		}
		if n := strings.Count(strings.Join(col.eventNames(), " "), EvOnBatt); n != 1 {
			t.Errorf("%d ONBATT events for one outage across the reload, want 1", n)
		}
	})
}

// runtimelow: on battery with battery.runtime below it is low battery, in
// both modes; a UPS that reports no runtime never triggers it.
func TestRuntimeLow(t *testing.T) {
	for _, mode := range []string{nut.ShutdownBatt, nut.ShutdownLowBatt} {
		t.Run(mode, func(t *testing.T) {
			r := startService(t, func(s *nut.Settings) {
				s.Shutdown, s.ShutdownTimer, s.RuntimeLow = mode, 600, 120
			})
			col := collect(t, filepath.Join(r.state, api.SocketName))
			col.wait(t, 0, 20*time.Second, "connected state", func(m api.Message) bool { return m.Type == "state" && m.State.Connected })
			// No runtime reported: nothing early.
			r.lab.WriteDev("ups.dev", dev("OB DISCHRG", "battery.runtime", ""))
			col.event(t, 0, EvOnBatt, 10*time.Second)
			time.Sleep(2500 * time.Millisecond)
			if m := markers(t, r.marker); len(m) != 0 {
				t.Fatal("shut down although the UPS reports no runtime")
			}
			// Plenty left: nothing either.
			r.lab.WriteDev("ups.dev", dev("OB DISCHRG", "battery.runtime", "900"))
			time.Sleep(2500 * time.Millisecond)
			if m := markers(t, r.marker); len(m) != 0 {
				t.Fatal("shut down with 900 s of runtime left")
			}
			r.lab.WriteDev("ups.dev", dev("OB DISCHRG", "battery.runtime", "90"))
			at := time.Now()
			ev, _ := col.event(t, 0, EvLowBatt, 10*time.Second)
			if !strings.Contains(ev.m.Event.Message, "below the 2m0s set as low") {
				t.Errorf("LOWBATT says %q", ev.m.Event.Message)
			}
			mark := waitMarker(t, r.marker, 10*time.Second)
			t.Logf("runtime 90 s written → marker %.2f s", mark.Sub(at).Seconds())
		})
	}
}

// Without charge and runtime, "batt" still shuts down at its timer and
// "lowbatt" waits for LB: neither shuts down early.
func TestMissingFiguresBattMode(t *testing.T) {
	r := startService(t, func(s *nut.Settings) { s.ShutdownTimer = 4 })
	col := collect(t, filepath.Join(r.state, api.SocketName))
	col.wait(t, 0, 20*time.Second, "connected state", func(m api.Message) bool { return m.Type == "state" && m.State.Connected })
	r.lab.WriteDev("ups.dev", dev("OB DISCHRG", "battery.charge", "", "battery.runtime", ""))
	st, _ := col.wait(t, 0, 10*time.Second, "countdown", func(m api.Message) bool { return m.Type == "state" && m.State.Countdown != nil })
	mark := waitMarker(t, r.marker, 15*time.Second)
	if d := mark.Sub(st.m.State.Countdown.ShutdownAt); d < -time.Second || d > 1500*time.Millisecond {
		t.Errorf("marker %v from the timer's deadline, want at the deadline", d)
	}
}

// After the reboot that a shutdown made, the state file still says FSD was
// sent, but upsd (restarted) has no FSD: that shutdown is over, and the
// next power failure counts down again, whether the machine comes back on
// mains or still on battery.
func TestShutdownOfAnEarlierBootIsOver(t *testing.T) {
	for _, boot := range []string{"OL", "OB DISCHRG"} {
		t.Run(boot, func(t *testing.T) {
			state := shortDir(t)
			past := time.Now().Add(-10 * time.Minute)
			if err := saveShutdownState(state, ShutdownState{UPS: "ups", Flags: []string{"DISCHRG", "FSD", "OB"},
				Countdown: &Saved{Reason: "ONBATT", Started: past, ShutdownAt: past.Add(3 * time.Second), FSDSent: true}}); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(EtcDir(state), 0o700); err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for k, v := range dev(boot) {
				b.WriteString(k + ": " + v + "\n")
			}
			os.WriteFile(filepath.Join(EtcDir(state), "ups.dev"), []byte(b.String()), 0o600)
			r := startServiceIn(t, state, func(s *nut.Settings) { s.ShutdownTimer = 3 })
			col := collect(t, filepath.Join(r.state, api.SocketName))
			col.wait(t, 0, 20*time.Second, "connected state", func(m api.Message) bool { return m.Type == "state" && m.State.Connected })
			if boot == "OL" {
				time.Sleep(1500 * time.Millisecond)
				if v := r.svc.Watcher().State().Countdown; v != nil {
					t.Fatalf("the earlier boot's shutdown still shows: %+v", v)
				}
				r.lab.WriteDev("ups.dev", dev("OB DISCHRG"))
			}
			st, _ := col.wait(t, 0, 10*time.Second, "a new countdown", func(m api.Message) bool {
				return m.Type == "state" && m.State.Countdown != nil && m.State.Countdown.Started.After(past.Add(time.Minute))
			})
			mark := waitMarker(t, r.marker, 15*time.Second)
			if d := mark.Sub(st.m.State.Countdown.ShutdownAt); d < -time.Second || d > 1500*time.Millisecond {
				t.Errorf("marker %v from the new countdown's deadline", d)
			}
		})
	}
}
