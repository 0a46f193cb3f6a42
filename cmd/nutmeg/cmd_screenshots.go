//go:build !nogui

package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/nutmeg-ups/nutmeg/gui/icon"
	"github.com/nutmeg-ups/nutmeg/gui/window"
	"github.com/nutmeg-ups/nutmeg/hw"
	"github.com/nutmeg-ups/nutmeg/hw/driverdb"
	"github.com/nutmeg-ups/nutmeg/hw/usb"
	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/client"
	"github.com/nutmeg-ups/nutmeg/nut/secret"
	"github.com/nutmeg-ups/nutmeg/nut/service"
	"github.com/nutmeg-ups/nutmeg/wizard"
	"github.com/nutmeg-ups/nutmeg/wizard/flow"
)

func runScreenshots(fs *flag.FlagSet, args []string, e *env) error {
	out := fs.String("out", "", "write the PNG files under `DIR` (wizard/, window/, tray/)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return badInputf("--out is required")
	}
	tmp, err := os.MkdirTemp("", "nutmeg-shots")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	d, err := screenshotDeps(tmp)
	if err != nil {
		return err
	}
	// Fyne's test driver wants its calls off the main goroutine (it runs
	// fyne.Do inline and warns when that is the main one).
	var files []string
	done := make(chan error, 1)
	go func() {
		var err error
		files, err = shoot(*out, d)
		done <- err
	}()
	if err := <-done; err != nil {
		return err
	}
	for _, f := range files {
		fmt.Fprintln(e.stdout, f)
	}
	return nil
}

func shoot(out string, d wizard.Deps) ([]string, error) {
	files, err := wizard.Screenshots(filepath.Join(out, "wizard"), d)
	if err != nil {
		return nil, fmt.Errorf("wizard pages: %w", err)
	}
	more, err := windowShots(filepath.Join(out, "window"))
	if err != nil {
		return nil, fmt.Errorf("status window: %w", err)
	}
	files = append(files, more...)
	more, err = officeShots(filepath.Join(out, "office"), d)
	if err != nil {
		return nil, fmt.Errorf("small office: %w", err)
	}
	files = append(files, more...)
	more, err = trayShots(filepath.Join(out, "tray"))
	if err != nil {
		return nil, fmt.Errorf("tray icons: %w", err)
	}
	return append(files, more...), nil
}

// demoUPS is the UPS the pictures show: an APC Back-UPS on USB, as libusb
// would list it. Nothing on this machine is probed or changed.
var demoUPS = usb.Static{{Bus: 1, Address: 4, Path: "1-2", Vendor: 0x051d, Product: 0x0002, HID: true,
	Interfaces: []uint8{usb.ClassHID}, Manufacturer: "American Power Conversion", ProductName: "Back-UPS ES 700 FW:811.z3 .D USB FW:z3"}}

// demoVars is what the demo UPS reports on the Apply page.
var demoVars = map[string]string{"ups.status": "OL CHRG", "battery.charge": "97", "battery.runtime": "1740", "ups.load": "23",
	"input.voltage": "230", "output.voltage": "230", "ups.mfr": "American Power Conversion", "ups.model": "Back-UPS ES 700"}

// screenshotDeps run the real probe on demoUPS and the real driver list;
// settings, keyring and NUT files stay in tmp and in memory, and the Apply
// page shows what a successful setup shows, with nothing installed.
func screenshotDeps(tmp string) (wizard.Deps, error) {
	db, err := driverdb.Load(driverdb.Paths{})
	if err != nil {
		db = driverdb.Builtin()
	}
	nodes := filepath.Join(tmp, "usb")
	node := filepath.Join(nodes, "001", "004")
	if err := os.MkdirAll(filepath.Dir(node), 0o755); err != nil {
		return wizard.Deps{}, err
	}
	if err := os.WriteFile(node, nil, 0o666); err != nil {
		return wizard.Deps{}, err
	}
	_ = os.Chmod(node, 0o666) // as a udev rule would leave it: the driver may open it
	// The pictures show the demo UPS's driver as installed even where NUT
	// is not (Windows, a machine without nut-server): a stand-in file.
	if ok, _ := nut.DriverAvailable("usbhid-ups"); !ok {
		nut.DriverDir = filepath.Join(tmp, "drivers")
		if err := os.MkdirAll(nut.DriverDir, 0o755); err != nil {
			return wizard.Deps{}, err
		}
		if err := os.WriteFile(nut.DriverPath("usbhid-ups"), nil, 0o755); err != nil {
			return wizard.Deps{}, err
		}
	}
	return wizard.Deps{
		Probe: func(ctx context.Context) (hw.Report, error) {
			return hw.Probe(ctx, hw.Options{DB: db, USB: demoUPS, NoSerial: true, USBNodeDir: nodes,
				OptionChecker: func(string, string) bool { return true }})
		},
		Drivers:     db,
		SerialPorts: func() []string { return []string{"/dev/ttyS0", "/dev/ttyUSB0"} },
		ConfDir:     filepath.Join(tmp, "etc"),
		Applier:     pictureApplier{},
		Status: func(ctx context.Context, s nut.Settings) (client.Status, error) {
			return client.NewStatus(s.Identifier, demoVars, time.Now()), nil
		},
		Store:        &secret.Memory{},
		SettingsPath: filepath.Join(tmp, "settings.json"),
		Hostname:     "office-pc",
	}, nil
}

