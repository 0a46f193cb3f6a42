// Package flow is the setup wizard's step model in plain Go: which pages
// there are, which fields each edits and requires in the current mode, what
// is wrong with them, and when Next and Apply are allowed. The Fyne pages in
// package wizard only draw it, so the whole flow is testable without a GUI.
package flow

import (
	"errors"
	"sort"
	"strings"

	"github.com/nutmeg-ups/nutmeg/nut"
)

// Page is one step of the wizard.
type Page int

const (
	Find     Page = iota // find the UPS: probe results, secondary, simulated, import
	Driver               // driver and port (primary) or the NUT server (secondary)
	Access               // identity and access
	Shutdown             // when and how to shut down
	Notify               // email
	Advanced             // timers and extra NUT lines
	Review               // the settings in words and the files
	Apply                // progress and result
)

// AllPages lists the pages in order.
var AllPages = []Page{Find, Driver, Access, Shutdown, Notify, Advanced, Review, Apply}

var pageNames = [...]string{"find", "driver", "access", "shutdown", "notify", "advanced", "review", "apply"}

func (p Page) String() string { return pageNames[p] }

// Source is how the user chose the UPS on the Find page.
type Source int

const (
	SourceNone      Source = iota
	SourceDevice           // a probed device's suggestion
	SourceSecondary        // follow a NUT server on another machine
	SourceSimulated        // NUT's dummy-ups, for trying Nutmeg without a UPS
	SourceImport           // an existing NUT setup on this machine
	SourceSaved            // the saved settings (wizard reopened)
)

// Choice is what the Find page hands over: a driver suggestion reduced to the
// settings it implies. Confident suggestions allow the quick path.
type Choice struct {
	Driver      string
	Port        string
	Options     map[string]string
	Description string
	Confident   bool
}

// SimulatedDev is the dummy-ups data file of the simulated UPS, relative to
// NUT's config directory (the applier creates it, see SimulatedDevContent).
const SimulatedDev = "simulated-ups.dev"

// RunMode is how the setup runs on this computer.
type RunMode int

const (
	// RunUser: NUT and Nutmeg's service run as the user's own programs,
	// only while the user is logged in (no administrator needed).
	RunUser RunMode = iota
	// RunSystem: NUT's own system units and nutmeg.service run with the
	// computer, whoever is logged in (set up once with the administrator's
	// password).
	RunSystem
)

// Flow is the wizard's state. Nothing in it touches a file or the keyring:
// Cancel is simply dropping the Flow.
type Flow struct {
	Settings nut.Settings
	Page     Page
	Source   Source
	// Run is how the setup will run; the wizard sets RunSystem where it can
	// set that up (Linux with pkexec).
	Run RunMode

	// StoredPassword is true when the saved setup has a monitor password in
	// the keyring; an empty Settings.MonPwd then means "keep it" and the user
	// is not asked again unless they change it.
	StoredPassword       bool
	StoredRemotePassword bool
	StoredSMTPPassword   bool

	// Quick is the three-click path: a confident suggestion goes from Find
	// straight to Review; Customize walks every page.
	Quick bool

	// Found is what the probe and the import check found (Find page).
	Found Found
	// Selected is the index into Options() of the Find page's choice, -1
	// for none.
	Selected int
	// Probing is true while the probe runs.
	Probing bool

	// base is the settings before an import replaced them, so that choosing
	// something else afterwards starts from them again.
	base *nut.Settings
	// generated is the monitor password this wizard made: a secondary
	// needs the server's password instead, so choosing secondary clears it.
	generated string
	// unparsed holds number fields whose text is not a number: the field
	// keeps its old value and reports the problem.
	unparsed map[string]string
}

// New starts a wizard for a first setup, with safe defaults.
func New() *Flow {
	f := &Flow{Settings: nut.Defaults(), Page: Find, Selected: -1}
	f.generated = f.Settings.MonPwd
	return f
}

