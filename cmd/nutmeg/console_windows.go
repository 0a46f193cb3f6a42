package main

import (
	"os"

	"golang.org/x/sys/windows"
)

// nutmeg.exe is linked with -H windowsgui so that starting it from the
// Start menu or at login opens no console window. Started from a console
// (cmd.exe, PowerShell) with nothing redirected, it then has no stdout: it
// attaches to the parent's console so that `nutmeg status`, `nutmeg
// version` and the rest print there. Redirected handles are left alone.
func init() {
	if h, err := windows.GetStdHandle(windows.STD_OUTPUT_HANDLE); err == nil && h != 0 && h != windows.InvalidHandle {
		return
	}
	const attachParentProcess = ^uintptr(0) // (DWORD)-1
	r, _, _ := windows.NewLazySystemDLL("kernel32.dll").NewProc("AttachConsole").Call(attachParentProcess)
	if r == 0 {
		return
	}
	if f, err := os.OpenFile("CONOUT$", os.O_WRONLY, 0); err == nil {
		os.Stdout, os.Stderr = f, f
	}
}
