package demo

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/conf"
	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
	"github.com/nutmeg-ups/nutmeg/nut/service"
)

// testScale runs the 160 s day in 24 s: steps 2.25 s or more apart, the
// countdown 9 s.
const testScale = 0.15

// TestDemoDay plays the whole script on the real service and checks what a
// tray sees on the socket, and that the "shutdown" only wrote its line.
func TestDemoDay(t *testing.T) {
	nutlab.Require(t)
	lock := nutlab.LockUpsmon(t) // the service runs upsmon
	defer lock.Close()
	dir, err := os.MkdirTemp("", "nmd") // a socket path must stay short
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)

	var (
		mu     sync.Mutex
		names  []string
		steps  []string
		client *api.Client
	)
	changed := make(chan struct{}, 1)
	cfg := Config{Dir: dir, Scale: testScale,
		OnStep: func(s Step) {
			mu.Lock()
			steps = append(steps, s.Clock)
			mu.Unlock()
		},
		// Subscribe before the script's first change, like a tray that was
		// already running.
		Ready: func() {
			c, err := api.Dial(context.Background(), api.SocketPath(dir))
			if err != nil {
				t.Errorf("dial the demo's socket: %v", err)
				return
			}
			client = c
			go func() {
				for m := range c.Messages() {
					if m.Type == "event" {
						mu.Lock()
						names = append(names, m.Event.Name)
						mu.Unlock()
						select {
						case changed <- struct{}{}:
						default:
						}
					}
				}
			}()
		}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("demo: %v", err)
		}
		if client != nil {
			client.Close()
		}
	}()

	logPath := filepath.Join(dir, ShutdownLog)
	deadline := time.After(90 * time.Second)
	for {
		mu.Lock()
		got := slices.Clone(names)
		mu.Unlock()
		b, _ := os.ReadFile(logPath)
		if slices.Contains(got, service.EvShutdown) && len(b) > 0 {
			break
		}
		select {
		case <-changed:
		case <-time.After(200 * time.Millisecond):
		case err := <-done:
			t.Fatalf("demo ended early: %v; events %v", err, got)
		case <-deadline:
			t.Fatalf("no SHUTDOWN and shutdown.log line within 90 s; events %v", got)
		}
	}
	time.Sleep(2 * time.Second) // let anything that should not come show up

	mu.Lock()
	got := slices.Clone(names)
	played := slices.Clone(steps)
	mu.Unlock()
	t.Logf("events: %v", got)
	want := []string{"ONBATT", "COUNTDOWN", "ONLINE", "CANCELLED", "ONBATT", "COUNTDOWN", "LOWBATT", "SHUTDOWN"}
	var seq []string
	for _, n := range got {
		switch n {
		case "FSD": // upsd's flag after the service's FSD: expected, after SHUTDOWN
		case "COMMBAD", "NOCOMM", "COMMOK", "POSTPONED":
			t.Errorf("unexpected event %s in %v", n, got)
		default:
			seq = append(seq, n)
		}
	}
	if !slices.Equal(seq, want) {
		t.Errorf("events %v, want %v", seq, want)
	}
	if len(played) != len(Script()) {
		t.Errorf("played %d of %d steps", len(played), len(Script()))
	}

	// The "shutdown" is one line in the log, nothing else.
	b, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "demo: SHUTDOWNCMD ran") {
		t.Errorf("shutdown.log: %q, want one demo line", b)
	}
	mon, err := os.ReadFile(filepath.Join(service.EtcDir(dir), conf.UPSMonConf))
	if err != nil {
		t.Fatal(err)
	}
	// SHUTDOWNCMD runs the service's wrapper, which runs the demo's line.
	wrapper, err := os.ReadFile(service.ShutdownWrapper(dir))
	if err != nil {
		t.Fatal(err)
	}
	if w := string(wrapper); !strings.Contains(w, logPath) || strings.Contains(w, "/sbin/shutdown") || strings.Contains(w, "poweroff") {
		t.Errorf("shutdown wrapper:\n%s", w)
	}
	for _, l := range strings.Split(string(mon), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "SHUTDOWNCMD") {
			if !strings.Contains(l, service.ShutdownWrapper(dir)) || strings.Contains(l, "/sbin/shutdown") || strings.Contains(l, "poweroff") {
				t.Errorf("upsmon.conf: %s", l)
			}
		}
		if strings.HasPrefix(strings.TrimSpace(l), "POWERDOWNFLAG") {
			t.Errorf("the demo must not power the UPS off: %s", l)
		}
	}
}

func TestSettingsNeverPowerOff(t *testing.T) {
	for _, scale := range []float64{1, 0.15, 0.001} {
		s, err := Settings("/tmp/nutmeg-demo-x", 3493, scale)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(); err != nil {
			t.Errorf("scale %v: %v", scale, err)
		}
		if !strings.Contains(s.EffectiveShutdownCmd(), "/tmp/nutmeg-demo-x/"+ShutdownLog) || s.PowerDown || s.EmailNotify {
			t.Errorf("scale %v: %+v", scale, s)
		}
		if s.ShutdownTimer < 1 {
			t.Errorf("scale %v: timer %d", scale, s.ShutdownTimer)
		}
	}
	if _, err := Settings("/tmp/it's here", 3493, 1); err == nil {
		t.Error("a quote in the directory was accepted into SHUTDOWNCMD")
	}
}

func TestScriptShape(t *testing.T) {
	sc := Script()
	for i, s := range sc {
		if s.Vars["ups.status"] == "" || s.Note == "" {
			t.Errorf("step %d: %+v", i, s)
		}
		if i > 0 && s.At-sc[i-1].At < 15*time.Second {
			t.Errorf("step %d only %v after the previous one", i, s.At-sc[i-1].At)
		}
	}
	// The first outage ends before the countdown would; the second reaches
	// low battery before it would.
	if d := sc[4].At - sc[2].At; d >= ShutdownTimer*time.Second {
		t.Errorf("power back after %v: the countdown (%d s) would have run out", d, ShutdownTimer)
	}
	if d := sc[9].At - sc[7].At; d >= ShutdownTimer*time.Second {
		t.Errorf("low battery after %v: the countdown would have run out first", d)
	}
}

func TestWriteDevBumpsMtime(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.dev")
	var last time.Time
	for i := range 3 {
		if err := WriteDev(p, map[string]string{"ups.status": "OL", "n": string(rune('0' + i))}); err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 && !st.ModTime().After(last) {
			t.Errorf("write %d: mtime %v not after %v", i, st.ModTime(), last)
		}
		last = st.ModTime()
	}
	b, _ := os.ReadFile(p)
	if !strings.Contains(string(b), "ups.status: OL\n") {
		t.Errorf("dev file:\n%s", b)
	}
}
