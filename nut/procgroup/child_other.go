//go:build unix && !linux

package procgroup

import "syscall"

// ChildAttr is Attr (only Linux has a parent-death signal).
func ChildAttr() *syscall.SysProcAttr { return Attr() }
