package window

import (
	"context"
	"errors"
	"fmt"
	"image"
	"slices"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/nutmeg-ups/nutmeg/gui/icon"
	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/client"
)

// WatchTab is the title of the tab that lists the watched UPSes (settings
// "watch"); it exists only while the list is not empty.
const WatchTab = "Other UPSes"

// WatchEvery is how often the window reads the watched UPSes.
var WatchEvery = 5 * time.Second

// maxWatchEvents is how many changes a watched UPS's row keeps.
const maxWatchEvents = 3

// WatchReading is the latest reading of one watched UPS.
type WatchReading struct {
	Watched nut.Watched
	Status  *client.Status // nil until read, or when the last read failed
	Err     string         // why the last read failed
	Events  []string       // its last changes, newest first ("12:00:05 On battery")
}

// ReadWatched reads a watched UPS once: one LIST VAR, after a login when
// the entry has a user (a server may want one to read).
func ReadWatched(ctx context.Context, w nut.Watched) (client.Status, error) {
	c, err := client.Dial(ctx, w.Addr(), client.Options{Timeout: 3 * time.Second})
	if err != nil {
		return client.Status{}, err
	}
	defer c.Close()
	if w.User != "" {
		if err := c.Login(w.User, w.Password); err != nil {
			return client.Status{}, err
		}
	}
	return c.Poll(w.UPS)
}

// nextReading folds one read into the previous reading: a change of state
// (or losing and regaining the UPS) becomes an event.
func nextReading(prev WatchReading, st *client.Status, err error, at time.Time, loc *time.Location) WatchReading {
	r := WatchReading{Watched: prev.Watched, Status: st, Events: prev.Events}
	now, before := "", ""
	if err != nil {
		r.Status, r.Err = nil, err.Error()
		now = "Cannot be read"
	} else {
		now = st.Headline()
		if st.Has("LB") {
			now += ", battery low"
		}
	}
	switch {
	case prev.Err != "":
		before = "Cannot be read"
	case prev.Status != nil:
		before = prev.Status.Headline()
		if prev.Status.Has("LB") {
			before += ", battery low"
		}
	}
	if before != "" && now != before {
		ev := at.In(loc).Format("15:04:05") + " " + now
		r.Events = append([]string{ev}, prev.Events...)
		if len(r.Events) > maxWatchEvents {
			r.Events = r.Events[:maxWatchEvents]
		}
	}
	return r
}

// watchView is the tab: one row per watched UPS with its state glyph, its
// summary and its last changes.
type watchView struct {
	w        *Window
	tab      *container.TabItem
	box      *fyne.Container
	readings []WatchReading
	rows     []*fyne.Container // one per reading, in box
	cancel   context.CancelFunc
	done     chan struct{}
	// served holds the keys the service reads and publishes (its state's
	// Watched): the window shows those and reads only the others itself
	// (no service, or one that does not watch them yet).
	served atomic.Pointer[map[string]bool]
}

// showWatch (re)starts reading the watched UPSes of the loaded settings and
// shows or removes the tab.
func (w *Window) showWatch() {
	v := w.watch
	if v == nil {
		v = &watchView{w: w, box: container.NewVBox()}
		v.tab = container.NewTabItem(WatchTab, container.NewVScroll(v.box))
		w.watch = v
	}
	v.stop()
	var list []nut.Watched
	if w.settings != nil {
		list = w.settings.Watch
	}
	if len(list) == 0 {
		w.tabs.Remove(v.tab)
		return
	}
	v.readings = make([]WatchReading, len(list))
	for i, x := range list {
		v.readings[i] = WatchReading{Watched: x}
	}
	if !hasTab(w.tabs, v.tab) {
		w.tabs.Append(v.tab)
	}
	v.render()
	w.showServedWatch()
	if w.cfg.ReadWatched != nil {
		v.start(w.cfg.ReadWatched)
	}
}

// showServedWatch folds the service's readings of the watched UPSes (the
// state's Watched, one LIST VAR per UPS per poll in the service) into the
// rows, so that the window and the tray show one source.
func (w *Window) showServedWatch() {
	v := w.watch
	if v == nil {
		return
	}
	served := map[string]bool{}
	if w.linked {
		at := w.cfg.Now()
		for _, x := range w.state.Watched {
			served[x.Key] = true
			var st *client.Status
			var err error
			switch {
			case !x.Connected && x.Err != "":
				err = errors.New(x.Err)
			case x.Status != nil:
				st = x.Status
			default:
				continue // not read yet
			}
			for i := range v.readings {
				if v.readings[i].Watched.Key() != x.Key {
					continue
				}
				prev := v.readings[i]
				v.readings[i] = nextReading(prev, st, err, at, w.cfg.Location)
				if !sameRow(prev, v.readings[i]) {
					v.renderRow(i)
				}
			}
		}
	}
	v.served.Store(&served)
}

// isServed: the service reads x (the window need not).
func (v *watchView) isServed(x nut.Watched) bool {
	m := v.served.Load()
	return m != nil && (*m)[x.Key()]
}

