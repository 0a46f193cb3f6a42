package service

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func sec(n float64) time.Duration { return time.Duration(n * float64(time.Second)) }

// step is one input to the countdown at t0+at seconds.
type step struct {
	at      float64
	op      string // onbatt online lowbatt postpone now due lead
	arg     float64
	wantErr string // postpone/now: substring of the refusal; "" = accepted
	want    bool   // onbatt/online/lowbatt/due: return value
}

func TestCountdown(t *testing.T) {
	batt := Policy{Mode: nut.ShutdownBatt, Timer: sec(30), PostponeAllowed: true, PostponeStep: sec(60), PostponeMax: 2}
	low := batt
	low.Mode = nut.ShutdownLowBatt
	noPost := batt
	noPost.PostponeAllowed = false
	tests := []struct {
		name        string
		p           Policy
		lead        float64
		steps       []step
		running     bool
		shutdownAt  float64 // when running
		fsdAt       float64
		postponed   int
		canPostpone bool
		reason      string
	}{
		{name: "batt starts at ONBATT", p: batt, lead: 0.2,
			steps:   []step{{at: 0, op: "onbatt", want: true}, {at: 29.7, op: "due"}, {at: 29.8, op: "due", want: true}, {at: 29.9, op: "due"}},
			running: true, shutdownAt: 30, fsdAt: 29.8, canPostpone: false, reason: "ONBATT"},
		{name: "online cancels", p: batt, lead: 0.2,
			steps: []step{{at: 0, op: "onbatt", want: true}, {at: 10, op: "online", want: true}, {at: 40, op: "due"}}},
		{name: "online after FSD does not cancel", p: batt, lead: 0,
			steps:   []step{{at: 0, op: "onbatt", want: true}, {at: 30, op: "due", want: true}, {at: 31, op: "online"}},
			running: true, shutdownAt: 30, fsdAt: 30, reason: "ONBATT"},
		{name: "lowbatt mode ignores ONBATT", p: low, lead: 0.2,
			steps: []step{{at: 0, op: "onbatt"}, {at: 1000, op: "due"}}},
		{name: "lowbatt mode: LB shuts down after the lead", p: low, lead: 0.2,
			steps:   []step{{at: 0, op: "onbatt"}, {at: 5, op: "lowbatt", want: true}, {at: 5, op: "due", want: true}},
			running: true, shutdownAt: 5.2, fsdAt: 5, reason: "LOWBATT"},
		{name: "LB cuts the countdown short", p: batt, lead: 0.2,
			steps:   []step{{at: 0, op: "onbatt", want: true}, {at: 3, op: "lowbatt", want: true}, {at: 3, op: "due", want: true}},
			running: true, shutdownAt: 3.2, fsdAt: 3, reason: "LOWBATT"},
		{name: "postpone moves the deadline", p: batt, lead: 0.2,
			steps:   []step{{at: 0, op: "onbatt", want: true}, {at: 5, op: "postpone"}, {at: 29.8, op: "due"}},
			running: true, shutdownAt: 90, fsdAt: 89.8, postponed: 1, canPostpone: true, reason: "ONBATT"},
		{name: "postpone past the limit is refused", p: batt, lead: 0.2,
			steps:   []step{{at: 0, op: "onbatt", want: true}, {at: 5, op: "postpone"}, {at: 6, op: "postpone"}, {at: 7, op: "postpone", wantErr: "already postponed 2 of 2"}},
			running: true, shutdownAt: 150, fsdAt: 149.8, postponed: 2, reason: "ONBATT"},
		{name: "postpone refused when settings forbid", p: noPost, lead: 0.2,
			steps:   []step{{at: 0, op: "onbatt", want: true}, {at: 5, op: "postpone", wantErr: "do not allow"}},
			running: true, shutdownAt: 30, fsdAt: 29.8, reason: "ONBATT"},
		{name: "LB overrides a postponement", p: batt, lead: 0.2,
			steps:   []step{{at: 0, op: "onbatt", want: true}, {at: 5, op: "postpone"}, {at: 6, op: "lowbatt", want: true}, {at: 7, op: "postpone", wantErr: "battery is low"}, {at: 7, op: "due", want: true}},
			running: true, shutdownAt: 6.2, fsdAt: 6, postponed: 1, reason: "LOWBATT"},
		{name: "postpone without countdown", p: batt,
			steps: []step{{at: 0, op: "postpone", wantErr: "no shutdown countdown"}}},
		{name: "shutdown now", p: batt, lead: 0.2,
			steps:   []step{{at: 0, op: "onbatt", want: true}, {at: 2, op: "now"}, {at: 2, op: "due", want: true}, {at: 3, op: "now", wantErr: "already started"}},
			running: true, shutdownAt: 2.2, fsdAt: 2, reason: "ONBATT"},
		{name: "hostsync lead moves FSD earlier, not the shutdown", p: batt, lead: 0.2,
			steps:   []step{{at: 0, op: "onbatt", want: true}, {at: 1, op: "lead", arg: 15.2}, {at: 14.7, op: "due"}, {at: 14.8, op: "due", want: true}},
			running: true, shutdownAt: 30, fsdAt: 14.8, reason: "ONBATT"},
		{name: "a return shorter than 30 s resumes the old deadline", p: batt, lead: 0.2,
			steps: []step{{at: 0, op: "onbatt", want: true}, {at: 5, op: "postpone"}, {at: 10, op: "online", want: true},
				{at: 39.9, op: "onbatt", want: true}, {at: 89.7, op: "due"}, {at: 89.8, op: "due", want: true}},
			running: true, shutdownAt: 90, fsdAt: 89.8, postponed: 1, canPostpone: false, reason: "ONBATT"},
		{name: "a return of 30 s or more grants a new timer", p: batt, lead: 0.2,
			steps:   []step{{at: 0, op: "onbatt", want: true}, {at: 10, op: "online", want: true}, {at: 40, op: "onbatt", want: true}, {at: 60, op: "due"}},
			running: true, shutdownAt: 70, fsdAt: 69.8, canPostpone: true, reason: "ONBATT"},
		{name: "flapping power never pushes the deadline back", p: batt, lead: 0,
			steps: []step{{at: 0, op: "onbatt", want: true}, {at: 8, op: "online", want: true}, {at: 9, op: "onbatt", want: true},
				{at: 17, op: "online", want: true}, {at: 18, op: "onbatt", want: true}, {at: 26, op: "online", want: true},
				{at: 27, op: "onbatt", want: true}, {at: 30, op: "due", want: true}},
			running: true, shutdownAt: 30, fsdAt: 30, canPostpone: false, reason: "ONBATT"},
		{name: "lead longer than the timer: FSD at once", p: Policy{Mode: nut.ShutdownBatt, Timer: sec(5)}, lead: 15,
			steps:   []step{{at: 0, op: "onbatt", want: true}, {at: 0, op: "due", want: true}},
			running: true, shutdownAt: 15, fsdAt: 0, reason: "ONBATT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCountdown(tt.p, sec(tt.lead))
			for i, s := range tt.steps {
				now := t0.Add(sec(s.at))
				var got bool
				var err error
				switch s.op {
				case "onbatt":
					got = c.OnBattery(now)
				case "online":
					got = c.Online(now)
				case "lowbatt":
					got = c.LowBattery(now)
				case "due":
					got = c.Due(now)
				case "postpone":
					err = c.Postpone(now)
				case "now":
					err = c.ShutdownNow(now)
				case "lead":
					c.SetLead(sec(s.arg))
				}
				if got != s.want {
					t.Errorf("step %d %s at %v: got %v, want %v", i, s.op, s.at, got, s.want)
				}
				switch {
				case s.wantErr == "" && err != nil:
					t.Errorf("step %d %s: refused: %v", i, s.op, err)
				case s.wantErr != "" && (err == nil || !strings.Contains(err.Error(), s.wantErr)):
					t.Errorf("step %d %s: error %v, want %q", i, s.op, err, s.wantErr)
				}
			}
			v := c.View()
			if (v != nil) != tt.running {
				t.Fatalf("running = %v, want %v", v != nil, tt.running)
			}
			if v == nil {
				return
			}
			if !v.ShutdownAt.Equal(t0.Add(sec(tt.shutdownAt))) || !v.FSDAt.Equal(t0.Add(sec(tt.fsdAt))) {
				t.Errorf("shutdown at %v, fsd at %v; want +%vs, +%vs", v.ShutdownAt.Sub(t0), v.FSDAt.Sub(t0), tt.shutdownAt, tt.fsdAt)
			}
			if v.Postponed != tt.postponed || v.CanPostpone != tt.canPostpone || v.Reason != tt.reason {
				t.Errorf("postponed %d can %v reason %s; want %d %v %s", v.Postponed, v.CanPostpone, v.Reason, tt.postponed, tt.canPostpone, tt.reason)
			}
		})
	}
}