// Reopen starts the wizard on saved settings (secrets not filled in). The
// stored flags say which secrets the keyring already holds; a secret that
// the settings need and the keyring lacks is generated afresh.
func Reopen(s nut.Settings, storedPwd, storedRemote, storedSMTP bool) *Flow {
	f := &Flow{Settings: s, Page: Find, Source: SourceSaved, Selected: -1,
		StoredPassword: storedPwd, StoredRemotePassword: storedRemote, StoredSMTPPassword: storedSMTP}
	if !storedPwd && f.Settings.MonPwd == "" && s.Mode != nut.ModeSecondary {
		f.Settings.MonPwd = nut.GeneratePassword()
		f.generated = f.Settings.MonPwd
	}
	if !storedRemote && f.Settings.RemotePwd == "" {
		f.Settings.RemotePwd = nut.GeneratePassword()
	}
	f.Selected = f.optionIndex(SourceSaved, 0)
	return f
}

// ChooseDevice takes a probe suggestion.
func (f *Flow) ChooseDevice(c Choice) {
	f.leaveImport()
	f.primaryPassword()
	s := &f.Settings
	s.Mode = nut.ModePrimary
	s.Driver, s.Port = c.Driver, c.Port
	s.DriverOptions = copyMap(c.Options)
	if c.Description != "" {
		s.Description = c.Description
	}
	f.Source = SourceDevice
	f.Quick = c.Confident
}

// ChooseSecondary follows a NUT server on another machine.
func (f *Flow) ChooseSecondary() {
	f.leaveImport()
	f.Settings.Mode = nut.ModeSecondary
	// the server's password is asked for, not made up here
	if f.generated != "" && f.Settings.MonPwd == f.generated {
		f.Settings.MonPwd = ""
	}
	f.Source = SourceSecondary
	f.Quick = false // the server's address must be typed
}

// ChooseSimulated sets up NUT's dummy-ups so the whole flow can be tried
// without hardware.
func (f *Flow) ChooseSimulated() {
	f.leaveImport()
	f.primaryPassword()
	s := &f.Settings
	s.Mode = nut.ModePrimary
	s.Driver, s.Port = "dummy-ups", SimulatedDev
	s.DriverOptions = nil
	s.Description = "Simulated UPS (NUT dummy-ups)"
	f.Source = SourceSimulated
	f.Quick = true
}

// ChooseImport takes settings read from an existing NUT setup. A password
// the import lacks is generated.
func (f *Flow) ChooseImport(s nut.Settings) {
	if f.base == nil {
		b := f.Settings
		f.base = &b
	}
	s.Normalize()
	if s.MonPwd == "" {
		s.MonPwd = nut.GeneratePassword()
	}
	if s.RemotePwd == "" {
		s.RemotePwd = nut.GeneratePassword()
	}
	f.Settings = s
	f.StoredPassword, f.StoredRemotePassword, f.StoredSMTPPassword = false, false, false
	f.Source = SourceImport
	f.Quick = false // an import deserves a look at every page
}

// ChooseSaved goes back to the saved settings' UPS (wizard reopened).
func (f *Flow) ChooseSaved(saved nut.Settings) {
	f.leaveImport()
	s := &f.Settings
	s.Mode, s.Driver, s.Port, s.RemoteHost = saved.Mode, saved.Driver, saved.Port, saved.RemoteHost
	s.DriverOptions = copyMap(saved.DriverOptions)
	s.Description = saved.Description
	f.Source = SourceSaved
	f.Quick = false
}

// primaryPassword puts the generated password back when a primary setup
// is chosen after a secondary one emptied it.
func (f *Flow) primaryPassword() {
	if f.Settings.MonPwd == "" && !f.StoredPassword && f.generated != "" {
		f.Settings.MonPwd = f.generated
	}
}

func (f *Flow) leaveImport() {
	if f.Source == SourceImport && f.base != nil {
		f.Settings = *f.base
		f.base = nil
	}
}

// Pages is the walk: the same eight pages in both modes. In secondary mode
// the Driver page asks for the NUT server instead of a driver.
func (f *Flow) Pages() []Page { return AllPages }

