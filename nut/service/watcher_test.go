package service

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
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

func TestLowBattMode(t *testing.T) {
	s := startLabService(t, Policy{Mode: nut.ShutdownLowBatt}, time.Minute, dev("OL"), nil)
	col := collect(t, s.sock())
	col.wait(t, 0, 10*time.Second, "connected state", func(m api.Message) bool { return m.Type == "state" && m.State.Connected })
	s.lab.WriteDev("ups.dev", dev("OB DISCHRG", "battery.charge", "30"))
	_, i := col.event(t, 0, EvOnBatt, 10*time.Second)
	time.Sleep(6 * time.Second) // upsmon polls every second here: it would have acted
	if m := markers(t, s.marker); len(m) > 0 {
		t.Fatalf("lowbatt mode shut down on OB alone: %v", m)
	}
	if st := s.w.State(); st.Countdown != nil {
		t.Fatalf("countdown in lowbatt mode on OB alone: %+v", st.Countdown)
	}
	written := time.Now()
	s.lab.WriteDev("ups.dev", dev("OB DISCHRG LB", "battery.charge", "5"))
	lb, _ := col.event(t, i, EvLowBatt, 10*time.Second)
	mark := waitMarker(t, s.marker, 10*time.Second)
	t.Logf(".dev written → LOWBATT event %v → marker %v", lb.m.Event.Time.Sub(written), mark.Sub(lb.m.Event.Time))
	if d := mark.Sub(lb.m.Event.Time); d > 3*time.Second {
		t.Errorf("marker %v after LOWBATT, want within 3 s", d)
	}
}

func TestPostpone(t *testing.T) {
	p := Policy{Mode: nut.ShutdownBatt, Timer: 6 * time.Second, PostponeAllowed: true, PostponeStep: 20 * time.Second, PostponeMax: 1}
	s := startLabService(t, p, time.Minute, dev("OL"), nil)
	col := collect(t, s.sock())
	col.wait(t, 0, 10*time.Second, "connected state", func(m api.Message) bool { return m.Type == "state" && m.State.Connected })
	ctx := t.Context()
	if r, err := col.c.Do(ctx, api.Request{Op: "postpone"}); err != nil || r.OK || r.Reason == "" {
		t.Fatalf("postpone without countdown: %+v %v", r, err)
	}
	s.lab.WriteDev("ups.dev", dev("OB DISCHRG"))
	first, i := col.wait(t, 0, 10*time.Second, "countdown", func(m api.Message) bool { return m.Type == "state" && m.State.Countdown != nil })
	before := first.m.State.Countdown
	if !before.CanPostpone || before.PostponeStep != 20 {
		t.Fatalf("countdown %+v: want postponable by 20 s", before)
	}
	r, err := col.c.Do(ctx, api.Request{Op: "postpone"})
	if err != nil || !r.OK {
		t.Fatalf("postpone: %+v %v", r, err)
	}
	after, j := col.wait(t, i, 3*time.Second, "postponed countdown", func(m api.Message) bool {
		return m.Type == "state" && m.State.Countdown != nil && m.State.Countdown.Postponed == 1
	})
	if d := after.m.State.Countdown.ShutdownAt.Sub(before.ShutdownAt); d != 20*time.Second || after.m.State.Countdown.CanPostpone {
		t.Fatalf("postponed countdown %+v moved by %v", after.m.State.Countdown, d)
	}
	col.event(t, i, EvPostponed, 2*time.Second)
	r, err = col.c.Do(ctx, api.Request{Op: "postpone"})
	if err != nil || r.OK || r.Reason == "" {
		t.Fatalf("postpone past the limit: %+v %v", r, err)
	}
	t.Logf("refused: %s", r.Reason)
	time.Sleep(time.Until(before.ShutdownAt.Add(2 * time.Second))) // the old deadline passes
	if m := markers(t, s.marker); len(m) > 0 {
		t.Fatalf("shut down at the old deadline: %v", m)
	}
	s.lab.WriteDev("ups.dev", dev("OB DISCHRG LB"))
	lb, _ := col.event(t, j, EvLowBatt, 10*time.Second)
	mark := waitMarker(t, s.marker, 5*time.Second)
	if d := mark.Sub(lb.m.Event.Time); d > 3*time.Second {
		t.Errorf("LB overrides the postponement: marker %v after LOWBATT", d)
	}
	if r, _ := col.c.Do(ctx, api.Request{Op: "postpone"}); r.OK {
		t.Fatal("postpone accepted after the shutdown started")
	}
}

