//go:build unix

package hw

import (
	"os/exec"
	"syscall"
)

// ownGroup puts the driver in its own process group, so a timeout ends it
// and any child.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
