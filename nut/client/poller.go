package client

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// OnlyUPS returns the name of the server's only UPS, and an error naming
// them when there are none or several.
func (c *Conn) OnlyUPS() (string, error) {
	list, err := c.ListUPS()
	if err != nil {
		return "", err
	}
	switch len(list) {
	case 1:
		return list[0].Name, nil
	case 0:
		return "", fmt.Errorf("upsd at %s serves no UPS", c.addr)
	}
	names := make([]string, len(list))
	for i, u := range list {
		names[i] = u.Name
	}
	return "", &SeveralUPSError{Names: names}
}

// SeveralUPSError says which UPS names to choose from.
type SeveralUPSError struct{ Names []string }

func (e *SeveralUPSError) Error() string {
	return fmt.Sprintf("the server has several UPSes (%s): name one", strings.Join(e.Names, ", "))
}

// EventKind says what a poller Event reports.
type EventKind int

const (
	// Connected: a session with upsd is up (sent once per recovery).
	Connected EventKind = iota + 1
	// Lost: upsd cannot be reached or the session broke; Err says why.
	// Sent once per outage; the poller keeps retrying with backoff.
	Lost
	// Polled: a poll succeeded; Status holds it.
	Polled
	// PollFailed: upsd answered the poll with an error for this UPS (Err is
	// a *ProtocolError: data stale, driver not connected, unknown UPS; or
	// ErrNoDataYet while the driver's first data is not in). The
	// session stays up and the poller keeps polling at its interval.
	PollFailed
)

func (k EventKind) String() string {
	switch k {
	case Connected:
		return "connected"
	case Lost:
		return "lost"
	case Polled:
		return "polled"
	case PollFailed:
		return "poll-failed"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is one report from a Poller.
type Event struct {
	Kind   EventKind
	Time   time.Time
	UPS    string        // the UPS polled (resolved when Poller.UPS is "")
	Status Status        // Polled
	Err    error         // Lost, PollFailed
	Retry  time.Duration // Lost: the wait before the next attempt
	// Logins (Polled) is upsd's count of the upsmon logged in to the UPS
	// (GET NUMLOGINS), asked in the same session right after the poll when
	// Poller.Logins wants it; -1 when it was not asked or upsd said no.
	Logins int
}

// Poller keeps a session with upsd and polls one UPS at an interval. On a
// connection error it closes the session and dials again with backoff
// (MinBackoff doubling up to MaxBackoff, reset by a successful poll). Every
// round trip has a deadline (Options.Timeout), so a connection that died
// while the machine slept fails the next poll instead of hanging, and the
// poller recovers by itself.
type Poller struct {
	Addr     string        // HOST[:PORT]
	UPS      string        // "" means the server's only UPS
	Interval time.Duration // between polls; 0 means 2 s
	Options  Options

	MinBackoff time.Duration // 0 means 500 ms
	MaxBackoff time.Duration // 0 means 10 s

	// Logins, when set, is asked after every poll whether to ask upsd for
	// the number of upsmon logged in as well (Event.Logins). It is called
	// from the poller's goroutine.
	Logins func(Status) bool
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Run polls until ctx ends, calling emit (from Run's goroutine) for every
// event, and returns ctx's error. It starts no goroutine that outlives it.
func (p *Poller) Run(ctx context.Context, emit func(Event)) error {
	interval := orDefault(p.Interval, 2*time.Second)
	minB := orDefault(p.MinBackoff, 500*time.Millisecond)
	maxB := orDefault(p.MaxBackoff, 10*time.Second)
	backoff := minB
	lostSent := false
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		conn, ups, err := p.connect(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if !lostSent {
				emit(Event{Kind: Lost, Time: time.Now(), UPS: p.UPS, Err: err, Retry: backoff})
				lostSent = true
			}
			if !sleep(ctx, backoff) {
				return ctx.Err()
			}
			backoff = min(backoff*2, maxB)
			continue
		}
		lostSent = false
		emit(Event{Kind: Connected, Time: time.Now(), UPS: ups})
		err = p.session(ctx, conn, ups, interval, emit, func() { backoff = minB })
		if ctx.Err() != nil {
			return ctx.Err()
		}
		emit(Event{Kind: Lost, Time: time.Now(), UPS: ups, Err: err, Retry: backoff})
		lostSent = true
		if !sleep(ctx, backoff) {
			return ctx.Err()
		}
		backoff = min(backoff*2, maxB)
	}
}

// connect dials and resolves the UPS name.
func (p *Poller) connect(ctx context.Context) (*Conn, string, error) {
	conn, err := Dial(ctx, p.Addr, p.Options)
	if err != nil {
		return nil, "", err
	}
	ups := p.UPS
	if ups == "" {
		// Cancelling ctx must not wait for this round trip's deadline.
		stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
		ups, err = conn.OnlyUPS()
		stop()
		if err != nil {
			_ = conn.Close()
			return nil, "", err
		}
	}
	return conn, ups, nil
}

// session polls on conn until a connection error (returned) or ctx ends.
func (p *Poller) session(ctx context.Context, conn *Conn, ups string, interval time.Duration, emit func(Event), ok func()) error {
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer func() {
		stop()
		_ = conn.Close()
	}()
	for {
		st, err := conn.Poll(ups)
		logins := -1
		if err == nil && p.Logins != nil && p.Logins(st) {
			n, lerr := conn.NumLogins(ups)
			switch {
			case lerr == nil:
				logins = n
			case !errors.As(lerr, new(*ProtocolError)):
				return lerr // the connection failed: the session is over
			}
		}
		var pe *ProtocolError
		switch {
		case err == nil:
			ok()
			emit(Event{Kind: Polled, Time: st.Time, UPS: ups, Status: st, Logins: logins})
		case errors.As(err, &pe) || errors.Is(err, ErrNoDataYet):
			emit(Event{Kind: PollFailed, Time: time.Now(), UPS: ups, Err: err})
		default:
			return err
		}
		if !sleep(ctx, interval) {
			return ctx.Err()
		}
	}
}

// sleep waits d or until ctx ends (false).
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// Watch runs the poller in a goroutine and delivers its events on the
// returned channel, which is closed when ctx ends and the goroutine is gone.
// A slow reader delays polling; it never makes the goroutine outlive ctx.
func (p *Poller) Watch(ctx context.Context) <-chan Event {
	ch := make(chan Event, 16)
	go func() {
		defer close(ch)
		_ = p.Run(ctx, func(e Event) {
			select {
			case ch <- e:
			case <-ctx.Done():
			}
		})
	}()
	return ch
}
