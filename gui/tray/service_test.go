//go:build linux

package tray

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/gui/icon"
	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
	"github.com/nutmeg-ups/nutmeg/nut/service"
)

// labWatcher is nut/service's real watcher (events, countdown, socket) on a
// nutlab UPS (dummy-ups + upsd). upsmon is not run: the watcher's FSD hook
// records the call instead, so the test never touches the machine-wide
// upsmon and never shuts anything down.
type labWatcher struct {
	lab    *nutlab.Lab
	state  string
	fsd    atomic.Int32
	cancel context.CancelFunc
	done   chan struct{}
}

func shortDir(t testing.TB) string {
	d, err := os.MkdirTemp("", "nmt")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

func (lw *labWatcher) start(t testing.TB) {
	t.Helper()
	w, err := service.NewWatcher(service.WatcherConfig{
		UPS: "ups", Addr: lw.lab.Addr(), Mode: nut.ModePrimary,
		Policy: service.Policy{Mode: nut.ShutdownBatt, Timer: 60 * time.Second,
			PostponeAllowed: true, PostponeStep: 300 * time.Second, PostponeMax: 3},
		NoComm: time.Minute, StateDir: lw.state, Poll: 200 * time.Millisecond,
		FSD: func(context.Context) error { lw.fsd.Add(1); return nil },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	lw.cancel, lw.done = cancel, make(chan struct{})
	go func() { defer close(lw.done); w.Run(ctx) }()
}

func (lw *labWatcher) stop() {
	if lw.cancel != nil {
		lw.cancel()
		<-lw.done
		lw.cancel = nil
	}
}

// follower reads the service's socket beside the tray, to see what the
// service itself says (the countdown's deadline).
type follower struct {
	mu   sync.Mutex
	last *api.Countdown
}

func follow(t testing.TB, sock string) *follower {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := api.Dial(ctx, sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	f := &follower{}
	go func() {
		for m := range c.Messages() {
			if m.Type == "state" {
				f.mu.Lock()
				f.last = m.State.Countdown
				f.mu.Unlock()
			}
		}
	}()
	return f
}

func (f *follower) countdown() *api.Countdown {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last
}

var countdownLabel = regexp.MustCompile(`^Shutting down in (\d+):(\d\d)$`)

// secondsLeft reads the countdown label of the menu; -1 when there is none.
func secondsLeft(s *sni) int {
	for _, l := range s.visibleLabels() {
		if m := countdownLabel.FindStringSubmatch(l); m != nil {
			var min, sec int
			for _, c := range m[1] {
				min = min*10 + int(c-'0')
			}
			for _, c := range m[2] {
				sec = sec*10 + int(c-'0')
			}
			return min*60 + sec
		}
	}
	return -1
}

// TestServiceTrayOverDBus: the tray follows the real service on a dummy-ups
// UPS; power fails, the countdown runs in the menu, "Postpone 5 min" moves
// the service's deadline, "Shut down now" asks for confirmation and then
// reaches the service, and the tray survives a service restart.
func TestServiceTrayOverDBus(t *testing.T) {
	lab := nutlab.New(t)
	lab.WriteBasic("ups", "ups.dev", "upsmon", "labpass", filepath.Join(lab.Dir, "marker"))
	lab.WriteDev("ups.dev", devVars("OL", "100", "1500", "12"))
	lab.StartDriver("dummy-ups", "ups")
	lab.StartUpsd()
	lab.WaitReady("ups", 15*time.Second)
	lw := &labWatcher{lab: lab, state: shortDir(t)}
	lw.start(t)
	t.Cleanup(lw.stop)
	sock := api.SocketPath(lw.state)

	bus := privateBus(t)
	c := busConn(t, bus)
	w := startWatcher(t, c)
	notes := startNotifications(t, c)
	p := startTray(t, bus, "NUTMEG_TRAY_TEST_SOCKET="+sock)
	s := waitRegistered(t, c, w, p)
	fl := follow(t, sock)

	waitTooltip := func(want string) {
		t.Helper()
		waitFor(t, 15*time.Second, func() bool { return s.tooltip() == want },
			func() string { return "tooltip " + s.tooltip() + ", want " + want + "\n" + p.out.String() })
	}
	waitTooltip("On mains · 100% · 25 min left · load 12%")
	if slices.Contains(s.visibleLabels(), LabelShutdownNow) {
		t.Fatalf("Shut down now offered with no countdown: %q", s.visibleLabels())
	}

	// Power fails: the service starts its 60 s countdown; the menu counts.
	lab.WriteDev("ups.dev", devVars("OB DISCHRG", "64", "660", "23"))
	waitFor(t, 15*time.Second, func() bool {
		return strings.HasPrefix(s.tooltip(), "On battery · 64% · 11 min left · load 23% · shutting down in 0:")
	},
		func() string { return "tooltip " + s.tooltip() + "\n" + p.out.String() })
	if !sameIcon(t, s.pixmaps(), icon.State{Level: icon.OnBattery, Charge: 64}, 32) {
		t.Errorf("icon is not the amber 64%% one")
	}
	first := secondsLeft(s)
	if first < 50 || first > 60 {
		t.Fatalf("countdown label at %d s, want about 60: %q", first, s.visibleLabels())
	}
	// It ticks every second without a push from the service.
	waitFor(t, 5*time.Second, func() bool { n := secondsLeft(s); return n > 0 && n < first }, func() string { return strings.Join(s.visibleLabels(), " | ") })
	labels := s.visibleLabels()
	for _, want := range []string{"Postpone 5 min", LabelShutdownNow} {
		if !slices.Contains(labels, want) {
			t.Fatalf("menu lacks %q: %q", want, labels)
		}
	}
	// The menu's countdown agrees with the service's deadline to the second.
	cd := fl.countdown()
	if cd == nil {
		t.Fatal("the service reports no countdown")
	}
	if left := int(time.Until(cd.ShutdownAt).Seconds()); abs(secondsLeft(s)-left) > 1 {
		t.Errorf("menu says %d s, service %d s", secondsLeft(s), left)
	}

	// Postpone: the service's deadline moves by 5 minutes.
	before := cd.ShutdownAt
	s.click("Postpone 5 min")
	waitFor(t, 10*time.Second, func() bool {
		cd := fl.countdown()
		return cd != nil && cd.ShutdownAt.Sub(before) == 300*time.Second
	}, func() string { return "deadline did not move" })
	waitFor(t, 5*time.Second, func() bool { return secondsLeft(s) > 300 }, func() string { return strings.Join(s.visibleLabels(), " | ") })

	// Shut down now: the first click asks, the second reaches the service.
	s.click(LabelShutdownNow)
	waitFor(t, 5*time.Second, func() bool { return slices.Contains(s.visibleLabels(), LabelConfirm) }, func() string { return strings.Join(s.visibleLabels(), " | ") })
	if lw.fsd.Load() != 0 {
		t.Fatal("shut down without confirmation")
	}
	s.click(LabelConfirm)
	waitFor(t, 10*time.Second, func() bool { return lw.fsd.Load() == 1 }, func() string { return "FSD never requested\n" + p.out.String() })
	// The service's SHUTDOWN event reaches the desktop, in place of the
	// countdown's bubble.
	waitFor(t, 10*time.Second, func() bool { return notes.count("System shutting down") == 1 }, func() string { return strings.Join(notes.summaries(), ", ") })
	down, _ := notes.find("System shutting down")
	started, _ := notes.find("Shutdown countdown started")
	if down.Replaces != started.ID || down.Urgency != 2 {
		t.Errorf("shutdown note %+v, countdown note %+v", down, started)
	}

	// One notification per event, whatever the number of state pushes.
	waitFor(t, 10*time.Second, func() bool {
		return notes.count("Shutdown countdown started") == 1 && notes.count("UPS on battery") == 1
	},
		func() string { return strings.Join(notes.summaries(), ", ") })
	if n := notes.count("UPS on battery"); n != 1 {
		t.Errorf("%d ONBATT notifications: %q", n, notes.summaries())
	}

	// The service restarts; the tray says so, then reconnects by itself.
	lw.stop()
	waitTooltip("Nutmeg service not running")
	if slices.Contains(s.visibleLabels(), LabelShutdownNow) {
		t.Errorf("actions offered without a service: %q", s.visibleLabels())
	}
	lab.WriteDev("ups.dev", devVars("OL", "70", "900", "15"))
	lab.WaitVar("ups", "ups.status", func(v string) bool { return v == "OL" }, 10*time.Second)
	lw.start(t)
	waitTooltip("On mains · 70% · 15 min left · load 15%")
	if n := notes.count("UPS on battery"); n != 1 {
		t.Errorf("%d ONBATT notifications after the restart: %q", n, notes.summaries())
	}

	// A new power failure, a new countdown bubble; mains power returns and
	// closes it (it was critical: it would stay up otherwise).
	lab.WriteDev("ups.dev", devVars("OB DISCHRG", "69", "880", "15"))
	waitFor(t, 15*time.Second, func() bool { return notes.count("Shutdown countdown started") == 2 }, func() string { return strings.Join(notes.summaries(), ", ") })
	second, _ := notes.find("Shutdown countdown started")
	lab.WriteDev("ups.dev", devVars("OL CHRG", "69", "880", "15"))
	waitFor(t, 15*time.Second, func() bool { return slices.Contains(notes.closedIDs(), second.ID) },
		func() string {
			return fmt.Sprintf("closed %v, countdown note %d; notes %q", notes.closedIDs(), second.ID, notes.summaries())
		})
	waitTooltip("On mains, charging · 69% · 14 min left · load 15%")
	if slices.Contains(s.visibleLabels(), LabelShutdownNow) || secondsLeft(s) != -1 {
		t.Errorf("countdown items after mains returned: %q", s.visibleLabels())
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
