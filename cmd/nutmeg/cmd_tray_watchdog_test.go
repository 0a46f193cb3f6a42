package main

import (
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/api"
)

// Without a systemd user manager (none answers in this test's session) the
// tray is what keeps the user's service alive: a SIGKILLed service is
// started again once its socket has been silent for the watchdog's 5 s,
// and answers again with the UPS's status.
func TestTrayWatchdogRestartsAKilledService(t *testing.T) {
	// Its private session bus and runtime dir hold no systemd user
	// manager, so the tray must watch the service by itself.
	state, out := trayWithUserService(t, "66")

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
