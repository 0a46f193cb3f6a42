// Package monitor does NUT upsmon's job for a SECONDARY on machines without
// NUT (Windows, macOS): it follows a UPS on a NUT server (upsd), stays
// logged in to it so that the primary waits for this machine, and runs the
// shutdown command when the UPS becomes critical. On Linux, NUT's own upsmon
// stays in charge; the tests in this package run both side by side against
// the same upsd and require the same decisions (differential_test.go).
//
// What it relies on from NUT 2.8.0's upsmon (clients/upsmon.c), and does
// the same way:
//
//   - Session: USERNAME, PASSWORD, then LOGIN <ups> on a connection that
//     stays open; upsd counts it in NUMLOGINS, which a primary's HOSTSYNC
//     waits on before its own shutdown. After the connection is lost it
//     reconnects and logs in again. A refused LOGIN (wrong password, no
//     upsmon rights) is reported and the connection is still used to
//     watch, as upsmon does.
//   - Polling: one round trip per Interval (upsmon: POLLFREQ). upsmon asks
//     GET VAR ups.status; this asks LIST VAR (one round trip too) so the
//     caller also gets charge, runtime and the rest. A successful poll is
//     "alive", even when the status is upsd's "WAIT" (upsmon reads it as
//     a status word it does not know); an empty status, an ERR answer
//     (DATA-STALE, DRIVER-NOT-CONNECTED, ...) or a broken connection is
//     "gone": COMMBAD at once, NOCOMM when NOCOMMWARNTIME has passed since
//     the last good poll (repeated every NOCOMMWARNTIME), COMMOK when it
//     comes back.
//   - Status words: OL → ONLINE (not for the first status seen), OB →
//     ONBATT, LB → LOWBATT, FSD → FSD, RB → REPLBATT every RBWARNTIME, CAL
//     noted. LB, FSD and CAL are cleared when they disappear; OB and OL stay
//     as last seen while there is no contact.
//   - Critical (recalc + is_ups_critical for a secondary):
//     FSD set → critical at once (the primary is shutting down, or the
//     UPS forwarded it);
//     OB and LB, not calibrating → critical once HOSTSYNC has passed
//     since the last poll that was not OB+LB: a secondary gives the
//     primary that long to set FSD first;
//     no successful poll for longer than DEADTIME while the last known
//     status was OB → promoted to OB+LB, so critical once DEADTIME and
//     HOSTSYNC have both passed. Last known OL → never critical, only
//     COMMBAD/NOCOMM. A UPS never heard from counts as OL.
//     All of these compare whole seconds of the wall clock, as upsmon's
//     time() arithmetic does ("more than N seconds" is N+1 whole seconds).
//   - Shutdown: on critical, SHUTDOWN is announced, FINALDELAY passes and
//     the shutdown command runs; the decision is final (power coming back
//     during FINALDELAY does not undo it, as in upsmon, whose monitoring
//     child sleeps and exits). The session is closed with LOGOUT as the
//     command starts: upsmon's child exits as its parent runs SHUTDOWNCMD,
//     which is when upsd drops the login.
//   - Forced shutdown: ForceShutdown is `upsmon -c fsd` for a secondary: it
//     shuts this machine down after FINALDELAY (a secondary sets no FSD).
//
// Where it goes beyond upsmon (which runs SHUTDOWNCMD once and exits):
// the command's exit status and last stderr line are reported, a failure
// is a SHUTDOWN_FAILED event, and the command is tried again every
// RetryShutdown while the UPS is still critical (a forced shutdown stays
// critical). A command that succeeds but leaves the machine running for
// StillUp (60 s) counts as failed too, as Nutmeg's service does with
// upsmon on Linux. If the UPS stops being critical after a failed attempt, the
// monitor logs in again and goes back to watching. And after the machine
// slept (the wall clock jumped between two ticks), DEADTIME counts from the
// wake-up: upsmon would count the hours asleep as hours without contact
// and shut down at the first poll that fails before the network is back.
//
// Reconnecting: the dial and every round trip are bounded by Timeout
// (2 s) and failed connections are retried with a backoff that starts at
// 250 ms and never exceeds MaxBackoff (2 s), so after sleep/resume or a
// network outage the session is back within about 4 s of the network.
package monitor

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/client"
)

