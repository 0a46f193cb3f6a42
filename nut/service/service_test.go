package service

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/conf"
	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
)

// labSettings are settings for a dummy-ups UPS reading ups.dev from the
// service's etc dir, on a free port, whose SHUTDOWNCMD writes marker.
func labSettings(t testing.TB, marker string) nut.Settings {
	s := nut.Defaults()
	s.Identifier = "ups"
	s.Driver = "dummy-ups"
	s.Port = "ups.dev"
	s.RemotePort = nutlab.FreePort(t)
	s.ShutdownTimer = 3
	s.ShutdownCmd = fmt.Sprintf("/bin/sh -c 'date +%%s.%%N >> %s'", marker)
	s.HostSync = 0
	s.NoCommWarnTime = 5
	return s
}

type runningService struct {
	svc    *Service
	lab    *nutlab.Lab // for WriteDev into the service's etc
	state  string
	marker string
	cancel context.CancelFunc
	done   chan error
	stop   func()             // stops the service and releases the upsmon lock; idempotent
	log    *nutlab.SyncBuffer // what the service logged (also on stderr)
}

func startService(t testing.TB, mutate func(*nut.Settings)) *runningService {
	t.Helper()
	return startServiceIn(t, shortDir(t), mutate)
}

// startServiceIn is startService on a given state dir (which may hold what
// an earlier run left).
func startServiceIn(t testing.TB, state string, mutate func(*nut.Settings)) *runningService {
	t.Helper()
	nutlab.Require(t)
	marker := filepath.Join(state, "marker")
	s := labSettings(t, marker)
	if mutate != nil {
		mutate(&s)
	}
	lab := nutlab.New(t)
	lab.Etc = EtcDir(state)
	if err := os.MkdirAll(lab.Etc, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(lab.Etc, "ups.dev")); err != nil {
		lab.WriteDev("ups.dev", dev("OL"))
	}
	settingsPath := filepath.Join(state, "settings.json")
	if err := nut.Save(settingsPath, s); err != nil {
		t.Fatal(err)
	}
	lock := nutlab.LockUpsmon(t)
	logs := &nutlab.SyncBuffer{}
	svc, err := New(Config{Settings: s, SettingsPath: settingsPath, StateDir: state, Listen: []string{"127.0.0.1"},
		RestartMin: 500 * time.Millisecond, RetryEvery: testRetryEvery, Log: slog.New(slog.NewTextHandler(io.MultiWriter(os.Stderr, logs), nil))})
	if err != nil {
		lock.Close()
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &runningService{svc: svc, lab: lab, state: state, marker: marker, cancel: cancel, done: make(chan error, 1), log: logs}
	go func() {
		err := svc.Run(ctx)
		if err != nil {
			slog.Error("service.Run ended", "err", err) // visible when a wait below times out
		}
		r.done <- err
	}()
	r.stop = sync.OnceFunc(func() {
		cancel()
		<-r.done
		lock.Close()
	})
	t.Cleanup(r.stop)
	return r
}

func TestServiceFromSettings(t *testing.T) {
	r := startService(t, nil)
	col := collect(t, filepath.Join(r.state, api.SocketName))
	col.wait(t, 0, 20*time.Second, "connected state", func(m api.Message) bool { return m.Type == "state" && m.State.Connected })
	for _, name := range append(conf.ManagedNames[:0:0], conf.ManagedNames...) {
		st, err := os.Stat(filepath.Join(EtcDir(r.state), name))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v, want mode 0600", name, err, st)
		}
	}
	if st, err := os.Stat(filepath.Join(r.state, api.SocketName)); err != nil || st.Mode().Perm() != 0o660 {
		t.Errorf("socket: %v, want mode 0660", err)
	}
	users, _ := os.ReadFile(filepath.Join(EtcDir(r.state), conf.UPSDUsers))
	if !strings.Contains(string(users), "["+AdminUser+"]") {
		t.Errorf("upsd.users lacks the service's admin user:\n%s", users)
	}
	ctx := t.Context()
	rep, err := col.c.Do(ctx, api.Request{Op: "history", Range: "1h"})
	if err != nil || !rep.OK || len(rep.History) == 0 || !rep.History[0].Charge.OK {
		t.Errorf("history: %+v %v", rep, err)
	}
	// Instant commands: the service's admin user has the rights; an
	// unknown command is refused with upsd's reason.
	cmds, _ := col.wait(t, 0, 10*time.Second, "instant commands", func(m api.Message) bool { return m.Type == "state" && len(m.State.Commands) > 0 })
	st := cmds.m.State
	t.Logf("instant commands: %v", st.Commands)
	if rep, err := col.c.Do(ctx, api.Request{Op: "command", Name: "no.such.command"}); err != nil || rep.OK || rep.Reason == "" {
		t.Errorf("unknown command: %+v %v", rep, err)
	}
	if len(st.Commands) > 0 {
		cmd := st.Commands[0]
		if Destructive(cmd) {
			// What can switch the outlets off needs the confirm field to name it.
			for _, confirm := range []string{"", "yes", "load.on"} {
				if rep, err := col.c.Do(ctx, api.Request{Op: "command", Name: cmd, Confirm: confirm}); err != nil || rep.OK || !strings.Contains(rep.Reason, "confirm") {
					t.Errorf("command %s with confirm %q: %+v %v, want a refusal asking for confirm", cmd, confirm, rep, err)
				}
			}
		}
		if rep, err := col.c.Do(ctx, api.Request{Op: "command", Name: cmd, Confirm: cmd}); err != nil || !rep.OK {
			t.Errorf("command %s: %+v %v", cmd, rep, err)
		}
	}
	// Shutting the computer down needs confirm too, countdown or not.
	if rep, err := col.c.Do(ctx, api.Request{Op: "shutdown-now"}); err != nil || rep.OK || !strings.Contains(rep.Reason, `confirm "shutdown-now"`) {
		t.Errorf("shutdown-now without confirm: %+v %v", rep, err)
	}
	if m := markers(t, r.marker); len(m) != 0 {
		t.Fatalf("an unconfirmed shutdown-now shut down: %v", m)
	}
	if rep, err := col.c.Do(ctx, api.Request{Op: "bogus"}); err != nil || rep.OK || !strings.Contains(rep.Reason, "unknown request") {
		t.Errorf("bogus request: %+v %v", rep, err)
	}

	// A power failure runs the whole chain: countdown, FSD, marker.
	r.lab.WriteDev("ups.dev", dev("OB DISCHRG"))
	ev, i := col.event(t, 0, EvOnBatt, 10*time.Second)
	mark := waitMarker(t, r.marker, 10*time.Second)
	if d := mark.Sub(ev.m.Event.Time); d < 2*time.Second || d > 4*time.Second {
		t.Errorf("marker %v after ONBATT, want 3 s ± 1 s", d)
	}
	col.event(t, i, EvShutdown, 3*time.Second)
	rep, err = col.c.Do(ctx, api.Request{Op: "events", Limit: 2})
	if err != nil || !rep.OK || len(rep.Events) != 2 {
		t.Fatalf("events: %+v %v", rep, err)
	}
}

