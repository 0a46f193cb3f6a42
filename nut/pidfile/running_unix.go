//go:build unix && !linux

package pidfile

import (
	"errors"
	"syscall"
)

// Running reports whether pid is a live process (without /proc, a zombie
// counts as live).
func Running(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
