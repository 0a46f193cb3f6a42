package monitor

import (
	"bufio"
	"context"
	"fmt"
	"github.com/nutmeg-ups/nutmeg/nut/api"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// These tests run on every OS (on Linux directly, for Windows under Wine
// with `go test -exec`): a small fake upsd in the test speaks the part of
// NUT's protocol that the monitor uses and records what it was sent. The
// decisions themselves are proven against the real upsd and upsmon in
// differential_test.go (Linux).

// fakeUpsd answers USERNAME, PASSWORD, LOGIN, LOGOUT and LIST VAR for one
// UPS named "ups".
type fakeUpsd struct {
	t  *testing.T
	ln net.Listener

	mu       sync.Mutex
	status   string // ups.status; "" answers ERR DATA-STALE
	password string // the one LOGIN accepts
	logins   int    // sessions logged in now
	loginLog []time.Time
	logouts  int
	conns    map[net.Conn]bool
	silent   bool      // read commands, answer nothing: a peer gone quiet, as after sleep
	lastData time.Time // when a LIST VAR was last answered with the status
}

func newFakeUpsd(t *testing.T, status string) *fakeUpsd {
	f := &fakeUpsd{t: t, status: status, password: "pw", conns: map[net.Conn]bool{}}
	f.listen("127.0.0.1:0")
	t.Cleanup(f.stop)
	return f
}

func (f *fakeUpsd) listen(addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		f.t.Fatal(err)
	}
	f.mu.Lock()
	f.ln = ln
	f.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			f.mu.Lock()
			f.conns[c] = true
			f.mu.Unlock()
			go f.serve(c)
		}
	}()
}

// stop closes the listener and every session, as a server that goes away.
func (f *fakeUpsd) stop() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ln.Close()
	for c := range f.conns {
		c.Close()
	}
}

func (f *fakeUpsd) addr() string { return f.ln.Addr().String() }

func (f *fakeUpsd) set(status string) {
	f.mu.Lock()
	f.status = status
	f.mu.Unlock()
}

// dataAt is when the status was last served: the monitor's DEADTIME
// counts from its last poll with data, which is no earlier.
func (f *fakeUpsd) dataAt() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lastData
}

func (f *fakeUpsd) counts() (logins, logouts, total int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.logins, f.logouts, len(f.loginLog)
}

func (f *fakeUpsd) serve(c net.Conn) {
	loggedIn := false
	defer func() {
		f.mu.Lock()
		if loggedIn {
			f.logins--
		}
		delete(f.conns, c)
		f.mu.Unlock()
		c.Close()
	}()
	r := bufio.NewReader(c)
	var pass string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		w := strings.Fields(strings.TrimSpace(line))
		if len(w) == 0 {
			continue
		}
		f.mu.Lock()
		if f.silent {
			f.mu.Unlock()
			continue
		}
		var out string
		switch w[0] {
		case "USERNAME":
			out = "OK\n"
		case "PASSWORD":
			pass = strings.Trim(strings.Join(w[1:], " "), `"`)
			out = "OK\n"
		case "LOGIN":
			if pass != f.password {
				out = "ERR ACCESS-DENIED\n"
			} else {
				loggedIn = true
				f.logins++
				f.loginLog = append(f.loginLog, time.Now())
				out = "OK\n"
			}
		case "LOGOUT":
			if loggedIn {
				loggedIn = false
				f.logins--
			}
			f.logouts++
			f.mu.Unlock()
			fmt.Fprint(c, "OK Goodbye\n")
			return
		case "LIST":
			if f.status == "" {
				out = "ERR DATA-STALE\n"
			} else {
				f.lastData = time.Now()
				out = fmt.Sprintf("BEGIN LIST VAR ups\nVAR ups ups.status \"%s\"\nVAR ups battery.charge \"50\"\nEND LIST VAR ups\n", f.status)
			}
		default:
			out = "ERR UNKNOWN-COMMAND\n"
		}
		f.mu.Unlock()
		if _, err := fmt.Fprint(c, out); err != nil {
			return
		}
	}
}

// recorder collects events.
type recorder struct {
	mu sync.Mutex
	ev []Event
}

func (r *recorder) add(e Event) {
	r.mu.Lock()
	r.ev = append(r.ev, e)
	r.mu.Unlock()
}

func (r *recorder) names() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var n []string
	for _, e := range r.ev {
		n = append(n, e.Name)
	}
	return n
}

