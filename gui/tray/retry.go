package tray

import (
	"context"
	"errors"
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

// iconRetryArgs is what iconRetry needs of the tray that has no icon.
type iconRetryArgs struct {
	try      int    // this start's number (1 for the first)
	release  func() // gives up the tray's lock
	lock     string // the lock's path
	watching bool   // the process watches the user's service (ensureService)
	logf     func(string, ...any)
}

// iconRetry is what a tray whose icon could not be made does. Since
// fyne.io/systray cannot start twice in one process, it waits, keeps
// whatever else the process does (the service's watchdog) running
// meanwhile, then gives up its lock and starts the same command again as a
// new process with its output, and ends.
//
// After the last try the next start (login, or the Start menu) begins
// afresh. A tray that watches the user's service (nothing else restarts it
// on Windows) stays, without an icon, and watches on; it gives up the
// lock, so that a tray started later gets it, and ends once one has.
// Otherwise it returns an error.
func iconRetry(ctx context.Context, a iconRetryArgs) error {
	d, ok := iconRetryDelay(a.try)
	if !ok && !a.watching {
		return fmt.Errorf("%w, %d times; giving up until the tray is started again", ErrNoIcon, a.try)
	}
	if !ok {
		a.logf("tray: %v, %d times; the Nutmeg service's watchdog goes on without the icon until the tray is started again", ErrNoIcon, a.try)
		a.release()
		return watchUntilTray(ctx, a.lock, 5*time.Second)
	}
	a.logf("tray: %v (start %d); trying again in %v", ErrNoIcon, a.try, d)
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
	cmd.Env = append(os.Environ(), envTry+"="+strconv.Itoa(a.try+1))
	// A tray started at login has no console: its std handles may be
	// missing, and then the successor goes without them too.
	if os.Stdout != nil && os.Stderr != nil {
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	}
	a.release()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("tray: start again: %w", err)
	}
	a.logf("tray: started again as pid %d", cmd.Process.Pid)
	return cmd.Process.Release()
}

// watchUntilTray waits, while the rest of the process goes on, until
// another process holds the tray's lock at path (a tray started later) or
// ctx ends. It looks every interval by taking the lock for a moment; a tray
// starting in that moment tries again (lockSoon).
func watchUntilTray(ctx context.Context, path string, every time.Duration) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		release, err := Lock(path)
		if errors.Is(err, ErrRunning) {
			return nil
		}
		if err == nil {
			release()
		}
	}
}

// lockSoon is Lock, tried a few times over a fifth of a second: a tray
// that gave up its icon looks at the lock now and then (watchUntilTray),
// and a start in that moment must not take it for a running tray.
func lockSoon(path string) (release func(), err error) {
	for i := 0; ; i++ {
		release, err = Lock(path)
		if !errors.Is(err, ErrRunning) || i == 4 {
			return release, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}
