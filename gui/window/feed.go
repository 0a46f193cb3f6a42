package window

import (
	"context"
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
	go f.Run(ctx, func(u Update) { w.cfg.Post(func() { w.Apply(u) }) })
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
			} else if w.counting.Load() {
				w.cfg.Post(w.showCountdown)
			}
		}
	}()
}
