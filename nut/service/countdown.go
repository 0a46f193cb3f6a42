package service

import (
	"errors"
	"fmt"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/api"
)

// Policy is what the settings say about the shutdown countdown (docs/architecture.md, "Shutdown").
type Policy struct {
	Mode  string        // nut.ShutdownBatt or nut.ShutdownLowBatt
	Timer time.Duration // "batt": from ONBATT to the machine going down

	PostponeAllowed bool
	PostponeStep    time.Duration
	PostponeMax     int

	// FlapWindow overrides FlapWindow (the demo plays a day in minutes);
	// 0 means FlapWindow.
	FlapWindow time.Duration
}

// PolicyFrom reads the countdown policy out of the settings.
func PolicyFrom(s nut.Settings) Policy {
	return Policy{
		Mode:            s.Shutdown,
		Timer:           time.Duration(s.ShutdownTimer) * time.Second,
		PostponeAllowed: s.Postpone.Allowed,
		PostponeStep:    time.Duration(s.Postpone.Step) * time.Second,
		PostponeMax:     s.Postpone.Max,
	}
}

// Countdown is the shutdown countdown as a pure state machine: every method
// takes the time, so tests drive it with any clock. It is not safe for
// concurrent use; the watcher owns it.
//
// ShutdownAt is the moment SHUTDOWNCMD runs, the figure the tray shows. The
// service must issue FSD earlier by the lead (upsmon's own delays: HOSTSYNC
// when secondaries are logged in, plus its reaction time), so FSDAt =
// ShutdownAt − lead. The lead may change while a countdown runs (a secondary
// logs in); ShutdownAt, what the user was told, stays.
type Countdown struct {
	p    Policy
	lead time.Duration

	running   bool
	reason    string
	started   time.Time
	shutdown  time.Time
	postponed int
	lowBatt   bool
	fired     bool // FSD issued: irrevocable (FSD stays set until upsd restarts)

	// cancelled is the countdown that the last return of mains power
	// cancelled, kept for FlapWindow: a power failure that comes back
	// sooner resumes it instead of granting a whole new timer.
	cancelled   *Saved
	cancelledAt time.Time
}

// FlapWindow is how long mains power must stay back before a cancelled
// countdown is forgotten. Flapping mains would otherwise restart the full
// timer at each short return and drain the battery before any shutdown.
const FlapWindow = 30 * time.Second

// Saved is a countdown as the state directory keeps it, so that a restarted
// service resumes it with the same deadline instead of starting it again.
type Saved struct {
	Reason     string    `json:"reason"`
	Started    time.Time `json:"started"`
	ShutdownAt time.Time `json:"shutdown_at"`
	Postponed  int       `json:"postponed"`
	LowBatt    bool      `json:"low_batt,omitempty"`
	FSDSent    bool      `json:"fsd_sent,omitempty"`
}

// NewCountdown makes an idle countdown.
func NewCountdown(p Policy, lead time.Duration) *Countdown {
	return &Countdown{p: p, lead: lead}
}

// SetLead changes upsmon's delay between FSD and SHUTDOWNCMD.
func (c *Countdown) SetLead(d time.Duration) { c.lead = d }

// Running reports whether a countdown is on.
func (c *Countdown) Running() bool { return c.running }

// Fired reports whether FSD has been issued.
func (c *Countdown) Fired() bool { return c.fired }

// OnBattery starts the countdown in "batt" mode, or resumes the one that a
// return of mains power shorter than FlapWindow cancelled (same deadline,
// same postponements). It reports whether the state changed.
func (c *Countdown) OnBattery(now time.Time) bool {
	if c.p.Mode != nut.ShutdownBatt || c.running {
		return false
	}
	if c.cancelled != nil && now.Sub(c.cancelledAt) < orDefault(c.p.FlapWindow, FlapWindow) {
		c.Restore(*c.cancelled)
		return true
	}
	c.start("ONBATT", now, now.Add(c.p.Timer))
	return true
}

// Online cancels a running countdown, unless FSD has already been issued.
// It reports whether the countdown was cancelled.
func (c *Countdown) Online(now time.Time) bool {
	if !c.running || c.fired {
		return false
	}
	saved := c.Save()
	c.cancelled, c.cancelledAt = saved, now
	c.running, c.lowBatt = false, false
	return true
}

// Save is the running countdown for the state directory; nil when none runs.
func (c *Countdown) Save() *Saved {
	if !c.running {
		return nil
	}
	return &Saved{Reason: c.reason, Started: c.started, ShutdownAt: c.shutdown, Postponed: c.postponed,
		LowBatt: c.lowBatt, FSDSent: c.fired}
}