// Defaults, NUT's own where NUT has the setting.
const (
	DefaultInterval      = time.Second       // Nutmeg polls every second (upsmon's POLLFREQ is 5)
	DefaultDeadTime      = 15 * time.Second  // DEADTIME
	DefaultHostSync      = 15 * time.Second  // HOSTSYNC
	DefaultFinalDelay    = 5 * time.Second   // FINALDELAY
	DefaultNoCommWarn    = 300 * time.Second // NOCOMMWARNTIME
	DefaultRBWarn        = 43200 * time.Second
	DefaultRetryShutdown = 30 * time.Second
	DefaultTimeout       = 2 * time.Second
	DefaultMaxBackoff    = 2 * time.Second
	DefaultCommandLimit  = 2 * time.Minute
	DefaultStillUp       = time.Minute
)

// Config is what a Monitor needs. A zero duration takes the default; a
// negative FinalDelay or HostSync means zero (NUT allows FINALDELAY 0 and
// HOSTSYNC 0).
type Config struct {
	Addr string // upsd, HOST[:PORT] (port 3493 by default)
	UPS  string // the UPS's name on that server

	// User and Password are an upsd.users account with `upsmon secondary`
	// (or primary) rights. An empty User watches without LOGIN (then the
	// primary does not wait for this machine). The password never appears
	// in logs, events or errors.
	User, Password string

	// ShutdownCmd is run through the platform's shell (/bin/sh -c on Unix,
	// cmd.exe /C on Windows), like upsmon's SHUTDOWNCMD. Required.
	ShutdownCmd string

	Interval      time.Duration // between polls
	DeadTime      time.Duration // DEADTIME
	HostSync      time.Duration // HOSTSYNC
	FinalDelay    time.Duration // FINALDELAY
	NoCommWarn    time.Duration // NOCOMMWARNTIME
	RBWarn        time.Duration // RBWARNTIME
	RetryShutdown time.Duration // between attempts of a failing shutdown command
	Timeout       time.Duration // dial and each round trip
	MaxBackoff    time.Duration // longest wait between reconnect attempts
	CommandLimit  time.Duration // a shutdown command still running after this has failed
	// StillUp: a machine still running this long after the shutdown
	// command succeeded has not shut down (SHUTDOWN_FAILED, tried again
	// while critical). Negative: Run returns nil once the command succeeded.
	StillUp time.Duration

	// OnEvent gets every event, from the monitor's goroutine: it must not
	// block for long (hand the event to a channel or queue).
	OnEvent func(Event)
	// OnStatus gets every successful poll (optional), same rule.
	OnStatus func(client.Status)
	// Log gets diagnostics; nil means slog.Default().
	Log *slog.Logger
}

func orDefault(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}

