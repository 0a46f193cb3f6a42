package tray

import (
	"context"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/api"
)

// WatchdogGrace is how long the user service's socket may stay silent
// before the tray starts the service again (issue 10: "whenever its socket
// has been gone for 5 s").
const WatchdogGrace = 5 * time.Second

// Watchdog keeps the user-mode service running where no systemd user
// manager does it: it dials the socket every second and, once it has not
// answered for Grace, calls Start, for as long as ctx lives. A SIGKILLed
// service leaves its socket file behind, so only an answer counts.
type Watchdog struct {
	Socket string
	// Grace is the silence that triggers a restart (0: WatchdogGrace).
	Grace time.Duration
	// Every is the check interval (0: 1 s).
	Every time.Duration
	// Start starts the service and returns once it answers (or failed).
	Start func(ctx context.Context) error
	// Skip, when it returns true, keeps the watchdog from starting the
	// service (it was handed over to the system service).
	Skip func() bool
	Logf func(format string, a ...any)
}

// Run watches until ctx ends.
func (w Watchdog) Run(ctx context.Context) {
	if w.Grace == 0 {
		w.Grace = WatchdogGrace
	}
	if w.Every == 0 {
		w.Every = time.Second
	}
	t := time.NewTicker(w.Every)
	defer t.Stop()
	lastSeen := time.Now()
	for {
		dctx, cancel := context.WithTimeout(ctx, w.Every)
		up := api.Answers(dctx, w.Socket)
		cancel()
		switch {
		case up:
			lastSeen = time.Now()
		case w.Skip != nil && w.Skip():
			lastSeen = time.Now()
		case time.Since(lastSeen) >= w.Grace && ctx.Err() == nil:
			if w.Logf != nil {
				w.Logf("tray: the Nutmeg service has not answered for %v: starting it again", time.Since(lastSeen).Round(time.Second))
			}
			if err := w.Start(ctx); err != nil && w.Logf != nil {
				w.Logf("tray: start the Nutmeg service: %v", err)
			}
			// a failed start is tried again after another grace period
			lastSeen = time.Now()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
