package service

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
)

// The service's own tests shorten the pause between tries of a failed
// shutdown (testRetryEvery); a service configured as the product configures
// it keeps 30 s, and says so.
func TestRetryEveryDefault(t *testing.T) {
	dir, err := os.MkdirTemp("", "nmr")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	svc := &Service{cfg: Config{StateDir: dir}, log: slog.New(slog.DiscardHandler)}
	wc := svc.watcherConfig(nut.Defaults(), nil)
	t0 := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	clock := t0
	retried := make(chan struct{}, 4)
	wc.Now = func() time.Time { return clock }
	wc.FSD = func(context.Context) error { return nil }
	wc.RetryShutdown = func(context.Context) error { retried <- struct{}{}; return nil }
	w, err := NewWatcher(wc)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ctx := context.Background()
	w.shutdownFailed(ctx, t0, "the shutdown command failed (exit status 1)")
	if got := w.State().ShutdownFailed; got == "" {
		t.Fatal("no failure in the state")
	}
	if msg := lastEvent(t, dir); !strings.Contains(msg, "Trying again every 30s") {
		t.Errorf("SHUTDOWN_FAILED says %q, want every 30s", msg)
	}
	for _, tc := range []struct {
		at   time.Duration
		want int
	}{{29 * time.Second, 0}, {30 * time.Second, 1}, {59 * time.Second, 0}, {60 * time.Second, 1}} {
		clock = t0.Add(tc.at)
		w.checkShutdown(ctx, clock)
		// The retry runs in a goroutine: a try is waited for, and its
		// absence checked for a moment.
		wait := 100 * time.Millisecond
		if tc.want > 0 {
			wait = 5 * time.Second
		}
		got := 0
		select {
		case <-retried:
			got = 1
		case <-time.After(wait):
		}
		if got != tc.want {
			t.Errorf("at +%v: %d tries, want %d", tc.at, got, tc.want)
		}
	}
}

// lastEvent is the message of the last event in dir's event log.
func lastEvent(t *testing.T, dir string) string {
	t.Helper()
	evs, err := ReadEvents(filepath.Join(dir, EventLogName), 1)
	if err != nil || len(evs) == 0 {
		t.Fatalf("event log: %v %v", evs, err)
	}
	return evs[len(evs)-1].Message
}
