// Package tray is Nutmeg's tray process (docs/architecture.md, Processes): a presenter that
// turns what the service side reports into an icon, a title, a tooltip and a
// menu; the fyne.io/systray adapter that shows them; the sources that follow
// the service's socket or poll a remote upsd; and desktop notifications. It
// must never import Fyne: the tray runs all day and has to stay small (see
// TestTrayDoesNotImportFyne).
package tray

import (
	"fmt"
	"strings"
	"time"

	"github.com/nutmeg-ups/nutmeg/gui/icon"
	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/client"
)

// Snapshot is everything the tray knows at one moment.
type Snapshot struct {
	// Service is true when the figures come from the local service (which
	// owns the countdown and accepts postpone / shut down now); false when
	// the tray polls a remote upsd itself.
	Service bool
	// Linked is true while the service's socket (or, in remote mode, upsd)
	// answers.
	Linked bool
	// State is the service's last state (in remote mode, built from the poll).
	State api.State
	// Confirming is true between a first click on "Shut down now" and its
	// confirmation (or its expiry).
	Confirming bool
	// Denied is true when the service's socket exists but this user may not
	// use it (not in the socket's group).
	Denied bool
}

// View is what the tray shows for one Snapshot. Menu items that a View
// leaves empty are hidden.
type View struct {
	Icon    icon.State
	Title   string
	Tooltip string
	// Lines are the disabled status lines at the top of the menu.
	Lines []string
	// Countdown is "Shutting down in 0:42" while a countdown runs.
	Countdown string
	// Postpone is "Postpone 5 min" when the service allows a postponement.
	Postpone string
	// ShutdownNow is "Shut down now" (or its confirmation) when the service
	// would accept it.
	ShutdownNow string
	// Others titles the submenu of the watched UPSes ("Other UPSes: 1 on
	// battery"); OtherLines are its entries, one per UPS. Both empty when
	// nothing is watched or the service is not there to say.
	Others     string
	OtherLines []string
}

// Menu labels that do not depend on the state.
const (
	LabelShutdownNow = "Shut down now"
	LabelConfirm     = "Click again to shut down now"
	LabelOpenStatus  = "Open status"
	LabelSettings    = "Settings…"
	LabelQuit        = "Quit"
	// JoinGroupCommand is the menu's second line for a user outside the
	// system service's group: the command that lets them in.
	JoinGroupCommand = "sudo usermod -aG nutmeg $USER, then log in again"
)

// Present computes the View for s at time now (now only matters for the
// countdown).
func Present(s Snapshot, now time.Time) View {
	st := s.State
	var v View
	phrase := statusPhrase(s)
	figures := figuresLine(st.Status)
	reachable := s.Linked && st.Connected && st.Status != nil

	v.Icon = icon.ForState(s.Linked, s.State)
	if reachable {
		v.Tooltip = phrase + " · " + figures
	} else {
		v.Tooltip = phrase
	}
	v.Title = "Nutmeg: " + phrase
	if reachable {
		v.Title += " · " + chargeText(st.Status.Charge)
	}

	v.Lines = append(v.Lines, phrase)
	if !s.Linked && s.Service && s.Denied {
		v.Lines = append(v.Lines, JoinGroupCommand)
	}
	if st.Status != nil {
		if reachable {
			v.Lines = append(v.Lines, figures)
		} else {
			v.Lines = append(v.Lines, "Last known: "+figures)
		}
	}
	if dev := deviceLine(st); dev != "" {
		v.Lines = append(v.Lines, dev)
	}

	if s.Linked {
		v.Others, v.OtherLines = othersView(st.Watched)
	}

	if st.ShutdownFailed != "" && s.Linked {
		// Said until power returns; the service keeps trying meanwhile.
		failed := "Shutdown failed: " + st.ShutdownFailed
		v.Lines = append([]string{failed}, v.Lines...)
		v.Tooltip += " · shutdown failed"
		v.Title = "Nutmeg: shutdown failed"
		return v
	}
	if cd := st.Countdown; cd != nil && s.Linked {
		v.Countdown = cd.Text(now)
		if cd.Reason == "FSD" {
			v.Countdown = "The server orders a shutdown: " + strings.ToLower(v.Countdown[:1]) + v.Countdown[1:]
		}
		v.Tooltip += " · " + strings.ToLower(v.Countdown[:1]) + v.Countdown[1:]
		lowBattery := st.Status != nil && st.Status.Has("LB")
		if s.Service && cd.CanPostpone && !lowBattery && cd.PostponeStep > 0 {
			v.Postpone = "Postpone " + stepText(cd.PostponeStep)
		}
		if s.Service {
			v.ShutdownNow = LabelShutdownNow
			if s.Confirming {
				v.ShutdownNow = LabelConfirm
			}
		}
	}
	return v
}

