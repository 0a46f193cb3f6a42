package window

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/client"
	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
	"github.com/nutmeg-ups/nutmeg/nut/service"
)

// Two watched UPSes behind one real upsd (two dummy-ups), one of them read
// after a login, and one name the server does not have: the "Other UPSes"
// tab shows each with its state, and a power failure on one shows there
// with its event while the other stays on line power.
func TestWatchedUPSes(t *testing.T) {
	lab := nutlab.New(t)
	lab.WriteFile("nut.conf", "MODE=netserver\n")
	lab.WriteFile("ups.conf", "[rack]\n\tdriver = dummy-ups\n\tport = rack.dev\n[desk]\n\tdriver = dummy-ups\n\tport = desk.dev\n")
	lab.WriteFile("upsd.conf", fmt.Sprintf("LISTEN 127.0.0.1 %d\n", lab.Port))
	lab.WriteFile("upsd.users", "[watcher]\n\tpassword = \"Watch-Pw-1\"\n\tupsmon secondary\n")
	lab.WriteDev("rack.dev", map[string]string{"ups.status": "OL", "battery.charge": "100"})
	lab.WriteDev("desk.dev", map[string]string{"ups.status": "OL CHRG", "battery.charge": "80"})
	lab.StartDriver("dummy-ups", "rack")
	lab.StartDriver("dummy-ups", "desk")
	lab.WaitDriverSocket("dummy-ups", "rack")
	lab.WaitDriverSocket("dummy-ups", "desk")
	lab.StartUpsd()
	lab.WaitReady("rack", 20*time.Second)
	lab.WaitReady("desk", 20*time.Second)

	prev := WatchEvery
	WatchEvery = 200 * time.Millisecond
	t.Cleanup(func() { WatchEvery = prev })
	s := nut.Defaults()
	s.Driver = "dummy-ups"
	s.Watch = []nut.Watched{
		{Host: "127.0.0.1", Port: lab.Port, UPS: "rack"},
		{Host: "127.0.0.1", Port: lab.Port, UPS: "desk", User: "watcher", Password: "Watch-Pw-1"},
		{Host: "127.0.0.1", Port: lab.Port, UPS: "nosuch"},
	}
	var reads atomic.Int64
	var lastRack atomic.Value
	a := test.NewTempApp(t)
	q := make(uiQueue, 64)
	w := New(a, Config{Post: q.post, Location: time.UTC,
		Settings: func() (nut.Settings, error) { return s, nil },
		ReadWatched: func(ctx context.Context, x nut.Watched) (client.Status, error) {
			st, err := ReadWatched(ctx, x)
			reads.Add(1)
			if x.UPS == "rack" && err == nil {
				lastRack.Store(st.Vars["ups.status"])
			}
			return st, err
		}})
	t.Cleanup(func() {
		go func() {
			for range q { // let a pending post finish so the reader can stop
			}
		}()
		w.StopWatching()
	})
	if !hasTab(w.tabs, w.watch.tab) || w.watch.tab.Text != WatchTab {
		t.Fatal("no Other UPSes tab")
	}
	addr := fmt.Sprintf("127.0.0.1:%d", lab.Port)
	q.until(t, 20*time.Second, "both UPSes read", summaryHas(w,
		"rack@"+addr+": On line power · 100%",
		"desk@"+addr+": On line power · 80%",
		"nosuch@"+addr+": Cannot be read: LIST VAR nosuch: upsd says UNKNOWN-UPS"))

	lab.WriteDev("rack.dev", map[string]string{"ups.status": "OB DISCHRG", "battery.charge": "95", "battery.runtime": "1200"})
	defer func() {
		if t.Failed() {
			t.Logf("%d reads, rack's last ups.status %v; last readings:\n%s", reads.Load(), lastRack.Load(), strings.Join(w.WatchSummary(), "\n"))
			out, _ := lab.Var("rack", "ups.status")
			t.Logf("upsd says rack is %q; lab:\n%s", out, lab.Logs())
		}
	}()
	q.until(t, 20*time.Second, "rack on battery", summaryHas(w, "rack@"+addr+": On battery · 95% · 20 min left", "desk@"+addr+": On line power · 80%"))
	if ev := w.watch.readings[0].Events; len(ev) != 1 || !strings.HasSuffix(ev[0], " On battery") || len(w.watch.readings[1].Events) != 0 {
		t.Errorf("events: rack %v, desk %v", ev, w.watch.readings[1].Events)
	}
	shown := labelsInTree(w.watch.tab.Content)
	for _, want := range []string{"rack@" + addr, "On battery · 95% · 20 min left", "desk@" + addr, "On line power · 80%", " On battery"} {
		if !strings.Contains(shown, want) {
			t.Errorf("the tab lacks %q:\n%s", want, shown)
		}
	}

	// Watch list emptied: the tab goes.
	s.Watch = nil
	w.LoadSettings()
	if hasTab(w.tabs, w.watch.tab) {
		t.Error("the tab stays with an empty watch list")
	}
}

