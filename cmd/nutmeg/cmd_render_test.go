package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/conf"
)

func runWithStdin(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb})
	return code, out.String(), errb.String()
}

// renderSettings writes a primary settings file (no secrets in it).
func renderSettings(t *testing.T, edit func(*nut.Settings)) string {
	t.Helper()
	s := nut.Defaults()
	s.Driver, s.Port = "dummy-ups", "ups.dev"
	s.MonPwd, s.RemotePwd = "", ""
	if edit != nil {
		edit(&s)
	}
	path := filepath.Join(t.TempDir(), "settings.json")
	if err := nut.Save(path, s); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRenderCommand(t *testing.T) {
	const pw = `env"Pass'word!`
	const stdinPw = `stdin$Pass;word`
	const remotePw = `remote[Pass]`
	t.Setenv("NUTMEG_MONITOR_PASSWORD", pw)
	t.Setenv("NUTMEG_REMOTE_MONITOR_PASSWORD", remotePw)
	plain := renderSettings(t, nil)
	rmon := renderSettings(t, func(s *nut.Settings) { s.RMonitor = true })
	badUser := renderSettings(t, func(s *nut.Settings) { s.MonUser = "a b" })
	handDir := t.TempDir()
	os.WriteFile(filepath.Join(handDir, "ups.conf"), []byte("[mine]\ndriver = usbhid-ups\nport = auto\n"), 0o600)

	tests := []struct {
		name   string
		stdin  string
		args   []string
		code   int
		want   string // in stdout+stderr
		secret string // must be in the written upsd.users (code 0 only)
	}{
		{name: "env password", args: []string{"--settings", plain}, code: 0, want: "wrote", secret: pw},
		{name: "stdin password", stdin: stdinPw + "\n", args: []string{"--settings", plain, "--password-stdin"}, code: 0, secret: stdinPw},
		{name: "remote monitor", args: []string{"--settings", rmon}, code: 0, secret: remotePw},
		{name: "no out", args: []string{"--settings", plain, "--out", ""}, code: 2, want: "--out"},
		{name: "no settings", args: []string{}, code: 2, want: "--settings"},
		{name: "missing settings file", args: []string{"--settings", filepath.Join(t.TempDir(), "none.json")}, code: 2, want: "--settings"},
		{name: "invalid settings", args: []string{"--settings", badUser}, code: 2, want: "monuser"},
		{name: "empty stdin", stdin: "", args: []string{"--settings", plain, "--password-stdin"}, code: 2, want: "monpwd"},
		{name: "hand-written dir", args: []string{"--settings", plain, "--out", handDir}, code: 2, want: "ups.conf"},
		{name: "hand-written dir forced", args: []string{"--settings", plain, "--out", handDir, "--force"}, code: 0, secret: pw},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			args := append([]string{"render", "--out", out}, tc.args...)
			code, stdout, stderr := runWithStdin(t, tc.stdin, args...)
			// Checked first: a failure below prints the output.
			for _, p := range []string{pw, stdinPw, remotePw} {
				if strings.Contains(stdout+stderr, p) {
					t.Fatal("a password reached the output")
				}
			}
			if code != tc.code || !strings.Contains(stdout+stderr, tc.want) {
				t.Fatalf("exit %d, want %d with %q:\n%s%s", code, tc.code, tc.want, stdout, stderr)
			}
			if code != 0 {
				if entries, _ := os.ReadDir(out); len(entries) != 0 {
					t.Fatalf("bad input wrote %d entries", len(entries))
				}
				return
			}
			dir := out
			for i, a := range tc.args {
				if a == "--out" {
					dir = tc.args[i+1]
				}
			}
			b, err := os.ReadFile(filepath.Join(dir, conf.UPSDUsers))
			if err != nil {
				t.Fatal(err)
			}
			lines, err := conf.Parse(string(b))
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, l := range lines {
				if len(l.Args) == 3 && l.Args[0] == "password" && l.Args[2] == tc.secret {
					found = true
				}
			}
			if !found {
				t.Fatal("upsd.users does not hold the expected password")
			}
			st, _ := os.Stat(filepath.Join(dir, conf.UPSDUsers))
			if st.Mode().Perm() != 0o600 {
				t.Fatalf("upsd.users mode %v", st.Mode().Perm())
			}
		})
	}
}

func TestImportCommand(t *testing.T) {
	const pw = `imp"ort'pw`
	t.Setenv("NUTMEG_MONITOR_PASSWORD", pw)
	dir := t.TempDir()
	if code, out, errOut := runWithStdin(t, "", "render", "--settings", renderSettings(t, func(s *nut.Settings) {
		s.Identifier, s.HostSync = "rack-ups", 42
	}), "--out", dir); code != 0 {
		t.Fatalf("render: %d %s%s", code, out, errOut)
	}
	nas := filepath.Join(t.TempDir(), "nas.json")
	os.WriteFile(nas, []byte(`{"identifier":"nasups","mode":"MASTER","driver":"usbhid-ups$Back-UPS","port":"auto","monpwd":"s3cret-nas","shutdown":"BATT",
		"extrausers":"[admin]\n\tpassword = extra-Pw9\n\tinstcmds = ALL\n"}`), 0o600)

	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"from dir", []string{"--from", dir}, 0, `"identifier": "rack-ups"`},
		{"hostsync", []string{"--from", dir}, 0, `"hostsync": 42`},
		{"truenas", []string{"--truenas", nas}, 0, `"identifier": "nasups"`},
		{"extra users masked", []string{"--truenas", nas}, 0, "1 extra upsd user(s) not shown (they hold passwords); --show-secrets prints them"},
		{"neither", nil, 2, "--from DIR or --truenas FILE"},
		{"both", []string{"--from", dir, "--truenas", nas}, 2, "--from DIR or --truenas FILE"},
		{"no dir", []string{"--from", filepath.Join(dir, "none")}, 2, "not a directory"},
		{"empty dir", []string{"--from", t.TempDir()}, 2, "upsmon.conf"},
		{"bad nas file", []string{"--truenas", dir}, 2, "--truenas"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runWithStdin(t, "", append([]string{"import"}, tc.args...)...)
			// Checked first: a failure below prints the output.
			if strings.Contains(out+errOut, pw) || strings.Contains(out+errOut, "s3cret-nas") || strings.Contains(out, "monpwd") ||
				strings.Contains(out+errOut, "extra-Pw9") {
				t.Fatal("a password reached the output")
			}
			if code != tc.code || !strings.Contains(out+errOut, tc.want) {
				t.Fatalf("exit %d, want %d with %q:\n%s%s", code, tc.code, tc.want, out, errOut)
			}
			if code == 0 {
				var s nut.Settings
				if err := json.Unmarshal([]byte(out), &s); err != nil {
					t.Fatalf("output is not settings JSON: %v", err)
				}
			}
		})
	}
	// Asked for, the extra users are printed, as the key the NAS uses.
	code, out, errOut := runWithStdin(t, "", "import", "--truenas", nas, "--show-secrets")
	var shown struct {
		ExtraUsers string `json:"extrausers"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &shown) != nil || !strings.Contains(shown.ExtraUsers, "extra-Pw9") {
		t.Fatalf("--show-secrets: exit %d, extrausers %q\n%s", code, shown.ExtraUsers, errOut)
	}
}
