package notify

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// QueueConfig tunes a Queue. Zero fields take the defaults.
type QueueConfig struct {
	Size        int           // events held while the mail server is slow; default 64
	MaxAttempts int           // tries per event; default 6
	Backoff     time.Duration // wait before the first retry, doubled after each; default 5 s
	MaxBackoff  time.Duration // cap of that wait; default 5 min
	Log         *slog.Logger  // default slog.Default()
}

// Queue mails events in the background. Enqueue never blocks: the service's
// countdown calls it. Events wait in a bounded buffer (the oldest is dropped,
// with a log line, when it is full) and are sent one at a time, in order,
// each retried with exponential backoff before it is given up.
type Queue struct {
	cfg  QueueConfig
	wake chan struct{}

	mu      sync.Mutex
	mailer  *Mailer
	pending []Event
}

// NewQueue makes a queue that sends through m (nil: mail is off until
// SetMailer). Start it with Run.
func NewQueue(m *Mailer, cfg QueueConfig) *Queue {
	if cfg.Size <= 0 {
		cfg.Size = 64
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 6
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 5 * time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 5 * time.Minute
	}
	if cfg.MaxBackoff < cfg.Backoff {
		cfg.MaxBackoff = cfg.Backoff
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &Queue{cfg: cfg, mailer: m, wake: make(chan struct{}, 1)}
}

// SetMailer replaces the mailer, e.g. after the settings changed; nil turns
// mail off. Events already queued are sent with the new one.
func (q *Queue) SetMailer(m *Mailer) {
	q.mu.Lock()
	q.mailer = m
	q.mu.Unlock()
}

// Enqueue queues e for mail if its name is selected, and reports whether it
// did. It never blocks. A nil *Queue takes nothing.
func (q *Queue) Enqueue(e Event) bool {
	if q == nil {
		return false
	}
	q.mu.Lock()
	if q.mailer == nil || !q.mailer.Wants(e.Name) {
		q.mu.Unlock()
		return false
	}
	var dropped *Event
	if len(q.pending) >= q.cfg.Size {
		d := q.pending[0]
		dropped = &d
		q.pending = append(q.pending[:0], q.pending[1:]...)
	}
	q.pending = append(q.pending, e)
	q.mu.Unlock()
	if dropped != nil {
		q.cfg.Log.Warn("email queue full: dropped the oldest event",
			"event", dropped.Name, "ups", dropped.UPS, "time", dropped.Time.Format(DateLayout))
	}
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return true
}

// Len is the number of events waiting (not counting the one being sent).
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.pending)
}

// Run sends queued events until ctx is done; events still waiting then are
// dropped (and counted in the log).
func (q *Queue) Run(ctx context.Context) {
	for {
		e, ok := q.next()
		if !ok {
			select {
			case <-ctx.Done():
				if n := q.Len(); n > 0 {
					q.cfg.Log.Warn("email queue stopped with events unsent", "count", n)
				}
				return
			case <-q.wake:
				continue
			}
		}
		q.deliver(ctx, e)
		if ctx.Err() != nil {
			q.cfg.Log.Warn("email queue stopped with events unsent", "count", q.Len()+1, "event", e.Name)
			return
		}
	}
}

func (q *Queue) next() (Event, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.pending) == 0 {
		return Event{}, false
	}
	e := q.pending[0]
	q.pending = append(q.pending[:0], q.pending[1:]...)
	return e, true
}

// deliver tries e until it is sent, MaxAttempts is reached or ctx ends. A
// failure is logged with the server's reason (the Mailer's error never
// carries the password).
func (q *Queue) deliver(ctx context.Context, e Event) {
	wait := q.cfg.Backoff
	for attempt := 1; ; attempt++ {
		q.mu.Lock()
		m := q.mailer
		q.mu.Unlock()
		if m == nil {
			q.cfg.Log.Info("email turned off: event not sent", "event", e.Name)
			return
		}
		err := m.Send(ctx, e)
		if err == nil {
			if attempt > 1 {
				q.cfg.Log.Info("email sent", "event", e.Name, "attempt", attempt)
			}
			return
		}
		if ctx.Err() != nil {
			return
		}
		if attempt >= q.cfg.MaxAttempts {
			q.cfg.Log.Error("email not sent: giving up", "event", e.Name, "attempts", attempt, "err", err.Error())
			return
		}
		q.cfg.Log.Warn("email not sent: will retry", "event", e.Name, "attempt", attempt,
			"retry_in", wait.String(), "err", err.Error())
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		wait = min(wait*2, q.cfg.MaxBackoff)
	}
}
