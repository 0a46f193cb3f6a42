//go:build !nogui

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/gui/window"
	"github.com/nutmeg-ups/nutmeg/nut/api"
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
