package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
	"github.com/nutmeg-ups/nutmeg/nut/service"
)

// servicePids are the `nutmeg service` processes working in state.
func servicePids(state string) []int {
	return nutlab.PidsWhere(func(cmdline, _ []byte) bool {
		return bytes.Contains(cmdline, []byte("\x00service\x00")) && bytes.Contains(cmdline, []byte(state))
	})
}

// At login only the tray starts (the autostart entry); it must bring up the
// user's service for the saved settings, which nothing else restarts after
// a reboot.
// trayWithUserService saves settings for a dummy-ups UPS reporting charge
// into a private desktop and starts the tray there (no systemd user
// manager on its bus). Cleanup stops the tray, then the service it
// started, and checks that no NUT process outlives them.
func trayWithUserService(t *testing.T, charge string) (state string, out *syncBuf) {
	t.Helper()
	nutlab.Require(t)
	dir, home, env := trayDesktop(t)
	state = filepath.Join(home, "state", "nutmeg")
	etc := service.EtcDir(state)
	if err := os.MkdirAll(etc, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(etc, "ups.dev"), []byte("ups.status: OL\nbattery.charge: "+charge+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := nut.Defaults()
	s.Driver, s.Port, s.RemotePort = "dummy-ups", "ups.dev", nutlab.FreePort(t)
	s.ShutdownCmd = "/bin/sh -c 'date >> " + filepath.Join(home, "marker") + "'"
	s.Autostart = false
	if err := nut.Save(filepath.Join(home, "config", "nutmeg", "settings.json"), s); err != nil {
		t.Fatal(err)
	}
	lock := nutlab.LockUpsmon(t)
	tray := exec.Command(filepath.Join(dir, "nutmeg"))
	tray.Env = append(env, "NUTMEG_MONITOR_PASSWORD="+s.MonPwd)
	out = &syncBuf{}
	tray.Stdout, tray.Stderr = out, out
	if err := tray.Start(); err != nil {
		lock.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		defer lock.Close()
		tray.Process.Signal(syscall.SIGTERM)
		tray.Wait()
		for _, p := range servicePids(state) {
			syscall.Kill(p, syscall.SIGTERM)
		}
		deadline := time.Now().Add(15 * time.Second)
		for len(servicePids(state)) > 0 || len(nutPids(t, etc)) > 0 {
			if time.Now().After(deadline) {
				t.Errorf("service or NUT still running after SIGTERM: %v %v", servicePids(state), nutPids(t, etc))
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	return state, out
}

func TestTrayStartsTheUserService(t *testing.T) {
	state, out := trayWithUserService(t, "77")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var c *api.Client
	for c == nil {
		if ctx.Err() != nil {
			log, _ := os.ReadFile(filepath.Join(state, "service.log"))
			t.Fatalf("the tray did not start the service\ntray:\n%s\nservice.log:\n%s", out.String(), log)
		}
		c, _ = api.Dial(ctx, api.SocketPath(state))
		time.Sleep(200 * time.Millisecond)
	}
	defer c.Close()
	for {
		select {
		case m := <-c.Messages():
			if m.Type == "state" && m.State.Connected && m.State.Status != nil && m.State.Status.Charge.V == 77 {
				if n := len(servicePids(state)); n != 1 {
					t.Fatalf("%d service processes, want 1", n)
				}
				return
			}
		case <-ctx.Done():
			t.Fatalf("the service never saw the UPS\ntray:\n%s", out.String())
		}
	}
}
