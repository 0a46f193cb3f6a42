package client

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// flagWords are NUT's ups.status tokens in words, in the order Describe lists
// them.
var flagWords = []struct{ flag, words string }{
	{"FSD", "Forced shutdown in progress"},
	{"OL", "On line power"},
	{"OB", "On battery"},
	{"LB", "Battery low"},
	{"HB", "Battery high"},
	{"RB", "Replace battery"},
	{"CHRG", "Charging"},
	{"DISCHRG", "Discharging"},
	{"BYPASS", "On bypass"},
	{"CAL", "Calibrating"},
	{"OFF", "Output off"},
	{"OVER", "Overloaded"},
	{"TRIM", "Trimming high input voltage"},
	{"BOOST", "Boosting low input voltage"},
	{"ALARM", "Alarm"},
	// upsd's own placeholder while the driver's first data is not in yet.
	{"WAIT", "Waiting for data from the driver"},
}

// Describe lists the status flags in words ("On battery", "Battery low",
// ...). Flags Nutmeg does not know are listed as they are. No flags at all
// gives "Status unknown".
func (s Status) Describe() []string {
	var out []string
	known := map[string]bool{}
	for _, fw := range flagWords {
		known[fw.flag] = true
		if !s.Flags[fw.flag] {
			continue
		}
		w := fw.words
		if fw.flag == "ALARM" && s.Alarm != "" {
			w += ": " + s.Alarm
		}
		out = append(out, w)
	}
	var other []string
	for f, on := range s.Flags {
		if on && !known[f] {
			other = append(other, f)
		}
	}
	sort.Strings(other)
	for _, f := range other {
		out = append(out, "Status "+f)
	}
	if len(out) == 0 {
		out = append(out, "Status unknown")
	}
	return out
}

// Headline is the one-phrase state: what powers the load.
func (s Status) Headline() string {
	switch {
	case s.Flags["FSD"]:
		return "Forced shutdown in progress"
	case s.Flags["OB"]:
		return "On battery"
	case s.Flags["OL"] && s.Flags["BYPASS"]:
		return "On bypass"
	case s.Flags["OL"]:
		return "On line power"
	case s.Flags["OFF"]:
		return "Output off"
	case s.Flags["BYPASS"]:
		return "On bypass"
	case s.Flags["WAIT"]:
		return "Waiting for data"
	}
	return "Status unknown"
}

// Summary is one line for a tooltip or a terminal:
// "On battery · battery low · 64% · 11 min left · load 23%". Unknown figures
// are left out, never shown as 0.
func (s Status) Summary() string {
	parts := []string{s.Headline()}
	if s.Flags["LB"] {
		parts = append(parts, "battery low")
	}
	if s.Flags["RB"] {
		parts = append(parts, "replace battery")
	}
	if s.Flags["OVER"] {
		parts = append(parts, "overloaded")
	}
	if s.Charge.OK {
		parts = append(parts, formatNum(s.Charge.V)+"%")
	}
	if s.Runtime.OK && (s.Flags["OB"] || s.Flags["FSD"]) {
		parts = append(parts, FormatDuration(s.Runtime.V)+" left")
	}
	if s.Load.OK {
		parts = append(parts, "load "+formatNum(s.Load.V)+"%")
	}
	return strings.Join(parts, " · ")
}

// Figure is one labelled value for a detail list.
type Figure struct {
	Label string `json:"label"`
	Text  string `json:"text"`
}

// figureList is the one list of figures, in order, with their labels, for
// `nutmeg status` and the status window. Core figures keep their row in the
// window even when the UPS does not report them; text is "" when unknown.
var figureList = []struct {
	label string
	core  bool
	text  func(Status) string
}{
	{"Battery charge", true, num(func(s Status) Value { return s.Charge }, " %")},
	{"Runtime left", true, func(s Status) string {
		if !s.Runtime.OK {
			return ""
		}
		return FormatDuration(s.Runtime.V)
	}},
	{"Load", true, num(func(s Status) Value { return s.Load }, " %")},
	{"Input voltage", true, num(func(s Status) Value { return s.InputVoltage }, " V")},
	{"Output voltage", true, num(func(s Status) Value { return s.OutputVoltage }, " V")},
	{"Input frequency", true, num(func(s Status) Value { return s.InputFrequency }, " Hz")},
	{"Output frequency", false, num(func(s Status) Value { return s.OutputFrequency }, " Hz")},
	{"Battery voltage", false, num(func(s Status) Value { return s.BatteryVoltage }, " V")},
	{"Temperature", false, num(func(s Status) Value { return s.Temperature }, " °C")},
	{"Maker", false, func(s Status) string { return s.Maker }},
	{"Model", false, func(s Status) string { return s.Model }},
	{"Serial number", false, func(s Status) string { return s.Serial }},
	{"Firmware", false, func(s Status) string { return s.Firmware }},
	{"Beeper", false, func(s Status) string { return s.Beeper }},
	{"Last self-test", false, func(s Status) string { return s.SelfTest }},
	{"Alarm", false, func(s Status) string { return s.Alarm }},
}

func num(v func(Status) Value, unit string) func(Status) string {
	return func(s Status) string {
		if x := v(s); x.OK {
			return formatNum(x.V) + unit
		}
		return ""
	}
}

// Figures lists what the UPS reports, in words, skipping what it does not
// report (so the list never shows an unknown value as 0).
func (s Status) Figures() []Figure {
	var out []Figure
	for _, f := range figureList {
		if t := f.text(s); t != "" {
			out = append(out, Figure{f.label, t})
		}
	}
	return out
}

// AllFigures is Figures plus the core figures the UPS does not report, with
// an empty Text: the status window keeps their rows and says "unknown".
func (s Status) AllFigures() []Figure {
	var out []Figure
	for _, f := range figureList {
		if t := f.text(s); t != "" || f.core {
			out = append(out, Figure{f.label, t})
		}
	}
	return out
}

// FormatDuration writes seconds the way people read a runtime: "45 s",
// "11 min", "1 h 05 min".
func FormatDuration(sec float64) string {
	if sec < 0 || math.IsNaN(sec) {
		return "unknown"
	}
	n := int(math.Round(sec))
	switch {
	case n < 60:
		return fmt.Sprintf("%d s", n)
	case n < 3600:
		return fmt.Sprintf("%d min", n/60)
	}
	return fmt.Sprintf("%d h %02d min", n/3600, n%3600/60)
}

// formatNum drops a useless ".0" and keeps at most one decimal.
func formatNum(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}