func (r *recorder) find(name string) (Event, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.ev {
		if e.Name == name {
			return e, true
		}
	}
	return Event{}, false
}

func waitFor(t *testing.T, what string, timeout time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting until %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// markCmd is a shutdown command that appends a line to path.
func markCmd(path string) string {
	if runtime.GOOS == "windows" {
		return `echo ran>>"` + path + `"`
	}
	return "echo ran >> '" + path + "'"
}

// failCmd exits with status 3 after writing two lines to stderr.
func failCmd() string {
	if runtime.GOOS == "windows" {
		return `(echo first line 1>&2) & (echo permission denied 1>&2) & exit /b 3`
	}
	return "echo first line >&2; echo permission denied >&2; exit 3"
}

// tempDir is t.TempDir without failing the test when the directory cannot
// be removed: under Wine 8, Go's os.RemoveAll fails on files ("unlinkat:
// Invalid function") and t.TempDir turns that into a test failure.
func tempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "nutmeg-monitor")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if os.RemoveAll(dir) == nil {
			return
		}
		// One by one, deepest first: os.Remove works there.
		var paths []string
		_ = filepath.WalkDir(dir, func(p string, _ os.DirEntry, _ error) error { paths = append(paths, p); return nil })
		for i := len(paths) - 1; i >= 0; i-- {
			if err := os.Remove(paths[i]); err != nil {
				t.Logf("leaving %s: %v", paths[i], err)
			}
		}
	})
	return dir
}

func lines(path string) int {
	b, _ := os.ReadFile(path)
	return strings.Count(string(b), "\n")
}

func start(t *testing.T, cfg Config) (*Monitor, *recorder, chan error) {
	t.Helper()
	rec := &recorder{}
	cfg.OnEvent = rec.add
	cfg.Log = slog.New(slog.DiscardHandler)
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})
	return m, rec, done
}

