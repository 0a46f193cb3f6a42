package service

import (
	"context"
	"slices"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/client"
)

// DefaultWatchEvery is how often the service reads the watched UPSes (the
// settings' watch list): they only inform, so a few seconds is plenty.
const DefaultWatchEvery = 5 * time.Second

// watchRead is one read of one watched UPS, from the reading goroutine to
// the watcher's loop.
type watchRead struct {
	gen    int // which list it belongs to (a reload starts a new one)
	i      int
	status client.Status
	err    error
}

// watchedUPS is the loop's record of one watched UPS: its entry, its own
// detector (NUT's event names, edges only) and its last reading.
type watchedUPS struct {
	w   nut.Watched
	det *Detector
	api api.WatchedUPS
}

// reader reads the watched UPSes in turn, every interval, one LIST VAR each
// on a connection it keeps (a login first when the entry has a user), and
// sends every result to out. It never touches the loop's state.
func watchReader(ctx context.Context, gen int, list []nut.Watched, every time.Duration, out chan<- watchRead) {
	conns := make([]*client.Conn, len(list))
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	for {
		for i, x := range list {
			st, err := readWatched(ctx, &conns[i], x)
			if ctx.Err() != nil {
				return
			}
			select {
			case out <- watchRead{gen: gen, i: i, status: st, err: err}:
			case <-ctx.Done():
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

// readWatched polls x once on *c, dialling (and logging in) when there is
// no connection; a failed read drops the connection for the next try.
func readWatched(ctx context.Context, c **client.Conn, x nut.Watched) (client.Status, error) {
	if *c == nil {
		dctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		conn, err := client.Dial(dctx, x.Addr(), client.Options{Timeout: 3 * time.Second})
		cancel()
		if err != nil {
			return client.Status{}, err
		}
		if x.User != "" {
			if err := conn.Login(x.User, x.Password); err != nil {
				conn.Close()
				return client.Status{}, err
			}
		}
		*c = conn
	}
	st, err := (*c).Poll(x.UPS)
	if err != nil {
		(*c).Close()
		*c = nil
	}
	return st, err
}

// startWatchReader (re)starts reading the configured watch list. Detectors
// of entries that stay in the list are kept, so a reload announces nothing
// twice.
func (w *Watcher) startWatchReader(ctx context.Context) {
	if w.stopWatch != nil {
		w.stopWatch()
		w.stopWatch = nil
	}
	w.watchGen++
	old := map[string]*watchedUPS{}
	for _, x := range w.watched {
		old[x.w.Key()] = x
	}
	w.watched = nil
	for _, x := range w.cfg.Watch {
		k := x.Key()
		if o := old[k]; o != nil {
			o.w = x
			w.watched = append(w.watched, o)
			continue
		}
		w.watched = append(w.watched, &watchedUPS{w: x, det: NewDetector(k, w.cfg.NoComm, w.now()), api: api.WatchedUPS{Key: k}})
	}
	w.publishWatched()
	if len(w.watched) == 0 {
		return
	}
	rctx, cancel := context.WithCancel(ctx)
	w.stopWatch = cancel
	go watchReader(rctx, w.watchGen, slices.Clone(w.cfg.Watch), orDefault(w.cfg.WatchEvery, DefaultWatchEvery), w.watchReads)
}

// onWatched folds one read into its UPS's record: events go to the log, the
// trays and (when the entry asks) the mail, marked Watched. They never
// reach the countdown: this machine is not powered by that UPS.
func (w *Watcher) onWatched(ctx context.Context, r watchRead) {
	if r.gen != w.watchGen || r.i >= len(w.watched) {
		return // a read from before a reload
	}
	x := w.watched[r.i]
	now := w.now()
	var evs []api.Event
	if r.err != nil {
		evs = x.det.Fail(now, r.err)
		x.api.Connected, x.api.Err = false, r.err.Error()
	} else {
		evs = x.det.Poll(now, r.status)
		st := r.status
		x.api.Connected, x.api.Err, x.api.Status = true, "", &st
	}
	for _, e := range evs {
		e.Watched = true
		w.emitWatched(e, x.w.Mail)
	}
	w.publishWatched()
}

// emitWatched logs a watched UPS's event, pushes it to every client and,
// when its entry asks for mail, hands it to the mail queue. Unlike emit, it
// never touches the countdown.
func (w *Watcher) emitWatched(e api.Event, mail bool) {
	if err := w.events.Append(e); err != nil {
		w.log.Warn("event log", "err", err)
	}
	w.log.Info("event of a watched UPS", "name", e.Name, "ups", e.UPS, "message", e.Message)
	ev := e
	w.srv.Broadcast(api.Message{Type: "event", Event: &ev})
	if mail && w.cfg.Mail != nil {
		w.cfg.Mail.Enqueue(e)
	}
}

// publishWatched puts the watched UPSes' readings into the state, and
// publishes it when what a client shows changed.
func (w *Watcher) publishWatched() {
	list := make([]api.WatchedUPS, len(w.watched))
	for i, x := range w.watched {
		list[i] = x.api
	}
	w.mu.Lock()
	changed := !sameWatched(w.state.Watched, list)
	w.state.Watched = list
	w.mu.Unlock()
	if changed {
		w.publish()
	}
}

func sameWatched(a, b []api.WatchedUPS) bool {
	return slices.EqualFunc(a, b, func(x, y api.WatchedUPS) bool {
		return x.Key == y.Key && x.Connected == y.Connected && x.Err == y.Err && sameStatus(x.Status, y.Status)
	})
}
