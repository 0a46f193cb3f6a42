package tray

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// ErrRunning means another tray of this user holds the instance lock.
var ErrRunning = errors.New("the Nutmeg tray is already running")

// LockPath is the single-instance lock file: in $XDG_RUNTIME_DIR (private
// to the user, gone at logout), else a per-user name in the temp dir.
func LockPath() string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "nutmeg-tray.lock")
	}
	return filepath.Join(os.TempDir(), "nutmeg-tray-"+strconv.Itoa(os.Getuid())+".lock")
}

// Lock takes the tray's single-instance lock at path (an flock, so a
// crashed tray never leaves a stale lock behind). It returns ErrRunning
// when another process holds it; release gives it back.
func Lock(path string) (release func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("tray lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrRunning
		}
		return nil, fmt.Errorf("tray lock %s: %w", path, err)
	}
	f.Truncate(0)
	f.WriteString(strconv.Itoa(os.Getpid()) + "\n")
	return func() { f.Close() }, nil
}