// fieldPage says which page edits a settings key (the JSON key of
// nut.FieldError.Field, indexes and sub-keys stripped).
var fieldPage = map[string]Page{
	"driver": Driver, "port": Driver, "driver_options": Driver, "remotehost": Driver,
	"identifier": Access, "description": Access, "mode": Access, "monuser": Access, "monpwd": Access,
	"extrausers": Access, "rmonitor": Access, "remoteuser": Access, "remotepwd": Access,
	"shutdown": Shutdown, "shutdowntimer": Shutdown, "shutdowncmd": Shutdown, "powerdown": Shutdown, "postpone": Shutdown,
	"runtimelow":  Shutdown,
	"emailnotify": Notify, "toemail": Notify, "subject": Notify, "smtp": Notify, "emailevents": Notify,
	"nocommwarntime": Advanced, "hostsync": Advanced, "options": Advanced, "optionsupsd": Advanced,
	"remoteport": Advanced, "autostart": Advanced, WatchField: Advanced,
}

// PageOf is the page that edits field (e.g. "smtp.host" or "toemail[1]") in
// the current mode: a secondary's server port sits beside its host on the
// Driver page; a primary's listening port is on the Advanced page.
func (f *Flow) PageOf(field string) Page {
	k := baseKey(field)
	if k == "remoteport" && f.Settings.Mode == nut.ModeSecondary {
		return Driver
	}
	if p, ok := fieldPage[k]; ok {
		return p
	}
	return Review
}

func baseKey(field string) string {
	if i := strings.IndexAny(field, ".["); i >= 0 {
		return field[:i]
	}
	return field
}

// primaryOnly are the fields that mean nothing for a secondary.
var primaryOnly = map[string]bool{
	"driver": true, "port": true, "driver_options": true, "extrausers": true, "rmonitor": true,
	"remoteuser": true, "remotepwd": true, "powerdown": true, "options": true, "optionsupsd": true,
}

// Visible reports whether field is shown in the current mode.
func (f *Flow) Visible(field string) bool {
	k := baseKey(field)
	s := f.Settings
	if s.Mode == nut.ModeSecondary {
		return !primaryOnly[k]
	}
	switch k {
	case "remotehost":
		return false
	case "remoteuser", "remotepwd":
		return s.RMonitor
	case "shutdowntimer", "postpone":
		// the countdown exists only in "batt" mode
		return s.Shutdown != nut.ShutdownLowBatt
	}
	return true
}

// Required reports whether field must hold a value in the current mode.
func (f *Flow) Required(field string) bool {
	s := f.Settings
	switch field {
	case "identifier", "monuser":
		return true
	case "monpwd":
		return !f.StoredPassword
	case "driver", "port":
		return s.Mode == nut.ModePrimary
	case "remotehost":
		return s.Mode == nut.ModeSecondary
	case "toemail", "subject", "smtp.host", "smtp.from":
		return s.EmailNotify
	case "remoteuser":
		return s.Mode == nut.ModePrimary && s.RMonitor
	case "remotepwd":
		return s.Mode == nut.ModePrimary && s.RMonitor && !f.StoredRemotePassword
	}
	return false
}

// keptSecret stands in for a secret that stays in the keyring, for
// validation only; it is never written anywhere.
const keptSecret = "kept-in-keyring"

// effective is the settings as they will be saved: a kept secret counts as
// present for validation (its value is in the keyring, not here).
func (f *Flow) effective() nut.Settings {
	s := f.Settings
	if s.MonPwd == "" && f.StoredPassword {
		s.MonPwd = keptSecret
	}
	if s.RemotePwd == "" && f.StoredRemotePassword {
		s.RemotePwd = keptSecret + "-remote"
	}
	if s.SMTP.Password == "" && f.StoredSMTPPassword {
		s.SMTP.Password = keptSecret
	}
	return s
}

