package monitor

import (
	"context"
	"errors"
	"fmt"
	"github.com/nutmeg-ups/nutmeg/nut/api"
	"sync"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/client"
)

// phase of the shutdown.
type phase int

const (
	idle    phase = iota // watching
	waiting              // critical: FINALDELAY runs
	running              // the shutdown command runs
	failed               // the last attempt failed: retry while critical
	done                 // the command succeeded: the machine should go down within StillUp
)

// Run watches the UPS until ctx ends, and returns ctx's error. After the
// shutdown command succeeded it goes on watching (logged out): a machine
// still up StillUp later, with the UPS still critical, is a SHUTDOWN_FAILED
// and the command is tried again. With a negative StillUp, Run returns nil
// as soon as the command succeeded, as upsmon exits then. It starts no
// goroutine that outlives it. A Monitor runs once at a time.
func (m *Monitor) Run(ctx context.Context) error {
	if !m.running.CompareAndSwap(false, true) {
		return errors.New("monitor: already running")
	}
	defer m.running.Store(false)
	ctx, cancel := context.WithCancel(ctx)
	results := make(chan pollResult, 4)
	cmds := make(chan sessionCmd, 4)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); m.session(ctx, results, cmds) }()
	defer func() { cancel(); wg.Wait() }()

	r := &runner{m: m, cfg: &m.cfg, tr: newTracker(&m.cfg), cmds: cmds}
	tick := time.NewTicker(m.cfg.Interval)
	defer tick.Stop()
	var final, retry, stillUp *time.Timer
	stopTimer := func(t *time.Timer) {
		if t != nil {
			t.Stop()
		}
	}
	defer func() { stopTimer(final); stopTimer(retry); stopTimer(stillUp) }()
	// abandon goes back to watching, logged in again: after a failed
	// attempt the UPS is no longer critical.
	abandon := func() {
		m.cfg.Log.Warn("the UPS is no longer critical: shutdown abandoned", "ups", m.cfg.UPS)
		r.phase, r.crit = idle, ""
		m.setState(func(s *State) { s.Critical, s.ShutdownAt, s.Failed = "", time.Time{}, "" })
		cmds <- cmdLogin
	}
	timerC := func(t *time.Timer) <-chan time.Time {
		if t == nil {
			return nil
		}
		return t.C
	}
	var cmdDone chan cmdResult

	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case res := <-results:
			r.apply(res)
		case <-tick.C:
			// Ticks follow the monotonic clock, which stands still while the
			// machine sleeps; the wall clock does not. A wall-clock gap far
			// beyond the tick means this process was frozen: a sleep.
			wall := time.Now().Round(0)
			if gap := wall.Sub(r.lastTick); !r.lastTick.IsZero() && gap > m.cfg.Interval+resumeGap {
				m.cfg.Log.Info("woke from sleep: DEADTIME starts again", "ups", m.cfg.UPS, "asleep", gap.Round(time.Second))
				r.tr.resume(wall)
			}
			r.lastTick = wall
		case <-m.force:
			if !r.forced {
				r.forced = true
				m.cfg.Log.Info("forced shutdown requested", "ups", m.cfg.UPS)
			}
		case <-timerC(final):
			final = nil
			cmdDone = r.start(ctx)
			// LOGOUT as the command starts, as upsd sees upsmon's child go.
			cmds <- cmdLogout
		case res := <-cmdDone:
			cmdDone = nil
			if res.err == nil {
				m.cfg.Log.Info("shutdown command ran", "ups", m.cfg.UPS, "elapsed", res.elapsed)
				if m.cfg.StillUp < 0 {
					return nil
				}
				r.phase = done
				stillUp = time.NewTimer(m.cfg.StillUp)
				break
			}
			r.phase = failed
			retry = time.NewTimer(m.cfg.RetryShutdown)
			r.emitFailed(res, m.cfg.RetryShutdown)
		case <-timerC(stillUp):
			stillUp = nil
			if r.reason(time.Now()) == "" {
				abandon()
				break
			}
			// The command said yes but the machine did not go down.
			r.phase = failed
			retry = time.NewTimer(m.cfg.RetryShutdown)
			r.emitFailed(cmdResult{err: fmt.Errorf("the machine is still up %s after the shutdown command ran", m.cfg.StillUp)}, m.cfg.RetryShutdown)
		case <-timerC(retry):
			retry = nil
			if reason := r.reason(time.Now()); reason != "" {
				r.crit = reason
				cmdDone = r.start(ctx)
			} else {
				abandon()
			}
		}
		now := time.Now()
		reason := r.reason(now)
		if reason != r.lastReason {
			r.lastReason = reason
			m.setState(func(s *State) {
				if r.phase == idle {
					s.Critical = reason
				}
			})
		}
		if r.phase == idle && reason != "" {
			r.phase, r.crit = waiting, reason
			at := now.Add(m.cfg.FinalDelay)
			m.setState(func(s *State) { s.Critical, s.ShutdownAt = reason, at })
			m.cfg.Log.Warn("UPS critical: shutdown after FINALDELAY", "ups", m.cfg.UPS, "reason", reason, "finaldelay", m.cfg.FinalDelay)
			r.emit(Event{Name: api.EvShutdown, Reason: reason,
				Message: fmt.Sprintf("UPS %s is critical (%s): shutting down in %s", r.sys(), reason, m.cfg.FinalDelay)})
			final = time.NewTimer(m.cfg.FinalDelay)
		}
	}
}

