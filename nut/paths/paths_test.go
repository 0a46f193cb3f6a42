package paths

import (
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestDirs(t *testing.T) {
	cfg, err := Config()
	if err != nil {
		t.Fatal(err)
	}
	user, err := State(false)
	if err != nil {
		t.Fatal(err)
	}
	sys, err := State(true)
	if err != nil {
		t.Fatal(err)
	}
	// settings dir ends, user state, system state
	want := [3]string{"nutmeg", "nutmeg", "/var/lib/nutmeg"}
	if runtime.GOOS == "windows" {
		want = [3]string{`AppData\Roaming\Nutmeg`, `AppData\Local\Nutmeg`, `C:\ProgramData\Nutmeg`}
	}
	for _, c := range []struct{ got, suffix string }{{cfg, want[0]}, {user, want[1]}, {sys, want[2]}} {
		if !strings.HasSuffix(c.got, c.suffix) || !filepath.IsAbs(c.got) {
			t.Errorf("%q does not end in %q", c.got, c.suffix)
		}
	}
	if cfg == user || user == sys {
		t.Errorf("directories collide: %q %q %q", cfg, user, sys)
	}
}