func TestNewChecksConfig(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{UPS: "ups", ShutdownCmd: "x"}, "Addr"},
		{Config{Addr: "host:99999", UPS: "ups", ShutdownCmd: "x"}, "port"},
		{Config{Addr: "host", ShutdownCmd: "x"}, "UPS"},
		{Config{Addr: "host", UPS: "ups"}, "ShutdownCmd"},
		{Config{Addr: "host", UPS: "ups", ShutdownCmd: "x", User: "mon", Password: "p\nFSD ups"}, "control character"},
		{Config{Addr: "host", UPS: "ups", ShutdownCmd: "x", Password: "pw"}, "without User"},
	} {
		_, err := New(tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%s) = %v, want an error naming %s", tc.want, err, tc.want)
		}
		if err != nil && tc.cfg.Password != "" && strings.Contains(err.Error(), tc.cfg.Password) {
			t.Errorf("the error shows the password: %v", err)
		}
	}
	m, err := New(Config{Addr: "host", UPS: "ups", ShutdownCmd: "x", FinalDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	c := m.Config()
	if c.FinalDelay != 0 || c.DeadTime != 15*time.Second || c.HostSync != 15*time.Second || c.RetryShutdown != 30*time.Second || c.MaxBackoff > 2*time.Second {
		t.Errorf("defaults: %+v", c)
	}
}

// The session stays logged in, and after the server drops it the monitor
// reconnects and logs in again within MaxBackoff.
func TestLoginKeptAndRestoredAfterLoss(t *testing.T) {
	f := newFakeUpsd(t, "OL")
	m, rec, _ := start(t, Config{Addr: f.addr(), UPS: "ups", User: "mon", Password: "pw", ShutdownCmd: "exit 0",
		Interval: 100 * time.Millisecond, NoCommWarn: 2 * time.Second})
	waitFor(t, "logged in", 5*time.Second, func() bool { n, _, _ := f.counts(); return n == 1 })
	waitFor(t, "state says logged in", 5*time.Second, func() bool { return m.State().LoggedIn })
	time.Sleep(300 * time.Millisecond)
	if n, _, total := f.counts(); n != 1 || total != 1 {
		t.Fatalf("logins now %d, LOGINs sent %d: want one session kept", n, total)
	}
	// The server goes away for 5 s (the network is down), then comes back
	// on the same address.
	addr := f.addr()
	f.stop()
	waitFor(t, "COMMBAD", 5*time.Second, func() bool { _, ok := rec.find(api.EvCommBad); return ok })
	time.Sleep(5 * time.Second)
	back := time.Now()
	f.listen(addr)
	waitFor(t, "logged in again", 5*time.Second, func() bool { n, _, _ := f.counts(); return n == 1 })
	took := time.Since(back)
	t.Logf("logged in again %v after the server came back", took.Round(time.Millisecond))
	if took > 3*time.Second {
		t.Errorf("reconnect took %v, want within the 2 s backoff bound (plus slack)", took)
	}
	waitFor(t, "COMMOK", 5*time.Second, func() bool { _, ok := rec.find(api.EvCommOK); return ok })
	// 5 s without contact, NOCOMMWARNTIME 2 s: NOCOMM between, once or
	// twice depending on when the attempts fall (a refused dial takes
	// about a second on Windows).
	got := rec.names()
	nocomm := slices.DeleteFunc(slices.Clone(got), func(n string) bool { return n != api.EvNoComm })
	if len(got) < 3 || got[0] != api.EvCommBad || got[len(got)-1] != api.EvCommOK || len(nocomm) != len(got)-2 || len(nocomm) > 2 {
		t.Errorf("events %v, want COMMBAD, NOCOMM (once or twice), COMMOK", got)
	}
	if slices.Contains(rec.names(), api.EvShutdown) {
		t.Errorf("shut down while online: %v", rec.names())
	}
}

// A refused LOGIN is reported in the state, and the monitor goes on
// watching on that session.
func TestLoginRefusedStillWatches(t *testing.T) {
	f := newFakeUpsd(t, "OL")
	m, rec, _ := start(t, Config{Addr: f.addr(), UPS: "ups", User: "mon", Password: "wrong", ShutdownCmd: "exit 0",
		Interval: 100 * time.Millisecond})
	waitFor(t, "login error in the state", 5*time.Second, func() bool { return m.State().LoginErr != nil })
	f.set("OB")
	waitFor(t, "ONBATT", 5*time.Second, func() bool { _, ok := rec.find(api.EvOnBatt); return ok })
	if st := m.State(); st.LoggedIn || !st.Connected || st.Status == nil || !st.Status.Has("OB") {
		t.Errorf("state %+v", st)
	}
	if n, _, _ := f.counts(); n != 0 {
		t.Errorf("%d logins with a wrong password", n)
	}
}

// FSD: SHUTDOWN, then the command after FINALDELAY, then LOGOUT; Run
// returns nil.
func TestFSDShutsDownAfterFinalDelay(t *testing.T) {
	f := newFakeUpsd(t, "OB")
	marker := filepath.Join(tempDir(t), "marker")
	_, rec, done := start(t, Config{Addr: f.addr(), UPS: "ups", User: "mon", Password: "pw", ShutdownCmd: markCmd(marker),
		StillUp: -1, Interval: 100 * time.Millisecond, FinalDelay: 500 * time.Millisecond})
	waitFor(t, "logged in", 5*time.Second, func() bool { n, _, _ := f.counts(); return n == 1 })
	f.set("OB FSD")
	waitFor(t, "SHUTDOWN", 5*time.Second, func() bool { _, ok := rec.find(api.EvShutdown); return ok })
	ev, _ := rec.find(api.EvShutdown)
	if ev.Reason != ReasonFSD {
		t.Errorf("SHUTDOWN reason %q", ev.Reason)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v, want nil after the shutdown command", err)
		}
		done <- nil
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after the shutdown")
	}
	took := time.Since(ev.Time)
	if lines(marker) != 1 {
		t.Fatalf("marker has %d lines, want the command run once", lines(marker))
	}
	if took < 500*time.Millisecond {
		t.Errorf("command ran %v after SHUTDOWN, before FINALDELAY", took)
	}
	waitFor(t, "LOGOUT", 5*time.Second, func() bool { n, out, _ := f.counts(); return n == 0 && out == 1 })
	if got := rec.names(); !slices.Equal(got, []string{api.EvOnBatt, api.EvFSD, api.EvShutdown}) {
		t.Errorf("events %v", got)
	}
}

// ForceShutdown (upsmon -c fsd) shuts a secondary down after FINALDELAY
// even while the UPS is online.
func TestForceShutdown(t *testing.T) {
	f := newFakeUpsd(t, "OL")
	marker := filepath.Join(tempDir(t), "marker")
	m, rec, done := start(t, Config{Addr: f.addr(), UPS: "ups", User: "mon", Password: "pw", ShutdownCmd: markCmd(marker),
		StillUp: -1, Interval: 100 * time.Millisecond, FinalDelay: 300 * time.Millisecond})
	waitFor(t, "logged in", 5*time.Second, func() bool { n, _, _ := f.counts(); return n == 1 })
	m.ForceShutdown()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
		done <- nil
	case <-time.After(10 * time.Second):
		t.Fatal("no shutdown after ForceShutdown")
	}
	if ev, ok := rec.find(api.EvShutdown); !ok || ev.Reason != ReasonForced {
		t.Errorf("SHUTDOWN event %+v", ev)
	}
	if lines(marker) != 1 {
		t.Errorf("marker lines %d", lines(marker))
	}
}

