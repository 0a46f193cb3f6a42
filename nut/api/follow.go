package api

import (
	"context"
	"errors"
	"io/fs"
	"sync"
	"time"
)

// Update is one change a Follower reports.
type Update struct {
	Linked bool   // the service's socket answers
	Denied bool   // the socket refused this user (its mode is 0660)
	State  *State // a new state, when there is one
	Event  *Event // a new event
}

// ErrNoService is the answer to a request while no service is linked.
var ErrNoService = errors.New("the Nutmeg service is not running")

// Follower follows the service's socket for the tray and the status window:
// every "state" and "event" message becomes an Update, and a lost link an
// Update with Linked false (once per loss, again only when Denied changes).
// It dials again (250 ms, doubling to 2 s) until the socket answers; the
// service pushes, so there is no polling. Do sends requests on the current
// connection.
type Follower struct {
	Socket string

	mu  sync.Mutex
	cur *Client
}

// Run reports updates through send until ctx ends.
func (f *Follower) Run(ctx context.Context, send func(Update)) {
	backoff := 250 * time.Millisecond
	linked, denied, reported := false, false, false
	down := func(d bool) {
		if linked || d != denied || !reported {
			send(Update{Linked: false, Denied: d})
		}
		linked, denied, reported = false, d, true
	}
	for ctx.Err() == nil {
		c, err := Dial(ctx, f.Socket)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			down(errors.Is(err, fs.ErrPermission))
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
				linked, denied, reported = true, false, true
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
			linked = true // the link was there: report its loss
			down(false)
		}
	}
}

// Do sends a request on the current connection.
func (f *Follower) Do(ctx context.Context, req Request) (Reply, error) {
	f.mu.Lock()
	c := f.cur
	f.mu.Unlock()
	if c == nil {
		return Reply{}, ErrNoService
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
