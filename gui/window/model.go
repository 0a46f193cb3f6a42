package window

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/client"
	"github.com/nutmeg-ups/nutmeg/nut/notify"
)

// This file is the window's view-model: plain functions from what the
// service reports to the texts the window shows. No Fyne here, so that every
// text is tested as a table.

// Unknown is what a figure reads when the UPS does not report it: never 0.
const Unknown = "unknown"

// Row is one labelled figure.
type Row struct {
	Label string
	Text  string
}

// Figures are the live values. Charge, runtime, load, voltages and input
// frequency are always listed (reading "unknown" when the UPS does not
// report them), output frequency, battery voltage and temperature only where
// the UPS reports them, then what identifies the UPS.
func Figures(st *client.Status) []Row {
	if st == nil {
		st = &client.Status{}
	}
	var rows []Row
	for _, f := range st.AllFigures() {
		if f.Text == "" {
			f.Text = Unknown
		}
		rows = append(rows, Row{f.Label, f.Text})
	}
	return rows
}

// Headline is the state in a few words, and Detail says more: every status
// flag in words, or why there are no figures.
type Headline struct {
	Title  string
	Detail string
	// Level is how worried the window looks: "ok", "warning" (on battery,
	// no communication) or "critical" (low battery, forced shutdown).
	Level string
}

// HeadlineOf says what the state is. linked is whether the service's socket
// answers at all.
func HeadlineOf(linked bool, st api.State) Headline {
	switch {
	case !linked:
		return Headline{"Nutmeg service not running", "The window shows the UPS once the Nutmeg service runs (nutmeg service).", "warning"}
	case st.Status == nil && !st.Connected:
		return Headline{"Waiting for the UPS", "The service has no data from the UPS " + orUnknown(st.UPS) + " yet.", "warning"}
	case !st.Connected:
		return Headline{"UPS not reachable", "No communication with the UPS " + orUnknown(st.UPS) + ": the figures below are the last ones it sent.", "warning"}
	}
	s := *st.Status
	h := Headline{Title: s.Headline(), Detail: strings.Join(s.Describe(), " · "), Level: "ok"}
	switch {
	case s.Has("FSD") || (s.Has("OB") && s.Has("LB")):
		h.Level = "critical"
	case s.Has("OB") || s.Has("LB") || s.Has("RB") || s.Has("OVER") || !s.Has("OL"):
		h.Level = "warning"
	}
	return h
}

func orUnknown(s string) string {
	if s == "" {
		return Unknown
	}
	return s
}

// EventRow is one line of the event list.
type EventRow struct {
	Time    string // "2026-11-25 14:03:07"
	Title   string // "UPS on battery"
	Message string // the service's sentence
	Level   string // ok | warning | critical
}

// EventRows lists events newest first, times in loc.
func EventRows(evs []api.Event, loc *time.Location) []EventRow {
	out := make([]EventRow, 0, len(evs))
	for i := len(evs) - 1; i >= 0; i-- {
		e := evs[i]
		msg := strings.TrimSpace(e.Message)
		if msg == "" {
			msg = notify.Sentence(e.Name, e.UPS)
		}
		out = append(out, EventRow{Time: e.Time.In(loc).Format("2006-01-02 15:04:05"), Title: notify.Title(e.Name), Message: msg, Level: eventLevel(e.Name)})
	}
	return out
}

func eventLevel(name string) string {
	switch name {
	case "LOWBATT", "FSD", "SHUTDOWN", "NOPARENT":
		return "critical"
	case "ONBATT", "COMMBAD", "NOCOMM", "REPLBATT", "COUNTDOWN", "POSTPONED":
		return "warning"
	}
	return "ok"
}

// eventKey tells apart events: a pushed event that is also in a later
// "events" reply is shown once.
func eventKey(e api.Event) string {
	return strconv.FormatInt(e.Time.UnixNano(), 10) + "\x00" + e.Name + "\x00" + e.Message
}

