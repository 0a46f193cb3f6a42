package wizard

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/conf"
	"github.com/nutmeg-ups/nutmeg/nut/secret"
	"github.com/nutmeg-ups/nutmeg/wizard/flow"
)

// A recognised USB UPS: Next, Apply, Close — three taps, nothing typed —
// and the settings, keyring and NUT files are the expected ones.
func TestHappyPathThreeClicks(t *testing.T) {
	db := driverDB(t)
	e := newEnv(t)
	a := &filesApplier{dir: e.confDir}
	w := open(t, e.deps(t, db, a), light())

	taps := 0
	f := w.Flow()
	if f.Source != flow.SourceDevice || !f.Quick {
		t.Fatalf("probe result not preselected: source %v quick %v options %+v", f.Source, f.Quick, f.Options())
	}
	if !enabled(w.nextBtn) {
		t.Fatalf("Next disabled on Find: %v", f.Problems())
	}
	taps++
	test.Tap(w.nextBtn)
	if f.Page != flow.Review {
		t.Fatalf("after Next: page %v, want review", f.Page)
	}
	if w.nextBtn.Text != T.Apply || !enabled(w.nextBtn) {
		t.Fatalf("Review's button %q enabled=%v", w.nextBtn.Text, enabled(w.nextBtn))
	}
	taps++
	test.Tap(w.nextBtn)
	w.Wait()
	var done bool
	w.Locked(func() { done = w.apply.progress.Done && w.apply.progress.Err == "" })
	if !done {
		t.Fatalf("apply did not succeed: %+v", w.apply.progress)
	}
	taps++
	test.Tap(w.nextBtn)
	if !w.Closed() || !w.Applied || taps != 3 {
		t.Fatalf("closed %v applied %v after %d taps", w.Closed(), w.Applied, taps)
	}

	// The settings file: the suggestion, everything else the defaults.
	got, err := nut.Load(e.settingsPath)
	if err != nil {
		t.Fatal(err)
	}
	want := nut.Defaults()
	want.MonPwd, want.RemotePwd = "", ""
	want.Driver, want.Port = "usbhid-ups", "auto"
	want.DriverOptions = map[string]string{"vendorid": "051d", "productid": "0002", "serial": "4B1234P12345"}
	want.Description = "APC Back-UPS ES 700"
	wj, _ := json.MarshalIndent(want, "", " ")
	gj, _ := json.MarshalIndent(got, "", " ")
	if string(wj) != string(gj) {
		t.Fatalf("saved settings:\n%s\nwant:\n%s", gj, wj)
	}
	raw, _ := os.ReadFile(e.settingsPath)
	pw, err := e.store.Get(secret.MonitorPassword)
	if err != nil || len(pw) < 20 {
		t.Fatalf("monitor password not in the keyring (%v, %d chars)", err, len(pw))
	}
	if strings.Contains(string(raw), pw) {
		t.Fatal("the settings file holds the monitor password")
	}
	if a.calls != 1 || a.got.MonPwd != pw {
		t.Fatalf("applier called %d times, with the keyring's password: %v", a.calls, a.got.MonPwd == pw)
	}
	// The files: ups.conf drives the APC with usbhid-ups; upsmon logs in
	// with the keyring's password.
	ups, _ := os.ReadFile(filepath.Join(e.confDir, "ups.conf"))
	mon, _ := os.ReadFile(filepath.Join(e.confDir, "upsmon.conf"))
	for _, s := range []string{"[ups]", `driver = "usbhid-ups"`, `port = "auto"`, `vendorid = "051d"`} {
		if !strings.Contains(string(ups), s) {
			t.Errorf("ups.conf lacks %s:\n%s", s, ups)
		}
	}
	lines, err := conf.Parse(string(mon))
	if err != nil {
		t.Fatal(err)
	}
	logsIn := false
	for _, l := range lines {
		if l.Args[0] == "MONITOR" && len(l.Args) >= 5 && l.Args[4] == pw && l.Args[3] == "upsmon" {
			logsIn = true
		}
	}
	if !logsIn {
		t.Error("upsmon.conf's MONITOR line does not carry the keyring's password (as NUT reads it)")
	}
}

// Where the machine cannot run NUT (Windows without NUT for Windows), the
// wizard opens on "a UPS on another machine", even with a recognised USB
// UPS attached: its server page comes next.
func TestNoLocalNUTStartsOnSecondary(t *testing.T) {
	db := driverDB(t)
	e := newEnv(t)
	d := e.deps(t, db, &filesApplier{dir: e.confDir})
	d.NoLocalNUT = true
	w := open(t, d, light())
	f := w.Flow()
	if f.Source != flow.SourceSecondary || f.Settings.Mode != nut.ModeSecondary {
		t.Fatalf("source %v, mode %q", f.Source, f.Settings.Mode)
	}
	if !strings.Contains(w.find.devices.Text, "APC Back-UPS ES 700") {
		t.Fatalf("the USB UPS is no longer listed: %q", w.find.devices.Text)
	}
}
