package notify

import "github.com/nutmeg-ups/nutmeg/nut"

// Every user-visible text of this package lives in this file, so that a
// translation replaces these tables and nothing else. Placeholders are named
// ({ups}, {event}, {host}, {server}, {tls}) rather than positional, because a
// translation may need them in another order.

// eventText is what one event says: a short title (mail subject line inside
// the body, desktop notification title) and one sentence.
type eventText struct {
	Title    string
	Sentence string
}

// eventTexts is keyed by the event's name: NUT's own names (upsmon's NOTIFY
// types) and Nutmeg's countdown events.
var eventTexts = map[string]eventText{
	"ONLINE":    {"UPS on line power", "The UPS {ups} is running on line power again."},
	"ONBATT":    {"UPS on battery", "The UPS {ups} has lost line power and is running on battery."},
	"LOWBATT":   {"UPS battery low", "The UPS {ups} reports a low battery. On battery power, this means an immediate shutdown."},
	"FSD":       {"Forced shutdown", "The UPS {ups} is being shut down (forced shutdown); this computer shuts down now."},
	"COMMOK":    {"UPS communication restored", "Communication with the UPS {ups} has been restored."},
	"COMMBAD":   {"UPS communication lost", "Communication with the UPS {ups} has been lost."},
	"NOCOMM":    {"UPS unavailable", "The UPS {ups} has not been reachable for a while."},
	"REPLBATT":  {"Replace the UPS battery", "The UPS {ups} reports that its battery needs to be replaced."},
	"SHUTDOWN":  {"System shutting down", "This computer is shutting down now to protect it from the power failure at the UPS {ups}."},
	"NOPARENT":  {"UPS monitor failed", "The monitoring process for the UPS {ups} has lost its parent process: a shutdown is no longer possible."},
	"COUNTDOWN": {"Shutdown countdown started", "The UPS {ups} is on battery. This computer will shut down unless line power returns."},
	"CANCELLED": {"Shutdown cancelled", "The shutdown for the UPS {ups} has been cancelled."},
	"POSTPONED": {"Shutdown postponed", "The shutdown for the UPS {ups} has been postponed."},
}

// watchedTexts replace eventTexts for the events of a watched UPS (one the
// settings list to watch, not the one that powers this computer) where
// the usual sentence would speak of this computer's shutdown.
var watchedTexts = map[string]eventText{
	"LOWBATT": {"UPS battery low", "The watched UPS {ups} reports a low battery. This computer does not depend on it and keeps running."},
	"FSD":     {"Forced shutdown", "The watched UPS {ups} is being shut down (forced shutdown). This computer does not depend on it and keeps running."},
}

// unknownEvent describes an event that has no entry above (NUT may add more).
var unknownEvent = eventText{"UPS event {event}", "The UPS {ups} reported the event {event}."}

// Labels of the figures block in a mail body, and the word for a value the UPS
// does not report.
const (
	labelUPS          = "UPS"
	labelStatus       = "Status"
	labelCharge       = "Battery charge"
	labelRuntime      = "Runtime left"
	labelLoad         = "Load"
	labelInputVoltage = "Input voltage"
	labelTime         = "Time"
	labelHost         = "Computer"
	wordUnknown       = "unknown"
	wordNoStatus      = "no data from the UPS"

	// Compact figures (desktop notifications, tooltips): "64% · 11 min left · load 23%".
	compactSep     = " · "
	compactCharge  = "{v}%"
	compactRuntime = "{v} left"
	compactLoad    = "load {v}%"
	compactVoltage = "{v} V in"

	// Units of the long figures block.
	unitPercent = "{v} %"
	unitVolt    = "{v} V"

	// Durations: "45 s", "11 min 5 s", "1 h 5 min".
	durSeconds    = "{s} s"
	durMinutes    = "{m} min"
	durMinSeconds = "{m} min {s} s"
	durHours      = "{h} h"
	durHourMin    = "{h} h {m} min"
)

// flagWords names ups.status's tokens in words, in the order they are shown.
// A token not listed here is shown as NUT sent it.
var flagWords = []struct{ Flag, Word string }{
	{"OL", "on line power"},
	{"OB", "on battery"},
	{"LB", "low battery"},
	{"HB", "high battery"},
	{"RB", "replace battery"},
	{"CHRG", "charging"},
	{"DISCHRG", "discharging"},
	{"BYPASS", "on bypass"},
	{"CAL", "calibrating"},
	{"OFF", "output off"},
	{"OVER", "overloaded"},
	{"TRIM", "trimming high voltage"},
	{"BOOST", "boosting low voltage"},
	{"FSD", "forced shutdown"},
	{"ALARM", "alarm"},
}

// The test message of `nutmeg test-email`.
const (
	testTitle    = "Test message"
	testSentence = "This is a test message from Nutmeg on {host}. If you can read it, email notifications for the UPS {ups} work."
	testDetails  = "Sent through {server} ({tls})."
)

// DefaultSubject is the subject template when the settings leave it empty
// (the NAS's default).
const DefaultSubject = nut.DefaultSubject
