package tray

import (
	"context"
	"errors"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/client"
)

// update is one change reported by a source.
type update struct {
	linked bool       // the service (or upsd) answers
	denied bool       // the service's socket refused this user
	state  *api.State // new state, when there is one
	event  *api.Event // an event to notify about
}

// source is where the tray's figures come from: the local service's socket,
// or a remote upsd polled directly.
type source interface {
	// run reports updates until ctx ends, reconnecting by itself.
	run(ctx context.Context, out chan<- update)
	// do sends an action to the service; remote mode has none.
	do(ctx context.Context, req api.Request) (api.Reply, error)
	// service tells whether actions (postpone, shut down now) exist.
	service() bool
}

// serviceSource follows the service's pushes on its socket (api.Follower):
// no polling of its own, and it dials again by itself when the service
// restarts.
type serviceSource struct {
	f api.Follower
}

func (s *serviceSource) service() bool { return true }

func (s *serviceSource) run(ctx context.Context, out chan<- update) {
	s.f.Run(ctx, func(u api.Update) {
		send(ctx, out, update{linked: u.Linked, denied: u.Denied, state: u.State, event: u.Event})
	})
}

func (s *serviceSource) do(ctx context.Context, req api.Request) (api.Reply, error) {
	return s.f.Do(ctx, req)
}

// remoteSource polls a NUT server directly (a secondary with no local
// service). It has no countdown and no actions; events are derived from the
// status flags so that notifications still work.
type remoteSource struct {
	addr, ups string
	interval  time.Duration
	logf      func(string, ...any)
}

func (r *remoteSource) service() bool { return false }

func (r *remoteSource) do(context.Context, api.Request) (api.Reply, error) {
	return api.Reply{}, errors.New("no local Nutmeg service: actions are not available for a remote UPS")
}

func (r *remoteSource) run(ctx context.Context, out chan<- update) {
	p := &client.Poller{Addr: r.addr, UPS: r.ups, Interval: r.interval, MaxBackoff: 5 * time.Second}
	var last *client.Status
	var d deriver
	for ev := range p.Watch(ctx) {
		var u update
		switch ev.Kind {
		case client.Connected:
			continue
		case client.Polled:
			st := ev.Status
			last = &st
			u = update{linked: true, state: &api.State{UPS: ev.UPS, Mode: "secondary", Connected: true, Status: &st}}
		case client.PollFailed:
			r.logf("tray: poll %s: %v", r.addr, ev.Err)
			u = update{linked: true, state: &api.State{UPS: ev.UPS, Mode: "secondary", Connected: false, Status: last}}
		case client.Lost:
			r.logf("tray: NUT server %s: %v", r.addr, ev.Err)
			u = update{linked: false, state: &api.State{UPS: r.ups, Mode: "secondary", Status: last}}
		}
		send(ctx, out, u)
		for _, e := range d.next(u, ev.Time) {
			send(ctx, out, update{linked: u.linked, event: e})
		}
	}
}

// deriver turns successive remote polls into NUT's events, once per change.
type deriver struct {
	started bool
	flags   map[string]bool
	commOK  bool
}

func (d *deriver) next(u update, t time.Time) []*api.Event {
	var evs []*api.Event
	ev := func(name string, st *client.Status, ups string) {
		evs = append(evs, &api.Event{Time: t, Name: name, UPS: ups, Status: st})
	}
	ok := u.linked && u.state != nil && u.state.Connected && u.state.Status != nil
	if !ok {
		if d.commOK || !d.started {
			ups := ""
			if u.state != nil {
				ups = u.state.UPS
			}
			ev("COMMBAD", nil, ups)
		}
		d.commOK, d.started = false, true
		return evs
	}
	st := u.state.Status
	prev := d.flags
	if !d.started {
		prev = map[string]bool{"OL": true} // a fresh tray only reports what is wrong
	} else if !d.commOK {
		ev("COMMOK", st, u.state.UPS)
	}
	if st.Has("OB") && !prev["OB"] {
		ev("ONBATT", st, u.state.UPS)
	}
	if st.Has("OL") && !prev["OL"] {
		ev("ONLINE", st, u.state.UPS)
	}
	if st.Has("LB") && !prev["LB"] {
		ev("LOWBATT", st, u.state.UPS)
	}
	if st.Has("RB") && !prev["RB"] {
		ev("REPLBATT", st, u.state.UPS)
	}
	d.flags, d.commOK, d.started = st.Flags, true, true
	return evs
}

func send(ctx context.Context, out chan<- update, u update) {
	select {
	case out <- u:
	case <-ctx.Done():
	}
}