// The window and the tray show one source: with the service watching the
// UPSes (three dummy-ups behind one upsd: this machine's and two watched,
// one read after a login), the "Other UPSes" tab shows the service's
// readings and stops reading them itself; a power failure on one shows
// there with its event, and in the Events tab as the service logged it.
func TestWatchedUPSesFromService(t *testing.T) {
	lab := nutlab.New(t)
	lab.WriteDev("ups.dev", labDev("OL"))
	lab.WriteDev("rack.dev", map[string]string{"ups.status": "OL", "battery.charge": "100"})
	lab.WriteDev("desk.dev", map[string]string{"ups.status": "OL CHRG", "battery.charge": "80"})
	lab.StartServer([]string{"ups", "rack", "desk"}, "watcher", "Watch-Pw-1")
	watch := []nut.Watched{
		{Host: "127.0.0.1", Port: lab.Port, UPS: "rack"},
		{Host: "127.0.0.1", Port: lab.Port, UPS: "desk", User: "watcher", Password: "Watch-Pw-1"},
	}
	state, err := os.MkdirTemp("", "nmw")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(state) })
	sw, err := service.NewWatcher(service.WatcherConfig{UPS: "ups", Addr: lab.Addr(), Mode: nut.ModePrimary,
		Policy: service.Policy{Mode: nut.ShutdownBatt, Timer: time.Hour}, NoComm: time.Minute, StateDir: state,
		Poll: 200 * time.Millisecond, Watch: watch, WatchEvery: 200 * time.Millisecond,
		FSD: func(context.Context) error { t.Error("FSD for a watched UPS"); return nil },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); sw.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	prev := WatchEvery
	WatchEvery = 100 * time.Millisecond
	t.Cleanup(func() { WatchEvery = prev })
	s := nut.Defaults()
	s.Driver = "dummy-ups"
	s.Watch = watch
	var reads atomic.Int64
	a := test.NewTempApp(t)
	q := make(uiQueue, 1024)
	feed := &Feed{Socket: api.SocketPath(state)}
	w := New(a, Config{Backend: feed, Post: q.post, Location: time.UTC,
		Settings: func() (nut.Settings, error) { return s, nil },
		ReadWatched: func(ctx context.Context, x nut.Watched) (client.Status, error) {
			reads.Add(1)
			return ReadWatched(ctx, x)
		}})
	fctx, fcancel := context.WithCancel(context.Background())
	fed := make(chan struct{})
	go func() { feed.Run(fctx, func(u Update) { q.post(func() { w.Apply(u) }) }); close(fed) }()
	t.Cleanup(func() {
		fcancel()
		go func() {
			for range q {
			}
		}()
		<-fed
		w.StopWatching()
	})
	addr := fmt.Sprintf("127.0.0.1:%d", lab.Port)
	q.until(t, 20*time.Second, "both UPSes from the service", func() bool {
		return w.linked && len(w.state.Watched) == 2 && w.state.Watched[1].Connected &&
			summaryHas(w, "rack@"+addr+": On line power · 100%", "desk@"+addr+": On line power · 80%")()
	})
	// The service reads them: the window no longer does.
	before := reads.Load()
	runFor := func(d time.Duration) {
		end := time.After(d)
		for {
			select {
			case f := <-q:
				f()
			case <-end:
				return
			}
		}
	}
	runFor(time.Second)
	if n := reads.Load(); n != before {
		t.Errorf("the window read the watched UPSes %d more times while the service serves them", n-before)
	}

	lab.WriteDev("rack.dev", map[string]string{"ups.status": "OB DISCHRG", "battery.charge": "95", "battery.runtime": "1200"})
	q.until(t, 20*time.Second, "rack on battery", summaryHas(w, "rack@"+addr+": On battery · 95% · 20 min left", "desk@"+addr+": On line power · 80%"))
	if ev := w.watch.readings[0].Events; len(ev) != 1 || !strings.HasSuffix(ev[0], " On battery") || len(w.watch.readings[1].Events) != 0 {
		t.Errorf("row events: rack %v, desk %v", ev, w.watch.readings[1].Events)
	}
	q.until(t, 10*time.Second, "the service's ONBATT of rack in the Events tab", func() bool {
		for _, r := range w.EventRows() {
			if r.Title == "UPS on battery" && strings.Contains(r.Message, "rack@"+addr) {
				return true
			}
		}
		return false
	})
	if n := reads.Load(); n != before {
		t.Errorf("the window read the watched UPSes %d more times while the service serves them", n-before)
	}
	if st := sw.State(); st.Countdown != nil {
		t.Errorf("a countdown for a watched UPS: %+v", st.Countdown)
	}
}

// summaryHas reports whether the window's watched-UPS summary holds every
// one of want (each a substring of one line).
func summaryHas(w *Window, want ...string) func() bool {
	return func() bool {
		got := strings.Join(w.WatchSummary(), "\n")
		for _, x := range want {
			if !strings.Contains(got, x) {
				return false
			}
		}
		return true
	}
}
