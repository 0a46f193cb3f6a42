package wizard

import (
	"errors"
	"os"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/secret"
	"github.com/nutmeg-ups/nutmeg/wizard/flow"
)

// The Advanced page's "Other UPSes to watch": a bad entry is refused with
// the rule under each field at fault and nothing is added; good entries
// join the list (drawn as testdata/watch/list.xml), a duplicate is
// refused, Remove takes one off; Apply saves the list in the settings
// file and the password in the keyring only.
func TestWatchListEditor(t *testing.T) {
	db := driverDB(t)
	e := newEnv(t)
	w := open(t, e.deps(t, db, &filesApplier{dir: e.confDir}), light())
	goTo(t, w, flow.Advanced)
	we := w.advanced.watch
	listText := func() string {
		var b strings.Builder
		for _, o := range we.list.Objects {
			b.WriteString(labelsOf(o))
			b.WriteString("\n")
		}
		return b.String()
	}
	ruleOf := func(r *row) string {
		if !r.rule.Visible() {
			return ""
		}
		return r.rule.Text
	}
	if got := listText(); !strings.Contains(got, TW.None) {
		t.Fatalf("empty list shows %q", got)
	}

	// Nothing typed: the server and the UPS name are required.
	test.Tap(we.add)
	if !strings.HasPrefix(ruleOf(we.host), "is required") || !strings.HasPrefix(ruleOf(we.ups), "is required") || ruleOf(we.port) != "" {
		t.Errorf("empty form: host %q, ups %q, port %q", ruleOf(we.host), ruleOf(we.ups), ruleOf(we.port))
	}
	// Bad values, each named under its field; nothing is added.
	test.Type(we.host.entry, "nas box")
	retype(we.port.entry, "http")
	test.Type(we.ups.entry, "rack 1")
	test.Type(we.pwd.entry, "View-Pw-1")
	test.Tap(we.add)
	for r, want := range map[*row]string{we.host: "must be a host name or an IP address", we.port: TW.BadPort,
		we.ups: "may contain only ASCII letters", we.user: "is required with a password"} {
		if !strings.HasPrefix(ruleOf(r), want) {
			t.Errorf("%s: rule %q, want %q", r.key, ruleOf(r), want)
		}
	}
	if len(w.flow.Settings.Watch) != 0 || !strings.Contains(listText(), TW.None) {
		t.Fatalf("a bad entry was added: %v", w.flow.Settings.Watch)
	}
	if !enabled(w.nextBtn) {
		t.Errorf("the form's refused entry blocks the page: %v", w.flow.Problems())
	}

	// Fixed: added, and the form is empty again for the next one.
	retype(we.host.entry, "127.0.0.1")
	retype(we.port.entry, "3493")
	retype(we.ups.entry, "rack")
	test.Type(we.user.entry, "viewer")
	test.Tap(we.mail)
	test.Tap(we.add)
	for _, r := range we.rows() {
		if ruleOf(r) != "" || r.entry.Text != "" {
			t.Errorf("%s after a good add: rule %q, text %q", r.key, ruleOf(r), r.entry.Text)
		}
	}
	test.Type(we.host.entry, "nas.local")
	test.Type(we.ups.entry, "desk")
	test.Tap(we.add)
	// The same UPS twice is refused.
	test.Type(we.host.entry, "127.0.0.1")
	test.Type(we.ups.entry, "rack")
	test.Tap(we.add)
	if r := ruleOf(we.ups); !strings.HasPrefix(r, "is already watched (watch[0])") {
		t.Errorf("duplicate: ups rule %q", r)
	}
	got := listText()
	for _, want := range []string{"rack@127.0.0.1:3493", "user viewer · events by mail", "desk@nas.local:3493"} {
		if !strings.Contains(got, want) {
			t.Errorf("list lacks %q:\n%s", want, got)
		}
	}
	w.Locked(func() { test.AssertObjectRendersToMarkup(t, "watch/list.xml", we.list) })
	if len(we.removes) != 2 {
		t.Fatalf("%d Remove buttons, want 2", len(we.removes))
	}
	test.Tap(we.removes[1])
	if ws := w.flow.Settings.Watch; len(ws) != 1 || ws[0].UPS != "rack" || strings.Contains(listText(), "desk@") {
		t.Fatalf("after Remove: %v\n%s", ws, listText())
	}

	// Apply: the list in the file, the password in the keyring only.
	goTo(t, w, flow.Review)
	test.Tap(w.nextBtn)
	w.Wait()
	var done bool
	w.Locked(func() { done = w.apply.progress.Done && w.apply.progress.Err == "" })
	if !done {
		t.Fatalf("apply did not succeed: %+v", w.apply.progress)
	}
	s, err := nut.Load(e.settingsPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Watch) != 1 || s.Watch[0].Key() != "rack@127.0.0.1:3493" || s.Watch[0].User != "viewer" || !s.Watch[0].Mail {
		t.Errorf("saved watch list %v", s.Watch)
	}
	raw, _ := os.ReadFile(e.settingsPath)
	if strings.Contains(string(raw), "View-Pw-1") {
		t.Error("the watched UPS's password is in the settings file")
	}
	if v, err := e.store.Get(secret.WatchPassword("rack@127.0.0.1:3493")); err != nil || v != "View-Pw-1" {
		t.Errorf("keyring: %q, %v", v, err)
	}

	// Reopened on the saved settings: the entry, its password kept in the
	// keyring. Removed and applied, its password leaves the keyring too.
	w2 := open(t, e.deps(t, db, &filesApplier{dir: e.confDir}), light())
	goTo(t, w2, flow.Advanced)
	we2 := w2.advanced.watch
	if got := labelsOf(we2.list); !strings.Contains(got, "user viewer · password in the keyring · events by mail") {
		t.Errorf("reopened list: %q", got)
	}
	test.Tap(we2.removes[0])
	goTo(t, w2, flow.Review)
	test.Tap(w2.nextBtn)
	w2.Wait()
	w2.Locked(func() { done = w2.apply.progress.Done && w2.apply.progress.Err == "" })
	if !done {
		t.Fatalf("second apply did not succeed: %+v", w2.apply.progress)
	}
	if s, err := nut.Load(e.settingsPath); err != nil || len(s.Watch) != 0 {
		t.Errorf("after removing: %v, %v", s.Watch, err)
	}
	if v, err := e.store.Get(secret.WatchPassword("rack@127.0.0.1:3493")); !errors.Is(err, secret.ErrNotFound) {
		t.Errorf("the removed UPS's password stays in the keyring: %q, %v", v, err)
	}
}

// labelsOf is the text of every label and button in o, in order.
func labelsOf(o fyne.CanvasObject) string {
	var parts []string
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Label:
			parts = append(parts, x.Text)
		case *widget.Button:
			parts = append(parts, "["+x.Text+"]")
		case *fyne.Container:
			for _, k := range x.Objects {
				walk(k)
			}
		}
	}
	walk(o)
	return strings.Join(parts, " · ")
}
