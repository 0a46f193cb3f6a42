package wizard

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/nutmeg-ups/nutmeg/hw/usb"
	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/conf"
	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
	"github.com/nutmeg-ups/nutmeg/nut/secret"
	"github.com/nutmeg-ups/nutmeg/nut/service"
	"github.com/nutmeg-ups/nutmeg/wizard/flow"
)

// serviceWorld is a user-mode Nutmeg service in a short temp dir (socket
// paths must fit in 108 bytes), started by the applier's Start hook the
// way the app starts it after a first setup.
type serviceWorld struct {
	state, settingsPath string
	store               *secret.Memory
	mu                  sync.Mutex
	cancel              context.CancelFunc
	done                chan error
}

func (sw *serviceWorld) start(ctx context.Context) error {
	s, err := nut.Load(sw.settingsPath)
	if err != nil {
		return err
	}
	if err := secret.Load(sw.store, &s); err != nil {
		return err
	}
	svc, err := service.New(service.Config{Settings: s, SettingsPath: sw.settingsPath, Secrets: sw.store,
		StateDir: sw.state, Listen: []string{"127.0.0.1"}, RestartMin: 500 * time.Millisecond, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	rctx, cancel := context.WithCancel(context.Background())
	sw.mu.Lock()
	sw.cancel, sw.done = cancel, make(chan error, 1)
	sw.mu.Unlock()
	go func() { sw.done <- svc.Run(rctx) }()
	return nil
}

func (sw *serviceWorld) stop() {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if sw.cancel != nil {
		sw.cancel()
		<-sw.done
		sw.cancel = nil
	}
}

// The simulated UPS, applied through the real user-mode service: the first
// apply proves dummy-ups and upsd once and starts the service; the Apply
// page then shows the live status. Reopened, the wizard keeps the stored
// password (nothing typed), and a change goes through the running service.
func TestApplySimulatedThroughService(t *testing.T) {
	nutlab.Require(t)
	lock := nutlab.LockUpsmon(t) // the service runs upsmon
	defer lock.Close()
	db := driverDB(t)
	state, err := os.MkdirTemp("", "nw")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(state) })
	sw := &serviceWorld{state: state, settingsPath: filepath.Join(state, "settings.json"), store: &secret.Memory{}}
	t.Cleanup(sw.stop)
	marker := filepath.Join(state, "shutdown-marker")
	port := strconv.Itoa(nutlab.FreePort(t))

	deps := Deps{
		Probe:        probeWith(db, usb.Static{}),
		Drivers:      db,
		ConfDir:      service.EtcDir(state),
		Applier:      ServiceApplier{StateDir: state, SettingsPath: sw.settingsPath, Options: service.ApplyOptions{Listen: []string{"127.0.0.1"}}, Start: sw.start},
		Status:       ReadStatus,
		Store:        sw.store,
		SettingsPath: sw.settingsPath,
		Render: func(s nut.Settings) (conf.Files, error) {
			return service.Render(s, state, []string{"127.0.0.1"}, "generated-by-the-service")
		},
	}
	StatusEvery = 200 * time.Millisecond

	w := open(t, deps, light())
	f := w.Flow()
	sim := -1
	for i, o := range f.Options() {
		if o.Source == flow.SourceSimulated {
			sim = i
		}
	}
	w.find.choices.SetSelected(w.find.titles[sim])
	if f.Source != flow.SourceSimulated || !enabled(w.nextBtn) {
		t.Fatalf("simulated UPS not chosen: %v", f.Source)
	}
	// the test's own port and a harmless shutdown command
	f.SetText("remoteport", port)
	f.SetText("shutdowncmd", "touch "+marker)
	test.Tap(w.nextBtn) // Next → Review
	if f.Page != flow.Review {
		t.Fatalf("page %v: %v", f.Page, f.Problems())
	}
	test.Tap(w.nextBtn) // Apply
	w.Wait()
	var pr flow.Progress
	w.Locked(func() { pr = *w.apply.progress })
	if pr.Err != "" {
		t.Fatalf("apply failed at %s: %s\n%+v", pr.Failed, pr.Err, pr.Rows)
	}
	waitFor(t, w, "the live status", func() bool { return strings.Contains(w.apply.status.Text, "On line power") })
	if _, err := os.Stat(filepath.Join(service.EtcDir(state), flow.SimulatedDev)); err != nil {
		t.Fatalf("simulated UPS data file: %v", err)
	}
	pw, err := sw.store.Get(secret.MonitorPassword)
	if err != nil || len(pw) < 20 {
		t.Fatalf("monitor password not stored: %v", err)
	}
	test.Tap(w.nextBtn) // Close
	if !w.Closed() {
		t.Fatal("Close did not close")
	}

	// Reopened: the saved UPS is chosen, the password field is empty and
	// not required; change the timer, apply through the running service.
	w2 := open(t, deps, light())
	f2 := w2.Flow()
	if f2.Source != flow.SourceSaved || f2.Required("monpwd") || !f2.Kept("monpwd") {
		t.Fatalf("reopened: source %v, password required %v kept %v", f2.Source, f2.Required("monpwd"), f2.Kept("monpwd"))
	}
	f2.Goto(flow.Shutdown)
	w2.showPage()
	w2.shutdown.timer.entry.SetText("")
	test.Type(w2.shutdown.timer.entry, "45")
	if !f2.Goto(flow.Review) {
		t.Fatalf("Review not reachable: %v", f2.Problems())
	}
	w2.showPage()
	// the Review compares with the files the running service wrote: only
	// what the change touches differs, nothing shows as removed
	changes := map[string]bool{}
	for _, ti := range w2.review.tabs.Items {
		changes[ti.Text] = true
	}
	if !changes["nut.conf (unchanged)"] || !changes["ups.conf (unchanged)"] || !changes["upsd.users (unchanged)"] {
		t.Fatalf("review against the running setup: %v", changes)
	}
	test.Tap(w2.nextBtn)
	w2.Wait()
	w2.Locked(func() { pr = *w2.apply.progress })
	if pr.Err != "" {
		t.Fatalf("second apply failed at %s: %s", pr.Failed, pr.Err)
	}
	waitFor(t, w2, "the live status after the change", func() bool { return strings.Contains(w2.apply.status.Text, "On line power") })
	if got, _ := sw.store.Get(secret.MonitorPassword); got != pw {
		t.Fatal("reopening changed the stored password")
	}
	saved, err := nut.Load(sw.settingsPath)
	if err != nil || saved.ShutdownTimer != 45 {
		t.Fatalf("saved timer %d (%v)", saved.ShutdownTimer, err)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the shutdown command ran")
	}
}

