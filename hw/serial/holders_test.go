//go:build linux

package serial

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// holdOpen starts a process that keeps path open on fd 3 (inside a mount
// namespace of its own with a tmpfs over path's directory when private),
// and waits until it holds it.
func holdOpen(t *testing.T, path string, private bool) int {
	t.Helper()
	script := `exec 3<"$1"; echo held; exec sleep 60`
	cmd := exec.Command("sh", "-c", script, "sh", path)
	if private {
		cmd = exec.Command("unshare", "-m", "--propagation", "private", "sh", "-c",
			`mount -t tmpfs nutmeg-holders "$(dirname "$1")" && : >"$1" && `+script, "sh", path)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	buf := make([]byte, 5)
	done := make(chan error, 1)
	go func() { _, err := out.Read(buf); done <- err }()
	select {
	case err := <-done:
		if err != nil || string(buf[:4]) != "held" {
			t.Fatalf("holder did not start: %q %v", buf, err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("holder did not start")
	}
	return cmd.Process.Pid
}

// A process that has the port open is named; one that has a file of the
// same name open in another mount namespace (a container's /dev/pts/0,
// which the boot test's getty held while TestProbeCommand probed the
// host's /dev/pts/0) is not.
func TestHoldersSameInodeOnly(t *testing.T) {
	if os.Getuid() != 0 || exec.Command("unshare", "-m", "true").Run() != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true: this test needs root and unshare -m")
		}
		t.Skip("needs root and unshare -m")
	}
	dir := t.TempDir()
	port := filepath.Join(dir, "ttyFake0")
	if err := os.WriteFile(port, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	other := holdOpen(t, port, true)
	if h := Holders(port); len(h) != 0 {
		t.Errorf("Holders(%s) = %v; pid %d holds another namespace's file of that name, not this one", port, h, other)
	}
	mine := holdOpen(t, port, false)
	h := Holders(port)
	if len(h) != 1 || !strings.HasPrefix(h[0], strconv.Itoa(mine)+" (") {
		t.Errorf("Holders(%s) = %v, want only pid %d", port, h, mine)
	}
}
