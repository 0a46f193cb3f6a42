package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
	"github.com/nutmeg-ups/nutmeg/nut/service"
)

// buildNutmeg is the binary, built once per test process (goBuild).
func buildNutmeg(t *testing.T) string {
	t.Helper()
	return goBuild(t, ".", "")
}

// nutPids are the processes whose environment points NUT at etc: what a
// service started.
func nutPids(t *testing.T, etc string) []int {
	t.Helper()
	return nutlab.PidsWhere(func(cmdline, environ []byte) bool {
		return bytes.Contains(environ, []byte("NUT_CONFPATH="+etc+"\x00")) && bytes.Contains(cmdline, []byte("/lib/nut/"))
	})
}

func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	return err == nil && !strings.Contains(string(b), ") Z ")
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestServiceCommandApplyEventsSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("runs NUT")
	}
	nutlab.Require(t)
	bin := buildNutmeg(t)
	state, err := os.MkdirTemp("", "nm")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(state)
	etc := service.EtcDir(state)
	lab := nutlab.New(t)
	lab.Etc = etc
	os.MkdirAll(etc, 0o700)
	lab.WriteDev("ups.dev", map[string]string{"ups.status": "OL", "battery.charge": "80"})

	s := nut.Defaults()
	s.Driver, s.Port, s.RemotePort = "dummy-ups", "ups.dev", nutlab.FreePort(t)
	s.ShutdownCmd = "/bin/sh -c 'date +%s.%N >> " + filepath.Join(state, "marker") + "'"
	s.Shutdown = nut.ShutdownLowBatt
	settings := filepath.Join(state, "settings.json")
	if err := nut.Save(settings, s); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "NUTMEG_MONITOR_PASSWORD="+s.MonPwd)

	lock := nutlab.LockUpsmon(t)
	defer lock.Close()
	// Relative paths, as a user types them: NUT's daemons change directory,
	// so the service must hand them absolute ones.
	svc := exec.Command(bin, "service", "--settings", filepath.Join(filepath.Base(state), "settings.json"), "--state", filepath.Base(state))
	svc.Dir = filepath.Dir(state)
	svc.Env = env
	var logs syncBuf
	svc.Stdout, svc.Stderr = &logs, &logs
	if err := svc.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- svc.Wait() }()
	defer func() {
		_ = svc.Process.Kill()
		for _, p := range nutPids(t, etc) {
			syscall.Kill(p, syscall.SIGKILL)
		}
	}()

	// Wait for the socket and a connected state.
	var c *api.Client
	deadline := time.Now().Add(30 * time.Second)
	for c == nil {
		if time.Now().After(deadline) {
			t.Fatalf("no socket; service log:\n%s", logs.String())
		}
		c, _ = api.Dial(context.Background(), api.SocketPath(state))
		time.Sleep(100 * time.Millisecond)
	}
	msgs := make(chan api.Message, 1000)
	go func() {
		for m := range c.Messages() {
			msgs <- m
		}
	}()
	waitConnected := func(what string) {
		t.Helper()
		timeout := time.After(30 * time.Second)
		for {
			select {
			case m := <-msgs:
				if m.Type == "state" && m.State.Connected {
					return
				}
			case <-timeout:
				t.Fatalf("%s: not connected; log:\n%s", what, logs.String())
			}
		}
	}
	waitConnected("start")
	first := nutPids(t, etc)
	if len(first) < 4 {
		t.Fatalf("NUT processes %v, want driver, upsd and upsmon's two", first)
	}
	if strings.Contains(logs.String(), s.MonPwd) {
		t.Fatal("the monitor password is in the service's log")
	}
	for _, p := range first {
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p))
		if strings.Contains(string(cmdline), s.MonPwd) {
			t.Fatal("the monitor password is in a process's arguments")
		}
	}

	// `nutmeg status` reads the service's socket: words and JSON.
	out, err := exec.Command(bin, "status", "--socket", api.SocketPath(state)).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "ups (via the Nutmeg service, primary): On line power · 80%\n") ||
		!strings.Contains(string(out), "Battery charge:   80 %") {
		t.Fatalf("status: %v\n%s", err, out)
	}
	out, err = exec.Command(bin, "status", "--json", "--socket", api.SocketPath(state)).Output()
	var st api.State
	if err != nil || json.Unmarshal(out, &st) != nil || !st.Connected || st.Status == nil || !st.Status.Has("OL") ||
		st.Status.Charge.V != 80 || st.Status.Runtime.OK {
		t.Fatalf("status --json: %v\n%s", err, out)
	}
	if out, err := exec.Command(bin, "status", "--socket", filepath.Join(state, "none.sock")).CombinedOutput(); err == nil ||
		!strings.Contains(string(out), "service is not running") {
		t.Fatalf("status without a service: %v\n%s", err, out)
	}

	// apply through the running service: new settings, NUT restarted.
	s.ShutdownTimer = 77
	s.Description = "applied"
	nut.Save(settings, s)
	apply := exec.Command(bin, "apply", "--settings", settings, "--state", state)
	apply.Env = env
	out, err = apply.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "running service restarted NUT") || !strings.Contains(string(out), "ups.status: OL") {
		t.Fatalf("apply: %v\n%s\nservice log:\n%s", err, out, logs.String())
	}
	ups, _ := os.ReadFile(filepath.Join(etc, "ups.conf"))
	if !strings.Contains(string(ups), "applied") {
		t.Fatalf("ups.conf not replaced:\n%s", ups)
	}
	second := nutPids(t, etc)
	for _, p := range first {
		if alive(p) {
			t.Errorf("pid %d of the first NUT still runs after apply", p)
		}
	}

	// A failing apply names the step, restores the files, NUT runs again.
	bad := s
	bad.Port = "missing.dev"
	nut.Save(settings, bad)
	apply = exec.Command(bin, "apply", "--settings", settings, "--state", state)
	apply.Env = env
	out, err = apply.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "start NUT on the new files") || !strings.Contains(string(out), "restored") {
		t.Fatalf("failing apply: %v\n%s", err, out)
	}
	t.Logf("failing apply says: %s", strings.TrimSpace(string(out)))
	ups, _ = os.ReadFile(filepath.Join(etc, "ups.conf"))
	if strings.Contains(string(ups), "missing.dev") {
		t.Fatalf("failed files left in place:\n%s", ups)
	}
	waitConnected("after the failed apply")
	third := nutPids(t, etc)

	// nutmeg events --json reads the log.
	ev := exec.Command(bin, "events", "--json", "--state", state)
	out, err = ev.Output()
	if err != nil {
		t.Fatalf("events: %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var e api.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.Name == "" {
			t.Fatalf("events --json line %q: %v", sc.Text(), err)
		}
	}

	// SIGTERM: the service ends and no NUT process is left.
	c.Close()
	if err := svc.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("service exit: %v\n%s", err, logs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("service did not stop on SIGTERM:\n%s", logs.String())
	}
	for _, set := range [][]int{first, second, third} {
		for _, p := range set {
			if alive(p) {
				t.Errorf("NUT pid %d still runs after SIGTERM", p)
			}
		}
	}
	if left := nutPids(t, etc); len(left) > 0 {
		t.Errorf("NUT processes left: %v", left)
	}
	if _, err := os.Stat(api.SocketPath(state)); err == nil {
		t.Error("socket left behind")
	}
}
