package service

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/client"
)

// After tick has handled what was due, the loop's next wake-up must lie in
// the future: a moment already past re-arms the timer at zero and the loop
// spins until the next poll. The idle service did exactly that once a
// minute, when the history sample was due (1 s of a core and 6 MB of
// garbage each time, in `make bench`), and a countdown resumed from the
// state file spun for up to ResumeWait while it waited for a first poll.
func TestWakeAtAfterTickIsInTheFuture(t *testing.T) {
	t0 := time.Date(2026, 11, 29, 7, 0, 0, 0, time.UTC)
	online := client.Status{UPS: "ups", Time: t0, Flags: map[string]bool{"OL": true}}
	onBatt := client.Status{UPS: "ups", Time: t0, Flags: map[string]bool{"OB": true}}
	for _, tc := range []struct {
		name  string
		saved *ShutdownState
		// run brings the watcher to the moment under test, on the fake clock.
		run func(w *Watcher, clock *time.Time)
		// fsd: FSD calls expected by then.
		fsd int
	}{
		{name: "idle, history sample due", run: func(w *Watcher, clock *time.Time) {
			w.onPoll(context.Background(), client.Event{Kind: client.Polled, Status: online})
			*clock = t0.Add(61 * time.Second) // the poll of second 61 has not come yet
		}},
		{name: "resumed countdown past its FSD moment, waiting for a first poll",
			saved: &ShutdownState{UPS: "ups", Flags: []string{"OB"}, Countdown: &Saved{Reason: "ONBATT",
				Started: t0.Add(-time.Minute), ShutdownAt: t0.Add(-10 * time.Second)}},
			run: func(w *Watcher, clock *time.Time) { *clock = t0.Add(2 * time.Second) }},
		{name: "resumed countdown, no poll within ResumeWait: FSD sent",
			saved: &ShutdownState{UPS: "ups", Flags: []string{"OB"}, Countdown: &Saved{Reason: "ONBATT",
				Started: t0.Add(-time.Minute), ShutdownAt: t0.Add(-10 * time.Second)}},
			run: func(w *Watcher, clock *time.Time) { *clock = t0.Add(ResumeWait + time.Second) }, fsd: 1},
		{name: "communication lost past nocommwarntime", run: func(w *Watcher, clock *time.Time) {
			w.onPoll(context.Background(), client.Event{Kind: client.Polled, Status: online})
			*clock = t0.Add(time.Second)
			w.onPoll(context.Background(), client.Event{Kind: client.Lost, Err: errors.New("gone")})
			*clock = t0.Add(time.Second + 2*time.Minute)
		}},
		{name: "countdown running", run: func(w *Watcher, clock *time.Time) {
			w.onPoll(context.Background(), client.Event{Kind: client.Polled, Status: onBatt})
			*clock = t0.Add(1500 * time.Millisecond)
		}},
		{name: "failed shutdown waiting for its retry", saved: &ShutdownState{UPS: "ups", Flags: []string{"OB"},
			Failed: "the shutdown command failed (exit status 1)"},
			run: func(w *Watcher, clock *time.Time) { *clock = t0.Add(31 * time.Second) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, err := os.MkdirTemp("", "nmw")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.RemoveAll(dir) })
			if tc.saved != nil {
				if err := saveShutdownState(dir, *tc.saved); err != nil {
					t.Fatal(err)
				}
			}
			clock := t0
			fsd := 0
			w, err := NewWatcher(WatcherConfig{UPS: "ups", Addr: "127.0.0.1:1", Mode: nut.ModePrimary,
				Policy: Policy{Mode: nut.ShutdownBatt, Timer: time.Minute}, NoComm: time.Minute, StateDir: dir,
				Now: func() time.Time { return clock }, FSD: func(context.Context) error { fsd++; return nil },
				Log: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			tc.run(w, &clock)
			w.tick(context.Background())
			w.persist()
			if next := w.wakeAt(clock); !next.After(clock) {
				t.Errorf("after tick at %v the loop wakes again at %v: it would spin", clock.Sub(t0), next.Sub(t0))
			}
			if fsd != tc.fsd {
				t.Errorf("FSD issued %d times, want %d", fsd, tc.fsd)
			}
		})
	}
}
