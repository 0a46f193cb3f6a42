package service

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// A pid file left in the run dir is removed before its daemon starts again
// unless it names a live daemon of this set: a driver SIGTERMs the pid in
// its pid file, and a pid the kernel gave to another program (here, this
// test) must not be what it ends.
func TestClearStalePid(t *testing.T) {
	dir := t.TempDir()
	s := &Supervisor{Etc: filepath.Join(dir, "etc"), Run: filepath.Join(dir, "run")}
	if err := os.MkdirAll(s.Run, 0o700); err != nil {
		t.Fatal(err)
	}
	ours := exec.Command("sleep", "30")
	ours.Env = append(os.Environ(), s.confEnv())
	if err := ours.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ours.Process.Kill(); ours.Wait() })
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		content string
		kept    bool
	}{
		{"a live daemon of this set", strconv.Itoa(ours.Process.Pid), true},
		{"a pid now used by another program", strconv.Itoa(os.Getpid()), false},
		{"a process that is gone", strconv.Itoa(gone.Process.Pid), false},
		{"not a pid", "garbage", false},
	} {
		path := filepath.Join(s.Run, "dummy-ups-ups.pid")
		if err := os.WriteFile(path, []byte(tc.content+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		s.clearStalePid("dummy-ups-ups.pid")
		_, err := os.Stat(path)
		if kept := err == nil; kept != tc.kept {
			t.Errorf("%s: pid file kept %v, want %v", tc.name, kept, tc.kept)
		}
	}
	s.clearStalePid("upsd.pid") // no file: nothing to do, no panic
}
