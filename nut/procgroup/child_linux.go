package procgroup

import "syscall"

// ChildAttr is Attr for a daemon that must not outlive its supervisor: the
// kernel sends it SIGTERM when the supervising thread dies.
func ChildAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