// A USB UPS that is not there: the real driver fails to start, the Apply
// page names the step and shows the driver's own words, and everything is
// put back: no settings file, no secrets, no NUT files.
func TestApplyFailureRestores(t *testing.T) {
	nutlab.Require(t)
	db := driverDB(t)
	state, err := os.MkdirTemp("", "nw")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(state) })
	store := &secret.Memory{}
	settingsPath := filepath.Join(state, "settings.json")
	started := 0
	usbNodes(t)
	deps := Deps{
		Probe:   probeWith(db, apcBus),
		Drivers: db,
		ConfDir: service.EtcDir(state),
		Applier: ServiceApplier{StateDir: state, SettingsPath: settingsPath, Options: service.ApplyOptions{Listen: []string{"127.0.0.1"}},
			Start: func(context.Context) error { started++; return nil }},
		Status:       ReadStatus,
		Store:        store,
		SettingsPath: settingsPath,
	}
	w := open(t, deps, light())
	w.flow.SetText("remoteport", strconv.Itoa(nutlab.FreePort(t)))
	test.Tap(w.nextBtn) // Review
	test.Tap(w.nextBtn) // Apply
	w.Wait()
	var pr flow.Progress
	var headline, failure string
	w.Locked(func() {
		pr = *w.apply.progress
		headline, failure = w.apply.headline.Text, w.apply.failure.Text
	})
	if pr.Err == "" || pr.Failed != flow.StepDriver {
		t.Fatalf("failed step %q (%s), want the driver: %+v", pr.Failed, pr.Err, pr.Rows)
	}
	if !strings.Contains(headline, T.Steps[flow.StepDriver]) {
		t.Errorf("headline %q does not name the step", headline)
	}
	// usbhid-ups's own message for a UPS it cannot find
	if !strings.Contains(failure, "No matching HID UPS found") || !strings.Contains(failure, T.Restored) {
		t.Errorf("failure text %q lacks the driver's words or the restore", failure)
	}
	if _, err := os.Stat(settingsPath); !os.IsNotExist(err) {
		t.Errorf("settings file left behind: %v", err)
	}
	if _, err := store.Get(secret.MonitorPassword); err == nil {
		t.Error("monitor password left in the keyring")
	}
	if ents, _ := os.ReadDir(service.EtcDir(state)); len(ents) > 0 {
		var names []string
		for _, e := range ents {
			if !e.IsDir() {
				names = append(names, e.Name())
			}
		}
		if len(names) > 0 {
			t.Errorf("NUT files left behind: %v", names)
		}
	}
	if w.Applied || !enabled(w.nextBtn) || started != 0 {
		t.Fatalf("a failed apply counts as applied (%v), Close is disabled, or the service was started (%d)", w.Applied, started)
	}

	// Back from the failure to change the setup: the simulated UPS works.
	if !w.backBtn.Visible() || !enabled(w.backBtn) {
		t.Fatal("no way back after a failed apply")
	}
	test.Tap(w.backBtn)
	if w.flow.Page != flow.Review {
		t.Fatalf("Back after the failure: page %v", w.flow.Page)
	}
	goTo(t, w, flow.Find)
	for i, o := range w.flow.Options() {
		if o.Source == flow.SourceSimulated {
			w.find.choices.SetSelected(w.find.titles[i])
		}
	}
	test.Tap(w.nextBtn) // Review
	test.Tap(w.nextBtn) // Apply
	w.Wait()
	w.Locked(func() { pr = *w.apply.progress })
	if pr.Err != "" || !w.Applied || started != 1 {
		t.Fatalf("retry with the simulated UPS: %s (applied %v, started %d)", pr.Err, w.Applied, started)
	}
	if s, err := nut.Load(settingsPath); err != nil || s.Driver != "dummy-ups" {
		t.Fatalf("saved after the retry: %+v %v", s, err)
	}
}

