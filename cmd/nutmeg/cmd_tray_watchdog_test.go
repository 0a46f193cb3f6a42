package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
	"github.com/nutmeg-ups/nutmeg/nut/service"
)

// Without a systemd user manager (none answers in this test's session) the
// tray is what keeps the user's service alive: a SIGKILLed service is
// started again once its socket has been silent for the watchdog's 5 s,
// and answers again with the UPS's status.
func TestTrayWatchdogRestartsAKilledService(t *testing.T) {
	nutlab.Require(t)
	dir, home, env := trayDesktop(t)
	state := filepath.Join(home, "state", "nutmeg")
	etc := service.EtcDir(state)
	if err := os.MkdirAll(etc, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(etc, "ups.dev"), []byte("ups.status: OL\nbattery.charge: 66\n"), 0o600); err != nil {
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
	defer lock.Close()

	tray := exec.Command(filepath.Join(dir, "nutmeg"))
	// its private session bus and runtime dir hold no systemd user
	// manager, so the tray must watch the service by itself
	tray.Env = append(env, "NUTMEG_MONITOR_PASSWORD="+s.MonPwd)
	var out syncBuf
	tray.Stdout, tray.Stderr = &out, &out
	if err := tray.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
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
	}()

	sock := api.SocketPath(state)
	sees := func(what string, wait time.Duration) {
		t.Helper()
		if err := api.WaitAnswers(t.Context(), sock, wait); err != nil {
			log, _ := os.ReadFile(filepath.Join(state, "service.log"))
			t.Fatalf("%s: %v\ntray:\n%s\nservice.log:\n%s", what, err, out.String(), log)
		}
	}
	sees("the tray did not start the service", time.Minute)
	first := servicePids(state)
	if len(first) != 1 {
		t.Fatalf("%d service processes, want 1", len(first))
	}
	killed := time.Now()
	if err := syscall.Kill(first[0], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var restarted time.Duration
	for {
		if pids := servicePids(state); len(pids) > 0 && !slices.Contains(pids, first[0]) {
			restarted = time.Since(killed)
			break
		}
		if time.Since(killed) > 30*time.Second {
			t.Fatalf("no new service 30 s after SIGKILL\ntray:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("the tray started the service again %v after SIGKILL", restarted.Round(10*time.Millisecond))
	if restarted < 4*time.Second {
		t.Errorf("restarted after %v: before the socket had been silent for 5 s", restarted)
	}
	if restarted > 12*time.Second {
		t.Errorf("restarted only after %v (grace 5 s, checked every second)", restarted)
	}
	sees("the restarted service does not answer", time.Minute)
	c, err := api.Dial(t.Context(), sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case m := <-c.Messages():
			if m.Type == "state" && m.State.Connected && m.State.Status != nil && m.State.Status.Charge.V == 66 {
				if n := len(servicePids(state)); n != 1 {
					t.Fatalf("%d service processes after the restart, want 1", n)
				}
				return
			}
		case <-timeout:
			t.Fatalf("the restarted service never saw the UPS\ntray:\n%s", out.String())
		}
	}
}
