package flow

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/nutmeg-ups/nutmeg/nut"
)

// The steps of applying a setup, as the Apply page lists them. An Applier
// reports progress with these names.
const (
	StepWrite  = "write"  // render and install the NUT files (with a backup)
	StepDriver = "driver" // start the UPS driver
	StepUpsd   = "upsd"   // start the NUT server
	StepUpsmon = "upsmon" // start the monitor
	StepStatus = "status" // read ups.status to prove it works
	StepSave   = "save"   // save the settings and the keyring (the wizard's own)
	// System mode's own steps.
	StepAuth    = "authorize" // the administrator's password (pkexec)
	StepUnits   = "units"     // restart NUT's system units
	StepService = "service"   // enable and start nutmeg.service
)

// Step states.
const (
	StatePending = "pending"
	StateRunning = "running"
	StateDone    = "done"
	StateFailed  = "failed"
	StateSkipped = "skipped"
)

// StepRow is one line of the Apply page.
type StepRow struct {
	Step   string
	State  string
	Detail string // the step's own words: the driver's message on failure
}

// ApplySteps are the steps for the current mode: a secondary runs only
// upsmon against someone else's server.
func (f *Flow) ApplySteps() []string {
	// the settings are saved first: the service reads them from the file
	// and the keyring (and they are put back if NUT does not come up)
	if f.Run == RunSystem {
		return []string{StepSave, StepAuth, StepWrite, StepUnits, StepStatus, StepService}
	}
	if f.Settings.Mode == nut.ModeSecondary {
		return []string{StepSave, StepWrite, StepUpsmon, StepStatus}
	}
	return []string{StepSave, StepWrite, StepDriver, StepUpsd, StepUpsmon, StepStatus}
}

// Progress is the Apply page's state.
type Progress struct {
	Rows    []StepRow
	Running bool
	Done    bool   // finished, well or not
	Err     string // the failure in words ("" on success)
	// Failed is the step that failed ("" on success or when unknown).
	Failed string
	// Restored is true when the previous setup was put back.
	Restored bool
	Fix      *Fix
}

// NewProgress starts with every step pending.
func NewProgress(steps []string) *Progress {
	p := &Progress{Running: true}
	for _, s := range steps {
		p.Rows = append(p.Rows, StepRow{Step: s, State: StatePending})
	}
	return p
}

// Update records a step's new state; unknown steps are added at the end so
// that nothing an applier reports is lost.
func (p *Progress) Update(step, state, detail string) {
	for i := range p.Rows {
		if p.Rows[i].Step == step {
			p.Rows[i].State = state
			if detail != "" || state != StateFailed {
				p.Rows[i].Detail = detail
			}
			if state == StateFailed {
				p.Failed = step
			}
			return
		}
	}
	p.Rows = append(p.Rows, StepRow{Step: step, State: state, Detail: detail})
	if state == StateFailed {
		p.Failed = step
	}
}

// Finish ends the run. A failure marks the running step (or the first
// pending one) as failed if the applier did not, and skips the rest.
func (p *Progress) Finish(err error, restored bool) {
	p.Running, p.Done = false, true
	if err == nil {
		return
	}
	p.Err = err.Error()
	p.Restored = restored
	if p.Failed == "" {
		for i := range p.Rows {
			if p.Rows[i].State == StateRunning || p.Rows[i].State == StatePending {
				p.Rows[i].State = StateFailed
				p.Failed = p.Rows[i].Step
				break
			}
		}
	}
	detail := p.Err
	for i := range p.Rows {
		switch {
		case p.Rows[i].Step == p.Failed:
			if p.Rows[i].Detail != "" {
				detail = p.Rows[i].Detail + "\n" + p.Err
			}
		case p.Rows[i].State == StatePending || p.Rows[i].State == StateRunning:
			p.Rows[i].State = StateSkipped
		}
	}
	if fx, ok := KnownFix(detail); ok {
		p.Fix = &fx
	}
}

