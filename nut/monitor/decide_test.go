package monitor

import (
	"github.com/nutmeg-ups/nutmeg/nut/api"
	"slices"
	"testing"
	"time"
)

// step is one thing that happens to the tracker at second at: a poll that
// returned status, or (gone) a failed poll; then critical is asked.
type step struct {
	at     int64
	status string
	gone   bool
	events []string // events this step must emit (nil: none)
	crit   string   // the reason critical must give after this step
}

func TestTrackerFollowsUpsmon(t *testing.T) {
	cfg := &Config{DeadTime: 15 * time.Second, HostSync: 15 * time.Second, NoCommWarn: 300 * time.Second, RBWarn: 43200 * time.Second}
	tests := []struct {
		name  string
		steps []step
	}{
		{"first OL is silent, OB and OL after it are not", []step{
			{at: 0, status: "OL"},
			{at: 1, status: "OB DISCHRG", events: []string{api.EvOnBatt}},
			{at: 2, status: "OL CHRG", events: []string{api.EvOnline}},
		}},
		{"OB only never critical", []step{
			{at: 0, status: "OB", events: []string{api.EvOnBatt}},
			{at: 100, status: "OB"},
			{at: 1000, status: "OB DISCHRG"},
		}},
		{"OB LB waits more than HOSTSYNC for the primary", []step{
			{at: 0, status: "OL"},
			{at: 10, status: "OB LB", events: []string{api.EvOnBatt, api.EvLowBatt}},
			{at: 20, status: "OB LB"},
			{at: 25, status: "OB LB"},
			{at: 26, status: "OB LB", crit: ReasonLowBat},
		}},
		{"OB LB at start still waits HOSTSYNC", []step{
			{at: 0, status: "LB OB", events: []string{api.EvLowBatt, api.EvOnBatt}},
			{at: 15, status: "OB LB"},
			{at: 16, status: "OB LB", crit: ReasonLowBat},
		}},
		{"FSD at once", []step{
			{at: 0, status: "OL"},
			{at: 1, status: "FSD OL", events: []string{api.EvFSD}, crit: ReasonFSD},
		}},
		{"OB LB while calibrating is not critical", []step{
			{at: 0, status: "OB LB CAL", events: []string{api.EvOnBatt, api.EvLowBatt}},
			{at: 100, status: "OB LB CAL"},
		}},
		{"power back before HOSTSYNC", []step{
			{at: 0, status: "OB LB", events: []string{api.EvOnBatt, api.EvLowBatt}},
			{at: 10, status: "OL CHRG", events: []string{api.EvOnline}},
			{at: 100, status: "OL"},
		}},
		{"gone while OB: critical after DEADTIME", []step{
			{at: 0, status: "OL"},
			{at: 10, status: "OB", events: []string{api.EvOnBatt}},
			{at: 11, gone: true, events: []string{api.EvCommBad}},
			{at: 25, gone: true},
			{at: 26, gone: true, crit: ReasonDead},
		}},
		{"gone while OB: DEADTIME counts from the last good poll", []step{
			{at: 0, status: "OB", events: []string{api.EvOnBatt}},
			{at: 14, status: "OB"},
			{at: 15, gone: true, events: []string{api.EvCommBad}},
			{at: 29, gone: true},
			{at: 30, gone: true, crit: ReasonDead},
		}},
		{"gone while OL: never critical, NOCOMM after NOCOMMWARNTIME", []step{
			{at: 0, status: "OL"},
			{at: 1, gone: true, events: []string{api.EvCommBad}},
			{at: 100, gone: true},
			{at: 300, gone: true, events: []string{api.EvNoComm}},
			{at: 301, gone: true},
			{at: 601, gone: true, events: []string{api.EvNoComm}},
			{at: 602, status: "OL", events: []string{api.EvCommOK}},
		}},
		{"empty status is gone", []step{
			{at: 0, status: "OB", events: []string{api.EvOnBatt}},
			{at: 1, status: "", events: []string{api.EvCommBad}},
			{at: 16, status: "", crit: ReasonDead},
		}},
		{"contact back before DEADTIME", []step{
			{at: 0, status: "OB", events: []string{api.EvOnBatt}},
			{at: 1, gone: true, events: []string{api.EvCommBad}},
			{at: 14, status: "OB", events: []string{api.EvCommOK}},
			{at: 28, status: "OB"},
		}},
		{"never heard from counts as OL", []step{
			{at: 0, gone: true, events: []string{api.EvCommBad}},
			{at: 1000, gone: true, events: []string{api.EvNoComm}},
		}},
		{"REPLBATT every RBWARNTIME", []step{
			{at: 0, status: "OL RB", events: []string{api.EvReplBatt}},
			{at: 100, status: "OL RB"},
			{at: 43201, status: "OL RB", events: []string{api.EvReplBatt}},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTracker(cfg)
			base := time.Unix(1_700_000_000, 0)
			for i, s := range tc.steps {
				now := base.Add(time.Duration(s.at) * time.Second)
				var ev []string
				if s.gone {
					ev = tr.gone(now)
				} else {
					ev = tr.alive(s.status, now)
				}
				if !slices.Equal(ev, s.events) {
					t.Errorf("step %d (t=%d %q gone=%v): events %v, want %v", i, s.at, s.status, s.gone, ev, s.events)
				}
				if got := tr.critical(now); got != s.crit {
					t.Errorf("step %d (t=%d): critical %q, want %q", i, s.at, got, s.crit)
				}
			}
		})
	}
}

