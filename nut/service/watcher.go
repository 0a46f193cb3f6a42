package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/client"
)

// DefaultReaction is upsmon 2.8.0's own delay between `upsmon -c fsd` and
// SHUTDOWNCMD with FINALDELAY 0 and no secondaries: the fsd command starts,
// signals the monitoring child, which sets FSD on upsd and runs SHUTDOWNCMD.
// Measured here at 0.05-0.2 s (TestShutdownTimerBatt logs it).
const DefaultReaction = 100 * time.Millisecond

// HostSyncSlack is what upsmon 2.8.0 waits beyond HOSTSYNC when a
// secondary stays logged in: its wait loop counts whole seconds, so the
// wait is between HOSTSYNC and HOSTSYNC+1 s (measured: 3.85 s for
// HOSTSYNC 3, TestHostSyncLead). Half a second keeps the error within ±0.5 s.
const HostSyncSlack = 500 * time.Millisecond

// Mailer takes events for email without ever blocking (nut/notify.Queue).
type Mailer interface {
	Enqueue(e api.Event) bool
}

// WatcherConfig is what the watcher needs. Zero durations take defaults.
type WatcherConfig struct {
	UPS      string
	Addr     string // upsd to watch (HOST:PORT)
	Mode     string // primary | secondary
	Policy   Policy
	NoComm   time.Duration // nocommwarntime
	HostSync time.Duration // primary: upsmon waits up to this for secondaries after FSD
	Reaction time.Duration // upsmon's reaction to fsd; 0 means DefaultReaction
	Poll     time.Duration // poll interval; 0 means 1 s

	StateDir string // event log, history and socket
	// SocketMode is the socket's permission; 0 means 0660.
	SocketMode os.FileMode
	// EventLogMax bounds the event log file; 0 means DefaultEventLogMax.
	EventLogMax int64
	// HistoryEvery is the history's sampling interval; 0 means a minute.
	HistoryEvery time.Duration

	// FSD issues the forced shutdown (upsmon -c fsd). Required.
	FSD func(ctx context.Context) error
	// Final(true) is called as FSD is issued (the supervisor stops
	// restarting upsmon, which exits after SHUTDOWNCMD); Final(false) when
	// FSD failed and will be retried (upsmon must come back for it).
	Final func(on bool)
	// Mail takes events for email (nil: no mail).
	Mail Mailer
	// Admin is the upsd user with instcmds rights for "command" requests
	// ("" user: commands are refused). Admin.Pass never leaves memory.
	AdminUser, AdminPass string
	// Reload installs new settings ("reload" requests: NUT's files, NUT
	// restarted) and returns the watcher's new configuration; nil refuses.
	Reload func(ctx context.Context, settingsPath string) (WatcherConfig, error)

	Log *slog.Logger
	Now func() time.Time // the clock; nil means time.Now
}

// Watcher follows upsd, turns status changes into events, owns the
// countdown, the event log and the history, and serves the local API.
type Watcher struct {
	cfg WatcherConfig
	now func() time.Time
	log *slog.Logger

	det    *Detector
	cd     *Countdown
	events *EventLog
	hist   *History
	srv    *Server

	reqs chan pending
	cmds chan []string

	mu    sync.Mutex // guards state, for the server's callback
	state api.State

	lastSample time.Time
	lastLead   time.Time

	polls      <-chan client.Event
	stopPoller context.CancelFunc

	fsdPending bool // FSD is due but failed: retry
	fsdFailed  bool
	lastFSDTry time.Time
}

type pending struct {
	req   api.Request
	reply chan api.Reply
}

