package tray

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestIconRetryDelay(t *testing.T) {
	for _, c := range []struct {
		try  int
		want time.Duration
		ok   bool
	}{
		{1, 3 * time.Second, true},
		{2, 6 * time.Second, true},
		{5, 48 * time.Second, true},
		{6, time.Minute, true},
		{14, time.Minute, true},
		{15, 0, false},
	} {
		d, ok := iconRetryDelay(c.try)
		if d != c.want || ok != c.ok {
			t.Errorf("iconRetryDelay(%d) = %v, %v; want %v, %v", c.try, d, ok, c.want, c.ok)
		}
	}
	var all time.Duration
	for try := 1; ; try++ {
		d, ok := iconRetryDelay(try)
		if !ok {
			break
		}
		all += d
	}
	if all < 10*time.Minute || all > 11*time.Minute {
		t.Errorf("the tries wait %v in all; want about ten minutes", all)
	}
}

func TestTryNumber(t *testing.T) {
	for _, c := range []struct {
		env  string
		want int
	}{{"", 1}, {"3", 3}, {"0", 1}, {"x", 1}} {
		t.Setenv(envTry, c.env)
		if got := tryNumber(); got != c.want {
			t.Errorf("%s=%q: try %d, want %d", envTry, c.env, got, c.want)
		}
		if v, set := os.LookupEnv(envTry); set {
			t.Errorf("%s=%q is still set after tryNumber (%q): the windows would inherit it", envTry, c.env, v)
		}
	}
}

// After its last try, a tray that watches the user's service stays without
// an icon: it gives up the tray's lock, and ends once a tray started later
// holds it. One that watches nothing ends with an error.
func TestIconGivenUp(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tray.lock")
	release, err := Lock(path)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var log []string
	logf := func(format string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		log = append(log, fmt.Sprintf(format, a...))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	last := 1
	for {
		if _, ok := iconRetryDelay(last); !ok {
			break
		}
		last++
	}

	err = iconRetry(ctx, iconRetryArgs{try: last, release: func() {}, lock: path, logf: logf})
	if err == nil || !strings.Contains(err.Error(), "giving up") {
		t.Errorf("a tray that watches nothing: %v, want an error that gives up", err)
	}

	done := make(chan error, 1)
	go func() {
		done <- iconRetry(ctx, iconRetryArgs{try: last, release: release, lock: path, watching: true, logf: logf})
	}()
	select {
	case err := <-done:
		t.Fatalf("the watching tray ended (%v); want it to watch on", err)
	case <-time.After(500 * time.Millisecond):
	}
	other, err := lockSoon(path)
	if err != nil {
		t.Fatalf("a tray started later cannot take the lock: %v", err)
	}
	defer other()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("the watching tray ended with %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the watching tray did not end once another tray held the lock")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(log) != 1 || !strings.Contains(log[0], "watchdog goes on without the icon") {
		t.Errorf("logged %q", log)
	}
}
