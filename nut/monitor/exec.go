package monitor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// cmdResult is one run of the shutdown command.
type cmdResult struct {
	exit    int    // exit status; -1 when it did not start or was killed
	stderr  string // its last non-empty stderr line
	err     error  // nil only for exit status 0
	elapsed time.Duration
}

// runShell runs line through the platform's shell (shellCommand) and waits
// at most limit for it.
func runShell(ctx context.Context, line string, limit time.Duration) cmdResult {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	cmd := shellCommand(ctx, line)
	tail := &tailWriter{max: 4096}
	cmd.Stdout = io.Discard
	cmd.Stderr = tail
	// A command that leaves a child holding stderr open must not keep Wait
	// waiting once the command itself has ended or been killed.
	cmd.WaitDelay = 2 * time.Second
	t0 := time.Now()
	err := cmd.Run()
	res := cmdResult{elapsed: time.Since(t0), stderr: tail.lastLine()}
	var ee *exec.ExitError
	switch {
	case err == nil:
		return res
	case ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
		res.exit, res.err = -1, fmt.Errorf("the shutdown command did not finish within %s", limit)
	case errors.As(err, &ee):
		res.exit = ee.ExitCode()
		if res.exit >= 0 {
			res.err = fmt.Errorf("the shutdown command failed (exit status %d)", res.exit)
		} else {
			res.err = fmt.Errorf("the shutdown command was killed (%v)", ee)
		}
	default:
		res.exit, res.err = -1, fmt.Errorf("the shutdown command could not run: %w", err)
	}
	return res
}

// tailWriter keeps the last max bytes written.
type tailWriter struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (w *tailWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b = append(w.b, p...)
	if len(w.b) > w.max {
		w.b = append([]byte(nil), w.b[len(w.b)-w.max:]...)
	}
	return len(p), nil
}

// lastLine is the last non-empty line, at most 300 bytes.
func (w *tailWriter) lastLine() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	lines := bytes.Split(bytes.ReplaceAll(w.b, []byte("\r"), []byte("\n")), []byte("\n"))
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(string(lines[i])); l != "" {
			if len(l) > 300 {
				l = l[:300] + "…"
			}
			return l
		}
	}
	return ""
}
