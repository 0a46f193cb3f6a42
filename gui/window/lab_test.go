package window

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
	"github.com/nutmeg-ups/nutmeg/nut/service"
)

// uiQueue stands in for Fyne's main goroutine: the window posts its work
// here and the test goroutine runs it, so widgets are only ever touched by
// one goroutine (as in the app) and -race has nothing to report.
type uiQueue chan func()

func (q uiQueue) post(f func()) { q <- f }

// until runs posted work until cond holds.
func (q uiQueue) until(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(timeout)
	for !cond() {
		select {
		case f := <-q:
			f()
		case <-deadline:
			t.Fatalf("no %s within %v", what, timeout)
		}
	}
}

// labService is the real service side (nut/service: dummy-ups, upsd and
// upsmon supervised in user mode) on a throw-away state dir.
type labService struct {
	lab    *nutlab.Lab
	state  string
	marker string
}

func (s *labService) socket() string { return api.SocketPath(s.state) }

func startService(t testing.TB, dev map[string]string) *labService {
	t.Helper()
	nutlab.Require(t)
	state, err := os.MkdirTemp("", "nmw") // a socket path must stay short
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(state) })
	marker := filepath.Join(state, "marker")
	s := nut.Defaults()
	s.Identifier, s.Driver, s.Port = "ups", "dummy-ups", "ups.dev"
	s.RemotePort = nutlab.FreePort(t)
	s.ShutdownTimer = 3600 // the test never lets a countdown run out
	s.ShutdownCmd = fmt.Sprintf("/bin/sh -c 'date >> %s'", marker)
	s.HostSync = 0
	lab := nutlab.New(t)
	lab.Etc = service.EtcDir(state)
	if err := os.MkdirAll(lab.Etc, 0o700); err != nil {
		t.Fatal(err)
	}
	lab.WriteDev("ups.dev", dev)
	lock := nutlab.LockUpsmon(t)
	svc, err := service.New(service.Config{Settings: s, StateDir: state, Listen: []string{"127.0.0.1"},
		RestartMin: 500 * time.Millisecond, Log: slog.New(slog.NewTextHandler(testWriter{t}, nil))})
	if err != nil {
		lock.Close()
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		lock.Close()
		if b, err := os.ReadFile(marker); err == nil {
			t.Errorf("SHUTDOWNCMD ran: %s", b)
		}
	})
	return &labService{lab: lab, state: state, marker: marker}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func labDev(status string, kv ...string) map[string]string {
	m := map[string]string{"ups.status": status, "battery.charge": "90", "battery.runtime": "1200", "ups.load": "25",
		"input.voltage": "230", "ups.mfr": "Lab", "ups.model": "Dummy"}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(m, kv[i])
		} else {
			m[kv[i]] = kv[i+1]
		}
	}
	return m
}

// openWindow builds the window on the service's socket, with the test's
// UI queue.
func openWindow(t *testing.T, sock string) (*Window, uiQueue) {
	t.Helper()
	a := test.NewTempApp(t)
	q := make(uiQueue, 1024)
	feed := &Feed{Socket: sock}
	w := New(a, Config{Backend: feed, Post: q.post, Location: time.UTC,
		Settings: func() (nut.Settings, error) { return nut.Settings{}, os.ErrNotExist }})
	w.Window().Show()
	ctx, cancel := context.WithCancel(context.Background())
	fed := make(chan struct{})
	go func() { feed.Run(ctx, func(u Update) { q.post(func() { w.Apply(u) }) }); close(fed) }()
	t.Cleanup(func() {
		cancel()
		// Keep draining so a blocked post cannot hold the feed up.
		for {
			select {
			case <-fed:
				return
			case <-q:
			}
		}
	})
	return w, q
}

func hasEvent(w *Window, title string) bool {
	for _, r := range w.rows {
		if r.Title == title {
			return true
		}
	}
	return false
}

