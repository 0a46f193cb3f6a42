// Package driverdb reads what the installed NUT knows about hardware: the
// compatibility list (driver.list), the USB ID table of its udev rules, and
// which driver binaries are present. It knows nothing about settings or the
// running NUT; package hw turns this knowledge into suggestions.
package driverdb

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// Default locations on Debian's NUT 2.8.
const (
	DriverListPath = "/usr/share/nut/driver.list"
	UdevRulesPath  = "/lib/udev/rules.d/62-nut-usbups.rules"
	DriverDir      = "/lib/nut"
)

// Entry is one line of driver.list: six quoted, tab-separated fields and an
// optional trailing "# url" comment.
type Entry struct {
	Manufacturer string `json:"manufacturer"`
	DeviceType   string `json:"device_type"` // ups, pdu, scd, ats
	Support      int    `json:"support"`     // 1..5 stars
	Model        string `json:"model"`
	ModelExtra   string `json:"model_extra,omitempty"`
	// Drivers are the alternatives of the last field ("a or b"), in order.
	Drivers []DriverRef `json:"drivers"`
	// Note is the parenthesised remark of the driver field, such as
	// "experimental" or "USB ID 0665:5161".
	Note string `json:"note,omitempty"`
	URL  string `json:"url,omitempty"` // the trailing comment, without '#'
	Line int    `json:"line"`
}

// DriverRef is one driver named by an entry with its mandatory parameters.
type DriverRef struct {
	Name   string  `json:"name"`
	Params []Param `json:"params,omitempty"`
}

// Param is "key=value", or a bare flag (Value empty, Flag true).
type Param struct {
	Key   string `json:"key"`
	Value string `json:"value,omitempty"`
	Flag  bool   `json:"flag,omitempty"`
}

// Options returns the parameters as ups.conf driver options; a flag maps to "".
func (d DriverRef) Options() map[string]string {
	if len(d.Params) == 0 {
		return nil
	}
	m := make(map[string]string, len(d.Params))
	for _, p := range d.Params {
		m[p.Key] = p.Value
	}
	return m
}

var usbIDNote = regexp.MustCompile(`(?i)USB ID ([0-9a-f]{4}):([0-9a-f]{4})`)

// USBID returns the USB ID that the entry's note names ("USB ID 0665:5161").
func (e Entry) USBID() (vendor, product uint16, ok bool) {
	m := usbIDNote.FindStringSubmatch(e.Note)
	if m == nil {
		return 0, 0, false
	}
	v, _ := strconv.ParseUint(m[1], 16, 16)
	p, _ := strconv.ParseUint(m[2], 16, 16)
	return uint16(v), uint16(p), true
}

// ParseDriverList reads driver.list. A line is an entry when its first
// non-blank character is '"'; comments and blank lines are skipped. A
// malformed entry is an error naming its line, so that no entry is silently
// lost.
func ParseDriverList(r io.Reader) ([]Entry, error) {
	var out []Entry
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		if line[0] != '"' {
			return nil, fmt.Errorf("driver.list line %d: not an entry or comment: %q", n, line)
		}
		e, err := parseEntry(line)
		if err != nil {
			return nil, fmt.Errorf("driver.list line %d: %w", n, err)
		}
		e.Line = n
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read driver.list: %w", err)
	}
	return out, nil
}

// parseEntry splits one line into quoted fields. Fields are separated by
// tabs (sometimes spaces in hand-edited files); text after the sixth field
// must be a '#' comment.
func parseEntry(line string) (Entry, error) {
	var fields []string
	rest := line
	for len(fields) < 6 {
		rest = strings.TrimLeft(rest, " \t")
		if rest == "" || rest[0] != '"' {
			return Entry{}, fmt.Errorf("want 6 quoted fields, found %d", len(fields))
		}
		end := strings.IndexByte(rest[1:], '"')
		if end < 0 {
			return Entry{}, fmt.Errorf("unterminated quote in field %d", len(fields)+1)
		}
		fields = append(fields, rest[1:1+end])
		rest = rest[end+2:]
	}
	e := Entry{Manufacturer: fields[0], DeviceType: fields[1], Model: fields[3], ModelExtra: fields[4]}
	s, err := strconv.Atoi(fields[2])
	if err != nil || s < 0 || s > 5 {
		return Entry{}, fmt.Errorf("support level %q is not 0-5", fields[2])
	}
	e.Support = s
	rest = strings.TrimSpace(rest)
	if rest != "" {
		if rest[0] != '#' {
			return Entry{}, fmt.Errorf("unexpected text after the sixth field: %q", rest)
		}
		e.URL = strings.TrimSpace(rest[1:])
	}
	e.Drivers, e.Note, err = parseDriverField(fields[5])
	if err != nil {
		return Entry{}, err
	}
	return e, nil
}

// parseDriverField parses "blazer_ser or blazer_usb", "genericups upstype=7",
// "usbhid-ups (experimental)" and their combinations.
func parseDriverField(f string) ([]DriverRef, string, error) {
	var note string
	if i := strings.IndexByte(f, '('); i >= 0 {
		j := strings.LastIndexByte(f, ')')
		if j < i {
			return nil, "", fmt.Errorf("unbalanced parenthesis in driver field %q", f)
		}
		note = strings.TrimSpace(f[i+1 : j])
		f = f[:i] + f[j+1:]
	}
	var refs []DriverRef
	for _, alt := range splitOr(f) {
		toks := strings.Fields(alt)
		if len(toks) == 0 {
			return nil, "", fmt.Errorf("empty driver in %q", f)
		}
		ref := DriverRef{Name: toks[0]}
		for _, t := range toks[1:] {
			if k, v, ok := strings.Cut(t, "="); ok {
				ref.Params = append(ref.Params, Param{Key: k, Value: v})
			} else {
				ref.Params = append(ref.Params, Param{Key: t, Flag: true})
			}
		}
		refs = append(refs, ref)
	}
	if len(refs) == 0 {
		return nil, "", fmt.Errorf("no driver in %q", f)
	}
	return refs, note, nil
}

// splitOr splits on the word "or" between alternatives.
func splitOr(f string) []string {
	var out, cur []string
	for _, t := range strings.Fields(f) {
		if t == "or" {
			out = append(out, strings.Join(cur, " "))
			cur = nil
			continue
		}
		cur = append(cur, t)
	}
	return append(out, strings.Join(cur, " "))
}