// statusPhrase says in a few words what state the power is in. NUT's flags
// are matched exactly (a set), never as substrings.
func statusPhrase(s Snapshot) string {
	switch {
	case !s.Linked && s.Service && s.Denied:
		return "Join the group nutmeg to see the UPS"
	case !s.Linked && s.Service:
		return "Nutmeg service not running"
	case !s.Linked:
		return "UPS server unreachable"
	case s.State.Status == nil && !s.State.Connected:
		return "UPS not reachable"
	case s.State.Status == nil:
		return "Waiting for the UPS"
	case !s.State.Connected:
		return "UPS not reachable"
	}
	st := s.State.Status
	var main string
	switch {
	case st.Has("FSD"):
		main = "Forced shutdown"
	case st.Has("OB") && st.Has("LB"):
		main = "Low battery"
	case st.Has("OB"):
		main = "On battery"
	case st.Has("OFF"):
		main = "UPS output off"
	case st.Has("BYPASS"):
		main = "On bypass"
	case st.Has("OL") && st.Has("LB"):
		main = "On mains, battery low"
	case st.Has("OL") && st.Has("CHRG"):
		main = "On mains, charging"
	case st.Has("OL"):
		main = "On mains"
	default:
		main = "Status unknown"
	}
	var extra []string
	for _, f := range []struct{ flag, text string }{
		{"RB", "replace battery"},
		{"OVER", "overload"},
		{"CAL", "calibrating"},
		{"TRIM", "trimming voltage"},
		{"BOOST", "boosting voltage"},
		{"ALARM", "alarm"},
	} {
		if st.Has(f.flag) {
			extra = append(extra, f.text)
		}
	}
	if len(extra) > 0 {
		main += " (" + strings.Join(extra, ", ") + ")"
	}
	return main
}

// figuresLine is "64% · 11 min left · load 23%"; a value the UPS does not
// report reads "unknown", never 0.
func figuresLine(st *client.Status) string {
	if st == nil {
		return "charge unknown · runtime unknown · load unknown"
	}
	rt := "runtime unknown"
	if st.Runtime.OK {
		rt = durationText(time.Duration(st.Runtime.V)*time.Second) + " left"
	}
	load := "load unknown"
	if st.Load.OK {
		load = fmt.Sprintf("load %.0f%%", st.Load.V)
	}
	return chargeText(st.Charge) + " · " + rt + " · " + load
}

func chargeText(v client.Value) string {
	if !v.OK {
		return "charge unknown"
	}
	return fmt.Sprintf("%.0f%%", v.V)
}

func deviceLine(st api.State) string {
	var parts []string
	if st.UPS != "" {
		parts = append(parts, "UPS "+st.UPS)
	} else if st.Status != nil && st.Status.UPS != "" {
		parts = append(parts, "UPS "+st.Status.UPS)
	}
	if st.Status != nil {
		model := strings.TrimSpace(st.Status.Maker + " " + st.Status.Model)
		if model != "" {
			parts = append(parts, model)
		}
	}
	return strings.Join(parts, " · ")
}

// durationText renders a battery runtime: "45 s", "11 min", "1 h 05 min".
func durationText(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	switch {
	case s < 0:
		return "0 s"
	case s < 60:
		return fmt.Sprintf("%d s", s)
	case s < 3600:
		return fmt.Sprintf("%d min", s/60)
	}
	return fmt.Sprintf("%d h %02d min", s/3600, s%3600/60)
}

// stepText is a postponement step: "5 min", "90 s", "1 h".
func stepText(sec int) string {
	switch {
	case sec%3600 == 0:
		return fmt.Sprintf("%d h", sec/3600)
	case sec%60 == 0:
		return fmt.Sprintf("%d min", sec/60)
	}
	return fmt.Sprintf("%d s", sec)
}

// Label of the watched UPSes' submenu.
const LabelOthers = "Other UPSes"

// othersView is the submenu of the watched UPSes: a title that says how
// many need a look, and one line per UPS with its state and charge.
func othersView(ws []api.WatchedUPS) (title string, lines []string) {
	if len(ws) == 0 {
		return "", nil
	}
	var onBatt, unreachable int
	for _, w := range ws {
		line := w.Key + ": "
		switch {
		case !w.Connected && w.Err != "":
			unreachable++
			line += "not reachable"
		case w.Status == nil:
			line += "waiting for the UPS"
		default:
			if w.Status.Has("OB") {
				onBatt++
			}
			line += statusPhrase(Snapshot{Linked: true, State: api.State{Connected: true, Status: w.Status}}) + " · " + chargeText(w.Status.Charge)
		}
		lines = append(lines, line)
	}
	var notes []string
	if onBatt > 0 {
		notes = append(notes, fmt.Sprintf("%d on battery", onBatt))
	}
	if unreachable > 0 {
		notes = append(notes, fmt.Sprintf("%d not reachable", unreachable))
	}
	title = LabelOthers
	if len(notes) > 0 {
		title += ": " + strings.Join(notes, ", ")
	}
	return title, lines
}