// Secondary mode against a real NUT server (a nutlab upsd playing the NAS):
// a wrong password fails at the status step and leaves nothing behind; the
// right one is proven by logging in, the service starts upsmon as a
// secondary, and the live status comes from the server.
func TestApplySecondaryAgainstServer(t *testing.T) {
	nutlab.Require(t)
	db := driverDB(t)
	lab := nutlab.New(t)
	lab.WriteBasic("nas", "nas.dev", "admin", "adminPw-1", filepath.Join(lab.Dir, "nas-marker"))
	lab.WriteFile("upsd.users", "[admin]\n\tpassword = \"adminPw-1\"\n\tupsmon primary\n[follower]\n\tpassword = \"followerPw-1\"\n\tupsmon secondary\n")
	lab.WriteDev("nas.dev", map[string]string{"ups.status": "OL", "battery.charge": "100", "ups.load": "10"})
	lab.StartDriver("dummy-ups", "nas")
	lab.StartUpsd()
	lab.WaitReady("nas", 20*time.Second)

	state, err := os.MkdirTemp("", "nw")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(state) })
	sw := &serviceWorld{state: state, settingsPath: filepath.Join(state, "settings.json"), store: &secret.Memory{}}
	t.Cleanup(sw.stop)
	marker := filepath.Join(state, "shutdown-marker")
	deps := Deps{
		Probe:        probeWith(db, usb.Static{}),
		Drivers:      db,
		ConfDir:      service.EtcDir(state),
		Applier:      ServiceApplier{StateDir: state, SettingsPath: sw.settingsPath, Start: sw.start},
		Status:       ReadStatus,
		Store:        sw.store,
		SettingsPath: sw.settingsPath,
	}
	StatusEvery = 200 * time.Millisecond
	lock := nutlab.LockUpsmon(t) // the service runs upsmon
	defer lock.Close()

	attempt := func(password string) (*Wizard, flow.Progress) {
		w := open(t, deps, light())
		for i, o := range w.flow.Options() {
			if o.Source == flow.SourceSecondary {
				w.find.choices.SetSelected(w.find.titles[i])
			}
		}
		test.Tap(w.nextBtn) // Driver: the server
		retype(w.driver.host.entry, "127.0.0.1")
		retype(w.driver.remotePort.entry, strconv.Itoa(lab.Port))
		test.Tap(w.nextBtn) // Access
		retype(w.access.identifier.entry, "nas")
		retype(w.access.monuser.entry, "follower")
		retype(w.access.monpwd.entry, password)
		test.Tap(w.nextBtn) // Shutdown
		retype(w.shutdown.command.entry, "touch "+marker)
		for w.flow.Page != flow.Review {
			if !enabled(w.nextBtn) {
				t.Fatalf("stuck on %v: %v", w.flow.Page, w.flow.Problems())
			}
			test.Tap(w.nextBtn)
		}
		test.Tap(w.nextBtn) // Apply
		w.Wait()
		var pr flow.Progress
		w.Locked(func() { pr = *w.apply.progress })
		return w, pr
	}

	w, pr := attempt("followerPw-1")
	if pr.Err != "" {
		t.Fatalf("apply failed at %s: %s", pr.Failed, pr.Err)
	}
	waitFor(t, w, "the server's live status", func() bool { return strings.Contains(w.apply.status.Text, "On line power") })
	s, err := nut.Load(sw.settingsPath)
	if err != nil || s.Mode != nut.ModeSecondary || s.RemoteHost != "127.0.0.1" || s.RemotePort != lab.Port || s.Identifier != "nas" {
		t.Fatalf("saved %+v (%v)", s, err)
	}
	if pw, _ := sw.store.Get(secret.MonitorPassword); pw != "followerPw-1" {
		t.Fatal("the server's password is not in the keyring")
	}
	if _, err := os.Stat(filepath.Join(service.EtcDir(state), "ups.conf")); err == nil {
		t.Fatal("a secondary got a ups.conf")
	}
	test.Tap(w.nextBtn) // Close
	sw.stop()

	// A wrong password for the server must fail the apply and put the
	// working setup back.
	before, _ := os.ReadFile(sw.settingsPath)
	w, pr = attempt("wrong-Password-1")
	if pr.Failed != flow.StepStatus {
		t.Fatalf("wrong password: failed at %q (%s)", pr.Failed, pr.Err)
	}
	after, _ := os.ReadFile(sw.settingsPath)
	if string(after) != string(before) {
		t.Fatal("a failed apply changed the settings file")
	}
	if got, _ := sw.store.Get(secret.MonitorPassword); got != "followerPw-1" {
		t.Fatal("a failed apply changed the keyring")
	}
}