func TestMissingChargeAndRuntime(t *testing.T) {
	s := startLabService(t, Policy{Mode: nut.ShutdownLowBatt}, time.Minute, dev("OL", "battery.charge", "", "battery.runtime", ""), nil)
	col := collect(t, s.sock())
	col.wait(t, 0, 10*time.Second, "connected state", func(m api.Message) bool { return m.Type == "state" && m.State.Connected })
	s.lab.WriteDev("ups.dev", dev("OB DISCHRG", "battery.charge", "", "battery.runtime", ""))
	ev, _ := col.event(t, 0, EvOnBatt, 10*time.Second)
	st := ev.m.Event.Status
	if st == nil || st.Charge.OK || st.Runtime.OK || !st.Load.OK {
		t.Fatalf("status %+v: want charge and runtime unknown, load known", st)
	}
	time.Sleep(5 * time.Second)
	if m := markers(t, s.marker); len(m) > 0 {
		t.Fatalf("shut down with unknown charge and runtime: %v", m)
	}
	if s.w.State().Countdown != nil {
		t.Fatal("countdown with unknown charge and runtime")
	}
	b, _ := os.ReadFile(filepath.Join(s.state, EventLogName))
	if !strings.Contains(string(b), `"charge":null`) || !strings.Contains(string(b), `"runtime":null`) {
		t.Fatalf("event log does not show unknown as null: %s", b)
	}
}