// TestWindowFollowsService drives a real UPS (dummy-ups via the service)
// and reads the window's widgets.
func TestWindowFollowsService(t *testing.T) {
	svc := startService(t, labDev("OL", "battery.runtime", ""))
	w, q := openWindow(t, svc.socket())

	q.until(t, 30*time.Second, "first figures", func() bool { return w.Figure("Battery charge") == "90 %" })
	for label, want := range map[string]string{"Load": "25 %", "Input voltage": "230 V", "Runtime left": Unknown, "Output voltage": Unknown, "Temperature": ""} {
		if got := w.Figure(label); got != want {
			t.Errorf("%s reads %q, want %q", label, got, want)
		}
	}
	if w.title.Text != "On line power" {
		t.Errorf("title %q", w.title.Text)
	}

	// The chart plots the service's history (its first sample is taken at
	// the first poll), in each range picked.
	q.until(t, 10*time.Second, "a history sample on the chart", func() bool { return len(w.chart.plot.Charge) > 0 })
	for _, r := range []string{"7 d", "24 h", "1 h"} {
		w.history = nil
		w.rangeSel.SetSelected(r)
		q.until(t, 10*time.Second, "the "+r+" history", func() bool { return len(w.history) > 0 && w.rng.Label == r })
		if p := w.chart.plot; len(p.Charge) == 0 || p.Charge[0][0].Y != 0.9 || p.To.Sub(p.From) != RangeByName(w.rng.Name).Span {
			t.Errorf("%s: plot %+v", r, p)
		}
	}

	// A power failure: new figures, temperature now reported, the events.
	svc.lab.WriteDev("ups.dev", labDev("OB DISCHRG", "battery.charge", "55", "battery.runtime", "600", "ups.temperature", "30.5"))
	q.until(t, 20*time.Second, "on-battery figures", func() bool { return w.Figure("Battery charge") == "55 %" })
	q.until(t, 10*time.Second, "the ONBATT event in the list", func() bool { return hasEvent(w, "UPS on battery") })
	q.until(t, 10*time.Second, "the countdown", func() bool { return strings.HasPrefix(w.countdown.Text, "Shutting down in ") })
	if got := w.Figure("Runtime left"); got != "10 min" {
		t.Errorf("runtime %q", got)
	}
	if got := w.Figure("Temperature"); got != "30.5 °C" {
		t.Errorf("temperature %q", got)
	}
	if w.title.Text != "On battery" || w.title.Importance != widget.WarningImportance {
		t.Errorf("title %q importance %v", w.title.Text, w.title.Importance)
	}
	if !hasEvent(w, "Shutdown countdown started") {
		t.Errorf("no countdown event: %+v", w.rows)
	}
	// The list shows the newest event first, in its widgets.
	item := w.eventList.CreateItem()
	w.eventList.UpdateItem(0, item)
	if got := labelsIn(item); !strings.Contains(got, w.rows[0].Title) || !strings.Contains(got, w.rows[0].Time) {
		t.Errorf("first list item shows %q, want %+v", got, w.rows[0])
	}

	// Power back: the countdown goes, the events say so. (dummy-ups keeps a
	// variable that disappears from its .dev file, so "unknown" is tested
	// above with a variable never reported, and here with one that stops
	// being a number.)
	svc.lab.WriteDev("ups.dev", labDev("OL CHRG", "battery.charge", "n/a"))
	q.until(t, 20*time.Second, "the ONLINE event", func() bool { return hasEvent(w, "UPS on line power") })
	q.until(t, 10*time.Second, "the cancellation", func() bool { return hasEvent(w, "Shutdown cancelled") && w.countdown.Text == "" })
	q.until(t, 10*time.Second, "unknown charge", func() bool { return w.Figure("Battery charge") == Unknown })

	// The event log from the service (a fresh window reads it at connect)
	// holds the same events, in the same order.
	w2, q2 := openWindow(t, svc.socket())
	q2.until(t, 10*time.Second, "the event log", func() bool { return len(w2.rows) >= 4 })
	if a, b := titles(w.rows), titles(w2.rows); a != b {
		t.Errorf("pushed events %s, event log %s", a, b)
	}
}

func titles(rows []EventRow) string {
	var s []string
	for _, r := range rows {
		s = append(s, r.Title)
	}
	return strings.Join(s, ", ")
}

