package flow

import (
	"fmt"
	"strings"

	"github.com/nutmeg-ups/nutmeg/hw"
	"github.com/nutmeg-ups/nutmeg/nut"
)

// Found is what the Find page shows: the probe's report and an existing NUT
// setup that may be imported.
type Found struct {
	Report hw.Report
	// ProbeError is set when the probe could not list anything.
	ProbeError string

	// ImportDir is the NUT config dir that holds a hand-written setup
	// ("" when there is none); Import is what it reads as.
	ImportDir string
	Import    *nut.Settings
	// ImportError says why an existing setup could not be read.
	ImportError string

	// Saved is the saved settings when the wizard was reopened.
	Saved *nut.Settings

	// NoLocalNUT: this machine cannot run NUT itself (NoLocalNUT), so a
	// first setup starts on "a UPS on another machine".
	NoLocalNUT bool
}

// NoLocalNUT reports whether a machine of OS goos cannot run its own
// NUT: Windows, unless NUT for Windows was found there (nutFound). There
// the common case is a PC whose UPS cable goes to a NAS or a server, and
// Nutmeg's own monitor follows it.
func NoLocalNUT(goos string, nutFound bool) bool {
	return goos == "windows" && !nutFound
}

// Option is one choice on the Find page.
type Option struct {
	Source Source
	Index  int    // into Report.Suggestions for SourceDevice
	Title  string // one line
	Reason string // why, in a sentence (may be empty)
	// Disabled options are shown but cannot be chosen (driver not installed).
	Disabled bool
}

// Options lists the Find page's choices in order: the saved setup (when
// reopened), the probe's suggestions best first, an import, a UPS on
// another machine, the simulated UPS.
func (f *Flow) Options() []Option {
	var out []Option
	if f.Found.Saved != nil {
		s := f.Found.Saved
		title := Clip(fmt.Sprintf("Keep the current UPS: %s", describeUPS(*s)), 72)
		out = append(out, Option{Source: SourceSaved, Title: title, Reason: "The settings saved last time; the next pages show them for changes."})
	}
	r := f.Found.Report
	for i, sg := range r.Suggestions {
		dev := deviceOf(r, sg.Device)
		title := Clip(fmt.Sprintf("%s — %s on %s", DeviceName(dev), sg.Driver, sg.Port), 72)
		reason := fmt.Sprintf("%s (%s confidence)", strings.TrimSuffix(sg.Reason, "."), sg.Confidence)
		if !sg.Ready {
			reason += ". Not installed: " + sg.Install
		}
		out = append(out, Option{Source: SourceDevice, Index: i, Title: title, Reason: reason + ".", Disabled: !sg.Ready})
	}
	if f.Found.Import != nil {
		out = append(out, Option{Source: SourceImport,
			Title:  Clip(fmt.Sprintf("Import the NUT setup in %s: %s", f.Found.ImportDir, describeUPS(*f.Found.Import)), 72),
			Reason: "This machine already has a hand-written NUT configuration. Nutmeg reads it into its settings; the files are replaced only when you apply, and the previous ones are kept."})
	}
	out = append(out,
		Option{Source: SourceSecondary, Title: "Use a UPS on another machine (secondary)",
			Reason: "Another computer or a NAS has the UPS cable and runs a NUT server; this computer follows it and shuts down when it says so."},
		Option{Source: SourceSimulated, Title: "Simulated UPS (demo)",
			Reason: "NUT's dummy-ups plays a UPS, so you can see the whole flow, power failure included, without hardware."})
	return out
}

func (f *Flow) optionIndex(src Source, idx int) int {
	for i, o := range f.Options() {
		if o.Source == src && (src != SourceDevice || o.Index == idx) {
			return i
		}
	}
	return -1
}

// Select chooses the i-th option of Options. It returns false for a
// disabled or unknown option.
func (f *Flow) Select(i int) bool {
	opts := f.Options()
	if i < 0 || i >= len(opts) || opts[i].Disabled {
		return false
	}
	o := opts[i]
	switch o.Source {
	case SourceSaved:
		f.ChooseSaved(*f.Found.Saved)
	case SourceDevice:
		r := f.Found.Report
		sg := r.Suggestions[o.Index]
		dev := deviceOf(r, sg.Device)
		f.ChooseDevice(Choice{Driver: sg.Driver, Port: sg.Port, Options: sg.Options,
			Description: productName(dev), Confident: sg.Confidence == hw.High && sg.Ready})
	case SourceImport:
		f.ChooseImport(*f.Found.Import)
	case SourceSecondary:
		f.ChooseSecondary()
	case SourceSimulated:
		f.ChooseSimulated()
	}
	f.Selected = i
	return true
}

