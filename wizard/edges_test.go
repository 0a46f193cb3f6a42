package wizard

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/nutmeg-ups/nutmeg/hw"
	"github.com/nutmeg-ups/nutmeg/hw/usb"
	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/notify"
	"github.com/nutmeg-ups/nutmeg/nut/notify/smtptest"
	"github.com/nutmeg-ups/nutmeg/nut/secret"
	"github.com/nutmeg-ups/nutmeg/wizard/flow"
)

// A hand-written NUT setup on this machine is offered for import; taking
// it fills the pages, its password goes to the keyring on apply, and its
// files are only read.
func TestImportExistingSetup(t *testing.T) {
	db := driverDB(t)
	e := newEnv(t)
	nutDir := filepath.Join(e.dir, "etc-nut")
	files := map[string]string{
		"nut.conf":    "MODE=netserver\n",
		"ups.conf":    "[office]\n\tdriver = blazer_ser\n\tport = /dev/ttyS0\n\tdesc = \"Office UPS\"\n",
		"upsd.conf":   "LISTEN 127.0.0.1 3493\n",
		"upsd.users":  "[monuser]\n\tpassword = oldSecret99\n\tupsmon master\n",
		"upsmon.conf": "MONITOR office@localhost 1 monuser oldSecret99 master\nSHUTDOWNCMD \"/sbin/shutdown -h +0\"\n",
	}
	if err := os.MkdirAll(nutDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for n, c := range files {
		if err := os.WriteFile(filepath.Join(nutDir, n), []byte(c), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	d := e.deps(t, db, &filesApplier{dir: e.confDir})
	d.ImportDir = nutDir
	w := open(t, d, light())
	idx := -1
	for i, o := range w.flow.Options() {
		if o.Source == flow.SourceImport {
			idx = i
		}
	}
	if idx < 0 {
		t.Fatalf("import not offered: %+v", w.flow.Found)
	}
	w.find.choices.SetSelected(w.find.titles[idx])
	test.Tap(w.nextBtn)
	if w.flow.Page != flow.Driver || w.driver.driver.entry.Text != "blazer_ser" || w.driver.portEntry.Text != "/dev/ttyS0" {
		t.Fatalf("page %v, driver %q port %q", w.flow.Page, w.driver.driver.entry.Text, w.driver.portEntry.Text)
	}
	if !w.flow.Goto(flow.Review) {
		t.Fatalf("imported settings cannot be applied: %v", w.flow.Problems())
	}
	w.showPage()
	test.Tap(w.nextBtn)
	w.Wait()
	if !w.Applied {
		t.Fatalf("apply: %+v", w.apply.progress)
	}
	if pw, _ := e.store.Get(secret.MonitorPassword); pw != "oldSecret99" {
		t.Fatal("the imported password did not reach the keyring")
	}
	s, err := nut.Load(e.settingsPath)
	if err != nil || s.Identifier != "office" || s.MonUser != "monuser" {
		t.Fatalf("saved %+v (%v)", s, err)
	}
	for n, c := range files {
		if b, _ := os.ReadFile(filepath.Join(nutDir, n)); string(b) != c {
			t.Errorf("%s was changed", n)
		}
	}
}

// "Test this driver" starts the real driver once (hw.Verify) on the chosen
// port and says what it read; a bad port gives the driver's own words.
func TestDriverTest(t *testing.T) {
	db := driverDB(t)
	e := newEnv(t)
	dev := filepath.Join(e.dir, "test.dev")
	// run as root, the driver drops to the user nut: it must reach the file
	for d := e.dir; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		os.Chmod(d, 0o755)
	}
	if err := os.WriteFile(dev, []byte("ups.status: OL\nbattery.charge: 88\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d := e.deps(t, db, &filesApplier{dir: e.confDir})
	d.Verify = func(ctx context.Context, sg hw.Suggestion) hw.Verification {
		return hw.Verify(ctx, db, sg, 15*time.Second)
	}
	w := open(t, d, light())
	goTo(t, w, flow.Driver)
	retype(w.driver.driver.entry, "dummy-ups")
	w.driver.portEntry.SetText(dev)
	w.driver.options.entry.SetText("")
	if !w.driver.test.Visible() || !enabled(w.driver.test) {
		t.Fatal("Test this driver not offered")
	}
	test.Tap(w.driver.test)
	w.Wait()
	var got string
	w.Locked(func() { got = w.driver.testResult.Text })
	if !strings.HasPrefix(got, T.TestOK) || !strings.Contains(got, "OL") {
		t.Fatalf("result %q", got)
	}
	w.driver.portEntry.SetText(filepath.Join(e.dir, "missing.dev"))
	test.Tap(w.driver.test)
	w.Wait()
	w.Locked(func() { got = w.driver.testResult.Text })
	if !strings.HasPrefix(got, T.TestFailed) || len(got) <= len(T.TestFailed)+5 {
		t.Fatalf("failure %q", got)
	}
}

// "Send test email" sends through a real SMTP server with what the page
// holds, the typed SMTP password included, and stores nothing.
func TestSendTestEmail(t *testing.T) {
	db := driverDB(t)
	srv := (&smtptest.Server{Mode: nut.TLSStartTLS, User: "ups", Pass: "smtp-Secret-1"}).Start(t)
	e := newEnv(t)
	d := e.deps(t, db, &filesApplier{dir: e.confDir})
	d.SendTestMail = func(ctx context.Context, s nut.Settings) error {
		cfg := notify.FromSettings(s, s.SMTP.Password)
		cfg.RootCAs = srv.Pool
		m, err := notify.NewMailer(cfg)
		if err != nil {
			return err
		}
		return m.SendTest(ctx)
	}
	w := open(t, d, light())
	goTo(t, w, flow.Notify)
	test.Tap(w.notify.email)
	p := w.notify
	retype(p.to.entry, "admin@example.com")
	retype(p.host.entry, srv.Host)
	retype(p.port.entry, strconv.Itoa(srv.Port))
	p.tls.SetSelected(nut.TLSStartTLS)
	retype(p.user.entry, "ups")
	retype(p.pass.entry, "smtp-Secret-1")
	retype(p.from.entry, "ups@example.com")
	if !enabled(p.send) {
		t.Fatalf("Send disabled: %v", w.flow.Problems())
	}
	test.Tap(p.send)
	w.Wait()
	var got string
	w.Locked(func() { got = p.result.Text })
	if got != T.TestSent {
		t.Fatalf("result %q", got)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || msgs[0].User != "ups" || msgs[0].Rcpt[0] != "admin@example.com" || !msgs[0].TLS {
		t.Fatalf("server got %+v", msgs)
	}
	if _, err := e.store.Get(secret.SMTPPassword); err == nil {
		t.Fatal("a test mail stored the password")
	}
	// a wrong password: the server's refusal is shown
	retype(p.pass.entry, "wrong-Secret-2")
	test.Tap(p.send)
	w.Wait()
	w.Locked(func() { got = p.result.Text })
	if got == T.TestSent || got == "" {
		t.Fatalf("wrong password: %q", got)
	}
}

// While the probe runs the Find page shows its progress and Next waits;
// Rescan finds a UPS plugged in meanwhile and preselects it.
func TestFindProgressAndRescan(t *testing.T) {
	db := driverDB(t)
	e := newEnv(t)
	d := e.deps(t, db, &filesApplier{dir: e.confDir})
	release := make(chan struct{})
	var bus usb.Static // empty at first: nothing plugged in
	d.Probe = func(ctx context.Context) (hw.Report, error) {
		<-release
		return probeWith(db, bus)(ctx)
	}
	app := test.NewTempApp(t)
	f, _ := Start(d)
	w := New(app, d, f)
	t.Cleanup(func() { w.close(); w.Wait() })
	var probing, bar, next bool
	w.Locked(func() { probing, bar, next = f.Probing, w.find.progress.Visible(), enabled(w.nextBtn) })
	if !probing || !bar || next {
		t.Fatalf("while probing: probing %v, progress shown %v, Next enabled %v", probing, bar, next)
	}
	close(release)
	w.Wait()
	if f.Source != flow.SourceNone || enabled(w.nextBtn) || !strings.Contains(w.find.devices.Text, T.NoDevices) {
		t.Fatalf("nothing found: source %v, devices %q", f.Source, w.find.devices.Text)
	}
	bus = apcBus
	test.Tap(w.find.rescan)
	w.Wait()
	if f.Source != flow.SourceDevice || !enabled(w.nextBtn) || !strings.Contains(w.find.devices.Text, "APC Back-UPS ES 700") {
		t.Fatalf("after rescan: source %v, devices %q", f.Source, w.find.devices.Text)
	}
}

// A failure with a known cure shows it with the command to copy and, where
// the app can run it, a button that hands the structured fix over (the
// udev rule for this UPS's ID; the administrator's consent is the caller's).
func TestFixShown(t *testing.T) {
	db := driverDB(t)
	e := newEnv(t)
	d := e.deps(t, db, &filesApplier{dir: e.confDir})
	var got []flow.Fix
	d.RunFix = func(ctx context.Context, fx flow.Fix) error { got = append(got, fx); return nil }
	w := open(t, d, light())
	w.flow.Next()
	w.flow.Next()
	w.showPage()
	// what usbhid-ups 2.8.0 says when it may not open the device
	msg := "driver exited while starting (exit status 1): Can't claim USB device [051d:0002]@1/4: Access denied (insufficient permissions) | libusb1: Could not open any HID devices: insufficient permissions on everything"
	w.Locked(func() {
		w.apply.progress = flow.NewProgress(w.flow.ApplySteps())
		w.apply.progress.Update(flow.StepDriver, flow.StateFailed, msg)
		w.apply.progress.Finish(errors.New("start NUT: "+msg), true)
		w.apply.show()
		w.changed()
	})
	if !w.apply.fixBox.Visible() || !strings.Contains(w.apply.fixText.Text, `ATTR{idVendor}=="051d"`) || !w.apply.fixBtn.Visible() {
		t.Fatalf("fix not shown: %q", w.apply.fixText.Text)
	}
	test.Tap(w.apply.fixBtn)
	w.Wait()
	if len(got) != 1 || got[0].Kind != "usb-permissions" || !strings.Contains(got[0].Rule, `ATTR{idProduct}=="0002"`) {
		t.Fatalf("fix handed over: %+v", got)
	}
	if w.apply.fixNote.Text != T.Fixed {
		t.Fatalf("note %q", w.apply.fixNote.Text)
	}
}