// Secondary mode: the service runs upsmon alone, following another upsd.
// `upsmon -c fsd` on a secondary runs SHUTDOWNCMD at once, without setting
// FSD on the primary (upsmon's forceshutdown: only primaries set FSD and
// wait for others), so the countdown works the same and the primary is
// left alone.
func TestSecondaryCountdown(t *testing.T) {
	nutlab.Require(t)
	primary, _ := primaryLab(t)
	state := shortDir(t)
	marker := filepath.Join(state, "marker")
	s := labSettings(t, marker)
	secondaryOf(primary)(&s)
	lock := nutlab.LockUpsmon(t)
	defer lock.Close()
	svc, err := New(Config{Settings: s, StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(EtcDir(state), conf.UPSConf)); err == nil {
		t.Error("secondary mode wrote ups.conf")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		err := svc.Run(ctx)
		if err != nil {
			slog.Error("service.Run ended", "err", err)
		}
		done <- err
	}()
	defer func() { cancel(); <-done }()
	col := collect(t, filepath.Join(state, api.SocketName))
	col.wait(t, 0, 20*time.Second, "connected state", func(m api.Message) bool { return m.Type == "state" && m.State.Connected })
	if p := svc.Supervisor().Pids(); p["driver"] != 0 || p["upsd"] != 0 || p["upsmon"] == 0 {
		t.Fatalf("secondary runs %v, want upsmon only", p)
	}
	primary.WriteDev("ups.dev", dev("OB DISCHRG"))
	ev, i := col.event(t, 0, EvOnBatt, 10*time.Second)
	st, _ := col.wait(t, i, 3*time.Second, "countdown", func(m api.Message) bool { return m.Type == "state" && m.State.Countdown != nil })
	mark := waitMarker(t, marker, 10*time.Second)
	t.Logf("secondary: marker %v after ONBATT, %v from ShutdownAt", mark.Sub(ev.m.Event.Time), mark.Sub(st.m.State.Countdown.ShutdownAt))
	if d := mark.Sub(st.m.State.Countdown.ShutdownAt); d < -time.Second || d > time.Second {
		t.Errorf("marker %v from ShutdownAt", d)
	}
	if v, _ := primary.Var("ups", "ups.status"); strings.Contains(v, "FSD") {
		t.Errorf("a secondary's countdown set FSD on the primary: %q", v)
	}
}

// primaryLab runs the upsd that a secondary follows (another machine's,
// in effect): dummy-ups on line power, and upsd with the lab's users.
func primaryLab(t testing.TB) (*nutlab.Lab, *nutlab.Proc) {
	t.Helper()
	primary := nutlab.New(t)
	primary.WriteBasic("ups", "ups.dev", labUser, labPass, filepath.Join(primary.Dir, "primary-marker"))
	primary.WriteDev("ups.dev", dev("OL"))
	primary.StartDriver("dummy-ups", "ups")
	upsd := primary.StartUpsd()
	primary.WaitReady("ups", 15*time.Second)
	return primary, upsd
}

// secondaryOf makes settings those of a secondary of primary's upsd.
func secondaryOf(primary *nutlab.Lab) func(*nut.Settings) {
	return func(s *nut.Settings) {
		s.Mode, s.Driver, s.Port = nut.ModeSecondary, "", ""
		s.RemoteHost, s.RemotePort = "127.0.0.1", primary.Port
		s.MonUser, s.MonPwd = labUser, labPass
	}
}

// A reload that renames the UPS and changes the policy: NUT restarts on the
// new files and the watcher follows the new name.
func TestReloadNewIdentity(t *testing.T) {
	r := startService(t, nil)
	col := collect(t, filepath.Join(r.state, api.SocketName))
	col.wait(t, 0, 20*time.Second, "connected state", func(m api.Message) bool { return m.Type == "state" && m.State.Connected })
	s, err := nut.Load(filepath.Join(r.state, "settings.json"))
	if err != nil {
		t.Fatal(err)
	}
	s.Identifier = "ups2"
	s.Shutdown = nut.ShutdownLowBatt
	// A reload reads only the settings file the service was started with.
	path2 := filepath.Join(r.state, "settings2.json")
	nut.Save(path2, s)
	rep, err := col.c.Do(t.Context(), api.Request{Op: "reload", Name: path2})
	if err != nil || rep.OK || !strings.Contains(rep.Reason, "reads only its own settings file") {
		t.Fatalf("reload of another file: %+v %v, want a refusal", rep, err)
	}
	if r.svc.Watcher().State().UPS != "ups" {
		t.Fatal("a refused reload changed the UPS")
	}
	if err := nut.Save(filepath.Join(r.state, "settings.json"), s); err != nil {
		t.Fatal(err)
	}
	n := col.len()
	rep, err = col.c.Do(t.Context(), api.Request{Op: "reload", Name: filepath.Join(r.state, "settings.json")})
	if err != nil || !rep.OK {
		t.Fatalf("reload: %+v %v", rep, err)
	}
	st, _ := col.wait(t, n, 20*time.Second, "state of ups2", func(m api.Message) bool {
		return m.Type == "state" && m.State.UPS == "ups2" && m.State.Connected && m.State.Status != nil
	})
	if st.m.State.Shutdown != nut.ShutdownLowBatt || st.m.State.Status.UPS != "ups2" {
		t.Fatalf("state after reload: %+v", st.m.State)
	}
	// lowbatt now: OB alone starts no countdown.
	r.lab.WriteDev("ups.dev", dev("OB"))
	col.event(t, n, EvOnBatt, 10*time.Second)
	time.Sleep(time.Second)
	if r.svc.Watcher().State().Countdown != nil {
		t.Fatal("countdown after switching to lowbatt")
	}
}
