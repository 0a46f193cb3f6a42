package joininfo

import (
	"errors"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"

	"github.com/nutmeg-ups/nutmeg/nut"
)

func TestFromSettingsAndCommand(t *testing.T) {
	s := nut.Defaults()
	s.RMonitor = true
	pwd := func() (string, error) { return "x", nil }
	for _, c := range []struct {
		name string
		edit func(*nut.Settings)
		host string
		ok   bool
		want string
	}{
		{"primary with Remote Monitor", nil, "192.168.1.5", true, "nutmeg join --password-stdin 192.168.1.5:3493/ups"},
		{"IPv6 in brackets, other port, UPS and user", func(s *nut.Settings) {
			s.RemotePort, s.Identifier, s.RemoteUser = 3500, "rack-1", "followers"
		}, "fd00::5", true, "nutmeg join --password-stdin --user followers [fd00::5]:3500/rack-1"},
		{"Remote Monitor off", func(s *nut.Settings) { s.RMonitor = false }, "h", false, ""},
		{"a secondary", func(s *nut.Settings) { s.Mode = nut.ModeSecondary }, "h", false, ""},
	} {
		s := s
		if c.edit != nil {
			c.edit(&s)
		}
		info, ok := FromSettings(s, []string{c.host}, pwd)
		if ok != c.ok || (ok && info.JoinCommand(c.host) != c.want) {
			t.Errorf("%s: ok %v, command %q; want %v, %q", c.name, ok, info.JoinCommand(c.host), c.ok, c.want)
		}
	}
}

// The panel: the password hidden until Show, Copy puts it (and the command)
// on the clipboard, a keyring failure is said, and a primary without
// Remote Monitor shows nothing.
func TestPanel(t *testing.T) {
	app := test.NewTempApp(t)
	p := New(app.Clipboard)
	win := test.NewTempWindow(t, container.NewVBox(p.Object()))
	win.Resize(fyne.NewSize(640, 420))

	s := nut.Defaults()
	s.RMonitor = true
	s.Identifier = "rack"
	const secret = "Gen3rated-Remote-Pass"
	calls := 0
	info, ok := FromSettings(s, []string{"192.168.1.5", "fd00::5", "office-pc"}, func() (string, error) { calls++; return secret, nil })
	p.Set(info, ok)
	win.Content().Refresh() // the page around the panel lays it out again
	if !p.Visible() || calls != 0 || strings.Contains(p.PasswordText(), secret) {
		t.Fatalf("visible %v, keyring asked %d times, password shown %q before Show", p.Visible(), calls, p.PasswordText())
	}
	test.AssertRendersToMarkup(t, "panel.xml", win.Canvas())

	test.Tap(p.show)
	if p.PasswordText() != secret || p.show.Text != "Hide" {
		t.Errorf("after Show: %q, button %q", p.PasswordText(), p.show.Text)
	}
	test.Tap(p.show)
	if p.PasswordText() == secret {
		t.Error("Hide left the password shown")
	}
	test.Tap(p.copyPwd)
	if got := app.Clipboard().Content(); got != secret || p.PasswordText() == secret {
		t.Errorf("Copy password: clipboard %q, field %q", got, p.PasswordText())
	}
	test.Tap(p.copyCommand)
	if got := app.Clipboard().Content(); got != "nutmeg join --password-stdin 192.168.1.5:3493/rack" {
		t.Errorf("Copy command: clipboard %q", got)
	}

	info.Password = func() (string, error) { return "", errors.New("the keyring is locked") }
	p.Set(info, true)
	test.Tap(p.show)
	if !p.problem.Visible() || !strings.Contains(p.problem.Text, "the keyring is locked") || p.PasswordText() != hidden {
		t.Errorf("a keyring failure: problem %q, field %q", p.problem.Text, p.PasswordText())
	}

	s.RMonitor = false
	p.Set(FromSettings(s, nil, nil))
	if p.Visible() {
		t.Error("shown without Remote Monitor")
	}
}
