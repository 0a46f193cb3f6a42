package monitor

import (
	"github.com/nutmeg-ups/nutmeg/nut/api"
	"strings"
	"time"
)

// tracker is upsmon 2.8.0's per-UPS state for a secondary and the rules
// that change it (clients/upsmon.c: parse_status, ups_is_alive,
// ups_is_gone, recalc, is_ups_critical), without any I/O, so that it can
// be tested with a fake clock. Every time comparison is done on whole
// seconds of the wall clock (time.Time.Unix), as upsmon does with time():
// that keeps the decisions on the same second as upsmon's.
type tracker struct {
	cfg *Config

	// The flags upsmon keeps in ups->status.
	onBatt, onLine, lowBatt, fsd, cal bool

	commState int // -1 never polled, 0 gone, 1 alive
	lineState int // -1 nothing known yet, 0 on battery, 1 online

	lastPoll, lastNonCrit, lastRBWarn, lastNCWarn time.Time
	everPolled                                    bool

	// resumed is when the machine was last seen waking from sleep (the
	// wall clock jumped while this process was frozen). DEADTIME counts
	// from it too: see resume.
	resumed time.Time
}

func newTracker(cfg *Config) *tracker {
	return &tracker{cfg: cfg, commState: -1, lineState: -1}
}

// secs is upsmon's `now - then` on time_t. A zero then is upsmon's 0
// (never): always long ago.
func secs(now, then time.Time) int64 {
	if then.IsZero() {
		return now.Unix()
	}
	return now.Unix() - then.Unix()
}

func wholeSeconds(d time.Duration) int64 { return int64(d / time.Second) }

// alive is a successful poll that returned status (ups.status). It returns
// the events in the order upsmon notifies them.
func (t *tracker) alive(status string, now time.Time) []string {
	// An empty status is the same as a dead UPS (parse_status).
	if strings.TrimSpace(status) == "" {
		return t.gone(now)
	}
	var ev []string
	t.lastPoll = now
	t.everPolled = true
	if t.commState == 0 {
		ev = append(ev, api.EvCommOK)
	}
	t.commState = 1

	words := strings.Fields(status)
	has := func(w string) bool {
		for _, x := range words {
			if x == w {
				return true
			}
		}
		return false
	}
	// "clear these out early if they disappear"
	if !has("LB") {
		t.lowBatt = false
	}
	if !has("FSD") {
		t.fsd = false
	}
	if !has("CAL") {
		t.cal = false
	}
	for _, w := range words {
		switch strings.ToUpper(w) {
		case "OL":
			if !t.onLine {
				if t.lineState != -1 {
					ev = append(ev, api.EvOnline)
				}
				t.lineState = 1
				t.onLine, t.onBatt = true, false
			}
		case "OB":
			if !t.onBatt {
				t.lineState = 0
				ev = append(ev, api.EvOnBatt)
				t.onBatt, t.onLine = true, false
			}
		case "LB":
			if !t.lowBatt {
				ev = append(ev, api.EvLowBatt)
				t.lowBatt = true
			}
		case "RB":
			if secs(now, t.lastRBWarn) > wholeSeconds(t.cfg.RBWarn) {
				ev = append(ev, api.EvReplBatt)
				t.lastRBWarn = now
			}
		case "CAL":
			t.cal = true
		case "FSD":
			if !t.fsd {
				ev = append(ev, api.EvFSD)
				t.fsd = true
			}
		}
		// update_crittimer, after every word as upsmon does.
		if !t.onBatt || !t.lowBatt {
			t.lastNonCrit = now
		}
	}
	return ev
}

// gone is a failed poll or connection (ups_is_gone): COMMBAD at once, then
// NOCOMM once NOCOMMWARNTIME has passed since the last good poll, repeated
// every NOCOMMWARNTIME.
func (t *tracker) gone(now time.Time) []string {
	if t.commState != 0 {
		t.commState = 0
		return []string{api.EvCommBad}
	}
	nc := wholeSeconds(t.cfg.NoCommWarn)
	if secs(now, t.lastPoll) < nc {
		return nil
	}
	if secs(now, t.lastNCWarn) > nc {
		t.lastNCWarn = now
		return []string{api.EvNoComm}
	}
	return nil
}

// resume notes that the machine slept until now. upsmon does not know
// about sleep: its time() arithmetic counts the hours asleep as hours
// without contact, so a machine that slept while the UPS was on battery
// would be shut down by the first failed poll after waking, before the
// network is back (the "hibernate loop" users of other Windows clients
// report). Here DEADTIME starts again at the wake-up: the UPS must stay
// out of contact for DEADTIME while this machine is awake.
func (t *tracker) resume(now time.Time) { t.resumed = now }

// Reasons for a critical UPS.
const (
	ReasonFSD    = "FSD"              // the primary (or the UPS) set forced shutdown
	ReasonLowBat = "OB LB"            // on battery with low battery, and HOSTSYNC passed without FSD
	ReasonDead   = "OB, no contact"   // last known on battery, no contact for longer than DEADTIME
	ReasonForced = "forced by Nutmeg" // ForceShutdown (upsmon -c fsd)
)

// critical is recalc plus is_ups_critical for a secondary. It returns ""
// when the UPS is not critical, else the reason.
func (t *tracker) critical(now time.Time) string {
	dead := false
	// "promote dead UPSes that were last known OB to OB+LB"
	since := t.lastPoll
	if t.resumed.After(since) {
		since = t.resumed
	}
	if secs(now, since) > wholeSeconds(t.cfg.DeadTime) && t.onBatt {
		t.lowBatt = true
		dead = t.commState != 1
	}
	if t.fsd {
		return ReasonFSD
	}
	if !t.onBatt || !t.lowBatt {
		return ""
	}
	// 2.8.0: OB+LB while calibrating is not critical.
	if t.cal {
		return ""
	}
	// A secondary gives the primary up to HOSTSYNC to set FSD.
	if secs(now, t.lastNonCrit) > wholeSeconds(t.cfg.HostSync) {
		if dead {
			return ReasonDead
		}
		return ReasonLowBat
	}
	return ""
}
