//go:build !windows

package main

// endInstalled is Windows' (its uninstaller cannot delete a running
// program's file); packages on Linux stop their units instead.
func endInstalled(string) (int, error) {
	return 0, badInputf("end-installed: only on Windows")
}
