//go:build !nogui

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
)

var pairDir struct {
	sync.Mutex
	dir string
}

// pair is a directory with this package built twice, as `make build` does:
// nutmeg (-tags nogui) and nutmeg-gui (goBuild's binaries, placed once per
// test process). Shared: tests copy from it.
func pair(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binaries")
	}
	nogui, gui := goBuild(t, ".", "nogui"), goBuild(t, ".", "")
	pairDir.Lock()
	defer pairDir.Unlock()
	if pairDir.dir == "" {
		// This process's own: shards share the build directory.
		dir := filepath.Join(filepath.Dir(filepath.Dir(gui)), "pair-"+strconv.Itoa(os.Getpid()))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		placeBinary(t, nogui, filepath.Join(dir, "nutmeg"))
		placeBinary(t, gui, filepath.Join(dir, guiName))
		pairDir.dir = dir
	}
	return pairDir.dir
}

// modules is `go version -m` of a built binary: the modules linked into it.
func modules(t *testing.T, bin string) string {
	t.Helper()
	out, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatalf("go version -m %s: %v", bin, err)
	}
	return string(out)
}

// localeEnv is this process's environment without any locale variable,
// plus the given ones.
func localeEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k == "LANG" || k == "LANGUAGE" || strings.HasPrefix(k, "LC_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

// The non-GUI nutmeg must not link Fyne: not in its import graph, not in
// the built binary's module list.
func TestNoguiBuildLinksNoFyne(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-tags", "nogui", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "github.com/nutmeg-ups/nutmeg/nut/service") {
		t.Fatalf("go list -deps printed no nut/service: %s", out)
	}
	for _, p := range strings.Fields(string(out)) {
		if strings.HasPrefix(p, "fyne.io/fyne/") {
			t.Errorf("nutmeg (-tags nogui) imports %s", p)
		}
	}
	dir := pair(t)
	for bin, want := range map[string]bool{"nutmeg": false, guiName: true} {
		if got := strings.Contains(modules(t, filepath.Join(dir, bin)), "fyne.io/fyne/v2"); got != want {
			t.Errorf("%s links Fyne: %v, want %v", bin, got, want)
		}
	}
}

// On Linux the USB devices come from sysfs: neither binary links gousb or
// libusb (with them, the service's RSS was 1.2 MiB higher for a library it
// never calls; `make bench`).
func TestLinuxBuildsLinkNoLibUSB(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("sysfs is Linux's")
	}
	dir := pair(t)
	for _, bin := range []string{"nutmeg", guiName} {
		if strings.Contains(modules(t, filepath.Join(dir, bin)), "github.com/google/gousb") {
			t.Errorf("%s links gousb", bin)
		}
		if _, err := exec.LookPath("ldd"); err != nil {
			continue
		}
		libs, err := exec.Command("ldd", filepath.Join(dir, bin)).CombinedOutput()
		if err != nil {
			t.Fatalf("ldd %s: %v\n%s", bin, err, libs)
		}
		if strings.Contains(string(libs), "libusb") {
			t.Errorf("%s is linked with libusb:\n%s", bin, libs)
		}
	}
}

// `nutmeg window|wizard|screenshots` hand over to nutmeg-gui with their
// arguments untouched, and with LANGUAGE=en under a C.UTF-8 locale.
func TestNoguiExecsGUI(t *testing.T) {
	src := pair(t)
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join(src, "nutmeg"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "nutmeg"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"window", "wizard", "screenshots"} {
		cmd := exec.Command(filepath.Join(dir, "nutmeg"), name, "--state", "/x y")
		cmd.Env = localeEnv("LANG=C.UTF-8", "PATH=/nonexistent")
		out, err := cmd.CombinedOutput()
		if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(string(out), "the windows need nutmeg-gui") {
			t.Fatalf("%s without nutmeg-gui: exit %d (%v), %q", name, code, err, out)
		}
	}
	fake := "#!/bin/sh\nprintf '%s|' \"$@\" \"LANGUAGE=$LANGUAGE\"\n"
	if err := os.WriteFile(filepath.Join(dir, guiName), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"window", "wizard", "screenshots"} {
		cmd := exec.Command(filepath.Join(dir, "nutmeg"), name, "--state", "/x y")
		cmd.Env = localeEnv("LANG=C.UTF-8")
		out, err := cmd.CombinedOutput()
		if want := name + "|--state|/x y|LANGUAGE=en|"; err != nil || string(out) != want {
			t.Errorf("%s: %v, fake nutmeg-gui saw %q, want %q", name, err, out, want)
		}
	}
}

