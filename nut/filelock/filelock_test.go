package filelock

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/nutmeg-ups/nutmeg/nut/testdir"
)

// A second handle on the same file cannot take the lock while the first
// holds it, and can once the first is closed.
func TestExclusive(t *testing.T) {
	path := filepath.Join(testdir.New(t), "l")
	open := func() *os.File {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	a, b := open(), open()
	defer b.Close()
	if err := TryLock(a); err != nil {
		t.Fatal(err)
	}
	if err := TryLock(b); !errors.Is(err, ErrLocked) {
		t.Fatalf("second lock: %v, want ErrLocked", err)
	}
	a.Close()
	if err := TryLock(b); err != nil {
		t.Fatalf("after release: %v", err)
	}
}
