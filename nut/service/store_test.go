package service

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/client"
)

func TestEventLogRotatesBySize(t *testing.T) {
	path := filepath.Join(t.TempDir(), EventLogName)
	l, err := OpenEventLog(path, 2000)
	if err != nil {
		t.Fatal(err)
	}
	const n = 100
	for i := range n {
		if err := l.Append(api.Event{Time: t0.Add(time.Duration(i) * time.Second), Name: EvOnBatt, UPS: "ups", Message: fmt.Sprintf("event %d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	for _, p := range []string{path, path + ".1"} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() > 2000 || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: size %d mode %v, want <= 2000 and 0600", p, st.Size(), st.Mode().Perm())
		}
	}
	evs, err := ReadEvents(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) == 0 || len(evs) >= n || evs[len(evs)-1].Message != fmt.Sprintf("event %d", n-1) {
		t.Fatalf("read %d events, last %+v", len(evs), evs[len(evs)-1])
	}
	for i := 1; i < len(evs); i++ {
		if !evs[i].Time.After(evs[i-1].Time) {
			t.Fatalf("events out of order at %d", i)
		}
	}
	last3, _ := ReadEvents(path, 3)
	if len(last3) != 3 || last3[2].Message != evs[len(evs)-1].Message {
		t.Fatalf("last 3: %+v", last3)
	}
}

func TestFollowEventsAcrossRotation(t *testing.T) {
	path := filepath.Join(t.TempDir(), EventLogName)
	l, err := OpenEventLog(path, 600)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_ = l.Append(api.Event{Name: "OLD", Message: "before follow"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	var got []string
	done := make(chan struct{})
	go func() {
		_ = FollowEvents(ctx, path, 10*time.Millisecond, func(e api.Event) {
			mu.Lock()
			got = append(got, e.Message)
			mu.Unlock()
		})
		close(done)
	}()
	time.Sleep(50 * time.Millisecond) // let it take the starting offset
	for i := range 20 {
		_ = l.Append(api.Event{Name: EvOnBatt, Message: fmt.Sprintf("m%d", i)})
		time.Sleep(15 * time.Millisecond)
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= 20 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if len(got) != 20 {
		t.Fatalf("followed %d events: %v", len(got), got)
	}
	for i, m := range got {
		if m != fmt.Sprintf("m%d", i) {
			t.Fatalf("event %d is %q (lost or doubled): %v", i, m, got)
		}
	}
}

func TestHistoryBounded(t *testing.T) {
	path := filepath.Join(t.TempDir(), HistoryName)
	h, err := OpenHistory(path, 100)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 450 {
		s := api.Sample{Time: t0.Add(time.Duration(i) * time.Minute), Charge: client.Known(float64(i % 100))}
		if i%2 == 0 {
			s.Runtime = client.Known(600)
		}
		if err := h.Add(s); err != nil {
			t.Fatal(err)
		}
	}
	if h.Len() != 100 {
		t.Fatalf("kept %d samples, want 100", h.Len())
	}
	b, _ := os.ReadFile(path)
	lines := 0
	for _, c := range b {
		if c == '\n' {
			lines++
		}
	}
	if lines > 200 {
		t.Fatalf("file holds %d lines, want <= 200", lines)
	}
	// Reopen: the newest 100 come back, unknown values stay unknown.
	h2, err := OpenHistory(path, 100)
	if err != nil {
		t.Fatal(err)
	}
	all := h2.Since(time.Time{})
	if len(all) != 100 || !all[99].Time.Equal(t0.Add(449*time.Minute)) {
		t.Fatalf("reloaded %d samples, last %v", len(all), all[len(all)-1].Time)
	}
	if all[99].Runtime.OK || !all[98].Runtime.OK || all[99].Load.OK {
		t.Fatalf("unknown values not kept unknown: %+v %+v", all[98], all[99])
	}
	last := h2.Since(t0.Add(440 * time.Minute))
	if len(last) != 9 {
		t.Fatalf("last 10 min: %d samples, want 9", len(last))
	}
}

func TestParseRange(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{{"1h", time.Hour, true}, {"24h", 24 * time.Hour, true}, {"7d", 7 * 24 * time.Hour, true}, {"", 24 * time.Hour, true}, {"x", 0, false}, {"-1h", 0, false}} {
		d, err := ParseRange(tt.in)
		if (err == nil) != tt.ok || d != tt.want {
			t.Errorf("ParseRange(%q) = %v, %v", tt.in, d, err)
		}
	}
}
