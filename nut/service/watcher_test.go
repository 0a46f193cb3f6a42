package service

import (
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/api"
)

func TestShutdownTimerBatt(t *testing.T) {
	s := startLabService(t, Policy{Mode: nut.ShutdownBatt, Timer: 5 * time.Second}, time.Minute, dev("OL"), nil)
	col := collect(t, s.sock())
	first, _ := col.wait(t, 0, 5*time.Second, "first state", func(m api.Message) bool { return m.Type == "state" })
	if first.m.State.UPS != "ups" || first.m.State.Shutdown != nut.ShutdownBatt {
		t.Fatalf("first state %+v", first.m.State)
	}
	col.wait(t, 0, 10*time.Second, "connected state", func(m api.Message) bool {
		return m.Type == "state" && m.State.Connected && m.State.Status != nil
	})
	s.lab.WriteDev("ups.dev", dev("OB DISCHRG"))
	onbatt, i := col.event(t, 0, EvOnBatt, 10*time.Second)
	cdState, _ := col.wait(t, i, 2*time.Second, "countdown state", func(m api.Message) bool { return m.Type == "state" && m.State.Countdown != nil })
	cd := cdState.m.State.Countdown
	mark := waitMarker(t, s.marker, 10*time.Second)
	changed := onbatt.m.Event.Time
	t.Logf("ONBATT seen %v; FSD planned +%v; shutdown planned +%v; marker +%v (%v after the planned moment)",
		changed.Format("15:04:05.000"), cd.FSDAt.Sub(changed), cd.ShutdownAt.Sub(changed), mark.Sub(changed), mark.Sub(cd.ShutdownAt))
	if d := mark.Sub(changed); d < 4*time.Second || d > 6*time.Second {
		t.Errorf("marker %v after the status change, want 5 s ± 1 s", d)
	}
	if d := mark.Sub(cd.ShutdownAt); d < -time.Second || d > time.Second {
		t.Errorf("marker %v from the countdown's ShutdownAt %v", d, cd.ShutdownAt)
	}
	if cd.Reason != "ONBATT" || !cd.Started.Equal(changed) {
		t.Errorf("countdown %+v, want ONBATT started at %v", cd, changed)
	}
	col.event(t, i, EvShutdown, 5*time.Second)
	col.event(t, i, EvFSD, 5*time.Second) // upsmon set FSD on upsd
}

func TestOnlineCancelsCountdown(t *testing.T) {
	s := startLabService(t, Policy{Mode: nut.ShutdownBatt, Timer: 8 * time.Second}, time.Minute, dev("OL"), nil)
	col := collect(t, s.sock())
	col.wait(t, 0, 10*time.Second, "connected state", func(m api.Message) bool { return m.Type == "state" && m.State.Connected })
	s.lab.WriteDev("ups.dev", dev("OB DISCHRG"))
	_, i := col.event(t, 0, EvCountdown, 10*time.Second)
	s.lab.WriteDev("ups.dev", dev("OL CHRG"))
	_, j := col.event(t, i, EvOnline, 6*time.Second)
	col.event(t, i, EvCancelled, 2*time.Second)
	st, _ := col.wait(t, j, 2*time.Second, "state without countdown", func(m api.Message) bool { return m.Type == "state" && m.State.Countdown == nil })
	if !st.m.State.Status.Has("OL") {
		t.Errorf("status %v", st.m.State.Status.Flags)
	}
	time.Sleep(9 * time.Second) // past the original deadline
	if m := markers(t, s.marker); len(m) > 0 {
		t.Fatalf("shut down although power came back: %v", m)
	}
	evs, err := ReadEvents(s.state+"/"+EventLogName, 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range evs {
		names = append(names, e.Name)
	}
	want := []string{EvOnBatt, EvCountdown, EvOnline, EvCancelled}
	if len(names) != len(want) {
		t.Fatalf("event log %v, want %v", names, want)
	}
	for k := range want {
		if names[k] != want[k] {
			t.Fatalf("event log %v, want %v", names, want)
		}
	}
}