// withDefaults fills the defaults and checks the required fields.
func (c Config) withDefaults() (Config, error) {
	if c.Addr == "" {
		return c, errors.New("monitor: Addr (the NUT server) is required")
	}
	if _, err := client.NormalizeAddr(c.Addr); err != nil {
		return c, fmt.Errorf("monitor: Addr: %w", err)
	}
	if c.UPS == "" {
		return c, errors.New("monitor: UPS (the UPS's name on the server) is required")
	}
	if c.ShutdownCmd == "" {
		return c, errors.New("monitor: ShutdownCmd is required")
	}
	if c.Password != "" && c.User == "" {
		return c, errors.New("monitor: Password given without User")
	}
	for _, b := range []byte(c.User + c.Password) {
		// client.Login refuses these at every attempt: say so once, here.
		if b < ' ' || b >= 0x7f {
			return c, errors.New("monitor: User or Password holds a control character or non-ASCII byte, which upsd cannot read")
		}
	}
	c.Interval = orDefault(c.Interval, DefaultInterval)
	c.DeadTime = orDefault(c.DeadTime, DefaultDeadTime)
	c.HostSync = orDefault(c.HostSync, DefaultHostSync)
	c.FinalDelay = orDefault(c.FinalDelay, DefaultFinalDelay)
	c.NoCommWarn = orDefault(c.NoCommWarn, DefaultNoCommWarn)
	c.RBWarn = orDefault(c.RBWarn, DefaultRBWarn)
	c.RetryShutdown = orDefault(c.RetryShutdown, DefaultRetryShutdown)
	c.Timeout = orDefault(c.Timeout, DefaultTimeout)
	c.MaxBackoff = orDefault(c.MaxBackoff, DefaultMaxBackoff)
	c.CommandLimit = orDefault(c.CommandLimit, DefaultCommandLimit)
	if c.StillUp == 0 {
		c.StillUp = DefaultStillUp
	}
	if c.Interval <= 0 || c.Timeout <= 0 || c.RetryShutdown <= 0 || c.CommandLimit <= 0 {
		return c, errors.New("monitor: Interval, Timeout, RetryShutdown and CommandLimit must be positive")
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	return c, nil
}

// Event is one thing that happened, named as NUT names it.
type Event struct {
	Time    time.Time
	Name    string // api.EvOnline, api.EvOnBatt, ... api.EvShutdownFailed
	UPS     string
	Message string         // one readable sentence
	Status  *client.Status // the last status polled, if any
	Reason  string         // SHUTDOWN, SHUTDOWN_FAILED: why the UPS is critical (ReasonFSD, ...)
	Exit    int            // SHUTDOWN_FAILED: the command's exit status (-1: did not start or was killed)
	Stderr  string         // SHUTDOWN_FAILED: the last line the command wrote to stderr
	Err     error          // SHUTDOWN_FAILED: what failed; COMMBAD/NOCOMM: the poll's error
	Retry   time.Duration  // SHUTDOWN_FAILED: when the next attempt is due (0: none, no longer critical)
	Elapsed time.Duration  // SHUTDOWN_FAILED: how long the attempt ran
}

// State is a snapshot of the monitor, for a status display.
type State struct {
	Connected bool           // a session with upsd is up
	LoggedIn  bool           // LOGIN accepted: the primary waits for this machine
	LoginErr  error          // why LOGIN was refused, if it was
	CommOK    bool           // the last poll succeeded
	Status    *client.Status // the last successful poll
	LastPoll  time.Time
	Critical  string // "" or the reason the UPS is critical
	// ShutdownAt is when the shutdown command runs (or ran): set once the
	// UPS is critical.
	ShutdownAt time.Time
	Attempts   int    // shutdown command runs so far
	Failed     string // why the last attempt failed ("" when none did, or after the shutdown was abandoned)
}

// Monitor follows one UPS as a secondary. Make it with New, start it with
// Run.
type Monitor struct {
	cfg     Config
	force   chan struct{}
	running atomic.Bool

	mu    sync.Mutex
	state State
}

// New checks cfg and fills its defaults.
func New(cfg Config) (*Monitor, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Monitor{cfg: c, force: make(chan struct{}, 1)}, nil
}

// Config is the configuration in use, defaults filled (the password too:
// do not log it).
func (m *Monitor) Config() Config { return m.cfg }

// State is a snapshot of what the monitor knows now.
func (m *Monitor) State() State {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.state
}

// ForceShutdown is `upsmon -c fsd` for a secondary: the shutdown command
// runs after FINALDELAY, whatever the UPS says. Nutmeg's own countdown
// calls it. It does not block; a Monitor that is not running takes it when
// Run starts.
func (m *Monitor) ForceShutdown() {
	select {
	case m.force <- struct{}{}:
	default:
	}
}

func (m *Monitor) setState(f func(*State)) {
	m.mu.Lock()
	f(&m.state)
	m.mu.Unlock()
}
