package client

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/nutquote"
)

// next waits for an event of kind, failing after a generous bound; events
// of other kinds are skipped (and returned in skipped for inspection).
func next(t *testing.T, ch <-chan Event, kind EventKind) (Event, []Event) {
	t.Helper()
	var skipped []Event
	timeout := time.After(30 * time.Second)
	for {
		select {
		case e, ok := <-ch:
			if !ok {
				t.Fatalf("channel closed while waiting for %v", kind)
			}
			if e.Kind == kind {
				return e, skipped
			}
			skipped = append(skipped, e)
		case <-timeout:
			t.Fatalf("no %v event; got %v", kind, skipped)
		}
	}
}

// drained waits until the Watch goroutine has gone (the channel closes).
func drained(t *testing.T, ch <-chan Event) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-timeout:
			t.Fatal("Watch did not stop after cancel")
		}
	}
}

// settleGoroutines waits for the goroutine count to come back to at most n.
func settleGoroutines(t *testing.T, n int) {
	t.Helper()
	for i := 0; i < 200; i++ {
		if runtime.NumGoroutine() <= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	buf := make([]byte, 1<<16)
	t.Fatalf("%d goroutines, started with %d:\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
}

func TestPollerRecoversAfterUpsdRestart(t *testing.T) {
	lab := startLab(t, onBattery, "")
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := &Poller{Addr: lab.Addr(), Interval: 100 * time.Millisecond, MinBackoff: 100 * time.Millisecond, MaxBackoff: 400 * time.Millisecond, Options: Options{Timeout: time.Second}}
	ch := p.Watch(ctx)

	if e, _ := next(t, ch, Connected); e.UPS != "ups" {
		t.Errorf("connected to UPS %q, want the only one, ups", e.UPS)
	}
	if e, _ := next(t, ch, Polled); e.Status.Charge != Known(64) || !e.Status.Has("OB") {
		t.Errorf("first poll %+v", e.Status)
	}

	lab.Stop("upsd")
	lost, _ := next(t, ch, Lost)
	if lost.Err == nil || lost.Retry <= 0 {
		t.Errorf("lost event %+v", lost)
	}
	// Stays down a while: retries must not report Lost again.
	time.Sleep(time.Second)
	lab.StartUpsd()
	_, skipped := next(t, ch, Connected)
	for _, e := range skipped {
		if e.Kind == Lost {
			t.Errorf("Lost reported again during one outage: %v", e.Err)
		}
	}
	// upsd answers "no data yet" until the driver's dump is in; PollFailed
	// events with ErrNoDataYet may come first.
	e, skipped := next(t, ch, Polled)
	if e.Status.Charge != Known(64) {
		t.Errorf("poll after restart %+v", e.Status)
	}
	for _, e := range skipped {
		if e.Kind != PollFailed || !IsCommLost(e.Err) {
			t.Errorf("before the first poll after restart: %v %v", e.Kind, e.Err)
		}
	}

	cancel()
	drained(t, ch)
	settleGoroutines(t, before)
}

func TestPollerReportsProtocolErrorsAndKeepsSession(t *testing.T) {
	lab := startLab(t, onBattery, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var p countingProxy
	addr := p.start(t, lab.Addr())
	pl := &Poller{Addr: addr, UPS: "nosuch", Interval: 50 * time.Millisecond}
	ch := pl.Watch(ctx)
	next(t, ch, Connected)
	for i := 0; i < 3; i++ {
		e, _ := next(t, ch, PollFailed)
		if !IsUnknownUPS(e.Err) {
			t.Fatalf("poll failed with %v", e.Err)
		}
	}
	cancel()
	drained(t, ch)
	// One session: no reconnection because upsd said no.
	for _, l := range p.sent() {
		if l != "LIST VAR nosuch" {
			t.Errorf("poller sent %q", l)
		}
	}
}

func TestPollerOnSilentServerFailsByDeadline(t *testing.T) {
	addr := silentServer(t)
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	p := &Poller{Addr: addr, UPS: "ups", Options: Options{Timeout: 200 * time.Millisecond}, MinBackoff: 50 * time.Millisecond}
	ch := p.Watch(ctx)
	next(t, ch, Connected)
	e, _ := next(t, ch, Lost)
	if !errors.Is(e.Err, os.ErrDeadlineExceeded) {
		t.Errorf("lost with %v, want a deadline error", e.Err)
	}
	cancel()
	drained(t, ch)
	settleGoroutines(t, before)
}

func TestPollerUnreachableAndCancel(t *testing.T) {
	lab := startLab(t, onBattery, "")
	addr := lab.Addr()
	lab.StopAll() // nothing listens there now
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	var events []Event
	done := make(chan error)
	p := &Poller{Addr: addr, MinBackoff: 20 * time.Millisecond, MaxBackoff: 40 * time.Millisecond}
	go func() { done <- p.Run(ctx, func(e Event) { events = append(events, e) }) }()
	time.Sleep(500 * time.Millisecond) // many attempts at 20-40 ms
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v", err)
	}
	if len(events) != 1 || events[0].Kind != Lost || events[0].Err == nil {
		t.Errorf("events %+v, want one Lost", events)
	}
	settleGoroutines(t, before)
}

// A server that hangs up at once is one outage however often the poller
// retries: Lost once, never Connected. The retries are counted at the
// server, so the test proves they happened instead of assuming it.
func TestPollerReportsLostOncePerOutage(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	var events []Event
	done := make(chan error)
	p := &Poller{Addr: ln.Addr().String(), MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond}
	go func() { done <- p.Run(ctx, func(e Event) { events = append(events, e) }) }()
	const attempts = 5
	for deadline := time.Now().Add(20 * time.Second); accepted.Load() < attempts; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the poller tried %d times, want %d retries", accepted.Load(), attempts)
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v", err)
	}
	if len(events) != 1 || events[0].Kind != Lost || events[0].Err == nil {
		t.Errorf("events %+v after %d attempts, want one Lost", events, accepted.Load())
	}
	settleGoroutines(t, before)
}

// Logins asks upsd for the upsmon logged in right after the poll, in the
// same session, only while Logins says so; without it a poll stays one
// round trip.
func TestPollerAsksLoginsWhenWanted(t *testing.T) {
	lab := startLab(t, onBattery, "")
	upsmon, err := net.Dial("tcp", lab.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer upsmon.Close()
	fmt.Fprintf(upsmon, "USERNAME admin\nPASSWORD %s\nLOGIN ups\n", nutquote.Quote(adminPassword))
	r := bufio.NewReader(upsmon)
	for range 3 {
		if ans, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(ans, "OK") {
			t.Fatalf("upsmon's login: %q %v", ans, err)
		}
	}
	var want atomic.Bool
	want.Store(true)
	var p countingProxy
	addr := p.start(t, lab.Addr())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := (&Poller{Addr: addr, UPS: "ups", Interval: 50 * time.Millisecond,
		Logins: func(st Status) bool { return want.Load() && st.Has("OB") }}).Watch(ctx)
	next(t, ch, Connected)
	if e, _ := next(t, ch, Polled); e.Logins != 1 {
		t.Errorf("Logins %d with one upsmon logged in, want 1", e.Logins)
	}
	want.Store(false)
	// Polls made before the change may still be queued.
	for e, _ := next(t, ch, Polled); e.Logins != -1; e, _ = next(t, ch, Polled) {
	}
	for range 3 {
		if e, _ := next(t, ch, Polled); e.Logins != -1 {
			t.Errorf("Logins %d when no longer wanted, want -1", e.Logins)
		}
	}
	cancel()
	drained(t, ch)
	sent := p.sent()
	for _, l := range sent {
		if l != "GET NUMLOGINS ups" && l != "LIST VAR ups" {
			t.Errorf("poller sent %q", l)
		}
	}
	if len(sent) < 5 || sent[1] != "GET NUMLOGINS ups" || slices.Contains(sent[len(sent)-3:], "GET NUMLOGINS ups") {
		t.Errorf("poller sent %q: want GET NUMLOGINS right after the first poll, and none once not wanted", sent)
	}
}
