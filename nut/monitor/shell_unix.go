//go:build !windows

package monitor

import (
	"context"
	"os/exec"
)

// shellCommand is system(3)'s way: /bin/sh -c line.
func shellCommand(ctx context.Context, line string) *exec.Cmd {
	return exec.CommandContext(ctx, "/bin/sh", "-c", line)
}
