package procgroup

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// alive is true for a running, non-zombie process.
func alive(pid int) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && s[i+2] != 'Z'
}

// A leader that forks a child ignoring SIGTERM, like a daemon's helper: the
// whole group must be gone afterwards.
func TestStopEndsTheWholeGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "child")
	cmd := exec.Command("sh", "-c", `sh -c 'trap "" TERM; echo $$ > "$0"; while :; do sleep 0.1; done' "$0" & wait`, pidFile)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	var child int
	for deadline := time.Now().Add(5 * time.Second); child == 0; {
		b, _ := os.ReadFile(pidFile)
		child, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		if time.Now().After(deadline) {
			t.Fatal("child never started")
		}
		time.Sleep(10 * time.Millisecond)
	}
	Stop(cmd.Process.Pid, done, 2*time.Second)
	if alive(child) {
		t.Fatalf("child %d outlived its group's stop", child)
	}
	select {
	case <-done:
	default:
		t.Fatal("leader not reaped")
	}
}
