package wizard

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/secret"
	"github.com/nutmeg-ups/nutmeg/wizard/flow"
)

// The Review of a primary with Remote Monitor shows what other machines
// need: addresses, port, UPS, user, the password hidden until Show (the
// generated one, or the keyring's when it is kept there), the join line.
func TestReviewShowsJoinDetails(t *testing.T) {
	db := driverDB(t)
	addrs := func() []string { return []string{"192.168.1.5", "office-pc"} }

	e := newEnv(t)
	d := e.deps(t, db, &filesApplier{dir: e.confDir})
	d.Addresses = addrs
	w := open(t, d, light())
	goTo(t, w, flow.Review)
	if w.review.join.Visible() {
		t.Fatal("join details shown with Remote Monitor off")
	}
	goTo(t, w, flow.Access)
	test.Tap(w.access.rmonitor)
	goTo(t, w, flow.Review)
	j := w.review.join
	pwd := w.flow.Settings.RemotePwd
	if !j.Visible() || j.CommandText() != "nutmeg join --password-stdin 192.168.1.5:3493/ups" || strings.Contains(j.PasswordText(), pwd) {
		t.Fatalf("visible %v, command %q, password field %q", j.Visible(), j.CommandText(), j.PasswordText())
	}
	j.OnShow()
	if j.PasswordText() != pwd || pwd == "" {
		t.Errorf("Show: %q, want the generated password", j.PasswordText())
	}

	// Reopened on saved settings: the password is the keyring's.
	e2 := newEnv(t)
	s := nut.Defaults()
	s.Driver, s.Port, s.RMonitor, s.Identifier = "dummy-ups", flow.SimulatedDev, true, "rack"
	if err := nut.Save(e2.settingsPath, s); err != nil {
		t.Fatal(err)
	}
	_ = e2.store.Set(secret.MonitorPassword, s.MonPwd)
	_ = e2.store.Set(secret.RemotePassword, "Kept-Remote-Pass-1")
	d2 := e2.deps(t, db, &filesApplier{dir: e2.confDir})
	d2.Addresses = addrs
	w2 := open(t, d2, light())
	goTo(t, w2, flow.Review)
	j2 := w2.review.join
	j2.OnShow()
	if !j2.Visible() || j2.PasswordText() != "Kept-Remote-Pass-1" || !strings.HasSuffix(j2.CommandText(), "192.168.1.5:3493/rack") {
		t.Errorf("reopened: visible %v, password %q, command %q", j2.Visible(), j2.PasswordText(), j2.CommandText())
	}
}
