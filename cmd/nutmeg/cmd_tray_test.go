package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/testneed"
)

// panelHost stands in for a panel's org.kde.StatusNotifierWatcher.
type panelHost struct{}

func (panelHost) RegisterStatusNotifierItem(string) *dbus.Error { return nil }

// trayDesktop builds nutmeg and nutmeg-tray side by side into dir and starts
// a private session bus; env points XDG_* into home.
func trayDesktop(t *testing.T) (dir, home string, env []string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binaries")
	}
	daemon := testneed.Tool(t, "dbus-daemon")
	dir = t.TempDir()
	for _, pkg := range []string{".", "../nutmeg-tray"} {
		name := "nutmeg"
		if pkg != "." {
			name = "nutmeg-tray"
		}
		placeBinary(t, goBuild(t, pkg, ""), filepath.Join(dir, name))
	}

	// The bus's socket goes in a dir of the test's, removed after it (the
	// session config's tmpdir=/tmp leaves a socket file in /tmp); a short
	// path, as a socket's must fit in 108 bytes.
	busDir, err := os.MkdirTemp("", "nmbus")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(busDir) })
	bus := exec.Command(daemon, "--session", "--address=unix:dir="+busDir, "--nofork", "--print-address=1")
	busOut, _ := bus.StdoutPipe()
	if err := bus.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bus.Process.Kill(); bus.Wait() })
	addr, err := bufio.NewReader(busOut).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}

	// A panel's StatusNotifierItem host, so the tray shows its icon instead
	// of opening the status window (gui/tray's nohost.go).
	panel, err := dbus.Connect(strings.TrimSpace(addr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { panel.Close() })
	if err := panel.Export(panelHost{}, "/StatusNotifierWatcher", "org.kde.StatusNotifierWatcher"); err != nil {
		t.Fatal(err)
	}
	if r, err := panel.RequestName("org.kde.StatusNotifierWatcher", dbus.NameFlagDoNotQueue); err != nil || r != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own the watcher name: %v %v", r, err)
	}

	home = t.TempDir()
	env = append(os.Environ(), "DBUS_SESSION_BUS_ADDRESS="+strings.TrimSpace(addr),
		"XDG_RUNTIME_DIR="+filepath.Join(home, "run"), "XDG_STATE_HOME="+filepath.Join(home, "state"),
		"XDG_CONFIG_HOME="+filepath.Join(home, "config"))
	os.MkdirAll(filepath.Join(home, "run"), 0o700)
	return dir, home, env
}

// TestTrayExecsLightBinary builds nutmeg and nutmeg-tray side by side and
// starts `nutmeg` (the tray, the default command) on a private session bus:
// the running process must be nutmeg-tray (nutmeg links Fyne for its
// windows; the tray must not pay for that), a second start must exit at
// once with status 0, and SIGTERM must end the tray cleanly. With
// NUTMEG_TRAY_INPROCESS=1 the tray runs inside nutmeg instead. The RSS of
// both is logged.
func TestTrayExecsLightBinary(t *testing.T) {
	dir, home, env := trayDesktop(t)
	// Saved settings: not a first run, so no wizard window is started.
	s := nut.Defaults()
	s.Autostart = true
	if err := nut.Save(filepath.Join(home, "config", "nutmeg", "settings.json"), s); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		inprocess bool
		comm      string
	}{{false, "nutmeg-tray"}, {true, "nutmeg"}} {
		cmd := exec.Command(filepath.Join(dir, "nutmeg"))
		cmd.Env = env
		if tc.inprocess {
			cmd.Env = append(cmd.Env, "NUTMEG_TRAY_INPROCESS=1")
		}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		pid := cmd.Process.Pid
		// The instance lock is taken once the tray is up, after any exec.
		deadline := time.Now().Add(15 * time.Second)
		for {
			b, _ := os.ReadFile(filepath.Join(home, "run", "nutmeg-tray.lock"))
			if strings.TrimSpace(string(b)) == strconv.Itoa(pid) {
				break
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatalf("tray never took its lock\n%s", out.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if got := strings.TrimSpace(string(comm)); got != tc.comm {
			t.Errorf("inprocess=%v: the tray runs as %q, want %q", tc.inprocess, got, tc.comm)
		}
		time.Sleep(time.Second)
		status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		for _, l := range strings.Split(string(status), "\n") {
			if strings.HasPrefix(l, "VmRSS:") {
				t.Logf("%s: %s", tc.comm, strings.Join(strings.Fields(l), " "))
			}
		}

		second := exec.Command(filepath.Join(dir, "nutmeg"))
		second.Env = cmd.Env
		msg, err := second.CombinedOutput()
		if err != nil || !strings.Contains(string(msg), "already running") {
			t.Errorf("second start: %v %q", err, msg)
		}

		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("tray after SIGTERM: %v\n%s", err, out.String())
			}
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("tray ignored SIGTERM\n%s", out.String())
		}
	}
	// Settings say autostart: the tray wrote the login entry.
	entry, err := os.ReadFile(filepath.Join(home, "config", "autostart", "nutmeg.desktop"))
	if err != nil || !strings.Contains(string(entry), "Exec="+filepath.Join(dir, "nutmeg")) {
		t.Errorf("autostart entry: %v\n%s", err, entry)
	}
}
