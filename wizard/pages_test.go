package wizard

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/secret"
	"github.com/nutmeg-ups/nutmeg/wizard/flow"
)

// goTo shows page p of a wizard whose probe chose the APC.
func goTo(t *testing.T, w *Wizard, p flow.Page) {
	t.Helper()
	if !w.flow.Goto(p) {
		t.Fatalf("cannot go to %v: %v", p, w.flow.Problems())
	}
	w.showPage()
}

// retype replaces an entry's text by typing, as a user would after
// selecting all.
func retype(e *entry, text string) {
	e.SetText("")
	test.Type(e, text)
}

// Each page: a bad value shows its rule under the field and keeps Next
// (and Apply) disabled; fixing it clears the rule and enables Next.
func TestPageValidation(t *testing.T) {
	db := driverDB(t)
	tests := []struct {
		page     flow.Page
		row      func(w *Wizard) *row
		prepare  func(w *Wizard)
		bad, fix string
		rule     string
	}{
		{flow.Driver, func(w *Wizard) *row { return w.driver.driver }, nil, "no-such-driver", "usbhid-ups", "must be a driver that NUT on this machine provides"},
		{flow.Driver, func(w *Wizard) *row { return w.driver.options }, nil, "vendor id = 051d", "vendorid = 051d", `"name = value"`},
		{flow.Access, func(w *Wizard) *row { return w.access.identifier }, nil, "my ups", "my-ups", `may contain only ASCII letters`},
		{flow.Access, func(w *Wizard) *row { return w.access.monuser }, nil, "mon user", "monuser", "must not contain spaces"},
		{flow.Access, func(w *Wizard) *row { return w.access.monpwd }, nil, "pass=word", "pass-word-ok-123", `must not contain "="`},
		{flow.Access, func(w *Wizard) *row { return w.access.extrausers }, nil, "password = x", "[admin]\npassword = x", "user"},
		{flow.Shutdown, func(w *Wizard) *row { return w.shutdown.timer }, nil, "soon", "60", "whole number of seconds"},
		{flow.Shutdown, func(w *Wizard) *row { return w.shutdown.timer }, nil, "100000", "60", "from 0 to 86400"},
		{flow.Shutdown, func(w *Wizard) *row { return w.shutdown.step }, nil, "0", "300", "from 1 to 86400"},
		{flow.Notify, func(w *Wizard) *row { return w.notify.to }, func(w *Wizard) {
			test.Tap(w.notify.email)
			retype(w.notify.to.entry, "admin@example.com")
			retype(w.notify.host.entry, "mail.example.com")
			retype(w.notify.from.entry, "ups@example.com")
		}, "admin at example", "admin@example.com", "must be a plain email address"},
		{flow.Notify, func(w *Wizard) *row { return w.notify.port }, func(w *Wizard) {
			test.Tap(w.notify.email)
			retype(w.notify.to.entry, "admin@example.com")
			retype(w.notify.host.entry, "mail.example.com")
			retype(w.notify.from.entry, "ups@example.com")
		}, "70000", "587", "port number from 1 to 65535"},
		{flow.Advanced, func(w *Wizard) *row { return w.advanced.hostsync }, nil, "-5", "15", "0 or more seconds"},
		{flow.Advanced, func(w *Wizard) *row { return w.advanced.options }, nil, "[other]", "pollinterval = 5", "section"},
		{flow.Advanced, func(w *Wizard) *row { return w.advanced.optionsupsd }, nil, `MAXAGE "15`, "MAXAGE 20", ""},
		{flow.Advanced, func(w *Wizard) *row { return w.advanced.listen }, nil, "0", "3493", "port number"},
	}
	for _, tc := range tests {
		t.Run(tc.page.String()+"/"+tc.bad, func(t *testing.T) {
			e := newEnv(t)
			w := open(t, e.deps(t, db, &filesApplier{dir: e.confDir}), light())
			goTo(t, w, tc.page)
			if tc.prepare != nil {
				tc.prepare(w)
			}
			if !enabled(w.nextBtn) {
				t.Fatalf("Next disabled before the bad value: %v", w.flow.Problems())
			}
			r := tc.row(w)
			retype(r.entry, tc.bad)
			if !r.rule.Visible() || !strings.Contains(r.rule.Text, tc.rule) {
				t.Fatalf("rule shown %v %q, want one containing %q", r.rule.Visible(), r.rule.Text, tc.rule)
			}
			if enabled(w.nextBtn) || w.flow.CanApply() || enabled(w.stepBtns[flow.Review]) {
				t.Fatal("Next, Apply or the Review step enabled with a bad value")
			}
			retype(r.entry, tc.fix)
			if r.rule.Visible() {
				t.Fatalf("rule still shown after the fix: %q", r.rule.Text)
			}
			if !enabled(w.nextBtn) {
				t.Fatalf("Next still disabled after the fix: %v", w.flow.Problems())
			}
		})
	}
}

