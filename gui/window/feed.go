package window

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/api"
)

// Feed follows the service's socket (api.Follower, shared with the tray);
// it is also the window's Backend, sending requests on the current
// connection.
type Feed = api.Follower

// Update is one change from the service (api.Update).
type Update = api.Update

// Follow connects the window to a feed: updates are posted to the UI
// goroutine, the countdown line is redrawn once a second while a countdown
// runs, and the history is reloaded once a minute (the service's sampling
// interval). It returns at once; everything stops with ctx.
func (w *Window) Follow(ctx context.Context, f *Feed) {
	// The service sends its state once a second during a countdown, and
	// each one redraws the countdown line: the line's own second is only
	// for when those do not come, so that a countdown wakes the UI once a
	// second, not twice.
	var lastState atomic.Int64 // unix ns of the last state posted
	go f.Run(ctx, func(u Update) {
		if u.State != nil {
			lastState.Store(time.Now().UnixNano())
		}
		w.cfg.Post(func() { w.Apply(u) })
	})
	go func() {
		sec := time.NewTicker(time.Second)
		defer sec.Stop()
		n := 0
		for {
			select {
			case <-ctx.Done():
				return
			case <-sec.C:
			}
			n++
			// Wake the UI goroutine only when there is something to do.
			if n%60 == 0 {
				w.cfg.Post(func() {
					if w.linked {
						w.loadHistory(w.rng)
					}
				})
			} else if w.counting.Load() && time.Since(time.Unix(0, lastState.Load())) > 1500*time.Millisecond {
				w.cfg.Post(w.showCountdown)
			}
		}
	}()
}