// NewWatcher opens the event log, the history and the socket in
// cfg.StateDir.
func NewWatcher(cfg WatcherConfig) (*Watcher, error) {
	if cfg.FSD == nil {
		return nil, errors.New("watcher: no FSD function")
	}
	w := &Watcher{cfg: cfg, now: cfg.Now, log: cfg.Log, reqs: make(chan pending), cmds: make(chan []string, 1)}
	if w.now == nil {
		w.now = time.Now
	}
	if w.log == nil {
		w.log = slog.Default()
	}
	w.cfg.Reaction = orDur(cfg.Reaction, DefaultReaction)
	w.cfg.Poll = orDur(cfg.Poll, time.Second)
	w.cfg.HistoryEvery = orDur(cfg.HistoryEvery, time.Minute)
	if w.cfg.SocketMode == 0 {
		w.cfg.SocketMode = 0o660
	}
	w.det = NewDetector(cfg.UPS, cfg.NoComm, w.now())
	w.cd = NewCountdown(cfg.Policy, w.cfg.Reaction)
	w.state = api.State{UPS: cfg.UPS, Mode: cfg.Mode, Shutdown: cfg.Policy.Mode}
	var err error
	if w.events, err = OpenEventLog(filepath.Join(cfg.StateDir, EventLogName), cfg.EventLogMax); err != nil {
		return nil, err
	}
	if w.hist, err = OpenHistory(filepath.Join(cfg.StateDir, HistoryName), 0); err != nil {
		w.events.Close()
		return nil, err
	}
	if w.srv, err = Listen(filepath.Join(cfg.StateDir, api.SocketName), w.cfg.SocketMode, w.State, w.handle); err != nil {
		w.events.Close()
		return nil, err
	}
	return w, nil
}

// State is a copy of the current state.
func (w *Watcher) State() api.State {
	w.mu.Lock()
	defer w.mu.Unlock()
	st := w.state
	return st
}

// Close releases the socket and the log of a watcher that never ran.
func (w *Watcher) Close() {
	w.srv.Close()
	w.events.Close()
}

// History is the watcher's history (for tests).
func (w *Watcher) History() *History { return w.hist }

// Run watches until ctx ends, then closes the socket and the log.
func (w *Watcher) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srvDone := make(chan error, 1)
	go func() { srvDone <- w.srv.Serve(ctx) }()
	w.startPoller(ctx)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	defer func() {
		cancel()
		<-srvDone
		w.events.Close()
	}()
	for {
		w.armTimer(timer)
		select {
		case <-ctx.Done():
			return nil
		case pe, ok := <-w.polls:
			if !ok {
				if ctx.Err() != nil {
					return nil
				}
				w.polls = nil // replaced by reconfigure
				continue
			}
			w.onPoll(ctx, pe)
		case p := <-w.reqs:
			p.reply <- w.request(ctx, p.req)
		case cmds := <-w.cmds:
			w.update(func(s *api.State) { s.Commands = cmds })
		case <-timer.C:
		}
		w.tick(ctx)
	}
}

// startPoller (re)starts following upsd at cfg.Addr.
func (w *Watcher) startPoller(ctx context.Context) {
	if w.stopPoller != nil {
		w.stopPoller()
		for range w.polls { // drain until the old poller is gone
		}
	}
	pctx, cancel := context.WithCancel(ctx)
	poller := &client.Poller{Addr: w.cfg.Addr, UPS: w.cfg.UPS, Interval: w.cfg.Poll,
		Options: client.Options{Timeout: 3 * time.Second}, MinBackoff: 250 * time.Millisecond, MaxBackoff: 2 * time.Second}
	w.polls, w.stopPoller = poller.Watch(pctx), cancel
}

// Reconfigure takes new settings (after a reload) while running, from the
// watcher's loop: policy, nocommwarntime, hostsync and mail at once; a new
// UPS name or upsd address restarts the poller and forgets the old UPS's
// flags. A countdown that runs keeps its deadline.
func (w *Watcher) reconfigure(ctx context.Context, n WatcherConfig) {
	identity := n.UPS != w.cfg.UPS || n.Addr != w.cfg.Addr
	// Request goroutines read cfg (command, events): change it under mu.
	w.mu.Lock()
	w.cfg.Policy, w.cfg.NoComm, w.cfg.HostSync, w.cfg.Mail, w.cfg.Mode = n.Policy, n.NoComm, n.HostSync, n.Mail, n.Mode
	w.cfg.AdminUser, w.cfg.AdminPass = n.AdminUser, n.AdminPass
	w.cfg.UPS, w.cfg.Addr = n.UPS, n.Addr
	w.mu.Unlock()
	w.cd.p = n.Policy
	w.det.NoCommAft = n.NoComm
	if identity {
		w.det = NewDetector(n.UPS, n.NoComm, w.now())
		w.startPoller(ctx)
	}
	w.update(func(s *api.State) {
		s.UPS, s.Mode, s.Shutdown = n.UPS, n.Mode, n.Policy.Mode
		if identity {
			s.Connected, s.Status, s.Commands = false, nil, nil
		}
	})
	w.publish()
}