// A saved countdown comes back exactly: same deadline, postponements and
// FSD state; a deadline that passed while nothing ran is due at once.
func TestCountdownSaveRestore(t *testing.T) {
	p := Policy{Mode: nut.ShutdownBatt, Timer: sec(10), PostponeAllowed: true, PostponeStep: sec(60), PostponeMax: 2}
	c := NewCountdown(p, sec(0.1))
	if c.Save() != nil {
		t.Fatal("an idle countdown saved something")
	}
	c.OnBattery(t0)
	if err := c.Postpone(t0.Add(sec(1))); err != nil {
		t.Fatal(err)
	}
	saved := *c.Save()

	r := NewCountdown(p, sec(0.1))
	r.Restore(saved)
	if v, w := r.View(), c.View(); *v != *w {
		t.Errorf("restored %+v, want %+v", *v, *w)
	}
	if r.OnBattery(t0.Add(sec(5))) {
		t.Error("ONBATT after a restore started a new countdown")
	}
	if r.Due(t0.Add(sec(69.8))) || !r.Due(t0.Add(sec(69.9))) {
		t.Error("restored countdown not due at its own deadline")
	}
	if !r.Save().FSDSent {
		t.Error("FSD sent is not saved")
	}

	late := NewCountdown(p, sec(0.1))
	late.Restore(saved)
	if !late.Due(t0.Add(sec(500))) {
		t.Error("a deadline already past is not due at once")
	}

	// The countdown a short return cancelled survives a restart too.
	f := NewCountdown(p, 0)
	f.OnBattery(t0)
	f.Online(t0.Add(sec(4)))
	cs, at := f.Cancelled()
	g := NewCountdown(p, 0)
	g.SetCancelled(cs, at)
	g.OnBattery(t0.Add(sec(20)))
	if v := g.View(); v == nil || !v.ShutdownAt.Equal(t0.Add(sec(10))) {
		t.Errorf("resumed after restart: %+v, want the old deadline", v)
	}
}

