package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unsafe"

	"golang.org/x/sys/windows"
)

// endInstalled ends every process whose program lies directly in dir
// (nutmeg.exe, nutmeg-tray.exe), except this one, and waits for each to
// be gone: taskkill /IM, which it replaces, ended any nutmeg.exe of the
// session, also one run from elsewhere.
func endInstalled(dir string) (int, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return 0, fmt.Errorf("--dir %s: %w", dir, err)
	}
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		return 0, fmt.Errorf("list processes: %w", err)
	}
	defer windows.CloseHandle(snap)
	self := uint32(os.Getpid())
	var pe windows.ProcessEntry32
	pe.Size = uint32(unsafe.Sizeof(pe))
	n := 0
	var errs []string
	for err = windows.Process32First(snap, &pe); err == nil; err = windows.Process32Next(snap, &pe) {
		if pe.ProcessID == self || pe.ProcessID == 0 {
			continue
		}
		exe := strings.ToLower(windows.UTF16ToString(pe.ExeFile[:]))
		if !strings.HasPrefix(exe, "nutmeg") {
			continue
		}
		h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION|windows.PROCESS_TERMINATE|windows.SYNCHRONIZE, false, pe.ProcessID)
		if err != nil {
			continue // gone, or another account's
		}
		path, err := imagePath(h)
		if err == nil && strings.EqualFold(filepath.Dir(path), abs) {
			if err := windows.TerminateProcess(h, 1); err != nil {
				errs = append(errs, fmt.Sprintf("%s (%d): %v", path, pe.ProcessID, err))
			} else {
				_, _ = windows.WaitForSingleObject(h, 5000)
				n++
			}
		}
		windows.CloseHandle(h)
	}
	if len(errs) > 0 {
		return n, fmt.Errorf("could not end %s", strings.Join(errs, "; "))
	}
	return n, nil
}

func imagePath(h windows.Handle) (string, error) {
	buf := make([]uint16, windows.MAX_LONG_PATH)
	size := uint32(len(buf))
	if err := windows.QueryFullProcessImageName(h, 0, &buf[0], &size); err != nil {
		return "", err
	}
	return windows.UTF16ToString(buf[:size]), nil
}