// nutmeg (-tags nogui) does not link the tray: godbus's object export,
// which makes the linker keep every exported method of every type, is not
// in it. `nutmeg` and `nutmeg tray` hand over to nutmeg-tray, beside it or
// on $PATH, with the arguments untouched, and say so when there is none.
func TestNoguiTrayIsNutmegTray(t *testing.T) {
	src := pair(t)
	syms, err := exec.Command("go", "tool", "nm", filepath.Join(src, "nutmeg")).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, sym := range []string{"gui/tray.Main", "godbus/dbus/v5.(*Conn).ExportWithMap", "fyne.io/systray.Run"} {
		if strings.Contains(string(syms), sym) {
			t.Errorf("nutmeg (-tags nogui) links %s", sym)
		}
	}
	dir, bin := t.TempDir(), t.TempDir()
	data, err := os.ReadFile(filepath.Join(src, "nutmeg"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "nutmeg"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{}, {"tray", "--state", "/x y"}} {
		cmd := exec.Command(filepath.Join(dir, "nutmeg"), args...)
		cmd.Env = localeEnv("PATH=/nonexistent")
		out, err := cmd.CombinedOutput()
		if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(string(out), "the tray needs nutmeg-tray") {
			t.Fatalf("%v without nutmeg-tray: exit %d (%v), %q", args, code, err, out)
		}
	}
	fake := "#!/bin/sh\nprintf '%s|' \"$0\" \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "nutmeg-tray"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		inPath bool
		args   []string
		want   string
	}{
		{true, nil, "nutmeg-tray|"},
		{true, []string{"tray", "--state", "/x y"}, "nutmeg-tray|--state|/x y|"},
		{false, []string{"tray", "--server", "nas:3493", "--ups", "u"}, "nutmeg-tray|--server|nas:3493|--ups|u|"},
	} {
		exe := filepath.Join(dir, "nutmeg")
		env := localeEnv("PATH=" + bin)
		if !tc.inPath { // beside nutmeg
			exe = filepath.Join(bin, "nutmeg")
			os.WriteFile(exe, data, 0o755)
			env = localeEnv("PATH=/nonexistent")
		}
		cmd := exec.Command(exe, tc.args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		got := string(out)
		if i := strings.Index(got, "|"); i > 0 {
			got = filepath.Base(got[:i]) + got[i:]
		}
		if err != nil || got != tc.want {
			t.Errorf("%v (nutmeg-tray on PATH: %v): %v, fake nutmeg-tray saw %q, want %q", tc.args, tc.inPath, err, out, tc.want)
		}
	}
}

// Under C, C.UTF-8 and POSIX no command of either build prints a Fyne log
// line, and the windows render (in English) all the same.
func TestQuietUnderCLocale(t *testing.T) {
	dir := pair(t)
	locales := [][]string{{"LANG=C.UTF-8"}, {"LC_ALL=C"}, {"LANG=POSIX"}, {"LC_ALL=C.utf8"}, {"LANG=en_US.UTF-8", "LC_MESSAGES=C.UTF-8"}}
	for _, loc := range locales {
		for _, args := range [][]string{
			{"nutmeg", "version"},
			{guiName, "version"},
			{"nutmeg", "render", "--settings", "/nonexistent/settings.json", "--out", t.TempDir()},
			{guiName, "render", "--settings", "/nonexistent/settings.json", "--out", t.TempDir()},
		} {
			cmd := exec.Command(filepath.Join(dir, args[0]), args[1:]...)
			cmd.Env = localeEnv(loc...)
			out, _ := cmd.CombinedOutput()
			if fyneLine(out) || len(out) == 0 {
				t.Errorf("%v %v printed %q", loc, args, out)
			}
		}
	}
	nutlab.Require(t) // screenshots read NUT's driver list
	cmd := exec.Command(filepath.Join(dir, guiName), "screenshots", "--out", t.TempDir())
	cmd.Env = localeEnv("LANG=C.UTF-8")
	out, err := cmd.CombinedOutput()
	if err != nil || fyneLine(out) || !strings.Contains(string(out), "01-find.png") {
		t.Fatalf("screenshots under C.UTF-8: %v, %s", err, out)
	}
}

// fyneLine reports a line of Fyne's logger ("Fyne error: …", "  Cause: …",
// "  At: …/fyne.io/…").
func fyneLine(out []byte) bool {
	s := string(out)
	return strings.Contains(s, "Fyne error") || strings.Contains(s, "Cause:") || strings.Contains(s, "fyne.io/")
}