// The lead follows the upsmon logged in to upsd: more at once, fewer at
// once between countdowns, but during a countdown only once fewer have
// been counted for FewerLoginsHold (this machine's upsmon reconnecting
// must not take HOSTSYNC out of the lead).
func TestLeadFollowsLogins(t *testing.T) {
	const reaction, hostSync = 100 * time.Millisecond, 3 * time.Second
	withSecondary := reaction + hostSync + HostSyncSlack
	w := &Watcher{cfg: WatcherConfig{Reaction: reaction, HostSync: hostSync},
		cd: NewCountdown(Policy{Mode: nut.ShutdownBatt, Timer: time.Minute}, reaction), log: slog.New(slog.DiscardHandler)}
	t0 := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	for i, step := range []struct {
		at     time.Duration
		logins int
		start  bool // the countdown starts after this poll
		want   time.Duration
	}{
		{0, 2, false, withSecondary},
		{time.Second, 1, false, reaction}, // no countdown: at once
		{2 * time.Second, 2, true, withSecondary},
		{3 * time.Second, 1, false, withSecondary},
		{8 * time.Second, 1, false, withSecondary},
		{9 * time.Second, 2, false, withSecondary}, // back: the hold starts over
		{10 * time.Second, 1, false, withSecondary},
		{19 * time.Second, 1, false, withSecondary},
		{20 * time.Second, 1, false, reaction}, // fewer for 10 s
		{21 * time.Second, 3, false, withSecondary},
	} {
		w.setLead(at(step.at), step.logins)
		if step.start && !w.cd.OnBattery(at(step.at)) {
			t.Fatal("no countdown on battery")
		}
		if w.cd.lead != step.want {
			t.Errorf("step %d (+%v, %d logged in): lead %v, want %v", i, step.at, step.logins, w.cd.lead, step.want)
		}
	}
}
