package window

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestSingleInstance(t *testing.T) {
	dir, err := os.MkdirTemp("", "nmi")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	t.Setenv("XDG_RUNTIME_DIR", dir)
	path := InstancePath("/some/state/nutmeg.sock")
	if filepath.Dir(path) != dir || InstancePath("/other/nutmeg.sock") == path {
		t.Fatalf("instance path %s: want one per service socket in $XDG_RUNTIME_DIR", path)
	}

	// A socket file left by a crashed window does not block the next one.
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()

	first, err := Claim(path)
	if err != nil {
		t.Fatalf("first claim: %v", err)
	}
	shown := make(chan struct{}, 2)
	go first.Serve(func() { shown <- struct{}{} })

	for i := range 2 {
		if _, err := Claim(path); !errors.Is(err, ErrRunning) {
			t.Fatalf("second claim %d: %v, want ErrRunning", i, err)
		}
		select {
		case <-shown:
		case <-time.After(5 * time.Second):
			t.Fatal("the first window was not asked to come forward")
		}
	}

	first.Close()
	again, err := Claim(path)
	if err != nil {
		t.Fatalf("claim after the first closed: %v", err)
	}
	again.Close()
}