// SetFound takes the probe's result (and the import check). On a first
// setup the best suggestion is preselected when it is ready to use, so a
// recognised UPS needs no choice at all.
func (f *Flow) SetFound(found Found) {
	if f.Found.Saved != nil && found.Saved == nil {
		found.Saved = f.Found.Saved
	}
	prev := Option{Source: SourceNone}
	if opts := f.Options(); f.Selected >= 0 && f.Selected < len(opts) {
		prev = opts[f.Selected]
	}
	f.Found = found
	f.Probing = false
	// keep the current choice where it still exists
	if prev.Source != SourceNone && prev.Source != SourceDevice {
		f.Selected = f.optionIndex(prev.Source, 0)
		return
	}
	f.Selected = -1
	if f.Source == SourceDevice {
		f.Source = SourceNone
	}
	if f.Source == SourceNone && found.NoLocalNUT {
		f.Select(f.optionIndex(SourceSecondary, 0))
		return
	}
	if f.Source == SourceNone {
		for i, o := range f.Options() {
			if o.Source == SourceDevice && !o.Disabled {
				f.Select(i)
				break
			}
		}
	}
}

// SetSaved records the saved settings for the "keep" option (reopened
// wizard) and selects it.
func (f *Flow) SetSaved(s nut.Settings) {
	f.Found.Saved = &s
	f.Selected = f.optionIndex(SourceSaved, 0)
}

func deviceOf(r hw.Report, id string) hw.Device {
	for _, d := range r.Devices {
		if d.ID == id {
			return d
		}
	}
	return hw.Device{ID: id}
}

// productName is the device's maker and model as it tells them, or "".
func productName(d hw.Device) string {
	maker, model := d.Manufacturer, d.Product
	if d.Kind == "serial" {
		maker, model = d.Maker, d.Model
	}
	maker, model = strings.TrimSpace(maker), strings.TrimSpace(model)
	// APC's product string carries the firmware ("Back-UPS ES 700 FW:811.z3 .D USB FW:z3")
	if i := strings.Index(model, " FW:"); i > 0 {
		model = strings.TrimSpace(model[:i])
	}
	if short, ok := shortMakers[maker]; ok {
		maker = short
	}
	switch {
	case model != "" && maker != "" && !strings.HasPrefix(strings.ToLower(model), strings.ToLower(maker)):
		return maker + " " + model
	case model != "":
		return model
	}
	return maker
}

// shortMakers are the names people use for makers whose USB strings are long.
var shortMakers = map[string]string{
	"American Power Conversion": "APC",
	"EATON":                     "Eaton",
	"Tripp Lite":                "Tripp Lite",
	"CPS":                       "CyberPower",
}

// Clip shortens a one-line text to n runes with an ellipsis.
func Clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// DeviceName names a device for people: "APC Back-UPS ES 700 (USB 051d:0002)".
func DeviceName(d hw.Device) string {
	where := ""
	switch d.Kind {
	case "usb":
		where = fmt.Sprintf("USB %s:%s", d.VendorID, d.ProductID)
	case "serial":
		where = "serial " + d.Path
	default:
		where = d.ID
	}
	if n := productName(d); n != "" {
		return n + " (" + where + ")"
	}
	return where
}

// DeviceLines describes every device the probe saw, UPS or not.
func DeviceLines(r hw.Report) []string {
	var out []string
	for _, d := range r.Devices {
		line := DeviceName(d)
		switch {
		case d.UPS:
			line += " — a UPS"
		case d.Note != "":
			line += " — " + d.Note
		}
		if d.NotAccessible != "" {
			line += " (strings not readable: " + d.NotAccessible + ")"
		}
		out = append(out, line)
	}
	return out
}

func describeUPS(s nut.Settings) string {
	if s.Mode == nut.ModeSecondary {
		return fmt.Sprintf("%s on the NUT server %s", s.Identifier, s.RemoteHost)
	}
	d := s.Description
	if d == "" {
		d = s.Identifier
	}
	return fmt.Sprintf("%s (%s on %s)", d, s.Driver, s.Port)
}
