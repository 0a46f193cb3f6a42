package window

import (
	"errors"
	"image"
	"time"

	"fyne.io/fyne/v2"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/api"
)

// Snapshot is everything Render draws: what the service would have sent.
type Snapshot struct {
	Linked   bool
	State    api.State
	Events   []api.Event  // oldest first
	History  []api.Sample // oldest first
	Range    string       // the chart's range: 1h, 24h or 7d ("" is 1h)
	Settings *nut.Settings
	Tab      string         // the selected tab: Status, History, Events, Commands or Settings
	Now      time.Time      // the clock (countdown, chart); zero means time.Now
	Location *time.Location // event times; nil means UTC, so pictures do not depend on the machine
}

// Tabs are the window's tabs, in order.
var Tabs = []string{"Status", "History", "Events", "Commands", "Settings"}

// Render draws the status window for s at size, with no service behind it,
// for screenshots (`nutmeg screenshots`). a must be an app whose driver can
// capture a window without a screen: fyne.io/fyne/v2/test.NewApp().
func Render(a fyne.App, s Snapshot, size fyne.Size) image.Image {
	w := NewSnapshot(a, s)
	w.win.Resize(size)
	return w.win.Canvas().Capture()
}

// NewSnapshot builds the window showing s without a service (what Render
// captures; tests use it for golden markup).
func NewSnapshot(a fyne.App, s Snapshot) *Window {
	now := s.Now
	if now.IsZero() {
		now = time.Now()
	}
	loc := s.Location
	if loc == nil {
		loc = time.UTC
	}
	cfg := Config{Now: func() time.Time { return now }, Location: loc, Post: func(f func()) { f() }}
	if s.Settings != nil {
		set := *s.Settings
		cfg.Settings = func() (nut.Settings, error) { return set, nil }
	} else {
		cfg.Settings = func() (nut.Settings, error) { return nut.Settings{}, errors.New("no settings file") }
	}
	cfg.StartWizard = func() error { return nil }
	w := New(a, cfg)
	w.linked, w.state = s.Linked, s.State
	w.events = MergeEvents(nil, s.Events, MaxEvents)
	w.history = s.History
	w.rng = RangeByName(s.Range)
	w.rangeSel.Selected = w.rng.Label
	w.rangeSel.Refresh()
	w.showState()
	w.showEvents()
	w.showHistory()
	for i, t := range Tabs {
		if t == s.Tab {
			w.tabs.SelectIndex(i)
		}
	}
	return w
}
