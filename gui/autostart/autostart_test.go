//go:build !windows

package autostart

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestSetFollowsTheSetting(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	path, err := Path()
	if err != nil {
		t.Fatal(err)
	}
	if Enabled() {
		t.Fatal("enabled before anything was written")
	}
	steps := []bool{true, true, false, false, true}
	for i, on := range steps {
		if err := Set(on, "/usr/bin/nutmeg"); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if Enabled() != on {
			t.Fatalf("step %d: Enabled() = %v, want %v", i, !on, on)
		}
		_, err := os.Stat(path)
		if exists := err == nil; exists != on {
			t.Fatalf("step %d: file exists %v", i, exists)
		}
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", st.Mode())
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".nutmeg-*"))
	if len(left) > 0 {
		t.Errorf("temp files left behind: %v", left)
	}
}

func TestHiddenEntryIsOff(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	if err := Set(true, "nutmeg"); err != nil {
		t.Fatal(err)
	}
	path, _ := Path()
	b, _ := os.ReadFile(path)
	if err := os.WriteFile(path, append(b, "Hidden=true\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	if Enabled() {
		t.Fatal("an entry the desktop hid counts as enabled")
	}
}

// unexec undoes the Exec key's escaping the way the Desktop Entry spec
// reads it: string unescape (\\ → \), then one quoted argument with \x → x.
func unexec(v string) string {
	v = strings.ReplaceAll(v, `\\`, "\x00")
	if !strings.HasPrefix(v, `"`) {
		return strings.ReplaceAll(strings.ReplaceAll(v, "\x00", `\`), "%%", "%")
	}
	v = strings.TrimSuffix(strings.TrimPrefix(v, `"`), `"`)
	var b strings.Builder
	esc := false
	for _, r := range v {
		switch {
		case esc && r == 0:
			b.WriteRune('\\')
			esc = false
		case esc:
			b.WriteRune(r)
			esc = false
		case r == 0:
			esc = true
		default:
			b.WriteRune(r)
		}
	}
	return strings.ReplaceAll(b.String(), "%%", "%")
}

func TestEntryIsValid(t *testing.T) {
	paths := []string{"/usr/bin/nutmeg", "/home/a b/bin/nutmeg", `/opt/we"ird/$x/back\slash/100%/nutmeg`}
	for _, exe := range paths {
		e := Entry(exe)
		var execLine string
		for _, l := range strings.Split(e, "\n") {
			if v, ok := strings.CutPrefix(l, "Exec="); ok {
				execLine = v
			}
		}
		if got := unexec(execLine); got != exe {
			t.Errorf("Exec=%s reads back as %q, want %q", execLine, got, exe)
		}
		tool, err := exec.LookPath("desktop-file-validate")
		if err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatal("desktop-file-validate missing")
			}
			continue
		}
		f := filepath.Join(t.TempDir(), FileName)
		os.WriteFile(f, []byte(e), 0o644)
		if out, err := exec.Command(tool, f).CombinedOutput(); err != nil || len(out) > 0 {
			t.Errorf("%s: desktop-file-validate: %v\n%s", exe, err, out)
		}
	}
}