// labelsIn is the text of every label under o.
func labelsIn(o fyne.CanvasObject) string {
	var s []string
	for _, x := range test.LaidOutObjects(o) {
		if l, ok := x.(*widget.Label); ok {
			s = append(s, l.Text)
		}
	}
	return strings.Join(s, " | ")
}

// dialogButton finds a button of the open dialog by its text.
func dialogButton(t *testing.T, w *Window, text string) *widget.Button {
	t.Helper()
	top := w.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no dialog open")
	}
	for _, x := range test.LaidOutObjects(top) {
		if b, ok := x.(*widget.Button); ok && b.Text == text {
			return b
		}
	}
	t.Fatalf("the dialog has no %q button", text)
	return nil
}

// TestInstantCommand: a command needs the confirmation, reaches upsd
// through the service, and a refusal is shown with upsd's reason.
func TestInstantCommand(t *testing.T) {
	svc := startService(t, labDev("OL"))
	w, q := openWindow(t, svc.socket())
	q.until(t, 30*time.Second, "the UPS's commands", func() bool { return len(w.commands) > 0 })
	t.Logf("instant commands of dummy-ups: %v", w.state.Commands)
	c := w.commands[0]
	btn := w.cmdButtons[c.Name]
	if btn == nil {
		t.Fatalf("no button for %s", c.Name)
	}

	// Tap, then Cancel: nothing is sent.
	test.Tap(btn)
	if w.confirm == nil {
		t.Fatal("tapping a command sent it without asking")
	}
	test.Tap(dialogButton(t, w, "Cancel"))
	if w.confirm != nil || w.cmdNote.Text != "" {
		t.Fatalf("after Cancel: dialog %v, note %q", w.confirm != nil, w.cmdNote.Text)
	}

	// Tap, then Send: upsd accepts it.
	test.Tap(btn)
	test.Tap(dialogButton(t, w, "Send"))
	q.until(t, 10*time.Second, "the command's result", func() bool { return strings.HasPrefix(w.cmdNote.Text, "The UPS ") })
	if !strings.HasPrefix(w.cmdNote.Text, "The UPS accepted "+c.Name) {
		t.Errorf("result: %q", w.cmdNote.Text)
	}

	// A command the UPS does not have (as if the list were stale): upsd
	// refuses it and the window says why.
	st := w.state
	st.Commands = append([]string{"test.battery.start.quick"}, st.Commands...)
	w.Apply(Update{Linked: true, State: &st})
	test.Tap(w.cmdButtons["test.battery.start.quick"])
	test.Tap(dialogButton(t, w, "Send"))
	q.until(t, 10*time.Second, "the refusal", func() bool { return strings.HasPrefix(w.cmdNote.Text, "The UPS did not take") })
	if !strings.Contains(w.cmdNote.Text, "CMD-NOT-SUPPORTED") && !strings.Contains(strings.ToLower(w.cmdNote.Text), "not supported") {
		t.Errorf("refusal without upsd's reason: %q", w.cmdNote.Text)
	}
	t.Logf("refusal: %s", w.cmdNote.Text)
}

// TestNoService: with no service the window says so, and requests fail
// with a reason instead of hanging.
func TestNoService(t *testing.T) {
	dir, _ := os.MkdirTemp("", "nmw")
	defer os.RemoveAll(dir)
	w, q := openWindow(t, filepath.Join(dir, api.SocketName))
	q.until(t, 5*time.Second, "the not-running headline", func() bool { return w.title.Text == "Nutmeg service not running" })
	for _, label := range []string{"Battery charge", "Load", "Runtime left"} {
		if got := w.Figure(label); got != Unknown {
			t.Errorf("%s reads %q with no service", label, got)
		}
	}
	st := api.State{UPS: "ups", Commands: []string{"beeper.toggle"}}
	w.Apply(Update{Linked: false, State: &st})
	test.Tap(w.cmdButtons["beeper.toggle"])
	test.Tap(dialogButton(t, w, "Send"))
	q.until(t, 5*time.Second, "the error", func() bool { return strings.Contains(w.cmdNote.Text, ErrNoService.Error()) })
}
