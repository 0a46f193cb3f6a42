package userunit

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nutmeg-ups/nutmeg/nut/testneed"
)

// The unit passes systemd's own checker, with paths that need quoting.
func TestUnitVerifies(t *testing.T) {
	analyze := testneed.Tool(t, "systemd-analyze")
	dir := filepath.Join(t.TempDir(), "with space $HOME %h")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "nutmeg")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	units := t.TempDir()
	unit := filepath.Join(units, Name)
	text := Text(exe, filepath.Join(dir, "settings.json"), filepath.Join(dir, "state"))
	if err := os.WriteFile(unit, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Restart=always", "WantedBy=default.target"} {
		if !strings.Contains(text, want) {
			t.Errorf("unit lacks %s", want)
		}
	}
	verify := exec.Command(analyze, "verify", "--user", "--man=no", unit)
	// the user manager it simulates needs a runtime dir, nothing else
	verify.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir())
	out, err := verify.CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s\n%s", err, out, text)
	}
	if !strings.Contains(text, `ExecStart="`+strings.ReplaceAll(exe, "%", "%%")+`" service`) {
		t.Errorf("ExecStart does not quote the path:\n%s", text)
	}
}

// Install writes the unit into the user's unit dir and enables and starts
// it through systemctl --user (a stand-in that records its calls).
func TestInstallEnablesAndStarts(t *testing.T) {
	dir := t.TempDir()
	calls := filepath.Join(dir, "calls")
	ctl := filepath.Join(dir, "systemctl")
	os.WriteFile(ctl, []byte("#!/bin/sh\necho \"$*\" >> "+calls+"\n"), 0o755)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	m := Manager{Systemctl: []string{ctl, "--user"}}
	if !m.Available(context.Background()) {
		t.Fatal("stand-in manager not available")
	}
	if m.Installed() {
		t.Fatal("installed before Install")
	}
	if err := m.Install(context.Background(), "/usr/bin/nutmeg", "/home/u/.config/nutmeg/settings.json", "/home/u/.local/state/nutmeg"); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "config", "systemd", "user", Name))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `ExecStart="/usr/bin/nutmeg" service --settings "/home/u/.config/nutmeg/settings.json" --state "/home/u/.local/state/nutmeg"`) {
		t.Fatalf("unit:\n%s", b)
	}
	got, _ := os.ReadFile(calls)
	want := []string{"--user show-environment", "--user daemon-reload", "--user enable --now nutmeg.service"}
	if lines := strings.Split(strings.TrimSpace(string(got)), "\n"); !slices.Equal(lines, want) {
		t.Fatalf("systemctl calls %q, want %q", lines, want)
	}
	if !m.Installed() {
		t.Fatal("not installed after Install")
	}
	// A manager that does not answer is not available.
	if (Manager{Systemctl: []string{"false"}}).Available(context.Background()) {
		t.Fatal("a failing systemctl counts as available")
	}
}
