//go:build !windows

package main

import (
	"strings"
	"testing"
)

// The Windows-only commands say so elsewhere, as bad input (exit 2).
func TestWindowsOnlyCommands(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"service", "install"}, "registers the Windows service"},
		{[]string{"service", "uninstall"}, "registers the Windows service"},
		{[]string{"service", "--scm"}, "Service Control Manager"},
		{[]string{"end-installed", "--dir", "/opt/nutmeg"}, "only on Windows"},
		{[]string{"end-installed"}, "--dir"},
	} {
		code, out, errOut := runCmd(t, tc.args...)
		if code != 2 || !strings.Contains(out+errOut, tc.want) {
			t.Errorf("%v: code %d, output %q lacks %q", tc.args, code, out+errOut, tc.want)
		}
	}
}
