package wizard

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/nutmeg-ups/nutmeg/hw"
	"github.com/nutmeg-ups/nutmeg/hw/driverdb"
	"github.com/nutmeg-ups/nutmeg/hw/usb"
	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/conf"
	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
	"github.com/nutmeg-ups/nutmeg/nut/secret"
	"github.com/nutmeg-ups/nutmeg/wizard/flow"
)

// apcBus is the hardware edge: one APC Back-UPS on USB, as libusb lists it.
var apcBus = usb.Static{{Bus: 1, Address: 4, Path: "1-2", Vendor: 0x051d, Product: 0x0002, HID: true, Class: 0,
	Interfaces: []uint8{usb.ClassHID}, Manufacturer: "American Power Conversion", ProductName: "Back-UPS ES 700 FW:811.z3 .D USB FW:z3",
	Serial: "4B1234P12345"}}

func driverDB(t testing.TB) *driverdb.DB {
	t.Helper()
	nutlab.Require(t)
	db, err := driverdb.Load(driverdb.Paths{})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// probeWith runs the real probe on a fake USB bus and no serial ports.
func probeWith(db *driverdb.DB, bus usb.Bus) func(context.Context) (hw.Report, error) {
	return func(ctx context.Context) (hw.Report, error) {
		return hw.Probe(ctx, hw.Options{DB: db, USB: bus, NoSerial: true,
			PasswdFile: "testdata/passwd", GroupFile: "testdata/group", USBNodeDir: "testdata/usbnodes",
			OptionChecker: func(string, string) bool { return true }})
	}
}

// usbNodes makes the usbfs node of apcBus's UPS, readable by the user nut
// of testdata/passwd as NUT's udev rules make it. The path is fixed so that
// what the probe says about it is the same in every run.
func usbNodes(t testing.TB) {
	t.Helper()
	node := filepath.Join("testdata", "usbnodes", "001", "004")
	if err := os.MkdirAll(filepath.Dir(node), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(node, nil, 0o664); err != nil {
		t.Fatal(err)
	}
	_ = os.Chmod(node, 0o664)
	_ = os.Chown(node, os.Getuid(), 105) // the group nut of testdata/group; fails harmlessly when not root
}

// env is one wizard's world: a temp settings file, keyring, NUT dir.
type env struct {
	dir          string
	settingsPath string
	confDir      string
	store        *secret.Memory
}

func newEnv(t *testing.T) *env {
	d := t.TempDir()
	e := &env{dir: d, settingsPath: filepath.Join(d, "config", "settings.json"), confDir: filepath.Join(d, "etc"), store: &secret.Memory{}}
	if err := os.MkdirAll(e.confDir, 0o700); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) deps(t testing.TB, db *driverdb.DB, a Applier) Deps {
	usbNodes(t)
	return Deps{
		Probe:       probeWith(db, apcBus),
		Drivers:     db,
		SerialPorts: func() []string { return []string{"/dev/ttyS0", "/dev/ttyUSB0"} },
		ConfDir:     e.confDir,
		Render: func(s nut.Settings) (conf.Files, error) {
			return conf.Render(s, conf.Options{StateDir: filepath.Join(e.dir, "run")})
		},
		Applier:      a,
		Store:        e.store,
		SettingsPath: e.settingsPath,
		Hostname:     "office-pc",
	}
}

// open starts a wizard in a fresh test app with Fyne's default theme held
// at variant, and waits for the probe.
func open(t *testing.T, d Deps, variant fyne.ThemeVariant) *Wizard {
	t.Helper()
	app := sharedApp(variant)
	f, err := Start(d)
	if err != nil {
		t.Fatal(err)
	}
	w := New(app, d, f)
	t.Cleanup(func() {
		if !w.Closed() {
			w.close()
		}
		w.Wait()
	})
	w.Wait()
	return w
}

// apps holds one test app per theme variant, shared by the tests of this
// package (they run one at a time). A fresh test app, and every theme
// change, empties Fyne's text-measure cache, and measuring the wizard's
// texts again (shaping, word wrap) was most of each test's time, ten times
// over under -race. Each test still gets its own wizard, window, settings
// file, keyring and NUT dir: the app holds no state a test looks at.
var apps = map[fyne.ThemeVariant]fyne.App{}

// sharedApp makes variant's app the current one.
func sharedApp(variant fyne.ThemeVariant) fyne.App {
	app, ok := apps[variant]
	if !ok {
		app = test.NewApp()
		app.Settings().SetTheme(ThemeVariant(variant))
		apps[variant] = app
	}
	fyne.SetCurrentApp(app)
	return app
}

func light() fyne.ThemeVariant { return theme.VariantLight }

// filesApplier installs the rendered files into dir the way the service
// does (conf.Render, conf.Install) and stops there: the USB UPS of these
// tests is not really attached, so no driver could start.
type filesApplier struct {
	dir   string
	calls int
	got   nut.Settings
}

func (a *filesApplier) Apply(ctx context.Context, s nut.Settings, progress func(step, state, detail string)) error {
	a.calls++
	a.got = s
	progress(flow.StepWrite, flow.StateRunning, "")
	files, err := conf.Render(s, conf.Options{})
	if err == nil {
		err = conf.Install(a.dir, files, conf.User)
	}
	if err != nil {
		progress(flow.StepWrite, flow.StateFailed, err.Error())
		return err
	}
	progress(flow.StepWrite, flow.StateDone, "")
	for _, st := range []string{flow.StepDriver, flow.StepUpsd, flow.StepUpsmon, flow.StepStatus} {
		progress(st, flow.StateSkipped, "not started in this test")
	}
	return nil
}

// waitFor polls cond (under the wizard's lock) until it holds.
func waitFor(t *testing.T, w *Wizard, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ok := false
		w.Locked(func() { ok = cond() })
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func enabled(b *widget.Button) bool { return !b.Disabled() }