// MergeEvents appends add to have, oldest first, leaving out those already
// there, and keeps at most max (the newest).
func MergeEvents(have, add []api.Event, max int) []api.Event {
	seen := make(map[string]bool, len(have))
	for _, e := range have {
		seen[eventKey(e)] = true
	}
	out := append([]api.Event(nil), have...)
	for _, e := range add {
		if k := eventKey(e); !seen[k] {
			seen[k] = true
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	if max > 0 && len(out) > max {
		out = out[len(out)-max:]
	}
	return out
}

// Command is an instant command as the window offers it.
type Command struct {
	Name        string // NUT's name: test.battery.start.quick
	Description string // "Start a quick battery test"
	// Risky commands cut or switch the power of what the UPS feeds.
	Risky bool
}

// Confirmation is the question before a command is sent.
func (c Command) Confirmation(ups string) string {
	q := fmt.Sprintf("Send the instant command %s (%s) to the UPS %s?", c.Name, c.Description, orUnknown(ups))
	if c.Risky {
		q += "\n\nThis can switch off the power of everything plugged into the UPS, this computer included."
	}
	return q
}

// CmdDescFile is NUT's table of command descriptions.
const CmdDescFile = "/usr/share/nut/cmdvartab"

// builtinDescriptions covers the usual commands when NUT's table is missing.
var builtinDescriptions = map[string]string{
	"test.battery.start":       "Start a battery test",
	"test.battery.start.quick": "Start a quick battery test",
	"test.battery.start.deep":  "Start a deep battery test",
	"test.battery.stop":        "Stop the battery test",
	"beeper.enable":            "Enable the UPS beeper",
	"beeper.disable":           "Disable the UPS beeper",
	"beeper.mute":              "Temporarily mute the UPS beeper",
	"beeper.toggle":            "Toggle the UPS beeper",
	"beeper.on":                "Enable the UPS beeper",
	"beeper.off":               "Disable the UPS beeper",
	"load.off":                 "Turn off the load immediately",
	"load.on":                  "Turn on the load immediately",
	"driver.reload":            "Reload the driver's configuration",
}

// LoadDescriptions reads NUT's CMDDESC lines from path; a missing or
// unreadable file gives the built-in descriptions only.
func LoadDescriptions(path string) map[string]string {
	out := make(map[string]string, len(builtinDescriptions))
	for k, v := range builtinDescriptions {
		out[k] = v
	}
	f, err := os.Open(path)
	if err != nil {
		return out
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		rest, ok := strings.CutPrefix(line, "CMDDESC ")
		if !ok {
			continue
		}
		name, desc, ok := strings.Cut(strings.TrimSpace(rest), " ")
		desc = strings.Trim(strings.TrimSpace(desc), `"`)
		if ok && name != "" && desc != "" {
			out[name] = desc
		}
	}
	return out
}

// Commands lists the UPS's instant commands with their descriptions, the
// usual ones (tests, beeper) first, then the others by name.
func Commands(names []string, desc map[string]string) []Command {
	out := make([]Command, 0, len(names))
	for _, n := range names {
		d := desc[n]
		if d == "" {
			d = "no description"
		}
		out = append(out, Command{Name: n, Description: d, Risky: risky(n)})
	}
	rank := func(c Command) int {
		switch {
		case strings.HasPrefix(c.Name, "test."):
			return 0
		case strings.HasPrefix(c.Name, "beeper."):
			return 1
		case c.Risky:
			return 3
		}
		return 2
	}
	sort.SliceStable(out, func(i, j int) bool {
		if ri, rj := rank(out[i]), rank(out[j]); ri != rj {
			return ri < rj
		}
		return out[i].Name < out[j].Name
	})
	return out
}

func risky(name string) bool {
	for _, p := range []string{"load.off", "shutdown.", "outlet.", "bypass.", "test.failure."} {
		if strings.HasPrefix(name, p) || strings.Contains(name, "."+p) {
			return true
		}
	}
	return strings.HasSuffix(name, ".off") && strings.Contains(name, "load")
}

// SettingsRows summarises the settings (never a secret).
func SettingsRows(s nut.Settings) []Row {
	yesNo := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	rows := []Row{{"UPS", s.Identifier}}
	if s.Mode == nut.ModeSecondary {
		rows = append(rows, Row{"Mode", "secondary: follows the NUT server " + s.RemoteHost + ":" + strconv.Itoa(s.RemotePort)})
	} else {
		rows = append(rows, Row{"Mode", "primary: this computer has the UPS's cable"},
			Row{"Driver", s.Driver + " on " + s.Port})
	}
	switch s.Shutdown {
	case nut.ShutdownLowBatt:
		rows = append(rows, Row{"Shut down", "when the UPS reports a low battery"})
	default:
		rows = append(rows, Row{"Shut down", notify.Duration(float64(s.ShutdownTimer)) + " after the UPS goes on battery (at once on low battery)"})
	}
	if s.Postpone.Allowed && s.Shutdown != nut.ShutdownLowBatt {
		rows = append(rows, Row{"Postpone", fmt.Sprintf("up to %d × %s from the tray", s.Postpone.Max, notify.Duration(float64(s.Postpone.Step)))})
	} else {
		rows = append(rows, Row{"Postpone", "not allowed"})
	}
	rows = append(rows, Row{"Shutdown command", s.EffectiveShutdownCmd()},
		Row{"Power the UPS off afterwards", yesNo(s.PowerDown)})
	if s.Mode != nut.ModeSecondary {
		rows = append(rows, Row{"Remote monitor", yesNo(s.RMonitor)})
	}
	mail := "off"
	if s.EmailNotify {
		mail = "to " + strings.Join(s.ToEmail, ", ")
	}
	rows = append(rows, Row{"Email", mail})
	if s.Description != "" {
		rows = append(rows, Row{"Description", s.Description})
	}
	return rows
}
