package window

import (
	"context"
	"sync"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/api"
)

// Feed follows the service's socket: every "state" and "event" message
// becomes an Update, and a lost link an Update with Linked false; it dials
// again (250 ms, doubling to 2 s) until the socket answers. It is also the
// window's Backend, sending requests on the current connection.
type Feed struct {
	Socket string

	mu  sync.Mutex
	cur *api.Client
}

// Run reports updates through send until ctx ends.
func (f *Feed) Run(ctx context.Context, send func(Update)) {
	backoff := 250 * time.Millisecond
	linked := true // so that the first failure is reported
	for ctx.Err() == nil {
		c, err := api.Dial(ctx, f.Socket)
		if err != nil {
			if linked {
				send(Update{Linked: false})
				linked = false
			}
			if !sleep(ctx, backoff) {
				return
			}
			backoff = min(backoff*2, 2*time.Second)
			continue
		}
		backoff = 250 * time.Millisecond
		f.mu.Lock()
		f.cur = c
		f.mu.Unlock()
		stop := context.AfterFunc(ctx, func() { c.Close() })
		for m := range c.Messages() {
			switch {
			case m.Type == "state" && m.State != nil:
				send(Update{Linked: true, State: m.State})
				linked = true
			case m.Type == "event" && m.Event != nil:
				send(Update{Linked: true, Event: m.Event})
			}
		}
		stop()
		f.mu.Lock()
		f.cur = nil
		f.mu.Unlock()
		c.Close()
		if ctx.Err() == nil {
			send(Update{Linked: false})
			linked = false
		}
	}
}

// Do sends a request on the current connection.
func (f *Feed) Do(ctx context.Context, req api.Request) (api.Reply, error) {
	f.mu.Lock()
	c := f.cur
	f.mu.Unlock()
	if c == nil {
		return api.Reply{}, ErrNoService
	}
	return c.Do(ctx, req)
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

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