// armTimer sets the timer to the next moment something is due: FSD, the
// next second of a running countdown (the tray's display), NOCOMM, or the
// next history sample.
func (w *Watcher) armTimer(t *time.Timer) {
	now := w.now()
	next := now.Add(time.Hour)
	earlier := func(at time.Time) {
		if !at.IsZero() && at.Before(next) {
			next = at
		}
	}
	if w.cd.Running() {
		if !w.cd.Fired() {
			earlier(w.cd.FSDAt())
		}
		earlier(now.Truncate(time.Second).Add(time.Second))
	}
	earlier(w.det.NoCommDue())
	if !w.lastSample.IsZero() {
		earlier(w.lastSample.Add(w.cfg.HistoryEvery))
	}
	if !t.Stop() {
		select {
		case <-t.C:
		default:
		}
	}
	t.Reset(max(next.Sub(now), 0))
}

func (w *Watcher) onPoll(ctx context.Context, pe client.Event) {
	now := w.now()
	switch pe.Kind {
	case client.Connected:
		go w.listCommands(ctx, w.cfg.UPS, w.cfg.Addr)
		return
	case client.Polled:
		evs := w.det.Poll(now, pe.Status)
		st := pe.Status
		w.update(func(s *api.State) {
			s.Connected = true
			s.Status = &st
		})
		for _, e := range evs {
			w.emit(ctx, e)
		}
		// Low battery on battery is critical in either mode, whether or not
		// it came with an event this poll (LB may precede OB).
		if st.Has("OB") && st.Has("LB") {
			w.countdown(ctx, now, func() bool { return w.cd.LowBattery(now) })
		}
		if w.lastSample.IsZero() || now.Sub(w.lastSample) >= w.cfg.HistoryEvery {
			w.sample(now, st)
		}
	case client.Lost, client.PollFailed:
		evs := w.det.Fail(now, pe.Err)
		w.update(func(s *api.State) { s.Connected = false })
		for _, e := range evs {
			w.emit(ctx, e)
		}
	}
}

func (w *Watcher) sample(now time.Time, st client.Status) {
	s := SampleOf(st)
	s.Time = now
	w.lastSample = now
	if err := w.hist.Add(s); err != nil {
		w.log.Warn("history", "err", err)
	}
}

// tick handles what is due by the clock: NOCOMM, FSD, the countdown's
// once-a-second state.
func (w *Watcher) tick(ctx context.Context) {
	now := w.now()
	for _, e := range w.det.Tick(now) {
		w.emit(ctx, e)
	}
	if w.cd.Running() && !w.cd.Fired() && w.cfg.Mode == nut.ModePrimary && now.Sub(w.lastLead) >= 5*time.Second {
		w.refreshLead(ctx, now)
	}
	if w.cd.Due(now) {
		w.fire(ctx, now)
	} else if w.fsdPending && now.Sub(w.lastFSDTry) >= time.Second {
		_ = w.issueFSD(ctx)
	}
	if w.cd.Running() {
		w.publish() // once a second while the countdown runs
	}
}

// refreshLead asks upsd how many upsmon are logged in: with secondaries, a
// primary upsmon waits up to HOSTSYNC for them after FSD.
func (w *Watcher) refreshLead(ctx context.Context, now time.Time) {
	w.lastLead = now
	lead := w.cfg.Reaction
	cctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if c, err := client.Dial(cctx, w.cfg.Addr, client.Options{Timeout: time.Second}); err == nil {
		if n, err := c.NumLogins(w.cfg.UPS); err == nil && n > 1 {
			lead += w.cfg.HostSync + HostSyncSlack
		}
		c.Close()
	}
	w.cd.SetLead(lead)
}

func (w *Watcher) fire(ctx context.Context, now time.Time) {
	w.log.Info("countdown over: forced shutdown", "reason", w.cd.View().Reason)
	msg := fmt.Sprintf("Shutting down the computer now (UPS %s)", w.cfg.UPS)
	if err := w.issueFSD(ctx); err != nil {
		msg += "; upsmon did not take the FSD yet (retrying every second): " + err.Error()
	}
	w.emit(ctx, api.Event{Time: now, Name: EvShutdown, UPS: w.cfg.UPS, Message: msg, Status: w.State().Status})
	w.publish()
}

// issueFSD runs the FSD function; on failure (upsmon being restarted, say)
// tick retries it every second until it works: the shutdown must happen.
func (w *Watcher) issueFSD(ctx context.Context) error {
	if w.cfg.Final != nil {
		w.cfg.Final(true)
	}
	fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	err := w.cfg.FSD(fctx)
	cancel()
	w.lastFSDTry = w.now()
	w.fsdPending = err != nil
	if err != nil {
		if w.cfg.Final != nil {
			w.cfg.Final(false)
		}
		w.log.Error("forced shutdown failed; retrying", "err", err)
	} else if w.fsdFailed {
		w.log.Info("forced shutdown issued after retrying")
	}
	w.fsdFailed = w.fsdFailed || err != nil
	return err
}

// countdown applies a change and, when it changed the countdown, logs the
// event that says so and publishes the state.
func (w *Watcher) countdown(ctx context.Context, now time.Time, f func() bool) {
	was := w.cd.Running()
	if !f() {
		return
	}
	if w.cd.Running() && w.cfg.Mode == nut.ModePrimary {
		w.refreshLead(ctx, now)
	}
	v := w.cd.View()
	switch {
	case !was && v != nil:
		w.emit(ctx, api.Event{Time: now, Name: EvCountdown, UPS: w.cfg.UPS, Status: w.State().Status,
			Message: fmt.Sprintf("Shutdown countdown started (%s): the computer shuts down at %s", v.Reason, v.ShutdownAt.Format("15:04:05"))})
	case was && v == nil:
		w.emit(ctx, api.Event{Time: now, Name: EvCancelled, UPS: w.cfg.UPS, Status: w.State().Status,
			Message: "Shutdown countdown cancelled"})
	}
	if w.cd.Due(now) {
		w.fire(ctx, now)
	}
	w.publish()
}

// emit logs an event, pushes it to every client, hands it to the mail queue
// and lets it drive the countdown.
func (w *Watcher) emit(ctx context.Context, e api.Event) {
	if err := w.events.Append(e); err != nil {
		w.log.Warn("event log", "err", err)
	}
	w.log.Info("event", "name", e.Name, "message", e.Message)
	ev := e
	w.srv.Broadcast(api.Message{Type: "event", Event: &ev})
	if w.cfg.Mail != nil {
		w.cfg.Mail.Enqueue(e) // never blocks
	}
	switch e.Name {
	case EvOnBatt:
		w.countdown(ctx, e.Time, func() bool { return w.cd.OnBattery(e.Time) })
	case EvOnline:
		w.countdown(ctx, e.Time, func() bool { return w.cd.Online(e.Time) })
	}
}

// update changes the state and publishes it when something a client shows
// changed.
func (w *Watcher) update(f func(*api.State)) {
	w.mu.Lock()
	old := w.state
	f(&w.state)
	changed := old.Connected != w.state.Connected || !sameStatus(old.Status, w.state.Status) ||
		len(old.Commands) != len(w.state.Commands)
	w.mu.Unlock()
	if changed {
		w.publish()
	}
}

