package window

import (
	"errors"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/client"
)

// demoSnapshot is a fixed picture of a power failure with a running
// countdown, used by the render and golden tests.
func demoSnapshot(tab string) Snapshot {
	st := status(map[string]string{"ups.status": "OB DISCHRG", "battery.charge": "64", "battery.runtime": "660", "ups.load": "23",
		"input.voltage": "0", "output.voltage": "230", "input.frequency": "50", "ups.mfr": "Nutmeg", "ups.model": "Simulated UPS"})
	hist := minutes(t0, 50, 0, func(i int) float64 {
		if i >= 40 {
			return float64(100 - 4*(i-40))
		}
		return 100
	}, func(i int) float64 {
		if i >= 20 && i < 25 {
			return -1 // replaced below by unknown
		}
		return 20 + float64(i%7)
	})
	for i := range hist {
		if hist[i].Load.V < 0 {
			hist[i].Load = val(math.NaN())
		}
	}
	s := nut.Defaults()
	s.Driver, s.Port = "dummy-ups", "demo.dev"
	s.ShutdownCmd = "/bin/sh -c 'echo shutdown >> /tmp/demo/shutdown.log'"
	return Snapshot{
		Linked: true,
		State: api.State{UPS: "ups", Mode: "primary", Shutdown: "batt", Connected: true, Status: st,
			Countdown: &api.Countdown{Reason: "ONBATT", Started: t0.Add(-18 * time.Second), ShutdownAt: t0.Add(42 * time.Second), CanPostpone: true, PostponeStep: 300},
			Commands:  []string{"test.battery.start.quick", "beeper.toggle", "load.off"}},
		Events: []api.Event{
			{Time: t0.Add(-18 * time.Second), Name: "ONBATT", UPS: "ups", Message: "UPS ups is on battery"},
			{Time: t0.Add(-18 * time.Second), Name: "COUNTDOWN", UPS: "ups", Message: "Shutdown countdown started (ONBATT): the computer shuts down at 12:00:42"},
		},
		History:  hist,
		Settings: &s,
		Tab:      tab,
		Now:      t0,
	}
}

func TestRenderEveryTab(t *testing.T) {
	a := test.NewTempApp(t)
	out := os.Getenv("NUTMEG_WINDOW_PNG") // set to a directory to look at the pictures
	for _, tab := range Tabs {
		img := Render(a, demoSnapshot(tab), fyne.NewSize(640, 520))
		if b := img.Bounds(); b.Dx() < 600 || b.Dy() < 500 {
			t.Fatalf("%s: image %v", tab, b)
		}
		if out != "" {
			f, err := os.Create(filepath.Join(out, "window-"+tab+".png"))
			if err != nil {
				t.Fatal(err)
			}
			png.Encode(f, img)
			f.Close()
		}
	}
}

// TestSnapshotMarkup compares every tab of a fixed state with its golden
// markup (testdata/<tab>.xml; a mismatch is written to testdata/failed/).
func TestSnapshotMarkup(t *testing.T) {
	a := test.NewTempApp(t)
	for _, tab := range Tabs {
		t.Run(tab, func(t *testing.T) {
			w := NewSnapshot(a, demoSnapshot(tab))
			w.win.Resize(fyne.NewSize(640, 520))
			test.AssertRendersToMarkup(t, strings.ToLower(tab)+".xml", w.win.Canvas())
		})
	}
}

// TestSnapshotUnknowns: a UPS that reports nothing but its status shows
// "unknown" for every figure, and the chart no line.
func TestSnapshotUnknowns(t *testing.T) {
	a := test.NewTempApp(t)
	s := demoSnapshot("Status")
	s.State.Status = status(map[string]string{"ups.status": "OL"})
	s.History = minutes(t0, 30, 0, konst(math.NaN()), konst(math.NaN()))
	w := NewSnapshot(a, s)
	for _, label := range []string{"Battery charge", "Runtime left", "Load", "Input voltage", "Output voltage", "Input frequency"} {
		if got := w.Figure(label); got != Unknown {
			t.Errorf("%s reads %q", label, got)
		}
	}
	if w.chart.plot.Charge != nil || w.chart.plot.Load != nil {
		t.Errorf("unknown history plotted: %+v", w.chart.plot)
	}
	if !strings.HasPrefix(w.chartNote.Text, "No figures") {
		t.Errorf("chart note %q", w.chartNote.Text)
	}
}

func TestChangeStartsWizard(t *testing.T) {
	a := test.NewTempApp(t)
	started := 0
	var fail error
	s := nut.Defaults()
	s.Driver = "dummy-ups"
	loads := 0
	w := New(a, Config{Post: func(f func()) { f() }, Location: time.UTC,
		Settings:    func() (nut.Settings, error) { loads++; return s, nil },
		StartWizard: func() error { started++; return fail }})
	w.win.Show()
	test.Tap(w.change)
	if started != 1 || w.win.Canvas().Overlays().Top() != nil {
		t.Fatalf("started %d, overlay %v", started, w.win.Canvas().Overlays().Top())
	}
	fail = errors.New("no display")
	test.Tap(w.change)
	if top := w.win.Canvas().Overlays().Top(); top == nil || !strings.Contains(labelsInTree(top), "no display") {
		t.Errorf("a failed start is not shown")
	}
	if loads != 1 || len(w.setForm.Objects) == 0 {
		t.Errorf("settings loaded %d times, form %d objects", loads, len(w.setForm.Objects))
	}
	// No wizard to start: the button is off.
	w2 := New(a, Config{Post: func(f func()) { f() }})
	if !w2.change.Disabled() || !w2.setNote.Visible() {
		t.Errorf("without settings or wizard: change enabled %v, note %q", !w2.change.Disabled(), w2.setNote.Text)
	}
}

// labelsInTree is the text of every label and text object under o.
func labelsInTree(o fyne.CanvasObject) string {
	var s []string
	for _, x := range test.LaidOutObjects(o) {
		switch v := x.(type) {
		case *widget.Label:
			s = append(s, v.Text)
		case *canvas.Text:
			s = append(s, v.Text)
		}
	}
	return strings.Join(s, " | ")
}

// A link that comes and goes flips the header between the same glyphs: each
// is drawn once and shown again from the cache, and the cache stays small
// while the charge moves on.
func TestGlyphDrawnOncePerState(t *testing.T) {
	a := test.NewTempApp(t)
	w := New(a, Config{Post: func(f func()) { f() }, Location: time.UTC})
	onBattery := func(charge string) Update {
		st := client.NewStatus("ups", map[string]string{"ups.status": "OB DISCHRG", "battery.charge": charge}, time.Now())
		return Update{Linked: true, State: &api.State{UPS: "ups", Connected: true, Status: &st}}
	}
	w.Apply(onBattery("90"))
	first := w.glyph.Image
	w.Apply(Update{Linked: false})
	lost := w.glyph.Image
	if lost == first {
		t.Fatal("the glyph did not change when the link went")
	}
	w.Apply(onBattery("90"))
	if w.glyph.Image != first {
		t.Error("the on-battery glyph was drawn again, not taken from the cache")
	}
	for c := 80; c > 60; c-- {
		w.Apply(onBattery(strconv.Itoa(c)))
	}
	if len(w.glyphs) > maxGlyphs {
		t.Errorf("%d glyphs kept, at most %d wanted", len(w.glyphs), maxGlyphs)
	}
	if w.shownGlyph.Charge != 61 {
		t.Errorf("the glyph shows charge %v, want 61", w.shownGlyph.Charge)
	}
}
