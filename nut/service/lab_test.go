package service

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
)

// received is one message from the socket, with its arrival time.
type received struct {
	at time.Time
	m  api.Message
}

// collector reads every message of one API connection, so the server never
// sees a slow client, and lets the test wait for what it expects.
type collector struct {
	c    *api.Client
	mu   sync.Mutex
	msgs []received
	more chan struct{}
}

func collect(t testing.TB, sock string) *collector {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := api.Dial(ctx, sock)
	if err != nil {
		t.Fatal(err)
	}
	col := &collector{c: c, more: make(chan struct{}, 1)}
	go func() {
		for m := range c.Messages() {
			col.mu.Lock()
			col.msgs = append(col.msgs, received{time.Now(), m})
			col.mu.Unlock()
			select {
			case col.more <- struct{}{}:
			default:
			}
		}
	}()
	t.Cleanup(func() { c.Close() })
	return col
}

// wait returns the first message at or after index from that satisfies ok.
func (c *collector) wait(t testing.TB, from int, timeout time.Duration, what string, ok func(api.Message) bool) (received, int) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		c.mu.Lock()
		for i := from; i < len(c.msgs); i++ {
			if ok(c.msgs[i].m) {
				r := c.msgs[i]
				c.mu.Unlock()
				return r, i
			}
		}
		c.mu.Unlock()
		select {
		case <-c.more:
		case <-deadline:
			t.Fatalf("no %s within %v; events so far: %v", what, timeout, c.eventNames())
		}
	}
}

func (c *collector) event(t testing.TB, from int, name string, timeout time.Duration) (received, int) {
	t.Helper()
	return c.wait(t, from, timeout, "event "+name, func(m api.Message) bool { return m.Type == "event" && m.Event.Name == name })
}

func (c *collector) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.msgs)
}

// since is every message from index from on, as received so far.
func (c *collector) since(from int) []received {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]received(nil), c.msgs[from:]...)
}

func (c *collector) eventNames() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var n []string
	for _, r := range c.msgs {
		if r.m.Type == "event" {
			n = append(n, r.m.Event.Name)
		}
	}
	return n
}

// shortDir is a temp dir with a short path: a Unix socket path must fit in
// 108 bytes, and t.TempDir's names grow with the test's name.
func shortDir(t testing.TB) string {
	d, err := os.MkdirTemp("", "nm")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// markers reads the shutdown marker file: one Unix time per SHUTDOWNCMD run.
func markers(t testing.TB, path string) []time.Time {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var out []time.Time
	for _, l := range strings.Fields(string(b)) {
		f, err := strconv.ParseFloat(l, 64)
		if err != nil {
			t.Fatalf("marker line %q", l)
		}
		out = append(out, time.Unix(0, int64(f*1e9)))
	}
	return out
}

func waitMarker(t testing.TB, path string, timeout time.Duration) time.Time {
	t.Helper()
	m := waitMarkers(t, path, 1, timeout)
	if len(m) == 0 {
		t.Fatalf("no shutdown marker within %v", timeout)
	}
	return m[0]
}

// waitMarkers waits until the marker file holds n runs or timeout passes,
// and returns the runs it holds then.
func waitMarkers(t testing.TB, path string, n int, timeout time.Duration) []time.Time {
	deadline := time.Now().Add(timeout)
	for {
		m := markers(t, path)
		if len(m) >= n || !time.Now().Before(deadline) {
			return m
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// labService is NUT (from nutlab.WriteBasic, run by a Supervisor) and a
// Watcher on it, in-process.
type labService struct {
	lab    *nutlab.Lab
	sup    *Supervisor
	w      *Watcher
	state  string
	marker string
	cancel context.CancelFunc
	done   chan struct{}
}

const labUser, labPass = "mon", "lab-Pass_1;$!"

func startLabService(t testing.TB, p Policy, nocomm time.Duration, dev map[string]string, tweak func(*WatcherConfig)) *labService {
	t.Helper()
	return startLabServiceSup(t, p, nocomm, dev, tweak, nil)
}

func startLabServiceSup(t testing.TB, p Policy, nocomm time.Duration, dev map[string]string, tweak func(*WatcherConfig), supTweak func(*Supervisor)) *labService {
	t.Helper()
	lab := nutlab.New(t)
	marker := filepath.Join(lab.Dir, "marker")
	lab.WriteBasic("ups", "ups.dev", labUser, labPass, marker)
	lab.WriteDev("ups.dev", dev)
	lock := nutlab.LockUpsmon(t)
	s := &labService{lab: lab, state: shortDir(t), marker: marker, done: make(chan struct{})}
	s.sup = &Supervisor{Etc: lab.Etc, Run: lab.State, UPS: "ups", Driver: "dummy-ups", Addr: lab.Addr(),
		Root: nutlab.IsRoot(), MinBackoff: 500 * time.Millisecond, MaxBackoff: 2 * time.Second}
	if supTweak != nil {
		supTweak(s.sup)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	if err := s.sup.Start(ctx); err != nil {
		cancel()
		lock.Close()
		t.Fatal(err)
	}
	cfg := WatcherConfig{UPS: "ups", Addr: lab.Addr(), Mode: "primary", Policy: p, NoComm: nocomm,
		StateDir: s.state, FSD: s.sup.FSD, Final: s.sup.Final, Nudge: s.sup.FSD}
	if tweak != nil {
		tweak(&cfg)
	}
	w, err := NewWatcher(cfg)
	if err != nil {
		cancel()
		lock.Close()
		t.Fatal(err)
	}
	s.w = w
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = s.sup.Supervise(ctx) }()
	go func() { defer wg.Done(); _ = w.Run(ctx) }()
	go func() { wg.Wait(); close(s.done) }()
	t.Cleanup(func() {
		s.stop()
		lock.Close()
	})
	return s
}

func (s *labService) stop() {
	s.cancel()
	<-s.done
}

func (s *labService) sock() string { return filepath.Join(s.state, api.SocketName) }

func dev(status string, extra ...string) map[string]string {
	m := map[string]string{"ups.status": status, "battery.charge": "90", "battery.runtime": "1200", "ups.load": "25", "input.voltage": "230", "ups.mfr": "Lab", "ups.model": "Dummy"}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] == "" {
			delete(m, extra[i])
		} else {
			m[extra[i]] = extra[i+1]
		}
	}
	return m
}
