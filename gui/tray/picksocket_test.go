package tray

import (
	"net"
	"os"
	"path/filepath"
	"testing"
)

// A user service's socket left behind by a dead service does not hide the
// system service that answers; with nothing answering, an existing socket
// wins over a missing one.
func TestPickSocket(t *testing.T) {
	dir, err := os.MkdirTemp("", "nmp")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	user, system, missing := filepath.Join(dir, "user.sock"), filepath.Join(dir, "system.sock"), filepath.Join(dir, "none.sock")
	stale, err := net.Listen("unix", user)
	if err != nil {
		t.Fatal(err)
	}
	stale.(*net.UnixListener).SetUnlinkOnClose(false)
	stale.Close() // the file stays, nobody listens: a SIGKILLed service
	if got := PickSocket([]string{missing, user}); got != user {
		t.Errorf("nothing answers: picked %s, want the existing %s", got, user)
	}
	if got := PickSocket([]string{missing, filepath.Join(dir, "x")}); got != missing {
		t.Errorf("nothing exists: picked %s, want the first", got)
	}
	live, err := net.Listen("unix", system)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	if got := PickSocket([]string{user, system}); got != system {
		t.Errorf("stale user socket, live system one: picked %s", got)
	}
}
