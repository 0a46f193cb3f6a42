// Package api is the service side's local API: the messages that travel as JSON
// lines over a Unix socket between `nutmeg service` and the trays.
package api

import (
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/client"
)

// The local API (docs/architecture.md, Processes): a Unix socket, SocketName in the state
// directory, mode 0660, speaking JSON lines. On connect the service sends one
// Message{Type:"state"}; after that a "state" message on every change of
// status, connection or countdown (and once a second while a countdown runs),
// an "event" message per event, and a "reply" per request.
const SocketName = "nutmeg.sock"

// Message is one line from the service to a client.
type Message struct {
	Type  string `json:"type"` // "state", "event" or "reply"
	State *State `json:"state,omitempty"`
	Event *Event `json:"event,omitempty"`
	Reply *Reply `json:"reply,omitempty"`
}

// State is everything a tray shows.
type State struct {
	UPS       string         `json:"ups"`       // identifier
	Mode      string         `json:"mode"`      // primary | secondary
	Shutdown  string         `json:"shutdown"`  // lowbatt | batt
	Connected bool           `json:"connected"` // upsd reachable and data fresh
	Status    *client.Status `json:"status"`    // last good poll; nil before the first
	Countdown *Countdown     `json:"countdown"` // nil when no countdown runs
	// Commands is the UPS's instant commands (LIST CMD), for the status window.
	Commands []string `json:"commands,omitempty"`
	// ShutdownFailed says why the last shutdown did not happen; it stays
	// until mains power returns, while the service tries again.
	ShutdownFailed string `json:"shutdown_failed,omitempty"`
	// Watched is the settings' watch list as the service last read it:
	// other UPSes shown read-only, never a reason to shut this machine
	// down. Empty when nothing is watched.
	Watched []WatchedUPS `json:"watched,omitempty"`
}

// WatchedUPS is one watched UPS's last reading (the service reads each
// with one LIST VAR per poll).
type WatchedUPS struct {
	Key       string         `json:"key"`             // ups@host:port
	Connected bool           `json:"connected"`       // the last read worked
	Status    *client.Status `json:"status"`          // last good read; nil before the first
	Err       string         `json:"error,omitempty"` // why the last read failed
}

// Countdown is the shutdown countdown exactly as the service will act on it.
type Countdown struct {
	Reason     string    `json:"reason"`      // event that started it: ONBATT, LOWBATT, ...
	Started    time.Time `json:"started"`     //
	ShutdownAt time.Time `json:"shutdown_at"` // when the machine goes down (SHUTDOWNCMD runs)
	FSDAt      time.Time `json:"fsd_at"`      // when the service issues FSD (ShutdownAt minus upsmon's own delays)
	Postponed  int       `json:"postponed"`   // postponements used so far
	// CanPostpone is true when the settings allow another postponement and
	// the battery is not low; PostponeStep is what one adds.
	CanPostpone  bool `json:"can_postpone"`
	PostponeStep int  `json:"postpone_step"` // seconds
}

// Event names: NUT's own (upsmon's NOTIFY types), never a second
// vocabulary for what NUT already names, and Nutmeg's own about the
// countdown and the shutdown itself.
const (
	EvOnline   = "ONLINE"
	EvOnBatt   = "ONBATT"
	EvLowBatt  = "LOWBATT"
	EvFSD      = "FSD"
	EvCommOK   = "COMMOK"
	EvCommBad  = "COMMBAD"
	EvNoComm   = "NOCOMM"
	EvReplBatt = "REPLBATT"
	EvShutdown = "SHUTDOWN"

	EvCountdown = "COUNTDOWN" // the shutdown countdown started
	EvCancelled = "CANCELLED"
	EvPostponed = "POSTPONED"
	// EvShutdownFailed: the shutdown command failed, or the machine was
	// still up a minute after it ran.
	EvShutdownFailed = "SHUTDOWN_FAILED"
)

// Event is one entry of the event log. Names are NUT's: ONLINE, ONBATT,
// LOWBATT, FSD, COMMOK, COMMBAD, NOCOMM, REPLBATT, SHUTDOWN; plus Nutmeg's
// COUNTDOWN (started), CANCELLED, POSTPONED and SHUTDOWN_FAILED.
type Event struct {
	Time    time.Time      `json:"time"`
	Name    string         `json:"name"`
	UPS     string         `json:"ups"`
	Message string         `json:"message"`          // one readable sentence
	Status  *client.Status `json:"status,omitempty"` // figures at the time
	// Watched marks the event of a watched UPS (State.Watched): logged and
	// mailed, never a reason for this machine's countdown.
	Watched bool `json:"watched,omitempty"`
}

// Request is one line from a client. Op is "postpone", "shutdown-now",
// "events" (Limit newest), "history" (Range "1h", "24h" or "7d") or
// "command" (Name of an instant command). "reload" (Name: "" or the
// service's own settings file, the only one it reads) makes a user-mode
// service render and install its settings' NUT config, restart NUT on it and
// prove it, or restore the previous set and say which step failed (`nutmeg
// apply`); it is refused once the shutdown is under way.
//
// What turns the computer or the UPS's outlets off needs Confirm to name
// it: "shutdown-now" for Op "shutdown-now", the command's name for an
// instant command such as load.off or shutdown.return.
type Request struct {
	ID      string `json:"id"`
	Op      string `json:"op"`
	Limit   int    `json:"limit,omitempty"`
	Range   string `json:"range,omitempty"`
	Name    string `json:"name,omitempty"`
	Confirm string `json:"confirm,omitempty"`
}

// Reply answers the Request with the same ID.
type Reply struct {
	ID      string   `json:"id"`
	OK      bool     `json:"ok"`
	Reason  string   `json:"reason,omitempty"` // why not, in words
	Events  []Event  `json:"events,omitempty"`
	History []Sample `json:"history,omitempty"`
}

// Sample is one history point (once a minute; unknown values are null).
type Sample struct {
	Time         time.Time    `json:"time"`
	Charge       client.Value `json:"charge"`
	Runtime      client.Value `json:"runtime"`
	Load         client.Value `json:"load"`
	InputVoltage client.Value `json:"input_voltage"`
}