func hasTab(tabs *container.AppTabs, t *container.TabItem) bool {
	for _, x := range tabs.Items {
		if x == t {
			return true
		}
	}
	return false
}

// StopWatching ends the reads of the watched UPSes (the window closes).
func (w *Window) StopWatching() {
	if w.watch != nil {
		w.watch.stop()
	}
}

func (v *watchView) start(read func(context.Context, nut.Watched) (client.Status, error)) {
	ctx, cancel := context.WithCancel(context.Background())
	v.cancel, v.done = cancel, make(chan struct{})
	list := make([]nut.Watched, len(v.readings))
	for i, r := range v.readings {
		list[i] = r.Watched
	}
	go func(done chan struct{}) {
		defer close(done)
		for {
			for i, x := range list {
				if v.isServed(x) {
					continue
				}
				rctx, rcancel := context.WithTimeout(ctx, 5*time.Second)
				st, err := read(rctx, x)
				rcancel()
				if ctx.Err() != nil {
					return
				}
				at := v.w.cfg.Now()
				v.w.cfg.Post(func() {
					if ctx.Err() != nil || i >= len(v.readings) || v.isServed(x) {
						return
					}
					var sp *client.Status
					if err == nil {
						sp = &st
					}
					prev := v.readings[i]
					v.readings[i] = nextReading(prev, sp, err, at, v.w.cfg.Location)
					if sameRow(prev, v.readings[i]) {
						return // nothing new to draw (the usual case, every few seconds)
					}
					v.renderRow(i)
				})
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(WatchEvery):
			}
		}
	}(v.done)
}

func (v *watchView) stop() {
	if v.cancel != nil {
		v.cancel()
		<-v.done
		v.cancel = nil
	}
}

// render rebuilds the rows from the readings.
func (v *watchView) render() {
	v.rows = v.rows[:0]
	var objs []fyne.CanvasObject
	for _, r := range v.readings {
		row := container.NewStack(watchRow(r))
		v.rows = append(v.rows, row)
		objs = append(objs, row, widget.NewSeparator())
	}
	v.box.Objects = objs
	v.box.Refresh()
}

// renderRow redraws one reading's row.
func (v *watchView) renderRow(i int) {
	if i >= len(v.rows) {
		v.render()
		return
	}
	v.rows[i].Objects = []fyne.CanvasObject{watchRow(v.readings[i])}
	v.rows[i].Refresh()
	v.box.Refresh()
}

// sameRow: the two readings draw the same row.
func sameRow(a, b WatchReading) bool {
	at, as := WatchRowText(a)
	bt, bs := WatchRowText(b)
	return at == bt && as == bs && icon.ForState(a.Status != nil, api.State{Connected: a.Status != nil, Status: a.Status}) ==
		icon.ForState(b.Status != nil, api.State{Connected: b.Status != nil, Status: b.Status}) && slices.Equal(a.Events, b.Events)
}

// WatchRowText is a reading in words: the title line and the detail lines.
func WatchRowText(r WatchReading) (title, summary string) {
	title = r.Watched.Key()
	switch {
	case r.Err != "":
		summary = "Cannot be read: " + r.Err
	case r.Status == nil:
		summary = "Reading…"
	default:
		summary = r.Status.Summary()
	}
	return title, summary
}

func watchRow(r WatchReading) fyne.CanvasObject {
	title, summary := WatchRowText(r)
	is := icon.ForState(r.Status != nil, api.State{Connected: r.Status != nil, Status: r.Status})
	img := canvas.NewImageFromImage(icon.Draw(is, 32))
	img.FillMode = canvas.ImageFillContain
	img.SetMinSize(fyne.NewSize(32, 32))
	lines := container.NewVBox(widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), widget.NewLabel(summary))
	for _, e := range r.Events {
		l := widget.NewLabel(e)
		l.Importance = widget.LowImportance
		lines.Add(l)
	}
	return container.NewBorder(nil, nil, container.NewCenter(img), nil, lines)
}

// WatchSummary is one line per watched UPS, for logs and tests.
func (w *Window) WatchSummary() []string {
	if w.watch == nil {
		return nil
	}
	var out []string
	for _, r := range w.watch.readings {
		t, s := WatchRowText(r)
		out = append(out, fmt.Sprintf("%s: %s", t, s))
	}
	return out
}

// RenderWatched draws the "Other UPSes" tab with fixed readings, for
// screenshots (a must capture without a screen: test.NewApp()).
func RenderWatched(a fyne.App, readings []WatchReading, size fyne.Size) image.Image {
	s := nut.Defaults()
	s.Driver, s.Port = "dummy-ups", "demo.dev"
	for _, r := range readings {
		s.Watch = append(s.Watch, r.Watched)
	}
	w := NewSnapshot(a, Snapshot{Linked: true, Settings: &s, Now: time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)})
	w.watch.readings = readings
	w.watch.render()
	w.tabs.Select(w.watch.tab)
	w.win.Resize(size)
	return w.win.Canvas().Capture()
}
