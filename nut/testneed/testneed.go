// Package testneed lets a test ask for a part of the machine it needs (a
// program, a display): without it the test skips, except under CI=true,
// where make test has installed and started everything, so a missing part
// is a failure and never a quiet skip.
package testneed

import (
	"os"
	"os/exec"
	"testing"
)

// Need skips t, saying why, or fails it under CI=true.
func Need(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal("CI=true: " + why)
	}
	t.Skip(why)
}

// Tool is the path of the program name, found on PATH; without it t skips,
// or fails under CI=true.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Need(t, name+" is not installed; `make test` installs it")
	}
	return p
}

// Display needs an X display (make test runs the tests under
// .ci/with-desktop.sh, which starts Xvfb).
func Display(t testing.TB) {
	t.Helper()
	if os.Getenv("DISPLAY") == "" {
		Need(t, "no X display: run the tests under .ci/with-desktop.sh, as make test does")
	}
}