// Fix is a known cure for a failure.
type Fix struct {
	Title string // "USB permissions"
	Text  string // what is wrong and what to do, in words
	// Command is a shell command that fixes it (needs root), to copy.
	Command string
	// Kind names the fix for an action the app can run: "usb-permissions",
	// "serial-permissions".
	Kind string
	// Rule is the udev rule line that gives access (usb-permissions).
	Rule string
	// Group is the group the driver's user must join (serial-permissions).
	Group string
}

var (
	usbPermRe = regexp.MustCompile(`(?i)insufficient permissions|LIBUSB_ERROR_ACCESS|Access denied \(insufficient permissions\)|permission denied.*(/dev/bus/usb|libusb)`)
	serPermRe = regexp.MustCompile(`(?i)(/dev/tty\S*).*permission denied|permission denied.*(/dev/tty\S*)|unable to open (/dev/tty\S*)`)
	usbIDRe   = regexp.MustCompile(`(?i)\b([0-9a-f]{4}):([0-9a-f]{4})\b`)
)

// LocalUdevRules is where the USB fix puts its rule (the admin's own
// rules directory, so a package update does not undo it).
const LocalUdevRules = "/etc/udev/rules.d/62-nutmeg-local.rules"

// CanRetry reports whether the wizard may go back from a failed apply to
// change the settings (everything was put back).
func (p *Progress) CanRetry() bool { return p != nil && p.Done && p.Err != "" }

// KnownFix recognises failures whose cure is known from a driver's message:
// USB and serial permission problems, the most common failure of a new
// setup (field-notes).
func KnownFix(msg string) (Fix, bool) {
	if usbPermRe.MatchString(msg) {
		fx := Fix{Kind: "usb-permissions", Title: "USB permissions",
			Text: "The driver may not open the UPS's USB device: its device node is not readable and writable by the user NUT's driver runs as. " +
				"A udev rule gives that access; after installing it, unplug and replug the UPS (or run the udevadm commands) and apply again."}
		rule := `SUBSYSTEM=="usb", ATTR{idVendor}=="%s", ATTR{idProduct}=="%s", MODE="0664", GROUP="nut", TAG+="uaccess"`
		if m := usbIDRe.FindStringSubmatch(msg); m != nil {
			rule = fmt.Sprintf(rule, strings.ToLower(m[1]), strings.ToLower(m[2]))
		} else {
			rule = `SUBSYSTEM=="usb", ENV{DEVTYPE}=="usb_device", ATTR{bInterfaceClass}=="03", MODE="0664", GROUP="nut", TAG+="uaccess"`
		}
		fx.Rule = rule
		fx.Command = fmt.Sprintf("echo '%s' | sudo tee %s && sudo udevadm control --reload && sudo udevadm trigger --subsystem-match=usb", rule, LocalUdevRules)
		return fx, true
	}
	if m := serPermRe.FindStringSubmatch(msg); m != nil {
		return Fix{Kind: "serial-permissions", Title: "Serial port permissions",
			Text:    "The driver may not open the serial port. Serial ports belong to the group dialout: add the user the driver runs as to it, log out and in again, and apply again.",
			Command: `sudo usermod -aG dialout "$USER"`, Group: "dialout"}, true
	}
	return Fix{}, false
}

// SimulatedDevContent is the dummy-ups data of the simulated UPS: a healthy
// UPS on mains power. The applier writes it as SimulatedDev into NUT's
// config dir when it is not there (the demo then rewrites it).
func SimulatedDevContent() string {
	return `# Nutmeg's simulated UPS (NUT dummy-ups). Edit a value and save: the
# driver reads this file again when it changes.
device.mfr: Nutmeg
device.model: Simulated UPS
device.type: ups
ups.mfr: Nutmeg
ups.model: Simulated UPS
ups.status: OL
ups.load: 23
battery.charge: 100
battery.charge.low: 20
battery.runtime: 1800
battery.runtime.low: 120
battery.voltage: 13.6
input.voltage: 230
input.frequency: 50
output.voltage: 230
`
}
