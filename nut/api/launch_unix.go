//go:build unix

package api

import "syscall"

// detached puts the service in a session of its own, so that it outlives
// the wizard or tray that started it.
func detached() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }
