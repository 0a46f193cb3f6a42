package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
	// SocketGroup, when that group exists, owns the socket (system mode).
	SocketGroup string
	// EventLogMax bounds the event log file; 0 means DefaultEventLogMax.
	EventLogMax int64
	// HistoryEvery is the history's sampling interval; 0 means a minute.
	HistoryEvery time.Duration

	// FSD issues the forced shutdown (upsmon -c fsd). Required.
	FSD func(ctx context.Context) error
	// Nudge sends upsmon the FSD signal again after FSD worked (nil: never;
	// see nudge). Final is not called for it.
	Nudge func(ctx context.Context) error
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
	// It runs beside the watcher's loop, never inside it.
	Reload func(ctx context.Context, settingsPath string) (WatcherConfig, error)
	// SettingsPath is the only settings file a "reload" may name.
	SettingsPath string

	// RuntimeLow: on battery with battery.runtime below it counts as low
	// battery (0: off). A missing runtime never triggers it.
	RuntimeLow time.Duration
	// ShutdownResult is the file the shutdown command's wrapper writes when
	// the command ends (see WriteShutdownWrapper); "" when not tracked.
	ShutdownResult string
	// RetryShutdown brings upsmon back and forces the shutdown again after
	// one failed (nil: only the event is logged).
	RetryShutdown func(ctx context.Context) error
	// PowerBack undoes a failed shutdown's FSD once mains power is back
	// (user mode: NUT restarted, which clears FSD on upsd); may be nil.
	PowerBack func(ctx context.Context) error
	// StillUpAfter: a shutdown command that exited 0 but left the machine up
	// this long has failed; 0 means 60 s. RetryEvery: the pause between
	// tries; 0 means 30 s.
	StillUpAfter, RetryEvery time.Duration

	// Watch is the settings' watch list (passwords filled): UPSes read
	// every WatchEvery (0: DefaultWatchEvery), shown and logged, never a
	// reason to shut down (watched.go).
	Watch      []nut.Watched
	WatchEvery time.Duration

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

	reqs      chan pending
	cmds      chan []string
	reloaded  chan reloadDone
	reloading bool

	mu    sync.Mutex // guards state, for the server's callback
	state api.State

	lastSample time.Time
	// askLogins and countingDown tell the poller's goroutine (Logins)
	// when to ask upsd for the upsmon logged in: in primary mode, on
	// battery or while a countdown runs.
	askLogins, countingDown atomic.Bool
	// logins is the count of upsmon logged in that the lead follows, and
	// fewerSince when polls began to count fewer (setLead).
	logins     int
	fewerSince time.Time
	// beat is the second of the countdown's last once-a-second state: tick
	// also runs after every poll and request, which must not add states.
	beat time.Time

	polls      <-chan client.Event
	stopPoller context.CancelFunc

	fsdPending bool // FSD is due but failed: retry
	lastFSDTry time.Time
	nudging    sync.WaitGroup // the FSD signal's repeats (nudge)

	// The shutdown state that outlives the process (shutdown.json).
	saved ShutdownState
	// resumed: the countdown came from the state file; it may not fire
	// before a poll has confirmed the UPS's state (or DEADTIME passed).
	resumed   bool
	startedAt time.Time
	polled    bool

	runtimeLowSent bool      // this outage's runtimelow event was sent
	resultSeen     time.Time // mtime of the last shutdown result read
	ranAt          time.Time // the shutdown command exited 0 then
	failed         string    // why the last shutdown did not happen
	retryAt        time.Time // next try after a failed shutdown
	clearingFSD    bool      // power came back after a failed shutdown: FSD on upsd is stale until NUT restarts

	// The watched UPSes (watched.go): their records, the reader's results,
	// and the reader's generation (bumped when a reload restarts it).
	watched    []*watchedUPS
	watchReads chan watchRead
	watchGen   int
	stopWatch  context.CancelFunc
}

type reloadDone struct {
	cfg   WatcherConfig
	err   error
	reply chan api.Reply
}

// ResumeWait bounds how long a countdown resumed from the state file waits
// for a first poll before it may fire: upsmon's DEADTIME, after which an
// unreachable UPS that was on battery is critical anyway.
const ResumeWait = 15 * time.Second

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
	w := &Watcher{cfg: cfg, now: cfg.Now, log: cfg.Log, reqs: make(chan pending), cmds: make(chan []string, 1),
		reloaded: make(chan reloadDone, 1), watchReads: make(chan watchRead)}
	if w.now == nil {
		w.now = time.Now
	}
	if w.log == nil {
		w.log = slog.Default()
	}
	w.cfg.Reaction = orDefault(cfg.Reaction, DefaultReaction)
	w.cfg.Poll = orDefault(cfg.Poll, time.Second)
	w.cfg.HistoryEvery = orDefault(cfg.HistoryEvery, time.Minute)
	w.cfg.StillUpAfter = orDefault(cfg.StillUpAfter, time.Minute)
	w.cfg.RetryEvery = orDefault(cfg.RetryEvery, 30*time.Second)
	if w.cfg.SocketMode == 0 {
		w.cfg.SocketMode = 0o660
	}
	w.startedAt = w.now()
	w.det = NewDetector(cfg.UPS, cfg.NoComm, w.startedAt)
	w.cd = NewCountdown(cfg.Policy, w.cfg.Reaction)
	w.state = api.State{UPS: cfg.UPS, Mode: cfg.Mode, Shutdown: cfg.Policy.Mode}
	w.askLogins.Store(cfg.Mode == nut.ModePrimary)
	saved, err := LoadShutdownState(cfg.StateDir)
	if err != nil {
		// A damaged file must not stop the watcher: it starts afresh and says so.
		w.log.Warn("shutdown state unreadable; starting without it", "err", err)
	}
	w.resume(saved)
	if cfg.ShutdownResult != "" {
		w.resultSeen = resultMtime(cfg.ShutdownResult)
	}
	if w.events, err = OpenEventLog(filepath.Join(cfg.StateDir, EventLogName), cfg.EventLogMax); err != nil {
		return nil, err
	}
	if w.hist, err = OpenHistory(filepath.Join(cfg.StateDir, HistoryName), 0); err != nil {
		w.events.Close()
		return nil, err
	}
	sock := filepath.Join(cfg.StateDir, api.SocketName)
	if w.srv, err = Listen(sock, w.cfg.SocketMode, w.State, w.handle); err != nil {
		w.events.Close()
		return nil, err
	}
	if cfg.SocketGroup != "" {
		if g, err := user.LookupGroup(cfg.SocketGroup); err != nil {
			w.log.Warn("socket group missing: only root can follow this service", "group", cfg.SocketGroup, "err", err)
		} else if gid, _ := strconv.Atoi(g.Gid); os.Chown(sock, -1, gid) != nil {
			w.log.Warn("socket group not set", "group", cfg.SocketGroup)
		}
	}
	return w, nil
}

// resume takes back the shutdown state a previous run left: the UPS's flags
// (no second ONBATT for the same outage), the countdown with its deadline,
// and a failed shutdown. State about another UPS is not taken.
func (w *Watcher) resume(st ShutdownState) {
	w.saved = st
	if st.UPS != w.cfg.UPS {
		return
	}
	w.det.Seed(flagSet(st.Flags))
	if st.Countdown != nil {
		w.cd.Restore(*st.Countdown)
		w.resumed = true
		w.log.Info("resuming the shutdown countdown", "reason", st.Countdown.Reason,
			"shutdown_at", st.Countdown.ShutdownAt.Format(time.RFC3339), "fsd_sent", st.Countdown.FSDSent)
	}
	w.cd.SetCancelled(st.Cancelled, st.CancelledAt)
	w.failed = st.Failed
	w.state.ShutdownFailed = st.Failed
	if st.Failed != "" {
		w.retryAt = w.startedAt
	}
}

// persist writes the shutdown state when it changed.
func (w *Watcher) persist() {
	cur := ShutdownState{UPS: w.cfg.UPS, Flags: flagList(w.det.Flags()), Countdown: w.cd.Save(), Failed: w.failed}
	cur.Cancelled, cur.CancelledAt = w.cd.Cancelled()
	if cur.Cancelled == nil {
		cur.CancelledAt = time.Time{}
	}
	if cur.equal(w.saved) {
		return
	}
	if err := saveShutdownState(w.cfg.StateDir, cur); err != nil {
		w.log.Error("shutdown state not saved", "err", err)
		return
	}
	w.saved = cur
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

// Run watches until ctx ends, then closes the socket and the log.
func (w *Watcher) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srvDone := make(chan error, 1)
	go func() { srvDone <- w.srv.Serve(ctx) }()
	w.startPoller(ctx)
	w.startWatchReader(ctx)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	defer func() {
		cancel()
		<-srvDone
		w.nudging.Wait()
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
			if rep, ok := w.request(ctx, p); ok {
				p.reply <- rep
			}
		case r := <-w.reloaded:
			w.reloading = false
			if r.err != nil {
				r.reply <- api.Reply{Reason: r.err.Error()}
				break
			}
			w.reconfigure(ctx, r.cfg)
			r.reply <- api.Reply{OK: true}
		case cmds := <-w.cmds:
			w.update(func(s *api.State) { s.Commands = cmds })
		case r := <-w.watchReads:
			w.onWatched(ctx, r)
		case <-timer.C:
		}
		w.tick(ctx)
		w.persist()
		w.countingDown.Store(w.cd.Running() && !w.cd.Fired())
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
		Options: client.Options{Timeout: 3 * time.Second}, MinBackoff: 250 * time.Millisecond, MaxBackoff: 2 * time.Second,
		Logins: w.wantLogins}
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
	w.askLogins.Store(n.Mode == nut.ModePrimary)
	w.cfg.AdminUser, w.cfg.AdminPass = n.AdminUser, n.AdminPass
	w.cfg.UPS, w.cfg.Addr = n.UPS, n.Addr
	w.mu.Unlock()
	w.cfg.RuntimeLow = n.RuntimeLow
	if !slices.Equal(n.Watch, w.cfg.Watch) || n.WatchEvery != w.cfg.WatchEvery {
		w.cfg.Watch, w.cfg.WatchEvery = n.Watch, n.WatchEvery
		w.startWatchReader(ctx)
	}
	// A running countdown keeps its deadline: the new timer is for the next
	// outage.
	w.cd.p = n.Policy
	w.det.NoCommAfter = n.NoComm
	if identity {
		// The new UPS is the one that powers this machine now: start from
		// the flags known so far, so that its first poll tells whether the
		// power came back (ONLINE) and nothing is announced twice.
		old := w.det.Flags()
		w.det = NewDetector(n.UPS, n.NoComm, w.now())
		w.det.Seed(old)
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

// armTimer sets the timer to the next moment something is due (wakeAt).
func (w *Watcher) armTimer(t *time.Timer) {
	now := w.now()
	if !t.Stop() {
		select {
		case <-t.C:
		default:
		}
	}
	t.Reset(max(w.wakeAt(now).Sub(now), 0))
}

// wakeAt is the next moment the loop has something to do by the clock: FSD,
// the next second of a running countdown (the tray's display), NOCOMM, a
// retry of a failed shutdown, the end of the wait for a first poll. Right
// after tick it must be later than now, or the loop would spin until the
// next poll (measured: 1 s of a core and 6 MB of garbage each time). The
// history needs no wake-up: samples are taken on polls.
func (w *Watcher) wakeAt(now time.Time) time.Time {
	next := now.Add(time.Hour)
	earlier := func(at time.Time) {
		if !at.IsZero() && at.Before(next) {
			next = at
		}
	}
	waitingPoll := w.resumed && !w.polled && now.Before(w.startedAt.Add(ResumeWait))
	if w.cd.Running() {
		if !w.cd.Fired() {
			at := w.cd.FSDAt()
			if waitingPoll {
				// due holds FSD back until the first poll or ResumeWait.
				at = later(at, w.startedAt.Add(ResumeWait))
			}
			earlier(at)
		}
		earlier(now.Truncate(time.Second).Add(time.Second))
	}
	earlier(w.det.NoCommDue())
	if w.failed != "" {
		earlier(w.retryAt)
	}
	if waitingPoll {
		earlier(w.startedAt.Add(ResumeWait))
	}
	return next
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func (w *Watcher) onPoll(ctx context.Context, pe client.Event) {
	now := w.now()
	switch pe.Kind {
	case client.Connected:
		go w.listCommands(ctx, w.cfg.UPS, w.cfg.Addr)
		return
	case client.Polled:
		if pe.Logins >= 0 && w.cfg.Mode == nut.ModePrimary {
			w.setLead(now, pe.Logins)
		}
		evs := w.det.Poll(now, pe.Status)
		w.polled = true
		st := pe.Status
		// The sample goes in before the state goes out: a client that has
		// seen this poll's state finds it in the history too.
		if w.lastSample.IsZero() || now.Sub(w.lastSample) >= w.cfg.HistoryEvery {
			w.sample(now, st)
		}
		w.update(func(s *api.State) {
			s.Connected = true
			s.Status = &st
		})
		for _, e := range evs {
			w.emit(ctx, e)
		}
		w.judge(ctx, now, st)
	case client.Lost, client.PollFailed:
		evs := w.det.Fail(now, pe.Err)
		w.update(func(s *api.State) { s.Connected = false })
		for _, e := range evs {
			w.emit(ctx, e)
		}
	}
}

// judge applies the rules that hold on every poll, not only on an event's
// edge: after a restart or a reload no edge may come.
func (w *Watcher) judge(ctx context.Context, now time.Time, st client.Status) {
	onBatt, online := st.Has("OB"), st.Has("OL") && !st.Has("OB")
	if w.resumed && w.cd.Fired() && !st.Has("FSD") && w.failed == "" {
		// The state file says FSD was sent, but upsd no longer has it: upsd
		// restarted since, as after the reboot that this very shutdown
		// made. That shutdown is over; this boot watches afresh.
		w.log.Info("the shutdown of an earlier run is over (FSD is gone from upsd)")
		w.cd.Reset()
		w.resumed = false
		w.publish() // the trays showed the old countdown
	}
	// On battery in "batt" mode a countdown runs, edge or no edge: after a
	// restart the detector knows the UPS was on battery and sends no
	// ONBATT.
	if onBatt {
		w.countdown(ctx, now, func() bool { return w.cd.OnBattery(now) })
	}
	if online {
		// Mains power is back: a countdown not yet fired ends (whatever a
		// reload changed meanwhile), and a failed shutdown is called off.
		w.countdown(ctx, now, func() bool { return w.cd.Online(now) })
		w.runtimeLowSent = false
		if w.failed != "" {
			w.powerBack(ctx, now)
		}
	}
	// Low battery on battery is critical in either mode, whether or not it
	// came with an event this poll (LB may precede OB).
	if onBatt && st.Has("LB") {
		w.countdown(ctx, now, func() bool { return w.cd.LowBattery(now) })
	}
	if onBatt && !st.Has("LB") && w.cfg.RuntimeLow > 0 && st.Runtime.OK &&
		time.Duration(st.Runtime.V*float64(time.Second)) < w.cfg.RuntimeLow {
		if !w.runtimeLowSent {
			w.runtimeLowSent = true
			w.emit(ctx, api.Event{Time: now, Name: EvLowBatt, UPS: w.cfg.UPS, Status: &st,
				Message: fmt.Sprintf("UPS %s has %s of battery left, below the %s set as low: shutting down now",
					w.cfg.UPS, time.Duration(st.Runtime.V)*time.Second, w.cfg.RuntimeLow)})
		}
		w.countdown(ctx, now, func() bool { return w.cd.LowBattery(now) })
	}
	// FSD on the UPS: upsmon is shutting this machine down (a primary's
	// order, or our own FSD). Show it as the countdown it is, unless it is
	// the stale FSD of a shutdown that failed before power came back, which
	// powerBack is clearing.
	switch {
	case !st.Has("FSD"):
		w.clearingFSD = false
	case !w.clearingFSD:
		w.countdown(ctx, now, func() bool { return w.cd.ServerFSD(now) })
	}
}

// powerBack ends a failed shutdown once mains power is back: no more tries,
// and FSD (which stays on upsd until it restarts) is cleared.
func (w *Watcher) powerBack(ctx context.Context, now time.Time) {
	w.log.Info("power is back after a failed shutdown; calling the shutdown off")
	w.failed, w.retryAt, w.ranAt = "", time.Time{}, time.Time{}
	w.cd.Reset()
	w.clearingFSD = true
	w.update(func(s *api.State) { s.ShutdownFailed = "" })
	w.emit(ctx, api.Event{Time: now, Name: EvCancelled, UPS: w.cfg.UPS, Status: w.State().Status,
		Message: "Power is back: the shutdown that failed is called off"})
	if w.cfg.PowerBack != nil {
		go func() {
			pctx, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			if err := w.cfg.PowerBack(pctx); err != nil {
				w.log.Error("clearing FSD after the power came back", "err", err)
			}
		}()
	}
	w.publish()
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
	if w.due(now) {
		w.fire(ctx, now)
	} else if w.fsdPending && now.Sub(w.lastFSDTry) >= time.Second {
		_ = w.issueFSD(ctx)
	}
	w.checkShutdown(ctx, now)
	if sec := now.Truncate(time.Second); w.cd.Running() && !sec.Equal(w.beat) {
		w.beat = sec
		w.publish() // once a second while the countdown runs
	}
}

// due reports that FSD must be issued now. A countdown resumed from the
// state file waits for the first poll, so that power that came back while
// no service ran is seen first; past ResumeWait it fires regardless.
func (w *Watcher) due(now time.Time) bool {
	if w.resumed && !w.polled && now.Sub(w.startedAt) < ResumeWait {
		return false
	}
	return w.cd.Due(now)
}

// wantLogins is the poller's Logins: the upsmon logged in to upsd count
// in primary mode on battery and during a countdown (setLead).
func (w *Watcher) wantLogins(st client.Status) bool {
	return w.askLogins.Load() && (st.Has("OB") || w.countingDown.Load())
}

// FewerLoginsHold is how long polls must count fewer upsmon logged in
// before the lead follows: this machine's own upsmon, reconnecting after
// upsd stalled, is missing from the count for up to a POLLFREQALERT or two.
const FewerLoginsHold = 10 * time.Second

// setLead sets the countdown's lead from the number of upsmon logged in
// to upsd, this machine's own among them: with secondaries, a primary
// upsmon waits up to HOSTSYNC for them after FSD. The count comes with the
// polls (wantLogins), in the poller's session, so the watcher's loop never
// waits for upsd. A poll without it (upsd not answering) leaves the lead as
// it was; while a countdown runs, a smaller count counts only once it has
// held for FewerLoginsHold: dropping HOSTSYNC from the lead too soon would
// issue FSD that much too late, keeping it too long only shuts down early.
// The poll that starts a countdown sets the lead from its own count.
func (w *Watcher) setLead(now time.Time, logins int) {
	switch {
	case logins >= w.logins || !w.cd.Running():
		w.logins, w.fewerSince = logins, time.Time{}
	case w.fewerSince.IsZero():
		w.fewerSince = now
		return
	case now.Sub(w.fewerSince) < FewerLoginsHold:
		return
	default:
		w.logins, w.fewerSince = logins, time.Time{}
	}
	lead := w.cfg.Reaction
	if w.logins > 1 {
		lead += w.cfg.HostSync + HostSyncSlack
	}
	if lead != w.cd.lead {
		w.log.Info("shutdown lead", "lead", lead, "upsmon_logged_in", w.logins)
		w.cd.SetLead(lead)
	}
}

// askUpsd runs ask on a connection of its own to upsd at addr, the whole
// exchange within limit.
func askUpsd(ctx context.Context, addr string, limit time.Duration, ask func(*client.Conn) error) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	c, err := client.Dial(ctx, addr, client.Options{Timeout: limit})
	if err != nil {
		return err
	}
	defer c.Close()
	return ask(c)
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
	} else if w.cfg.Nudge != nil {
		w.nudge(ctx)
	}
	return err
}

// countdown applies a change and, when it changed the countdown, logs the
// event that says so and publishes the state.
func (w *Watcher) countdown(ctx context.Context, now time.Time, f func() bool) {
	was := w.cd.Running()
	if !f() {
		return
	}
	v := w.cd.View()
	switch {
	case !was && v != nil && v.Started.Before(now):
		w.emit(ctx, api.Event{Time: now, Name: EvCountdown, UPS: w.cfg.UPS, Status: w.State().Status,
			Message: fmt.Sprintf("Power failed again within %s: the shutdown countdown resumes; the computer shuts down at %s",
				FlapWindow, v.ShutdownAt.Format("15:04:05"))})
	case !was && v != nil && v.Reason == "FSD":
		w.emit(ctx, api.Event{Time: now, Name: EvCountdown, UPS: w.cfg.UPS, Status: w.State().Status,
			Message: fmt.Sprintf("The UPS server orders a shutdown: the computer shuts down at %s", v.ShutdownAt.Format("15:04:05"))})
	case !was && v != nil:
		w.emit(ctx, api.Event{Time: now, Name: EvCountdown, UPS: w.cfg.UPS, Status: w.State().Status,
			Message: fmt.Sprintf("Shutdown countdown started (%s): the computer shuts down at %s", v.Reason, v.ShutdownAt.Format("15:04:05"))})
	case was && v == nil:
		w.emit(ctx, api.Event{Time: now, Name: EvCancelled, UPS: w.cfg.UPS, Status: w.State().Status,
			Message: "Shutdown countdown cancelled"})
	}
	if w.due(now) {
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
		len(old.Commands) != len(w.state.Commands) || old.ShutdownFailed != w.state.ShutdownFailed
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
	var cmds []string
	err := askUpsd(ctx, addr, 3*time.Second, func(c *client.Conn) (err error) {
		cmds, err = c.ListCommands(ups)
		return err
	})
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
		if Destructive(req.Name) && req.Confirm != req.Name {
			return api.Reply{Reason: fmt.Sprintf("%s can switch off the UPS's outlets or drain its battery; send confirm %q to proceed", req.Name, req.Name)}
		}
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
	return api.Reply{Reason: fmt.Sprintf("unknown request %q (want postpone, shutdown-now, reload, events, history or command)", req.Op)}
}

// request runs a state-changing request in the loop. A reload runs beside
// the loop (it restarts NUT, which takes seconds): its reply comes later,
// and ok is false.
func (w *Watcher) request(ctx context.Context, p pending) (rep api.Reply, ok bool) {
	req := p.req
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
		if req.Confirm != "shutdown-now" {
			err = errors.New(`shutdown-now: this turns the computer off; send confirm "shutdown-now" to proceed`)
			break
		}
		w.countdown(ctx, now, func() bool {
			err = w.cd.ShutdownNow(now)
			return err == nil
		})
	case "reload":
		err = w.startReload(ctx, p)
		if err == nil {
			return api.Reply{}, false
		}
	}
	if err != nil {
		return api.Reply{Reason: err.Error()}, true
	}
	return api.Reply{OK: true}, true
}

// startReload checks a reload request and runs it in its own goroutine.
// Nothing may restart NUT once FSD is issued: upsmon is carrying out the
// shutdown.
func (w *Watcher) startReload(ctx context.Context, p pending) error {
	switch {
	case w.cfg.Reload == nil:
		return errors.New("this service does not manage NUT's files (system mode)")
	case w.cd.Fired():
		return errors.New("reload refused: the shutdown is under way, and restarting NUT now would stop the upsmon that carries it out")
	case w.reloading:
		return errors.New("reload refused: another reload is still running")
	}
	if p.req.Name != "" && !samePath(p.req.Name, w.cfg.SettingsPath) {
		return fmt.Errorf("reload refused: this service reads only its own settings file %s, not %s", w.cfg.SettingsPath, p.req.Name)
	}
	w.reloading = true
	reload := w.cfg.Reload
	go func() {
		n, err := reload(ctx, w.cfg.SettingsPath)
		select {
		case w.reloaded <- reloadDone{cfg: n, err: err, reply: p.reply}:
		case <-ctx.Done():
			p.reply <- api.Reply{Reason: "the service is stopping"}
		}
	}()
	return nil
}

func samePath(a, b string) bool {
	if b == "" {
		return false
	}
	ca, err1 := filepath.Abs(a)
	cb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && filepath.Clean(ca) == filepath.Clean(cb)
}

// Destructive tells whether an instant command can cut the UPS's output or
// drain its battery: such a command needs the request's confirm field to
// name it.
func Destructive(cmd string) bool {
	c := strings.ToLower(cmd)
	return strings.Contains(c, "load.off") || strings.HasPrefix(c, "shutdown.") ||
		strings.Contains(c, ".shutdown.") || strings.Contains(c, "calibrate") || strings.Contains(c, "test.battery.start.deep")
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
	err := askUpsd(ctx, addr, 5*time.Second, func(c *client.Conn) error {
		if err := c.Login(user, pass); err != nil {
			return err
		}
		if err := c.InstCmd(ups, name); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	w.log.Info("instant command", "name", name)
	return nil
}
