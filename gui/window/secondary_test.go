package window

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/nutmeg-ups/nutmeg/nut"
)

// The Settings tab of a primary with Remote Monitor shows what other
// machines need; the password is read only on Show.
func TestSettingsShowJoinDetails(t *testing.T) {
	a := test.NewTempApp(t)
	s := nut.Defaults()
	s.Driver, s.Port, s.RMonitor, s.Identifier = "dummy-ups", "demo.dev", true, "rack"
	reads := 0
	w := New(a, Config{Post: func(f func()) { f() }, Location: time.UTC,
		Settings:       func() (nut.Settings, error) { return s, nil },
		Addresses:      func() []string { return []string{"192.168.1.5", "office-pc"} },
		RemotePassword: func() (string, error) { reads++; return "Remote-Pass-1", nil }})
	w.win.Resize(fyne.NewSize(640, 720))
	w.tabs.SelectIndex(4)
	if w.tabs.Selected().Text != "Settings" || !w.join.Visible() || reads != 0 {
		t.Fatalf("tab %q, join details visible %v, password read %d times", w.tabs.Selected().Text, w.join.Visible(), reads)
	}
	if w.join.CommandText() != "nutmeg join --password-stdin 192.168.1.5:3493/rack" || strings.Contains(w.join.PasswordText(), "Remote-Pass-1") {
		t.Errorf("command %q, password field %q", w.join.CommandText(), w.join.PasswordText())
	}
	test.AssertRendersToMarkup(t, "settings-join.xml", w.win.Canvas())
	w.join.OnShow()
	if w.join.PasswordText() != "Remote-Pass-1" || reads != 1 {
		t.Errorf("Show: %q (read %d times)", w.join.PasswordText(), reads)
	}

	// Remote Monitor off: nothing to show.
	s.RMonitor = false
	w.LoadSettings()
	if w.join.Visible() {
		t.Error("join details shown with Remote Monitor off")
	}
}
