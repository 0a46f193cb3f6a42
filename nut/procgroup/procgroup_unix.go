//go:build unix

// Package procgroup stops a daemon together with everything it forked.
// NUT's upsmon runs as a parent and a child: ending only the pid we started
// leaves the child behind, and the next upsmon then refuses to start.
package procgroup

import (
	"syscall"
	"time"
)

// Stop ends the process group led by pgid (a process started with
// Setpgid): SIGTERM, then SIGKILL after grace if the leader has not exited
// (done closes when it has been reaped), then waits up to another second for
// the rest of the group, killing it halfway.
func Stop(pgid int, done <-chan struct{}, grace time.Duration) {
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(grace):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-done
	}
	for i := 0; i < 50 && syscall.Kill(-pgid, 0) == nil; i++ {
		if i == 25 {
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Attr starts a process as the leader of its own process group, so that
// Stop reaches everything it forks.
func Attr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
