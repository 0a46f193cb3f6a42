package api

import (
	"syscall"

	"golang.org/x/sys/windows"
)

// detached starts the service without a console and outside the starter's
// console process group, so that closing the wizard or tray (or Ctrl+C in
// their console) does not end it.
func detached() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{
		CreationFlags: windows.CREATE_NEW_PROCESS_GROUP | windows.DETACHED_PROCESS,
		HideWindow:    true,
	}
}