// A failing shutdown command is a SHUTDOWN_FAILED event with its exit
// status and last stderr line, tried again while the UPS is critical; once
// it works, Run returns.
func TestShutdownFailedIsRetried(t *testing.T) {
	f := newFakeUpsd(t, "OB LB FSD")
	dir := tempDir(t)
	marker := filepath.Join(dir, "marker")
	gate := filepath.Join(dir, "gate")
	// Fails until the gate file exists, then marks.
	cmd := "test -e '" + gate + "' || { " + failCmd() + "; }; " + markCmd(marker)
	if runtime.GOOS == "windows" {
		cmd = `if not exist "` + gate + `" ( ` + failCmd() + ` ) else ( ` + markCmd(marker) + ` )`
	}
	_, rec, done := start(t, Config{Addr: f.addr(), UPS: "ups", User: "mon", Password: "pw", ShutdownCmd: cmd,
		StillUp: -1, Interval: 100 * time.Millisecond, FinalDelay: -1, RetryShutdown: 400 * time.Millisecond})
	waitFor(t, "SHUTDOWN_FAILED", 10*time.Second, func() bool { _, ok := rec.find(api.EvShutdownFailed); return ok })
	ev, _ := rec.find(api.EvShutdownFailed)
	if ev.Exit != 3 || ev.Stderr != "permission denied" || ev.Retry != 400*time.Millisecond || ev.Err == nil || ev.Reason != ReasonFSD {
		t.Errorf("SHUTDOWN_FAILED %+v", ev)
	}
	if want := "Shutdown failed: the shutdown command failed (exit status 3): permission denied. Trying again every 400ms while the UPS is critical."; ev.Message != want {
		t.Errorf("message %q, want %q", ev.Message, want)
	}
	// The session is logged out after the first attempt, as upsmon's is.
	waitFor(t, "LOGOUT", 5*time.Second, func() bool { n, out, _ := f.counts(); return n == 0 && out == 1 })
	// Tried again while critical.
	waitFor(t, "a second failure", 5*time.Second, func() bool {
		n := 0
		for _, x := range rec.names() {
			if x == api.EvShutdownFailed {
				n++
			}
		}
		return n >= 2
	})
	if err := os.WriteFile(gate, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
		done <- nil
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return once the command worked")
	}
	if lines(marker) != 1 {
		t.Errorf("marker lines %d", lines(marker))
	}
	if _, _, total := f.counts(); total != 1 {
		t.Errorf("LOGINs %d: a shutdown under way must not log in again", total)
	}
}

