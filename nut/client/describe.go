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

// Figures lists what the UPS reports, in words, skipping what it does not
// report (so the list never shows an unknown value as 0).
func (s Status) Figures() []Figure {
	var out []Figure
	add := func(label string, v Value, unit string) {
		if v.OK {
			out = append(out, Figure{label, formatNum(v.V) + unit})
		}
	}
	addS := func(label, v string) {
		if v != "" {
			out = append(out, Figure{label, v})
		}
	}
	add("Battery charge", s.Charge, "%")
	if s.Runtime.OK {
		out = append(out, Figure{"Runtime", FormatDuration(s.Runtime.V)})
	}
	add("Load", s.Load, "%")
	add("Input voltage", s.InputVoltage, " V")
	add("Input frequency", s.InputFrequency, " Hz")
	add("Output voltage", s.OutputVoltage, " V")
	add("Output frequency", s.OutputFrequency, " Hz")
	add("Battery voltage", s.BatteryVoltage, " V")
	add("Temperature", s.Temperature, " °C")
	addS("Maker", s.Maker)
	addS("Model", s.Model)
	addS("Serial", s.Serial)
	addS("Firmware", s.Firmware)
	addS("Beeper", s.Beeper)
	addS("Self-test", s.SelfTest)
	addS("Alarm", s.Alarm)
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