// Restore takes back a saved countdown exactly: a past deadline makes it
// due at once.
func (c *Countdown) Restore(s Saved) {
	c.running, c.reason, c.started, c.shutdown = true, s.Reason, s.Started, s.ShutdownAt
	c.postponed, c.lowBatt, c.fired = s.Postponed, s.LowBatt, s.FSDSent
	c.cancelled = nil
}

// Cancelled is the countdown that a short return of power cancelled and
// when, for the state directory (nil when there is none).
func (c *Countdown) Cancelled() (*Saved, time.Time) { return c.cancelled, c.cancelledAt }

// SetCancelled takes back what Cancelled said (a restarted service).
func (c *Countdown) SetCancelled(s *Saved, at time.Time) { c.cancelled, c.cancelledAt = s, at }

// LowBattery cuts the countdown short (or starts one, in either mode): FSD
// now, the machine down after the lead. It reports whether the state changed.
func (c *Countdown) LowBattery(now time.Time) bool {
	if c.fired || (c.running && c.lowBatt) {
		return false
	}
	if !c.running {
		c.start("LOWBATT", now, now.Add(c.lead))
	} else {
		c.reason = "LOWBATT"
		if at := now.Add(c.lead); at.Before(c.shutdown) {
			c.shutdown = at
		}
	}
	c.lowBatt = true
	return true
}

// ServerFSD records that FSD is set on the UPS: upsmon shuts this machine
// down after its own delay (the lead), whoever set it. The countdown is
// fired: FSD cannot be taken back. It reports whether the state changed.
func (c *Countdown) ServerFSD(now time.Time) bool {
	if c.fired {
		return false
	}
	if !c.running {
		c.start("FSD", now, now.Add(c.lead))
	} else if at := now.Add(c.lead); at.Before(c.shutdown) {
		c.shutdown = at
	}
	c.fired = true
	return true
}

// Reset forgets the countdown, fired or not: only after a shutdown that
// failed, once mains power is back and FSD is being cleared.
func (c *Countdown) Reset() {
	*c = Countdown{p: c.p, lead: c.lead}
}

// ShutdownNow asks for the shutdown at once (the tray's "Shut down now").
func (c *Countdown) ShutdownNow(now time.Time) error {
	if c.fired {
		return errors.New("the shutdown has already started")
	}
	if !c.running {
		c.start("SHUTDOWN", now, now.Add(c.lead))
		return nil
	}
	if at := now.Add(c.lead); at.Before(c.shutdown) {
		c.shutdown = at
	}
	return nil
}

// Postpone moves ShutdownAt by one step, within the settings' limits. The
// error says why not, in words for the tray.
func (c *Countdown) Postpone(now time.Time) error {
	switch {
	case !c.running:
		return errors.New("no shutdown countdown is running")
	case c.fired:
		return errors.New("the shutdown has already started")
	case c.lowBatt:
		return errors.New("the battery is low: the shutdown cannot be postponed")
	case !c.p.PostponeAllowed || c.p.PostponeStep <= 0:
		return errors.New("the settings do not allow postponing the shutdown")
	case c.postponed >= c.p.PostponeMax:
		return fmt.Errorf("already postponed %d of %d times allowed", c.postponed, c.p.PostponeMax)
	}
	c.postponed++
	c.shutdown = c.shutdown.Add(c.p.PostponeStep)
	return nil
}

// FSDAt is when FSD must be issued for the machine to go down at ShutdownAt.
func (c *Countdown) FSDAt() time.Time {
	at := c.shutdown.Add(-c.lead)
	if at.Before(c.started) {
		return c.started
	}
	return at
}

// Due reports, once, that FSD must be issued now; after that the countdown
// is fired and can no longer be cancelled or postponed.
func (c *Countdown) Due(now time.Time) bool {
	if !c.running || c.fired || now.Before(c.FSDAt()) {
		return false
	}
	c.fired = true
	return true
}

// View is the countdown as the API shows it; nil when none runs.
func (c *Countdown) View() *api.Countdown {
	if !c.running {
		return nil
	}
	return &api.Countdown{
		Reason:       c.reason,
		Started:      c.started,
		ShutdownAt:   c.shutdown,
		FSDAt:        c.FSDAt(),
		Postponed:    c.postponed,
		CanPostpone:  !c.fired && !c.lowBatt && c.p.PostponeAllowed && c.p.PostponeStep > 0 && c.postponed < c.p.PostponeMax,
		PostponeStep: int(c.p.PostponeStep / time.Second),
	}
}

func (c *Countdown) start(reason string, now, shutdown time.Time) {
	if min := now.Add(c.lead); shutdown.Before(min) {
		shutdown = min
	}
	c.running, c.reason, c.started, c.shutdown = true, reason, now, shutdown
	c.postponed, c.lowBatt, c.fired = 0, false, false
	c.cancelled = nil
}
