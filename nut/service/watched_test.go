package service

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/notify"
	"github.com/nutmeg-ups/nutmeg/nut/notify/smtptest"
	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
)

// TestWatchedUPSesLoggedAndMailed: three dummy-ups behind one real upsd,
// the first powering this machine, the other two watched (one read after a
// login, one with mail on). Power failures, a low battery and a lost driver
// on the watched UPSes reach the state, the event log (named, marked
// watched) and, for the one that asks, the mail server; this machine's
// countdown, with a one-second timer, never starts.
func TestWatchedUPSesLoggedAndMailed(t *testing.T) {
	lab := nutlab.New(t)
	for _, u := range []string{"ups", "ups2", "ups3"} {
		lab.WriteDev(u+".dev", dev("OL"))
	}
	lab.StartServer([]string{"ups", "ups2", "ups3"}, "viewer", "View-Pw;1")
	srv := (&smtptest.Server{Mode: "none"}).Start(t)
	q := mailQueue(t, srv, "ONBATT", "ONLINE", "LOWBATT", "COMMBAD", "COMMOK")
	state := shortDir(t)
	var fsd atomic.Int32
	w, err := NewWatcher(WatcherConfig{UPS: "ups", Addr: lab.Addr(), Mode: nut.ModePrimary,
		Policy: Policy{Mode: nut.ShutdownBatt, Timer: time.Second}, NoComm: time.Minute, StateDir: state,
		Poll: 200 * time.Millisecond, Mail: q,
		FSD: func(context.Context) error { fsd.Add(1); return nil },
		Watch: []nut.Watched{
			{Host: "127.0.0.1", Port: lab.Port, UPS: "ups2", Mail: true},
			{Host: "127.0.0.1", Port: lab.Port, UPS: "ups3", User: "viewer", Password: "View-Pw;1"},
		},
		WatchEvery: 200 * time.Millisecond,
		Log:        slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	col := collect(t, filepath.Join(state, api.SocketName))
	k2, k3 := fmt.Sprintf("ups2@127.0.0.1:%d", lab.Port), fmt.Sprintf("ups3@127.0.0.1:%d", lab.Port)

	watchedState := func(what string, ok func(ws []api.WatchedUPS) bool) {
		t.Helper()
		col.wait(t, 0, 15*time.Second, what, func(m api.Message) bool {
			return m.Type == "state" && len(m.State.Watched) == 2 && m.State.Watched[0].Key == k2 && m.State.Watched[1].Key == k3 && ok(m.State.Watched)
		})
	}
	flag := func(x api.WatchedUPS, f string) bool { return x.Connected && x.Status != nil && x.Status.Has(f) }
	watchedState("both watched UPSes on line", func(ws []api.WatchedUPS) bool { return flag(ws[0], "OL") && flag(ws[1], "OL") })

	lab.WriteDev("ups2.dev", dev("OB DISCHRG"))
	lab.WriteDev("ups3.dev", dev("OB DISCHRG"))
	watchedEvent := func(name, ups string) int {
		t.Helper()
		_, i := col.wait(t, 0, 15*time.Second, name+" of "+ups, func(m api.Message) bool {
			return m.Type == "event" && m.Event.Name == name && m.Event.UPS == ups && m.Event.Watched
		})
		return i
	}
	watchedEvent(EvOnBatt, k2)
	watchedEvent(EvOnBatt, k3)
	watchedState("both on battery", func(ws []api.WatchedUPS) bool { return flag(ws[0], "OB") && flag(ws[1], "OB") })
	lab.WriteDev("ups2.dev", dev("OB DISCHRG LB", "battery.charge", "8"))
	watchedEvent(EvLowBatt, k2)

	// ups2's driver dies: upsd cannot give its status (COMMBAD), then it
	// comes back (COMMOK), still on battery (no second ONBATT).
	lab.Stop("driver-ups2")
	watchedEvent(EvCommBad, k2)
	watchedState("ups2 unreadable", func(ws []api.WatchedUPS) bool { return !ws[0].Connected && ws[0].Err != "" && flag(ws[1], "OB") })
	lab.StartDriverNamed("driver-ups2", "dummy-ups", "ups2")
	watchedEvent(EvCommOK, k2)
	lab.WriteDev("ups2.dev", dev("OL CHRG"))
	watchedEvent(EvOnline, k2)
	watchedState("ups2 back on line", func(ws []api.WatchedUPS) bool { return flag(ws[0], "OL") && flag(ws[1], "OB") })

	// Never this machine's countdown: its own UPS stayed on line.
	if n := fsd.Load(); n != 0 {
		t.Fatalf("FSD issued %d times for a watched UPS's outage", n)
	}
	st := w.State()
	if st.Countdown != nil || st.Status == nil || !st.Status.Has("OL") {
		t.Fatalf("this machine's state: countdown %+v, status %+v", st.Countdown, st.Status)
	}
	for _, n := range col.eventNames() {
		if n == EvCountdown || n == EvShutdown {
			t.Fatalf("event %s for a watched UPS: %v", n, col.eventNames())
		}
	}

	// The event log names each UPS and marks the events watched.
	evs, err := ReadEvents(filepath.Join(state, EventLogName), 0)
	if err != nil {
		t.Fatal(err)
	}
	var logged []string
	for _, e := range evs {
		if !e.Watched || (e.UPS != k2 && e.UPS != k3) {
			t.Errorf("logged event %+v is not a watched UPS's", e)
		}
		logged = append(logged, e.Name+" "+e.UPS)
	}
	want := []string{"ONBATT " + k2, "ONBATT " + k3, "LOWBATT " + k2, "COMMBAD " + k2, "COMMOK " + k2, "ONLINE " + k2}
	for _, x := range want {
		if !slices.Contains(logged, x) {
			t.Errorf("event log lacks %q: %q", x, logged)
		}
	}

	// Mail: ups2's five events, none of ups3's (its entry has mail off).
	msgs := srv.WaitMessages(5)
	time.Sleep(time.Second) // a mail for ups3 would have come by now
	msgs = srv.Messages()
	var mailed []string
	for _, m := range msgs {
		if strings.Contains(m.Body, k3) {
			t.Errorf("mail about ups3, whose entry has mail off: %q", m.Subject)
		}
		for _, name := range []string{"ONBATT", "LOWBATT", "COMMBAD", "COMMOK", "ONLINE"} {
			if strings.Contains(m.Body, notify.Title(name)) || strings.Contains(m.Body, strings.SplitN(notify.Sentence(name, k2), ".", 2)[0]) {
				mailed = append(mailed, name)
				break
			}
		}
		if strings.HasPrefix(m.Body, notify.Title("LOWBATT")) && !strings.Contains(m.Body, "The watched UPS "+k2+" reports a low battery. This computer does not depend on it") {
			t.Errorf("the LOWBATT mail speaks of a shutdown:\n%s", m.Body)
		}
	}
	if len(msgs) != 5 || len(mailed) != 5 {
		t.Fatalf("%d mails (%q), want ups2's ONBATT, LOWBATT, COMMBAD, COMMOK, ONLINE", len(msgs), mailed)
	}
}