// upsmon compares whole seconds: 15.9 s after the last poll is 15 whole
// seconds when both fall in the right seconds, and 16 when they do not.
func TestWholeSeconds(t *testing.T) {
	cfg := &Config{DeadTime: 15 * time.Second, HostSync: 0, NoCommWarn: time.Hour, RBWarn: time.Hour}
	tr := newTracker(cfg)
	base := time.Unix(1_700_000_000, 0)
	tr.alive("OB", base.Add(100*time.Millisecond))
	tr.gone(base.Add(time.Second))
	if got := tr.critical(base.Add(15*time.Second + 900*time.Millisecond)); got != "" {
		t.Errorf("15.8 s (15 whole seconds) after the last poll: %q, want not critical", got)
	}
	tr = newTracker(cfg)
	tr.alive("OB", base.Add(900*time.Millisecond))
	tr.gone(base.Add(time.Second))
	if got := tr.critical(base.Add(16*time.Second + 100*time.Millisecond)); got != ReasonDead {
		t.Errorf("15.2 s (16 whole seconds) after the last poll: %q, want %q", got, ReasonDead)
	}
}

// After a sleep, DEADTIME counts from the wake-up, not from the last poll
// hours ago (upsmon would shut down at the first failed poll).
func TestResumeRestartsDeadTime(t *testing.T) {
	cfg := &Config{DeadTime: 15 * time.Second, HostSync: 15 * time.Second, NoCommWarn: time.Hour, RBWarn: time.Hour}
	tr := newTracker(cfg)
	base := time.Unix(1_700_000_000, 0)
	tr.alive("OB", base)
	woke := base.Add(time.Hour)
	tr.resume(woke)
	tr.gone(woke.Add(time.Second))
	if got := tr.critical(woke.Add(time.Second)); got != "" {
		t.Errorf("right after waking: %q, want not critical", got)
	}
	if got := tr.critical(woke.Add(15 * time.Second)); got != "" {
		t.Errorf("15 s after waking: %q, want not critical", got)
	}
	if got := tr.critical(woke.Add(16 * time.Second)); got != ReasonDead {
		t.Errorf("16 s after waking: %q, want %q", got, ReasonDead)
	}
	// Contact back after waking: the last status decides as usual.
	tr = newTracker(cfg)
	tr.alive("OB", base)
	tr.resume(woke)
	tr.alive("OL", woke.Add(time.Second))
	if got := tr.critical(woke.Add(100 * time.Second)); got != "" {
		t.Errorf("online after waking: %q", got)
	}
}
