// Package notify turns Nutmeg's events into words (mail bodies, desktop
// notifications) and sends them by email through go-mail, from a queue that
// never blocks the caller.
package notify

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/client"
)

// Event is the event log's entry (nut/api). notify depends only on the
// shared API types, never on nut/service, which imports this package.
type Event = api.Event

// Title is the event's short title, e.g. "UPS on battery".
func Title(name string) string {
	t, ok := eventTexts[name]
	if !ok {
		t = unknownEvent
	}
	return fill(t.Title, "event", name)
}

// Sentence is the one readable sentence that says what the event means for
// the UPS ups; the service can use it as Event.Message.
func Sentence(name, ups string) string {
	t, ok := eventTexts[name]
	if !ok {
		t = unknownEvent
	}
	return fill(t.Sentence, "ups", ups, "event", name)
}

// Text is the title and the full body of a mail about e: the sentence, the
// event's own message when it adds something, and the UPS's figures (unknown
// values written as such, never 0).
func Text(e Event) (title, body string) {
	return TextOn(e, "")
}

// TextOn is Text with the name of the computer that sends it ("" leaves the
// line out).
func TextOn(e Event, host string) (title, body string) {
	var b strings.Builder
	b.WriteString(lead(e))
	b.WriteString("\n\n")
	b.WriteString(Figures(e.UPS, e.Status, e.Time, host))
	return Title(e.Name), b.String()
}

// Notification is the title and a short body for a desktop notification: the
// sentence and one line of figures.
func Notification(e Event) (title, body string) {
	body = lead(e)
	if c := Compact(e.Status); c != "" {
		body += "\n" + c
	}
	return Title(e.Name), body
}

// lead is the sentence plus the event's message when that says more.
func lead(e Event) string {
	s := Sentence(e.Name, e.UPS)
	if t, ok := watchedTexts[e.Name]; ok && e.Watched {
		s = fill(t.Sentence, "ups", e.UPS)
	}
	if m := strings.TrimSpace(e.Message); m != "" && m != s {
		s += "\n" + m
	}
	return s
}

// Figures is the block of labelled values of a mail body.
func Figures(ups string, s *client.Status, t time.Time, host string) string {
	type row struct{ label, value string }
	name := ups
	if s != nil {
		if name == "" {
			name = s.UPS
		}
	}
	if name == "" {
		name = wordUnknown
	}
	if s != nil {
		if mm := strings.TrimSpace(s.Maker + " " + s.Model); mm != "" {
			name += " (" + mm + ")"
		}
	}
	rows := []row{{labelUPS, name}}
	if s == nil {
		rows = append(rows, row{labelStatus, wordNoStatus})
		s = &client.Status{}
	} else {
		rows = append(rows, row{labelStatus, StatusWords(s.Flags)})
	}
	rows = append(rows,
		row{labelCharge, unit(unitPercent, s.Charge)},
		row{labelRuntime, runtime(s.Runtime)},
		row{labelLoad, unit(unitPercent, s.Load)},
		row{labelInputVoltage, unit(unitVolt, s.InputVoltage)},
	)
	if !t.IsZero() {
		rows = append(rows, row{labelTime, t.Format(DateLayout)})
	}
	if host != "" {
		rows = append(rows, row{labelHost, host})
	}
	width := 0
	for _, r := range rows {
		width = max(width, len([]rune(r.label)))
	}
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(r.label)
		b.WriteString(":")
		b.WriteString(strings.Repeat(" ", width-len([]rune(r.label))+1))
		b.WriteString(r.value)
		b.WriteString("\n")
	}
	return b.String()
}

// Compact is one line of the figures the UPS reports, leaving unknown ones
// out: "64% · 11 min left · load 23% · 230 V in". "" when none is known.
func Compact(s *client.Status) string {
	if s == nil {
		return ""
	}
	var parts []string
	if s.Charge.OK {
		parts = append(parts, fill(compactCharge, "v", number(s.Charge.V)))
	}
	if s.Runtime.OK {
		parts = append(parts, fill(compactRuntime, "v", Duration(s.Runtime.V)))
	}
	if s.Load.OK {
		parts = append(parts, fill(compactLoad, "v", number(s.Load.V)))
	}
	if s.InputVoltage.OK {
		parts = append(parts, fill(compactVoltage, "v", number(s.InputVoltage.V)))
	}
	return strings.Join(parts, compactSep)
}

// StatusWords spells ups.status's flags in words, known ones in a fixed order
// and unknown ones verbatim after them; "unknown" for no flags.
func StatusWords(flags map[string]bool) string {
	var words, rest []string
	known := map[string]bool{}
	for _, f := range flagWords {
		known[f.Flag] = true
		if flags[f.Flag] {
			words = append(words, f.Word)
		}
	}
	for f, on := range flags {
		if on && !known[f] {
			rest = append(rest, f)
		}
	}
	sort.Strings(rest)
	words = append(words, rest...)
	if len(words) == 0 {
		return wordUnknown
	}
	return strings.Join(words, ", ")
}

// Duration writes seconds as "45 s", "11 min 5 s", "1 h 5 min".
func Duration(seconds float64) string {
	if seconds < 0 || math.IsNaN(seconds) || math.IsInf(seconds, 0) {
		return wordUnknown
	}
	n := int64(math.Round(seconds))
	h, m, s := n/3600, n%3600/60, n%60
	i := strconv.FormatInt
	switch {
	case h > 0 && m > 0:
		return fill(durHourMin, "h", i(h, 10), "m", i(m, 10))
	case h > 0:
		return fill(durHours, "h", i(h, 10))
	case m > 0 && s > 0:
		return fill(durMinSeconds, "m", i(m, 10), "s", i(s, 10))
	case m > 0:
		return fill(durMinutes, "m", i(m, 10))
	default:
		return fill(durSeconds, "s", i(s, 10))
	}
}

func runtime(v client.Value) string {
	if !v.OK {
		return wordUnknown
	}
	return Duration(v.V)
}

func unit(tmpl string, v client.Value) string {
	if !v.OK {
		return wordUnknown
	}
	return fill(tmpl, "v", number(v.V))
}

// number writes v with at most one decimal: 64, 230.4.
func number(v float64) string {
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
}

// fill replaces {key} placeholders; kv is key, value, key, value...
func fill(tmpl string, kv ...string) string {
	pairs := make([]string, 0, len(kv))
	for i := 0; i+1 < len(kv); i += 2 {
		pairs = append(pairs, "{"+kv[i]+"}", kv[i+1])
	}
	return strings.NewReplacer(pairs...).Replace(tmpl)
}
