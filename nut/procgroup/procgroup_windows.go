package procgroup

import (
	"os"
	"syscall"
	"time"
)

// Stop ends the process pgid. Windows has no process groups that a signal
// reaches: NUT for Windows' daemons are single processes, so ending the one
// we started is enough. There is no SIGTERM either, so it is killed at once;
// done closes when it has been reaped.
func Stop(pgid int, done <-chan struct{}, grace time.Duration) {
	if p, err := os.FindProcess(pgid); err == nil {
		_ = p.Kill()
	}
	select {
	case <-done:
	case <-time.After(grace):
	}
}

// Attr starts a process in a console process group of its own.
func Attr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP, HideWindow: true}
}
