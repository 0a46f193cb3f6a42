package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
	"github.com/nutmeg-ups/nutmeg/nut/secret"
	"github.com/nutmeg-ups/nutmeg/nut/service"
)

// TestJoin sets up secondaries with `nutmeg join` against a real upsd that
// has a primary's two users (upsmon primary, upsmon-remote secondary).
func TestJoin(t *testing.T) {
	if testing.Short() {
		t.Skip("runs NUT")
	}
	lab := nutlab.New(t)
	const remotePwd = `remote-"Pass"-1`
	lab.WriteDev("ups.dev", map[string]string{"ups.status": "OL", "battery.charge": "90"})
	lab.WriteBasic("ups", "ups.dev", "upsmon", "primary-Pass-1", filepath.Join(lab.Dir, "marker"))
	lab.WriteFile("upsd.users", "[upsmon]\n\tpassword = primary-Pass-1\n\tupsmon primary\n\n"+
		"[upsmon-remote]\n\tpassword = \"remote-\\\"Pass\\\"-1\"\n\tupsmon secondary\n\n[watcher]\n\tpassword = watcher-Pass-1\n\tupsmon secondary\n")
	lab.StartDriver("dummy-ups", "ups")
	lab.WaitDriverSocket("dummy-ups", "ups")
	lab.StartUpsd()
	lab.WaitReady("ups", 15*time.Second)

	store := &secret.Memory{}
	prev := joinStore
	joinStore = func() secret.Store { return store }
	t.Cleanup(func() { joinStore = prev })
	t.Setenv("NUTMEG_REMOTE_MONITOR_PASSWORD", "")

	dir := shortDir(t)
	settings := filepath.Join(dir, "settings.json")
	state := filepath.Join(dir, "state")
	target := lab.Addr() + "/ups"
	join := func(stdin string, args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		args = append([]string{"join", "--settings", settings, "--state", state}, args...)
		code := run(args, &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb})
		return code, out.String(), errb.String()
	}
	nothingWritten := func(what string) {
		t.Helper()
		if _, err := os.Stat(settings); err == nil {
			t.Errorf("%s: a settings file was written", what)
		}
		if v, err := store.Get(secret.MonitorPassword); err == nil {
			t.Errorf("%s: the keyring got a password (%d characters)", what, len(v))
		}
	}

	for _, c := range []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"no password", "", []string{target}, 2, "NUTMEG_REMOTE_MONITOR_PASSWORD"},
		{"no target", remotePwd + "\n", []string{"--password-stdin"}, 2, "HOST[:PORT]/UPS"},
		{"no UPS in the target", remotePwd + "\n", []string{"--password-stdin", lab.Addr() + "/"}, 2, "want HOST[:PORT]/UPS"},
		{"bad port", remotePwd + "\n", []string{"--password-stdin", "127.0.0.1:0/ups"}, 2, "port must be 1-65535"},
		{"password on the command line", "", []string{"--password", remotePwd, target}, 2, "not defined: -password"},
		{"wrong password", "wrong-Pass-1\n", []string{"--password-stdin", target}, 1,
			fmt.Sprintf(`the NUT server at %s refused the user "upsmon-remote" for "ups": wrong user name or password`, lab.Addr())},
		{"wrong UPS", remotePwd + "\n", []string{"--password-stdin", lab.Addr() + "/other"}, 1,
			fmt.Sprintf(`the NUT server at %s has no UPS named "other"; it serves "ups"`, lab.Addr())},
		{"nothing listens", remotePwd + "\n", []string{"--password-stdin", fmt.Sprintf("127.0.0.1:%d/ups", nutlab.FreePort(t))}, 1,
			"nothing listens on that port"},
	} {
		code, out, errs := join(c.stdin, c.args...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("%s: exit %d, want %d with %q\nstdout: %s\nstderr: %s", c.name, code, c.code, c.want, out, errs)
		}
		if strings.Contains(out+errs, remotePwd) {
			t.Errorf("%s: the output shows the password", c.name)
		}
		nothingWritten(c.name)
	}

	// The right password on stdin, flags after the target.
	code, out, errs := join(remotePwd+"\n", target, "--password-stdin")
	if code != 0 {
		t.Fatalf("join: exit %d\n%s\n%s", code, out, errs)
	}
	t.Logf("join says:\n%s", out)
	if !strings.Contains(out, "On line power · 90%") || !strings.Contains(out, "joined: this machine follows ups@"+lab.Addr()) {
		t.Errorf("join's output:\n%s", out)
	}
	s, err := nut.Load(settings)
	if err != nil {
		t.Fatal(err)
	}
	if s.Mode != nut.ModeSecondary || s.RemoteHost != "127.0.0.1" || s.RemotePort != lab.Port || s.Identifier != "ups" ||
		s.MonUser != nut.DefaultRemoteUser || s.Driver != "" || s.RMonitor {
		t.Errorf("saved settings: %v", s)
	}
	raw, _ := os.ReadFile(settings)
	if v, _ := store.Get(secret.MonitorPassword); v != remotePwd || strings.Contains(string(raw), "Pass") {
		t.Errorf("the password is not (only) in the keyring: keyring has %d characters; settings file:\n%s", len(v), raw)
	}
	mon, _ := os.ReadFile(filepath.Join(service.EtcDir(state), "upsmon.conf"))
	if !strings.Contains(string(mon), fmt.Sprintf("MONITOR \"ups@127.0.0.1:%d\" 1 \"upsmon-remote\"", lab.Port)) || !strings.Contains(string(mon), " secondary\n") {
		t.Errorf("upsmon.conf:\n%s", mon)
	}

	// Another user, the password from the environment; settings unrelated
	// to the server (here the description) stay.
	s.Description = "kept"
	if err := nut.Save(settings, s); err != nil {
		t.Fatal(err)
	}
	t.Setenv("NUTMEG_REMOTE_MONITOR_PASSWORD", "watcher-Pass-1")
	if code, out, errs := join("", "--user", "watcher", target); code != 0 {
		t.Fatalf("join from the environment: exit %d\n%s\n%s", code, out, errs)
	}
	s, _ = nut.Load(settings)
	if v, _ := store.Get(secret.MonitorPassword); s.MonUser != "watcher" || s.Description != "kept" || v != "watcher-Pass-1" {
		t.Errorf("second join: user %q, description %q, keyring %d characters", s.MonUser, s.Description, len(v))
	}
}

// shortDir is a temp dir with a short path (the service's socket path must
// fit a sockaddr_un).
func shortDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "nmj")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}
