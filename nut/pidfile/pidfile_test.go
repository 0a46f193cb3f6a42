package pidfile

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
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
	if cleared, err := ClearStale(p, ""); err != nil || cleared {
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
	if cleared, err := ClearStale(p, ""); err != nil || !cleared {
		t.Fatalf("zombie's file: cleared %v, err %v", cleared, err)
	}
	_ = cmd.Wait() // reap: now the pid is gone altogether
	p = write(t, pid)
	if cleared, err := ClearStale(p, ""); err != nil || !cleared {
		t.Fatalf("dead process's file: cleared %v, err %v", cleared, err)
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Fatal("stale file still there")
	}
}

func TestMissingFileIsFine(t *testing.T) {
	if cleared, err := ClearStale(filepath.Join(t.TempDir(), "none.pid"), "upsmon"); err != nil || cleared {
		t.Fatalf("cleared %v, err %v", cleared, err)
	}
}

// A pid the kernel gave to another program: the file is stale for upsmon,
// not for that program's own name.
func TestReusedPidIsStale(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("command names come from /proc")
	}
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	p := write(t, cmd.Process.Pid)
	if cleared, err := ClearStale(p, "sleep"); err != nil || cleared {
		t.Fatalf("sleep's own file: cleared %v, err %v", cleared, err)
	}
	if cleared, err := ClearStale(p, "upsmon"); err != nil || !cleared {
		t.Fatalf("upsmon's file naming sleep: cleared %v, err %v", cleared, err)
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Fatal("stale file still there")
	}
	if !Running(cmd.Process.Pid) {
		t.Fatal("the program whose pid it was is gone")
	}
}
