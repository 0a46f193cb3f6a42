package pidfile

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

func write(t *testing.T, pid int) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "x.pid")
	if err := os.WriteFile(p, []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLiveProcessKeepsItsFile(t *testing.T) {
	p := write(t, os.Getpid())
	if cleared, err := ClearStale(p); err != nil || cleared {
		t.Fatalf("cleared %v, err %v", cleared, err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatal("file of a live process removed")
	}
}

// A real zombie: a child that exited and that we do not reap yet.
func TestZombieAndDeadProcessFilesAreCleared(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	deadline := time.Now().Add(5 * time.Second)
	for Running(pid) {
		if time.Now().After(deadline) {
			t.Fatal("child never became a zombie")
		}
		time.Sleep(10 * time.Millisecond)
	}
	p := write(t, pid)
	if cleared, err := ClearStale(p); err != nil || !cleared {
		t.Fatalf("zombie's file: cleared %v, err %v", cleared, err)
	}
	_ = cmd.Wait() // reap: now the pid is gone altogether
	p = write(t, pid)
	if cleared, err := ClearStale(p); err != nil || !cleared {
		t.Fatalf("dead process's file: cleared %v, err %v", cleared, err)
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Fatal("stale file still there")
	}
}

func TestMissingFileIsFine(t *testing.T) {
	if cleared, err := ClearStale(filepath.Join(t.TempDir(), "none.pid")); err != nil || cleared {
		t.Fatalf("cleared %v, err %v", cleared, err)
	}
}