// runner is Run's state, touched only by Run's goroutine.
type runner struct {
	m    *Monitor
	cfg  *Config
	tr   *tracker
	cmds chan<- sessionCmd

	last       *client.Status
	forced     bool
	phase      phase
	crit       string // the reason the shutdown is under way
	lastReason string
	attempts   int
	lastTick   time.Time // wall clock of the last tick
}

// resumeGap is how much longer than a tick the wall clock must have moved
// between two ticks to count as a sleep: far above any scheduling delay.
const resumeGap = 5 * time.Second

func (r *runner) sys() string { return r.cfg.UPS + "@" + r.cfg.Addr }

// reason is why the UPS is critical now, "" if it is not.
func (r *runner) reason(now time.Time) string {
	if why := r.tr.critical(now); why != "" {
		return why
	}
	if r.forced {
		return ReasonForced
	}
	return ""
}

// apply feeds one poll attempt to the tracker and emits its events.
func (r *runner) apply(res pollResult) {
	if res.connected {
		r.cfg.Log.Info("connected to upsd", "addr", r.cfg.Addr, "ups", r.cfg.UPS, "logged_in", res.loggedIn)
		if res.loginErr != nil {
			r.cfg.Log.Error("LOGIN refused: the primary will not wait for this machine", "ups", r.cfg.UPS, "user", r.cfg.User, "err", res.loginErr)
		}
	}
	var names []string
	if res.err == nil {
		st := client.NewStatus(r.cfg.UPS, res.vars, res.time)
		status, ok := res.vars["ups.status"]
		if !ok {
			// upsmon asks for ups.status alone and gets ERR
			// VAR-NOT-SUPPORTED without it: a failed poll.
			names = r.tr.gone(res.time)
		} else {
			names = r.tr.alive(status, res.time)
		}
		if status != "WAIT" {
			r.last = &st
			if r.cfg.OnStatus != nil {
				r.cfg.OnStatus(st)
			}
		}
	} else {
		if !res.lost || r.phase == idle {
			r.cfg.Log.Debug("poll failed", "ups", r.cfg.UPS, "err", res.err)
		}
		names = r.tr.gone(res.time)
	}
	r.m.setState(func(s *State) {
		s.Connected = !res.lost
		s.LoggedIn = !res.lost && res.loggedIn
		s.LoginErr = res.loginErr
		s.CommOK = r.tr.commState == 1
		s.Status = r.last
		s.LastPoll = r.tr.lastPoll
	})
	for _, n := range names {
		e := Event{Name: n, Message: r.message(n)}
		if n == api.EvCommBad || n == api.EvNoComm {
			e.Err = res.err
		}
		r.emit(e)
	}
}

// message is NUT's stock text for a notify type.
func (r *runner) message(name string) string {
	s := r.sys()
	switch name {
	case api.EvOnline:
		return fmt.Sprintf("UPS %s on line power", s)
	case api.EvOnBatt:
		return fmt.Sprintf("UPS %s on battery", s)
	case api.EvLowBatt:
		return fmt.Sprintf("UPS %s battery is low", s)
	case api.EvFSD:
		return fmt.Sprintf("UPS %s: forced shutdown in progress", s)
	case api.EvCommOK:
		return fmt.Sprintf("Communications with UPS %s established", s)
	case api.EvCommBad:
		return fmt.Sprintf("Communications with UPS %s lost", s)
	case api.EvNoComm:
		return fmt.Sprintf("UPS %s is unavailable", s)
	case api.EvReplBatt:
		return fmt.Sprintf("UPS %s battery needs to be replaced", s)
	}
	return name
}

func (r *runner) emit(e Event) {
	e.Time = time.Now()
	e.UPS = r.cfg.UPS
	if e.Status == nil && r.last != nil {
		st := *r.last
		e.Status = &st
	}
	r.cfg.Log.Info("event", "name", e.Name, "ups", e.UPS, "msg", e.Message)
	if r.cfg.OnEvent != nil {
		r.cfg.OnEvent(e)
	}
}

// start runs the shutdown command in a goroutine; its result comes on the
// returned channel.
func (r *runner) start(ctx context.Context) chan cmdResult {
	r.phase = running
	r.attempts++
	r.m.setState(func(s *State) { s.Attempts = r.attempts })
	r.cfg.Log.Warn("running the shutdown command", "ups", r.cfg.UPS, "reason", r.crit, "attempt", r.attempts)
	done := make(chan cmdResult, 1)
	go func() { done <- runShell(ctx, r.cfg.ShutdownCmd, r.cfg.CommandLimit) }()
	return done
}

func (r *runner) emitFailed(res cmdResult, retry time.Duration) {
	why := res.err.Error()
	if res.stderr != "" {
		why += ": " + res.stderr
	}
	r.m.setState(func(s *State) { s.Failed = why })
	r.cfg.Log.Error("shutdown command failed", "ups", r.cfg.UPS, "exit", res.exit, "stderr", res.stderr, "err", res.err)
	r.emit(Event{Name: api.EvShutdownFailed, Reason: r.crit, Exit: res.exit, Stderr: res.stderr, Err: res.err, Retry: retry, Elapsed: res.elapsed,
		Message: api.ShutdownFailedText(why, retry)})
}