// Problems is every validation problem of the current settings, keyed by the
// page that edits the field; problems of fields hidden in the current mode
// are listed under Review.
func (f *Flow) Problems() map[Page][]nut.FieldError {
	out := map[Page][]nut.FieldError{}
	for field, text := range f.unparsed {
		if f.Visible(field) {
			p := f.PageOf(field)
			out[p] = append(out[p], nut.FieldError{Field: field, Rule: numberRule(field), Value: quote(text)})
		}
	}
	err := f.effective().Validate()
	var ve nut.ValidationErrors
	switch {
	case err == nil:
	case errors.As(err, &ve):
		for _, fe := range ve {
			if f.unparsed[fe.Field] != "" {
				continue
			}
			// A hidden field's problem still blocks saving (the settings
			// file must be valid); the Review page names it.
			p := Review
			if f.Visible(fe.Field) {
				p = f.PageOf(fe.Field)
			}
			out[p] = append(out[p], fe)
		}
	default:
		out[Review] = append(out[Review], nut.FieldError{Field: "settings", Rule: err.Error()})
	}
	for p := range out {
		sort.SliceStable(out[p], func(i, j int) bool { return out[p][i].Field < out[p][j].Field })
	}
	return out
}

// FieldProblem is the first problem with one field (exact key or its
// sub-keys), if any.
func (f *Flow) FieldProblem(field string) (nut.FieldError, bool) {
	for _, fe := range f.Problems()[f.PageOf(field)] {
		if fe.Field == field || strings.HasPrefix(fe.Field, field+".") || strings.HasPrefix(fe.Field, field+"[") {
			return fe, true
		}
	}
	return nut.FieldError{}, false
}

// CanNext reports whether the current page may be left forward: the Find
// page needs a choice (and no probe running), the others need their own
// fields valid.
func (f *Flow) CanNext() bool {
	switch f.Page {
	case Find:
		return f.Source != SourceNone
	case Review:
		return f.CanApply()
	case Apply:
		return false
	}
	return len(f.Problems()[f.Page]) == 0
}

// CanApply is the rule of docs/architecture.md, Settings: Apply only when every field is valid.
func (f *Flow) CanApply() bool { return f.Source != SourceNone && len(f.Problems()) == 0 }

// Next moves forward. On the quick path a confident choice jumps from Find
// to Review. It returns false (and stays) when the page is not done.
func (f *Flow) Next() bool {
	if !f.CanNext() {
		return false
	}
	switch {
	case f.Page == Find && f.Quick && f.CanApply():
		f.Page = Review
	default:
		f.Page++
	}
	return true
}

// CanBack reports whether Back does anything.
func (f *Flow) CanBack() bool { return f.Page != Find && f.Page != Apply }

// Back moves to the previous page; from Review on the quick path it returns
// to Find.
func (f *Flow) Back() {
	switch {
	case !f.CanBack():
	case f.Page == Review && f.Quick:
		f.Page = Find
	default:
		f.Page--
	}
}

// Retry goes back from the Apply page to the Review after a failed apply,
// so the settings can be changed and applied again.
func (f *Flow) Retry() {
	if f.Page == Apply {
		f.Page = Review
	}
}

// Customize leaves the quick path and walks every page from Driver.
func (f *Flow) Customize() {
	f.Quick = false
	f.Page = Driver
}

// CanGoto reports whether the step list may jump to p: any page up to
// Review once a UPS has been chosen, Review only when Apply is allowed,
// never to Apply (only the Apply button goes there) nor away from it.
func (f *Flow) CanGoto(p Page) bool {
	switch {
	case f.Page == Apply || p == Apply:
		return false
	case p == Find:
		return true
	case f.Source == SourceNone:
		return false
	case p == Review:
		return f.CanApply()
	}
	return true
}

// Goto jumps to p when CanGoto allows it. Jumping into the pages leaves the
// quick path: the user wants to see them.
func (f *Flow) Goto(p Page) bool {
	if !f.CanGoto(p) {
		return false
	}
	if p != Find && p != Review {
		f.Quick = false
	}
	f.Page = p
	return true
}

func copyMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