func eventsOf(t *testing.T, s *labService) []string {
	t.Helper()
	evs, err := ReadEvents(filepath.Join(s.state, EventLogName), 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range evs {
		names = append(names, e.Name)
	}
	return names
}

func TestDriverKilled(t *testing.T) {
	s := startLabServiceSup(t, Policy{Mode: nut.ShutdownLowBatt}, 2*time.Second, dev("OL"), nil,
		func(sup *Supervisor) { sup.MinBackoff = 3 * time.Second })
	col := collect(t, s.sock())
	col.wait(t, 0, 10*time.Second, "connected state", func(m api.Message) bool { return m.Type == "state" && m.State.Connected })
	before := s.sup.Pids()
	if err := syscall.Kill(before["driver"], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	bad, i := col.event(t, 0, EvCommBad, 5*time.Second)
	no, _ := col.event(t, i, EvNoComm, 5*time.Second)
	ok, _ := col.event(t, i, EvCommOK, 20*time.Second)
	t.Logf("COMMBAD +0, NOCOMM +%v, COMMOK +%v", no.m.Event.Time.Sub(bad.m.Event.Time), ok.m.Event.Time.Sub(bad.m.Event.Time))
	if d := no.m.Event.Time.Sub(bad.m.Event.Time); d < 2*time.Second || d > 3*time.Second {
		t.Errorf("NOCOMM %v after COMMBAD, want nocommwarntime (2 s)", d)
	}
	// The driver alone is restarted: upsd and upsmon run on, so upsmon keeps
	// what it knew of the UPS (see TestCommLostOnBatteryIsCritical).
	after := s.sup.Pids()
	if after["driver"] == 0 || after["driver"] == before["driver"] {
		t.Errorf("driver: pid %d before, %d after: not restarted", before["driver"], after["driver"])
	}
	for _, n := range []string{"upsd", "upsmon", "upsmon-child"} {
		if after[n] == 0 || after[n] != before[n] {
			t.Errorf("%s: pid %d before, %d after: restarted for a driver's death", n, before[n], after[n])
		}
	}
	if got := strings.Join(eventsOf(t, s), ","); got != "COMMBAD,NOCOMM,COMMOK" {
		t.Errorf("event log %s", got)
	}
}

func TestUpsdKilledNoEventLostOrDoubled(t *testing.T) {
	s := startLabServiceSup(t, Policy{Mode: nut.ShutdownLowBatt}, time.Minute, dev("OL"), nil,
		func(sup *Supervisor) { sup.MinBackoff = 2 * time.Second })
	col := collect(t, s.sock())
	col.wait(t, 0, 10*time.Second, "connected state", func(m api.Message) bool { return m.Type == "state" && m.State.Connected })
	before := s.sup.Pids()
	if err := syscall.Kill(before["upsd"], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, i := col.event(t, 0, EvCommBad, 5*time.Second)
	// The power fails while NUT is down: the event must come once, after.
	s.lab.WriteDev("ups.dev", dev("OB DISCHRG"))
	col.event(t, i, EvCommOK, 20*time.Second)
	col.event(t, i, EvOnBatt, 10*time.Second)
	s.lab.WriteDev("ups.dev", dev("OL CHRG"))
	col.event(t, i, EvOnline, 10*time.Second)
	time.Sleep(2 * time.Second)
	if got := strings.Join(eventsOf(t, s), ","); got != "COMMBAD,COMMOK,ONBATT,ONLINE" {
		t.Errorf("event log %s, want COMMBAD,COMMOK,ONBATT,ONLINE", got)
	}
	after := s.sup.Pids()
	for _, n := range []string{"driver", "upsd", "upsmon"} {
		if after[n] == before[n] || syscall.Kill(before[n], 0) == nil && n != "upsd" {
			t.Errorf("%s: pid %d before, %d after", n, before[n], after[n])
		}
	}
	// upsmon reconnected: it is logged in to the new upsd.
	if n, err := s.lab.Query("GET NUMLOGINS ups"); err != nil || n != "NUMLOGINS ups 1" {
		t.Errorf("upsmon logins after the restart: %q %v", n, err)
	}
	// The API client stayed connected through it all.
	select {
	case <-col.c.Done():
		t.Fatal("the API connection dropped")
	default:
	}
}

// A secondary logged in: upsmon waits for it up to HOSTSYNC after FSD, so
// the service issues FSD that much earlier and the machine still goes down
// at ShutdownAt.
func TestHostSyncLead(t *testing.T) {
	var nudges atomic.Int32
	s, col := startHostSyncLab(t, 7*time.Second, func(c *WatcherConfig) {
		send := c.Nudge
		c.Nudge = func(ctx context.Context) error { nudges.Add(1); return send(ctx) }
	})
	s.lab.WriteDev("ups.dev", dev("OB DISCHRG"))
	onbatt, i := col.event(t, 0, EvOnBatt, 10*time.Second)
	st, _ := col.wait(t, i, 3*time.Second, "countdown", func(m api.Message) bool { return m.Type == "state" && m.State.Countdown != nil })
	cd := st.m.State.Countdown
	lead := cd.ShutdownAt.Sub(cd.FSDAt)
	if lead < 3*time.Second || lead > 4*time.Second {
		t.Errorf("lead %v with a secondary logged in, want HOSTSYNC (3 s) + slack + reaction", lead)
	}
	shut, _ := col.event(t, i, EvShutdown, 10*time.Second)
	mark := waitMarker(t, s.marker, 10*time.Second)
	t.Logf("ONBATT +0, FSD +%v, marker +%v, ShutdownAt +%v", shut.m.Event.Time.Sub(onbatt.m.Event.Time),
		mark.Sub(onbatt.m.Event.Time), cd.ShutdownAt.Sub(onbatt.m.Event.Time))
	if d := mark.Sub(cd.ShutdownAt); d < -time.Second || d > time.Second {
		t.Errorf("marker %v from ShutdownAt", d)
	}
	// upsmon waited for the secondary with FSD set on upsd: that is the
	// FSD taken, and no signal may cut its talks with upsd short. One
	// repeat is right only when the first signal came while it polled.
	if n := nudges.Load(); n > 1 {
		t.Errorf("the FSD signal was sent again %d times while upsmon waited for its secondary, want at most once", n)
	}
}

// startHostSyncLab is a lab service with HOSTSYNC 3 s (the watcher's and
// upsmon's) on line power, and a secondary logged in to its upsd that
// never logs out (as a machine that is slow to go down).
func startHostSyncLab(t *testing.T, timer time.Duration, tweak func(*WatcherConfig)) (*labService, *collector) {
	t.Helper()
	s := startLabServiceSup(t, Policy{Mode: nut.ShutdownBatt, Timer: timer}, time.Minute, dev("OL"),
		func(c *WatcherConfig) {
			c.HostSync = 3 * time.Second
			if tweak != nil {
				tweak(c)
			}
		},
		func(sup *Supervisor) {
			f, err := os.OpenFile(filepath.Join(sup.Etc, "upsmon.conf"), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(f, "HOSTSYNC 3")
			f.Close()
		})
	col := collect(t, s.sock())
	col.wait(t, 0, 10*time.Second, "connected state", func(m api.Message) bool { return m.Type == "state" && m.State.Connected })
	sec, err := net.Dial("tcp", s.lab.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sec.Close() })
	fmt.Fprintf(sec, "USERNAME %s\nPASSWORD \"%s\"\nLOGIN ups\n", labUser, labPass)
	r := bufio.NewReader(sec)
	for range 3 {
		if ans, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(ans, "OK") {
			t.Fatalf("secondary login: %q %v", ans, err)
		}
	}
	return s, col
}

// upsd that does not answer while the countdown runs: the lead the
// watcher had (HOSTSYNC, a secondary logged in) stays, or FSD would come
// HOSTSYNC late and the machine go down after the time the tray showed.
// Nor does the watcher's loop wait for upsd: the countdown's state still
// comes once a second (the count of logins used to be asked on the loop,
// which then stood still for a second every 5 s).
func TestLeadKeptWhileUpsdDoesNotAnswer(t *testing.T) {
	s, col := startHostSyncLab(t, 30*time.Second, nil)
	s.lab.WriteDev("ups.dev", dev("OB DISCHRG"))
	_, i := col.event(t, 0, EvOnBatt, 10*time.Second)
	first, i := col.wait(t, i, 3*time.Second, "countdown", func(m api.Message) bool { return m.Type == "state" && m.State.Countdown != nil })
	if cd := first.m.State.Countdown; cd.ShutdownAt.Sub(cd.FSDAt) < 3*time.Second {
		t.Fatalf("lead %v with a secondary logged in, want HOSTSYNC (3 s) and more", cd.ShutdownAt.Sub(cd.FSDAt))
	}
	upsd := s.sup.Pids()["upsd"]
	if err := syscall.Kill(upsd, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	resume := sync.OnceFunc(func() { _ = syscall.Kill(upsd, syscall.SIGCONT) })
	t.Cleanup(resume)
	// The logins come with the polls: none is answered in these 7 s.
	time.Sleep(7 * time.Second)
	resumed := time.Now()
	resume()
	col.wait(t, col.len(), 3*time.Second, "a state after upsd is back", func(m api.Message) bool { return m.Type == "state" })
	var last time.Time
	for _, r := range col.since(i) {
		if r.m.Type == "state" && r.m.State.Countdown != nil {
			if cd := r.m.State.Countdown; cd.ShutdownAt.Sub(cd.FSDAt) < 3*time.Second {
				t.Fatalf("at %s the lead was %v, want it kept at HOSTSYNC (3 s) and more", r.at.Format("15:04:05.000"), cd.ShutdownAt.Sub(cd.FSDAt))
			}
			if r.at.After(stopped) && r.at.Before(resumed) && !last.IsZero() && r.at.Sub(last) > 1800*time.Millisecond {
				t.Errorf("no countdown state from %s to %s while upsd was stopped: the watcher's loop waited",
					last.Format("15:04:05.000"), r.at.Format("15:04:05.000"))
			}
			last = r.at
		}
	}
}

// upsmon dies just before the countdown ends: the FSD fails, the supervisor
// brings NUT back, and the retried FSD still shuts the machine down.
func TestFSDRetriedWhileUpsmonRestarts(t *testing.T) {
	s := startLabServiceSup(t, Policy{Mode: nut.ShutdownBatt, Timer: 2 * time.Second}, time.Minute, dev("OL"), nil,
		func(sup *Supervisor) { sup.MinBackoff = 4 * time.Second })
	col := collect(t, s.sock())
	col.wait(t, 0, 10*time.Second, "connected state", func(m api.Message) bool { return m.Type == "state" && m.State.Connected })
	s.lab.WriteDev("ups.dev", dev("OB DISCHRG"))
	_, i := col.event(t, 0, EvCountdown, 10*time.Second)
	if err := syscall.Kill(-s.sup.Pids()["upsmon"], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	shut, _ := col.event(t, i, EvShutdown, 5*time.Second)
	if !strings.Contains(shut.m.Event.Message, "retrying") {
		t.Errorf("SHUTDOWN event %q: the FSD should have failed with upsmon down", shut.m.Event.Message)
	}
	mark := waitMarker(t, s.marker, 20*time.Second)
	t.Logf("marker %v after the planned shutdown (NUT restart in between)", mark.Sub(shut.m.Event.Time))
}

// During a countdown the service sends its state once a second for the
// clients' countdown lines, and a poll in the same second adds none (each
// state wakes every tray and window).
func TestCountdownStateOncePerSecond(t *testing.T) {
	s := startLabService(t, Policy{Mode: nut.ShutdownBatt, Timer: time.Minute}, time.Minute, dev("OL"), nil)
	col := collect(t, s.sock())
	col.wait(t, 0, 10*time.Second, "connected state", func(m api.Message) bool { return m.Type == "state" && m.State.Connected })
	s.lab.WriteDev("ups.dev", dev("OB DISCHRG"))
	cd, i := col.event(t, 0, EvCountdown, 10*time.Second)
	from, to := cd.at.Add(time.Second), cd.at.Add(5*time.Second)
	time.Sleep(time.Until(to.Add(time.Second)))
	n := 0
	col.mu.Lock()
	for _, r := range col.msgs[i:] {
		if r.m.Type == "state" && r.m.State.Countdown != nil && !r.at.Before(from) && r.at.Before(to) {
			n++
		}
	}
	col.mu.Unlock()
	// Four seconds hold four or five second marks; twice a second (a
	// state per poll besides the clock's) would be about eight.
	if n < 3 || n > 5 {
		t.Fatalf("%d countdown states in the 4 s from %s, want one a second", n, from.Format("15:04:05.000"))
	}
}
