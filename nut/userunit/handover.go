//go:build linux

package userunit

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Handover moves the user's own service out of the way of the system
// service (both would run NUT on the same port): Stop before the system
// apply, Undo when the system apply did not happen.
type Handover struct {
	Manager Manager
	// State is the user service's state dir; Socket its API socket.
	State, Socket string

	unit, process bool
}

// Stop writes the system marker (so that no tray starts the user service
// again meanwhile), then stops the user service: the user unit is disabled
// and stopped; a service started by the wizard or the tray is sent SIGTERM
// (its pid is the socket's peer) and awaited.
func (h *Handover) Stop(ctx context.Context) error {
	if err := os.MkdirAll(h.State, 0o700); err != nil {
		return fmt.Errorf("hand over to the system service: %w", err)
	}
	if err := os.WriteFile(SystemMarker(h.State), []byte("the system service watches the UPS\n"), 0o600); err != nil {
		return fmt.Errorf("hand over to the system service: %w", err)
	}
	if h.Manager.Installed() && h.Manager.Available(ctx) {
		if err := h.Manager.run(ctx, "disable", "--now", Name); err != nil {
			return err
		}
		h.unit = true
		return nil
	}
	pid, err := peerPid(h.Socket)
	if err != nil {
		return nil // nothing answers: nothing to stop
	}
	if !isService(pid) {
		return fmt.Errorf("the process %d on %s is not `nutmeg service`", pid, h.Socket)
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return fmt.Errorf("stop the user service (pid %d): %w", pid, err)
	}
	h.process = true
	deadline := time.Now().Add(30 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			return fmt.Errorf("the user service (pid %d) did not stop within 30 s", pid)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil
}

// Undo puts the user mode back after a system apply that did not happen:
// the marker goes, and the user unit is enabled and started again, or
// start (the wizard's way of starting the service) is called when Stop
// stopped a process.
func (h *Handover) Undo(ctx context.Context, start func(context.Context) error) error {
	os.Remove(SystemMarker(h.State))
	switch {
	case h.unit:
		return h.Manager.run(ctx, "enable", "--now", Name)
	case h.process && start != nil:
		return start(ctx)
	}
	return nil
}

// peerPid is the pid of the process that accepted a connection on socket.
func peerPid(socket string) (int, error) {
	c, err := net.DialTimeout("unix", socket, 2*time.Second)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	raw, err := c.(*net.UnixConn).SyscallConn()
	if err != nil {
		return 0, err
	}
	var cred *syscall.Ucred
	var cerr error
	if err := raw.Control(func(fd uintptr) {
		cred, cerr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	}); err != nil {
		return 0, err
	}
	if cerr != nil {
		return 0, cerr
	}
	return int(cred.Pid), nil
}

// isService checks that pid runs `<something>/nutmeg service …`.
func isService(pid int) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	if err != nil {
		return false
	}
	args := strings.Split(string(b), "\x00")
	return len(args) > 1 && strings.HasPrefix(filepath.Base(args[0]), "nutmeg") && args[1] == "service"
}