// state is everything Cancel must leave alone.
type state struct {
	files   map[string][]byte
	secrets map[string]string
}

func snapshotState(t *testing.T, e *env) state {
	t.Helper()
	st := state{files: map[string][]byte{}, secrets: map[string]string{}}
	filepath.Walk(e.dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			b, _ := os.ReadFile(p)
			st.files[p] = b
		}
		return nil
	})
	for _, k := range []string{secret.MonitorPassword, secret.RemotePassword, secret.SMTPPassword} {
		if v, err := e.store.Get(k); err == nil {
			st.secrets[k] = v
		}
	}
	return st
}

func (a state) equal(b state) bool {
	if len(a.files) != len(b.files) || len(a.secrets) != len(b.secrets) {
		return false
	}
	for k, v := range a.files {
		if w, ok := b.files[k]; !ok || !bytes.Equal(v, w) {
			return false
		}
	}
	for k, v := range a.secrets {
		if b.secrets[k] != v {
			return false
		}
	}
	return true
}

func (a state) names() []string {
	var out []string
	for k := range a.files {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Cancel on every page, after changing something there, writes nothing:
// not the settings file, not the keyring, not NUT's files. Both on a first
// setup and on a reopened one; by the button, by Escape in a field and by
// closing the window.
func TestCancelWritesNothing(t *testing.T) {
	db := driverDB(t)
	edits := map[flow.Page]func(w *Wizard){
		flow.Find:     func(w *Wizard) { w.find.choices.SetSelected(w.find.titles[len(w.find.titles)-1]) },
		flow.Driver:   func(w *Wizard) { retype(w.driver.driver.entry, "nutdrv_qx") },
		flow.Access:   func(w *Wizard) { retype(w.access.monpwd.entry, "typed-Password-1"); test.Tap(w.access.rmonitor) },
		flow.Shutdown: func(w *Wizard) { retype(w.shutdown.timer.entry, "120") },
		flow.Notify: func(w *Wizard) {
			test.Tap(w.notify.email)
			retype(w.notify.pass.entry, "smtp-Secret-1")
		},
		flow.Advanced: func(w *Wizard) { retype(w.advanced.hostsync.entry, "30") },
		flow.Review:   func(w *Wizard) {},
	}
	type how int
	const (
		button how = iota
		escape
		closeWindow
	)
	for _, reopened := range []bool{false, true} {
		for _, p := range []flow.Page{flow.Find, flow.Driver, flow.Access, flow.Shutdown, flow.Notify, flow.Advanced, flow.Review} {
			hows := []how{button}
			// Escape and closing the window reach the same onCancel; a few
			// pages each are enough to show it
			switch {
			case !reopened && (p == flow.Access || p == flow.Shutdown):
				hows = append(hows, escape)
			case reopened && (p == flow.Driver || p == flow.Review):
				hows = append(hows, closeWindow)
			}
			for _, h := range hows {
				name := p.String() + map[how]string{button: "/button", escape: "/escape", closeWindow: "/close"}[h]
				if reopened {
					name = "reopened/" + name
				}
				t.Run(name, func(t *testing.T) {
					e := newEnv(t)
					if reopened {
						s := nut.Defaults()
						s.Driver, s.Port = "usbhid-ups", "auto"
						if err := nut.Save(e.settingsPath, s); err != nil {
							t.Fatal(err)
						}
						if err := secret.Save(e.store, s); err != nil {
							t.Fatal(err)
						}
						if err := os.WriteFile(filepath.Join(e.confDir, "ups.conf"), []byte("# Written by Nutmeg\n[ups]\n\tdriver = usbhid-ups\n\tport = auto\n"), 0o600); err != nil {
							t.Fatal(err)
						}
					}
					before := snapshotState(t, e)
					w := open(t, e.deps(t, db, &filesApplier{dir: e.confDir}), light())
					if p != flow.Find {
						goTo(t, w, p)
					}
					edits[p](w)
					switch h {
					case button:
						test.Tap(w.cancelBtn)
					case escape:
						// Escape in a focused field cancels too
						f := w.shutdown.timer.entry
						if p == flow.Access {
							f = w.access.identifier.entry
						}
						w.win.Canvas().Focus(f)
						f.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
					case closeWindow:
						w.win.Close()
					}
					w.Wait()
					if !w.Closed() || w.Applied {
						t.Fatalf("closed %v applied %v", w.Closed(), w.Applied)
					}
					after := snapshotState(t, e)
					if !after.equal(before) {
						t.Fatalf("cancel changed the world:\nbefore %v\nafter  %v", before.names(), after.names())
					}
				})
			}
		}
	}
}

// Secondary mode: the Driver page asks for the NUT server and requires it;
// the primary-only fields are hidden everywhere; the files are nut.conf and
// upsmon.conf only.
func TestSecondaryMode(t *testing.T) {
	db := driverDB(t)
	e := newEnv(t)
	w := open(t, e.deps(t, db, &filesApplier{dir: e.confDir}), light())
	f := w.flow
	for i, o := range f.Options() {
		if o.Source == flow.SourceSecondary {
			w.find.choices.SetSelected(w.find.titles[i])
		}
	}
	if f.Settings.Mode != nut.ModeSecondary {
		t.Fatal("secondary not chosen")
	}
	test.Tap(w.nextBtn)
	if f.Page != flow.Driver || w.driver.primary.Visible() || !w.driver.secondary.Visible() {
		t.Fatalf("page %v: driver fields visible %v, server fields %v", f.Page, w.driver.primary.Visible(), w.driver.secondary.Visible())
	}
	if enabled(w.nextBtn) || !w.driver.host.rule.Visible() || !strings.Contains(w.driver.host.rule.Text, "required in secondary mode") {
		t.Fatalf("missing server not reported: next %v rule %q", enabled(w.nextBtn), w.driver.host.rule.Text)
	}
	retype(w.driver.host.entry, "nas.local")
	if !enabled(w.nextBtn) {
		t.Fatalf("Next disabled with a server: %v", f.Problems())
	}
	test.Tap(w.nextBtn) // Access
	hidden := map[string]*row{"extrausers": w.access.extrausers, "rmonitor": w.access.rmonitorRow}
	for k, r := range hidden {
		if r.box.Visible() {
			t.Errorf("%s visible in secondary mode", k)
		}
	}
	if w.access.identifier.label.Text != T.IdentifierSecondary || w.access.newPwd.Visible() {
		t.Error("Access page not worded for a secondary")
	}
	if w.access.monpwd.entry.Text != "" || enabled(w.nextBtn) || !w.access.monpwd.rule.Visible() {
		t.Fatal("a secondary must type the server's password; a generated one is offered or not required")
	}
	retype(w.access.monpwd.entry, "server-Password-1")
	if !enabled(w.nextBtn) {
		t.Fatalf("Next disabled with the server's password: %v", f.Problems())
	}
	test.Tap(w.nextBtn) // Shutdown
	if w.shutdown.powerdownRow.box.Visible() {
		t.Error("power-off visible in secondary mode")
	}
	test.Tap(w.nextBtn) // Notify
	test.Tap(w.nextBtn) // Advanced
	for k, r := range map[string]*row{"options": w.advanced.options, "optionsupsd": w.advanced.optionsupsd, "remoteport": w.advanced.listen} {
		if r.box.Visible() {
			t.Errorf("%s visible on Advanced in secondary mode", k)
		}
	}
	test.Tap(w.nextBtn) // Review
	if f.Page != flow.Review || !enabled(w.nextBtn) {
		t.Fatalf("page %v, Apply enabled %v: %v", f.Page, enabled(w.nextBtn), f.Problems())
	}
	var names []string
	for _, ti := range w.review.tabs.Items {
		names = append(names, ti.Text)
	}
	if strings.Join(names, " ") != "nut.conf upsmon.conf" {
		t.Fatalf("files %v, want nut.conf and upsmon.conf", names)
	}
	// Back to primary on the Access page: the driver is required again.
	goTo(t, w, flow.Access)
	w.access.mode.SetSelected(T.ModePrimary)
	goTo(t, w, flow.Driver)
	if !w.driver.primary.Visible() || w.driver.secondary.Visible() {
		t.Fatal("primary mode does not show the driver fields")
	}
}
