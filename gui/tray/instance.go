package tray

import (
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"strconv"

	"github.com/nutmeg-ups/nutmeg/nut/filelock"
)

// ErrRunning means another tray of this user holds the instance lock.
var ErrRunning = errors.New("the Nutmeg tray is already running")

// LockPath is the single-instance lock file: in $XDG_RUNTIME_DIR (private
// to the user, gone at logout), else a per-user name in the temp dir. There
// is one tray per service: a tray following another socket (the demo's)
// gets its own lock, so it can run beside the everyday tray.
func LockPath(socket string) string {
	name := "nutmeg-tray"
	if socket != "" && socket != DefaultSocketKey() {
		h := fnv.New32a()
		h.Write([]byte(socket))
		name += fmt.Sprintf("-%08x", h.Sum32())
	}
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, name+".lock")
	}
	return filepath.Join(os.TempDir(), name+"-"+strconv.Itoa(os.Getuid())+".lock")
}

// DefaultSocketKey is the socket an everyday tray follows first.
func DefaultSocketKey() string {
	if c := SocketCandidates(); len(c) > 0 {
		return c[0]
	}
	return ""
}

// Lock takes the tray's single-instance lock at path (an flock, so a
// crashed tray never leaves a stale lock behind). It returns ErrRunning
// when another process holds it; release gives it back.
func Lock(path string) (release func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("tray lock %s: %w", path, err)
	}
	if err := filelock.TryLock(f); err != nil {
		f.Close()
		if errors.Is(err, filelock.ErrLocked) {
			return nil, ErrRunning
		}
		return nil, fmt.Errorf("tray lock %s: %w", path, err)
	}
	f.Truncate(0)
	f.WriteString(strconv.Itoa(os.Getpid()) + "\n")
	return func() { f.Close() }, nil
}