// pictureApplier reports every step done and installs nothing: the Apply
// page as it looks after a successful setup.
type pictureApplier struct{}

func (pictureApplier) Apply(ctx context.Context, s nut.Settings, progress func(step, state, detail string)) error {
	for _, st := range []string{flow.StepWrite, flow.StepDriver, flow.StepUpsd, flow.StepUpsmon, flow.StepStatus} {
		progress(st, flow.StateDone, "")
	}
	return nil
}

// windowShots draws each tab of the status window during a power failure,
// light and dark.
func windowShots(dir string) ([]string, error) {
	now := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)
	vars := map[string]string{"ups.status": "OB DISCHRG", "battery.charge": "64", "battery.runtime": "660", "ups.load": "23",
		"input.voltage": "0", "output.voltage": "230", "input.frequency": "50", "ups.mfr": "American Power Conversion", "ups.model": "Back-UPS ES 700"}
	st := client.NewStatus("ups", vars, now)
	var hist []api.Sample
	for i := 0; i < 60; i++ {
		charge, load := 100.0, 20+float64(i%7)
		if i >= 50 {
			charge = float64(100 - 4*(i-50))
		}
		t := now.Add(time.Duration(i-60) * time.Minute)
		hist = append(hist, demoSample(t, charge, load))
	}
	s := nut.Defaults()
	s.Driver, s.Port, s.Description = "usbhid-ups", "auto", "APC Back-UPS ES 700"
	s.MonPwd, s.RemotePwd = "", ""
	snap := window.Snapshot{
		Linked: true,
		State: api.State{UPS: "ups", Mode: nut.ModePrimary, Shutdown: nut.ShutdownBatt, Connected: true, Status: &st,
			Countdown: &api.Countdown{Reason: "ONBATT", Started: now.Add(-18 * time.Second), ShutdownAt: now.Add(12 * time.Second),
				CanPostpone: true, PostponeStep: 300},
			Commands: []string{"test.battery.start.quick", "beeper.toggle"}},
		Events: []api.Event{
			{Time: now.Add(-18 * time.Second), Name: "ONBATT", UPS: "ups", Message: "UPS ups is on battery"},
			{Time: now.Add(-18 * time.Second), Name: "COUNTDOWN", UPS: "ups", Message: "Shutdown countdown started: the computer shuts down at 12:00:12"},
		},
		History:  hist,
		Settings: &s,
		Now:      now,
	}
	var out []string
	for _, variant := range []string{"light", "dark"} {
		a := test.NewApp()
		a.Settings().SetTheme(wizard.ThemeVariant(wizard.Variants[variant]))
		for _, tab := range window.Tabs {
			snap.Tab = tab
			img := window.Render(a, snap, fyne.NewSize(640, 520))
			p := filepath.Join(dir, variant, strings.ToLower(tab)+".png")
			if err := writeFile(p, icon.PNG(img)); err != nil {
				return out, err
			}
			out = append(out, p)
		}
	}
	return out, nil
}

func demoSample(t time.Time, charge, load float64) api.Sample {
	st := client.NewStatus("ups", map[string]string{"ups.status": "OL", "battery.charge": fmt.Sprint(charge), "ups.load": fmt.Sprint(load)}, t)
	return service.SampleOf(st)
}

// trayShots draws the tray icon in each state at the sizes panels use.
func trayShots(dir string) ([]string, error) {
	states := []struct {
		name string
		s    icon.State
	}{
		{"online-charging", icon.State{Level: icon.Normal, Charge: 80, Online: true, Charging: true}},
		{"online-full", icon.State{Level: icon.Normal, Charge: 100, Online: true}},
		{"on-battery", icon.State{Level: icon.OnBattery, Charge: 64}},
		{"low-battery", icon.State{Level: icon.LowBattery, Charge: 12}},
		{"unreachable", icon.State{Level: icon.Unreachable, Charge: -1}},
		{"charge-unknown", icon.State{Level: icon.Normal, Charge: -1, Online: true}},
	}
	var out []string
	for _, st := range states {
		for _, size := range []int{22, 32, 64} {
			p := filepath.Join(dir, fmt.Sprintf("%s-%d.png", st.name, size))
			if err := writeFile(p, icon.PNG(icon.Draw(st.s, size))); err != nil {
				return out, err
			}
			out = append(out, p)
		}
	}
	return out, nil
}

func writeFile(p string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, b, 0o644)
}