// When the UPS is no longer critical at the retry, the shutdown is
// abandoned and the monitor logs in again.
func TestFailedShutdownAbandonedWhenNoLongerCritical(t *testing.T) {
	f := newFakeUpsd(t, "OB FSD")
	m, rec, _ := start(t, Config{Addr: f.addr(), UPS: "ups", User: "mon", Password: "pw", ShutdownCmd: failCmd(),
		Interval: 100 * time.Millisecond, FinalDelay: -1, RetryShutdown: time.Second})
	waitFor(t, "SHUTDOWN_FAILED", 10*time.Second, func() bool { _, ok := rec.find(api.EvShutdownFailed); return ok })
	f.set("OL")
	waitFor(t, "logged in again", 5*time.Second, func() bool { _, _, total := f.counts(); return total == 2 })
	waitFor(t, "state not critical", 5*time.Second, func() bool { st := m.State(); return st.Critical == "" && st.Failed == "" })
	n := 0
	for _, x := range rec.names() {
		if x == api.EvShutdownFailed {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d attempts, want 1 (no retry once online)", n)
	}
}

// Communication lost while on battery: critical after DEADTIME (and
// HOSTSYNC), as upsmon.
func TestDeadWhileOnBattery(t *testing.T) {
	f := newFakeUpsd(t, "OB")
	marker := filepath.Join(tempDir(t), "marker")
	_, rec, done := start(t, Config{Addr: f.addr(), UPS: "ups", User: "mon", Password: "pw", ShutdownCmd: markCmd(marker),
		StillUp: -1, Interval: 100 * time.Millisecond, DeadTime: 2 * time.Second, HostSync: -1, FinalDelay: -1})
	waitFor(t, "ONBATT", 5*time.Second, func() bool { _, ok := rec.find(api.EvOnBatt); return ok })
	f.set("") // DATA-STALE from now on
	// Contact is lost after the last poll that got data, which may be a
	// poll interval before this point.
	lost := f.dataAt()
	select {
	case <-done:
		done <- nil
	case <-time.After(10 * time.Second):
		t.Fatal("no shutdown after DEADTIME on battery")
	}
	took := time.Since(lost)
	if took < 2*time.Second || took > 4*time.Second {
		t.Errorf("shutdown %v after contact was lost, want DEADTIME 2 s (3 whole seconds at most)", took)
	}
	if ev, _ := rec.find(api.EvShutdown); ev.Reason != ReasonDead {
		t.Errorf("reason %q", ev.Reason)
	}
	if got := rec.names(); !slices.Equal(got, []string{api.EvOnBatt, api.EvCommBad, api.EvShutdown}) {
		t.Errorf("events %v", got)
	}
}

// A session whose peer goes quiet (the machine slept, the NAS rebooted
// behind a router) fails its next poll within Timeout, and the monitor
// is logged in on a new session soon after the server answers again.
func TestQuietPeerReconnects(t *testing.T) {
	f := newFakeUpsd(t, "OL")
	_, rec, _ := start(t, Config{Addr: f.addr(), UPS: "ups", User: "mon", Password: "pw", ShutdownCmd: "exit 0",
		Interval: 100 * time.Millisecond, Timeout: 500 * time.Millisecond})
	waitFor(t, "logged in", 5*time.Second, func() bool { _, _, total := f.counts(); return total == 1 })
	f.mu.Lock()
	f.silent = true
	f.mu.Unlock()
	waitFor(t, "COMMBAD", 5*time.Second, func() bool { _, ok := rec.find(api.EvCommBad); return ok })
	time.Sleep(2 * time.Second)
	f.mu.Lock()
	f.silent = false
	f.mu.Unlock()
	back := time.Now()
	waitFor(t, "a new session logged in", 5*time.Second, func() bool {
		n, _, total := f.counts()
		return total >= 2 && n >= 1
	})
	took := time.Since(back)
	t.Logf("logged in again %v after the server answered again", took.Round(time.Millisecond))
	if took > 3*time.Second {
		t.Errorf("took %v, want within Timeout + MaxBackoff", took)
	}
	waitFor(t, "COMMOK", 5*time.Second, func() bool { _, ok := rec.find(api.EvCommOK); return ok })
}

// A shutdown command that succeeds but leaves the machine up is a failure
// after StillUp, tried again while the UPS is critical.
func TestStillUpAfterShutdown(t *testing.T) {
	f := newFakeUpsd(t, "OB LB FSD")
	marker := filepath.Join(tempDir(t), "marker")
	m, rec, _ := start(t, Config{Addr: f.addr(), UPS: "ups", User: "mon", Password: "pw", ShutdownCmd: markCmd(marker),
		Interval: 100 * time.Millisecond, FinalDelay: -1, StillUp: 500 * time.Millisecond, RetryShutdown: 300 * time.Millisecond})
	waitFor(t, "SHUTDOWN_FAILED", 10*time.Second, func() bool { _, ok := rec.find(api.EvShutdownFailed); return ok })
	ev, _ := rec.find(api.EvShutdownFailed)
	if want := "Shutdown failed: the machine is still up 500ms after the shutdown command ran. Trying again every 300ms while the UPS is critical."; ev.Message != want {
		t.Errorf("message %q, want %q", ev.Message, want)
	}
	waitFor(t, "a second run", 5*time.Second, func() bool { return lines(marker) >= 2 })
	if st := m.State(); st.Attempts < 2 || st.Critical != ReasonFSD {
		t.Errorf("state %+v", st)
	}
	// Power back (FSD gone, as after upsd restarts): no more attempts.
	f.set("OL")
	waitFor(t, "abandoned and logged in again", 5*time.Second, func() bool {
		n, _, _ := f.counts()
		return n == 1 && m.State().Critical == ""
	})
	n := lines(marker)
	time.Sleep(1500 * time.Millisecond)
	if lines(marker) != n {
		t.Errorf("the command ran again after the UPS stopped being critical")
	}
}
