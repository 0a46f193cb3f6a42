package api

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// ServiceLogMax is the size past which service.log is rotated at the next
// start of the service.
const ServiceLogMax = 1 << 20

// StartService starts `exe service --settings settingsPath --state stateDir`
// in a session of its own, so that it outlives the wizard or tray that
// started it, with its output appended to stateDir/service.log, and waits
// until its socket answers. A service that stops at once is an error that
// points at the log.
func StartService(ctx context.Context, exe, settingsPath, stateDir string, wait time.Duration) error {
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return fmt.Errorf("start the service: %w", err)
	}
	logPath := filepath.Join(stateDir, "service.log")
	// Rotated like the event log: one older file, so a service that
	// restarts for days cannot fill the disk.
	if st, err := os.Stat(logPath); err == nil && st.Size() > ServiceLogMax {
		_ = os.Rename(logPath, logPath+".1")
	}
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("start the service: %w", err)
	}
	defer logf.Close()
	cmd := exec.Command(exe, "service", "--settings", settingsPath, "--state", stateDir)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = detached()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start the service: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	sock := SocketPath(stateDir)
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		if c, err := Dial(ctx, sock); err == nil {
			c.Close()
			return nil
		}
		select {
		case err := <-exited:
			return fmt.Errorf("the service stopped at once (%v): see %s", err, logf.Name())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return errors.New("the service did not open its socket in time: see " + logf.Name())
}

// Answers reports whether a service listens on the socket at path.
func Answers(ctx context.Context, path string) bool {
	c, err := Dial(ctx, path)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// WaitAnswers waits until a service answers on the socket at path (one
// that systemd started, say), or fails after wait.
func WaitAnswers(ctx context.Context, path string, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for !Answers(ctx, path) {
		if time.Now().After(deadline) {
			return fmt.Errorf("the service did not answer on %s within %v", path, wait)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return nil
}
