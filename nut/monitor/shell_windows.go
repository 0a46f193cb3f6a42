//go:build windows

package monitor

import (
	"context"
	"os"
	"os/exec"
	"syscall"
)

// shellCommand is the C runtime's system() on Windows: %ComSpec% /C line.
// The command line is given raw (/S and outer quotes, so cmd.exe strips
// exactly those) because Go's argument quoting would escape the quotes
// inside line, which cmd.exe does not understand.
func shellCommand(ctx context.Context, line string) *exec.Cmd {
	comspec := os.Getenv("ComSpec")
	if comspec == "" {
		comspec = `C:\Windows\System32\cmd.exe`
	}
	cmd := exec.CommandContext(ctx, comspec)
	cmd.SysProcAttr = &syscall.SysProcAttr{CmdLine: `"` + comspec + `" /S /C "` + line + `"`}
	return cmd
}
