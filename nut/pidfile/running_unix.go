//go:build unix

package pidfile

import (
	"errors"
	"os"
	"syscall"
)

// Running reports whether pid is a live (not zombie) process. Without
// /proc (macOS) a zombie counts as live.
func Running(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		return true
	}
	f := stat(pid)
	return len(f) > 0 && f[0] != "Z" && f[0] != "X"
}
