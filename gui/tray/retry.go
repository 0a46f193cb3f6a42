package tray

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"time"
)

// envTry carries the number of the tray's start to the process that a tray
// without its icon starts in its place (iconRetry).
const envTry = "NUTMEG_TRAY_TRY"

// iconRetryDelay is how long the tray's start number try (1 for the first)
// waits, without its icon, before it starts its successor: 3 s, doubling,
// at most a minute apart, for about ten minutes in all (the shell's
// notification area comes up some seconds after login; Windows Server Core
// has none at all). ok is false when no more tries are left.
func iconRetryDelay(try int) (d time.Duration, ok bool) {
	const first, most, budget = 3 * time.Second, time.Minute, 10 * time.Minute
	var spent time.Duration
	d = first
	for i := 1; i < try; i++ {
		spent += d
		d = min(2*d, most)
	}
	if spent >= budget {
		return 0, false
	}
	return d, true
}

// tryNumber reads and clears envTry, so that the windows the tray starts
// do not inherit it.
func tryNumber() int {
	n, err := strconv.Atoi(os.Getenv(envTry))
	os.Unsetenv(envTry)
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// iconRetry is what a tray whose icon could not be made does. Since
// fyne.io/systray cannot start twice in one process, it waits, keeps
// whatever else the process does (the service's watchdog) running
// meanwhile, then gives up its lock and starts the same command again as a
// new process with its output, and ends. After the last try it returns an
// error, and the next start (login, or the Start menu) begins afresh.
func iconRetry(ctx context.Context, try int, release func(), logf func(string, ...any)) error {
	d, ok := iconRetryDelay(try)
	if !ok {
		return fmt.Errorf("%w, %d times; giving up until the tray is started again", ErrNoIcon, try)
	}
	logf("tray: %v (start %d); trying again in %v", ErrNoIcon, try, d)
	select {
	case <-ctx.Done():
		return nil
	case <-time.After(d):
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("tray: start again: %w", err)
	}
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Env = append(os.Environ(), envTry+"="+strconv.Itoa(try+1))
	// A tray started at login has no console: its std handles may be
	// missing, and then the successor goes without them too.
	if os.Stdout != nil && os.Stderr != nil {
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	}
	release()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("tray: start again: %w", err)
	}
	logf("tray: started again as pid %d", cmd.Process.Pid)
	return cmd.Process.Release()
}
