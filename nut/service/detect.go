package service

import (
	"fmt"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/client"
)

// Event names, as nut/api defines them (the service's own spelling for
// its callers).
const (
	EvOnline         = api.EvOnline
	EvOnBatt         = api.EvOnBatt
	EvLowBatt        = api.EvLowBatt
	EvFSD            = api.EvFSD
	EvCommOK         = api.EvCommOK
	EvCommBad        = api.EvCommBad
	EvNoComm         = api.EvNoComm
	EvReplBatt       = api.EvReplBatt
	EvShutdown       = api.EvShutdown
	EvCountdown      = api.EvCountdown
	EvCancelled      = api.EvCancelled
	EvPostponed      = api.EvPostponed
	EvShutdownFailed = api.EvShutdownFailed
)

// Detector turns a sequence of polls into events, the way upsmon does:
// exact flags (never substrings), edges only, comm state with NOCOMM after
// nocommwarntime. It keeps the last known flags across a communication
// outage, so "OB, lost, OL" gives COMMBAD, COMMOK, ONLINE, and "OL, lost, OL"
// gives no ONLINE: no event is lost or doubled by a restart. Pure: the caller
// passes the time.
type Detector struct {
	UPS         string
	NoCommAfter time.Duration // nocommwarntime

	flags         map[string]bool // last known
	known         bool            // flags valid
	connected     bool
	everConnected bool
	lostSince     time.Time // start of the current outage (or of the service)
	nocomm        bool      // NOCOMM sent for this outage
}

// NewDetector starts with no communication since now.
func NewDetector(ups string, nocomm time.Duration, now time.Time) *Detector {
	return &Detector{UPS: ups, NoCommAfter: nocomm, lostSince: now}
}

// Flags is the last known set (do not modify).
func (d *Detector) Flags() map[string]bool { return d.flags }

// Seed starts the detector from flags known before it (a restarted
// service's state file): a restart during an outage is then no new power
// failure, and power that came back meanwhile gives ONLINE once.
func (d *Detector) Seed(flags map[string]bool) {
	if len(flags) == 0 {
		return
	}
	d.flags, d.known = copyFlags(flags), true
}

// Poll handles a successful poll.
func (d *Detector) Poll(now time.Time, st client.Status) []api.Event {
	var evs []api.Event
	stp := &st
	ev := func(name, msg string) {
		evs = append(evs, api.Event{Time: now, Name: name, UPS: d.UPS, Message: msg, Status: stp})
	}
	if !d.connected {
		if d.everConnected {
			ev(EvCommOK, fmt.Sprintf("Communication with UPS %s established again", d.UPS))
		}
		d.connected, d.everConnected, d.nocomm = true, true, false
	}
	prev := d.flags
	cur := st.Flags
	rose := func(f string) bool { return cur[f] && !prev[f] }
	switch {
	case rose("OB"):
		ev(EvOnBatt, fmt.Sprintf("UPS %s is on battery", d.UPS))
	case d.known && cur["OL"] && !prev["OL"]:
		// On the very first poll OL is the normal case: no event.
		ev(EvOnline, fmt.Sprintf("UPS %s is back on line power", d.UPS))
	}
	if rose("LB") {
		ev(EvLowBatt, fmt.Sprintf("UPS %s has a low battery", d.UPS))
	}
	if rose("FSD") {
		ev(EvFSD, fmt.Sprintf("UPS %s: forced shutdown in progress", d.UPS))
	}
	if rose("RB") {
		ev(EvReplBatt, fmt.Sprintf("UPS %s: the battery needs replacing", d.UPS))
	}
	d.flags = copyFlags(cur)
	d.known = true
	return evs
}

// Fail handles a failed poll (upsd unreachable, driver not connected, data
// stale).
func (d *Detector) Fail(now time.Time, err error) []api.Event {
	var evs []api.Event
	if d.connected {
		d.connected, d.lostSince, d.nocomm = false, now, false
		evs = append(evs, api.Event{Time: now, Name: EvCommBad, UPS: d.UPS,
			Message: fmt.Sprintf("Communication with UPS %s lost: %v", d.UPS, err)})
	}
	return append(evs, d.Tick(now)...)
}

// Tick emits NOCOMM once an outage has lasted nocommwarntime.
func (d *Detector) Tick(now time.Time) []api.Event {
	if d.connected || d.nocomm || now.Sub(d.lostSince) < d.NoCommAfter {
		return nil
	}
	d.nocomm = true
	return []api.Event{{Time: now, Name: EvNoComm, UPS: d.UPS,
		Message: fmt.Sprintf("UPS %s is unavailable (no communication for %s)", d.UPS, now.Sub(d.lostSince).Round(time.Second))}}
}

// NoCommDue is when Tick will next have something to say (zero if nothing).
func (d *Detector) NoCommDue() time.Time {
	if d.connected || d.nocomm {
		return time.Time{}
	}
	return d.lostSince.Add(d.NoCommAfter)
}

func copyFlags(m map[string]bool) map[string]bool {
	c := make(map[string]bool, len(m))
	for k, v := range m {
		if v {
			c[k] = true
		}
	}
	return c
}
