package main

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/nutmeg-ups/nutmeg"
)

func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb})
	return code, out.String(), errb.String()
}

func TestVersionPrintsFyneAppVersion(t *testing.T) {
	code, out, _ := runCmd(t, "version")
	if code != 0 || !strings.HasPrefix(out, "Nutmeg "+nutmeg.App.Version) {
		t.Fatalf("code %d, out %q", code, out)
	}
}

func TestBuiltBinaryReportsVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	out, err := exec.Command(goBuild(t, ".", ""), "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(out), "Nutmeg "+nutmeg.App.Version) {
		t.Fatalf("binary says %q", out)
	}
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string // in stdout+stderr
	}{
		{[]string{"--help"}, 0, "commands:"},
		{[]string{"version", "--help"}, 0, "usage: nutmeg version"},
		{[]string{"bogus"}, 2, `unknown command "bogus"`},
		{[]string{"version", "--nope"}, 2, "flag provided but not defined"},
		{[]string{"version", "extra"}, 2, `unexpected argument "extra"`},
	}
	for _, tc := range tests {
		code, out, errOut := runCmd(t, tc.args...)
		if code != tc.code || !strings.Contains(out+errOut, tc.want) {
			t.Errorf("%v: code %d (want %d), output %q lacks %q", tc.args, code, tc.code, out+errOut, tc.want)
		}
	}
}

func TestEveryDesignCommandIsRegistered(t *testing.T) {
	for _, n := range []string{"tray", "window", "wizard", "probe", "render", "import", "apply", "service",
		"status", "events", "test-email", "demo", "screenshots", "version"} {
		if commands[n] == nil {
			t.Errorf("command %q missing", n)
			continue
		}
		if code, out, errOut := runCmd(t, n, "--help"); code != 0 || !strings.Contains(out+errOut, "usage: nutmeg") {
			t.Errorf("%s --help: code %d, %q", n, code, out+errOut)
		}
	}
}
