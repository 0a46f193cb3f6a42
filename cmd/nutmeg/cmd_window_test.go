//go:build !nogui

package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/gui/window"
	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/testneed"
)

func TestWindowBadInput(t *testing.T) {
	for _, args := range [][]string{{"window", "--socket", "/x.sock", "--state", "/y"}, {"window", "extra"}, {"window", "--bogus"}} {
		if code, _, errOut := runCmd(t, args...); code != 2 {
			t.Errorf("%v: exit %d (%s), want 2", args, code, errOut)
		}
	}
}

func TestWindowSocketChoice(t *testing.T) {
	t.Setenv(envSocket, "")
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	tests := []struct {
		socket, state, env, want string
	}{
		{"/a.sock", "", "/env.sock", "/a.sock"},
		{"", "/st", "/env.sock", api.SocketPath("/st")},
		{"", "", "/env.sock", "/env.sock"},
		{"", "", "", api.SocketPath(filepath.Join(os.Getenv("XDG_STATE_HOME"), "nutmeg"))},
	}
	for _, tc := range tests {
		t.Setenv(envSocket, tc.env)
		if got, err := windowSocket(tc.socket, tc.state); err != nil || got != tc.want {
			t.Errorf("%+v: %q %v", tc, got, err)
		}
	}
}

// TestWindowSecondStart: with a window already open on a service, a second
// `nutmeg window` for that service asks it to come forward and exits 0
// without opening another.
func TestWindowSecondStart(t *testing.T) {
	dir, err := os.MkdirTemp("", "nmw")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	t.Setenv("XDG_RUNTIME_DIR", dir)
	sock := filepath.Join(dir, "svc", api.SocketName)
	first, err := window.Claim(window.InstancePath(sock))
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	shown := make(chan struct{}, 1)
	go first.Serve(func() { shown <- struct{}{} })

	code, _, errOut := runCmd(t, "window", "--socket", sock)
	if code != 0 || !strings.Contains(errOut, "already open") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	select {
	case <-shown:
	case <-time.After(5 * time.Second):
		t.Fatal("the open window was not asked to come forward")
	}
}

// The real status window on the test's X display: it comes up, a second
// start brings it forward through its idle loop, and SIGTERM ends it cleanly
// (the idle loop stops before GLFW goes).
func TestWindowRunsAndQuits(t *testing.T) {
	testneed.Display(t)
	xdotool := testneed.Tool(t, "xdotool")
	bin := filepath.Join(pair(t), guiName)
	rt := t.TempDir()
	sock := filepath.Join(rt, "svc", api.SocketName) // no service: the window says so
	args := []string{"window", "--socket", sock, "--settings", filepath.Join(rt, "settings.json")}
	env := append(os.Environ(), "XDG_RUNTIME_DIR="+rt)
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		cmd.Process.Kill()
		if t.Failed() {
			t.Logf("the window's stderr:\n%s", stderr.String())
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, xdotool, "search", "--sync", "--name", "^Nutmeg: UPS status$").Output(); err != nil || len(strings.Fields(string(out))) != 1 {
		t.Fatalf("the status window did not appear: %v, %q", err, out)
	}

	second := exec.Command(bin, args...)
	second.Env = env
	out, err := second.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "already open") {
		t.Fatalf("second start: %v: %s", err, out)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("the window ended with %v after SIGTERM", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the window did not quit on SIGTERM")
	}
	if strings.Contains(stderr.String(), "panic") {
		t.Fatalf("the window panicked:\n%s", stderr.String())
	}
}