// publish pushes the current state (with the countdown) to every client.
func (w *Watcher) publish() {
	w.mu.Lock()
	w.state.Countdown = w.cd.View()
	st := w.state
	w.mu.Unlock()
	w.srv.Broadcast(api.Message{Type: "state", State: &st})
}

func sameStatus(a, b *client.Status) bool {
	if a == nil || b == nil {
		return a == b
	}
	return maps.Equal(a.Vars, b.Vars)
}

func (w *Watcher) listCommands(ctx context.Context, ups, addr string) {
	cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	c, err := client.Dial(cctx, addr, client.Options{Timeout: 3 * time.Second})
	if err != nil {
		return
	}
	defer c.Close()
	cmds, err := c.ListCommands(ups)
	if err != nil {
		return
	}
	select {
	case w.cmds <- cmds:
	case <-ctx.Done():
	}
}

// handle answers a client's request (from the client's goroutine). State
// changes go through the watcher's loop; reads and upsd commands do not.
func (w *Watcher) handle(ctx context.Context, req api.Request) api.Reply {
	switch req.Op {
	case "events":
		evs, err := ReadEvents(filepath.Join(w.cfg.StateDir, EventLogName), req.Limit)
		if err != nil {
			return api.Reply{Reason: err.Error()}
		}
		return api.Reply{OK: true, Events: evs}
	case "history":
		d, err := ParseRange(req.Range)
		if err != nil {
			return api.Reply{Reason: err.Error()}
		}
		return api.Reply{OK: true, History: w.hist.Since(w.now().Add(-d))}
	case "command":
		if err := w.command(ctx, req.Name); err != nil {
			return api.Reply{Reason: err.Error()}
		}
		return api.Reply{OK: true}
	case "postpone", "shutdown-now", "reload":
		p := pending{req: req, reply: make(chan api.Reply, 1)}
		select {
		case w.reqs <- p:
		case <-ctx.Done():
			return api.Reply{Reason: "the service is stopping"}
		}
		return <-p.reply
	}
	return api.Reply{Reason: fmt.Sprintf("unknown request %q (want postpone, shutdown-now, events, history or command)", req.Op)}
}

// request runs a state-changing request in the loop.
func (w *Watcher) request(ctx context.Context, req api.Request) api.Reply {
	now := w.now()
	var err error
	switch req.Op {
	case "postpone":
		w.countdown(ctx, now, func() bool {
			err = w.cd.Postpone(now)
			return err == nil
		})
		if err == nil {
			v := w.cd.View()
			w.emit(ctx, api.Event{Time: now, Name: EvPostponed, UPS: w.cfg.UPS, Status: w.State().Status,
				Message: fmt.Sprintf("Shutdown postponed to %s (%d of %d)", v.ShutdownAt.Format("15:04:05"), v.Postponed, w.cfg.Policy.PostponeMax)})
		}
	case "shutdown-now":
		w.countdown(ctx, now, func() bool {
			err = w.cd.ShutdownNow(now)
			return err == nil
		})
	case "reload":
		if w.cfg.Reload == nil {
			err = errors.New("this service does not manage NUT's files (system mode)")
		} else {
			var n WatcherConfig
			if n, err = w.cfg.Reload(ctx, req.Name); err == nil {
				w.reconfigure(ctx, n)
			}
		}
	}
	if err != nil {
		return api.Reply{Reason: err.Error()}
	}
	return api.Reply{OK: true}
}

// command runs an instant command through upsd as the service's internal
// admin user.
func (w *Watcher) command(ctx context.Context, name string) error {
	if name == "" {
		return errors.New("command: no name given")
	}
	w.mu.Lock()
	ups, addr, user, pass := w.cfg.UPS, w.cfg.Addr, w.cfg.AdminUser, w.cfg.AdminPass
	w.mu.Unlock()
	if user == "" {
		return errors.New("instant commands are available only when this service runs NUT itself (primary, user mode)")
	}
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c, err := client.Dial(cctx, addr, client.Options{Timeout: 5 * time.Second})
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Login(user, pass); err != nil {
		return err
	}
	if err := c.InstCmd(ups, name); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	w.log.Info("instant command", "name", name)
	return nil
}
