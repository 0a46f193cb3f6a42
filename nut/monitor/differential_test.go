//go:build linux

package monitor

import (
	"bufio"
	"context"
	"fmt"
	"github.com/nutmeg-ups/nutmeg/nut/api"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/client"
	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
	"github.com/nutmeg-ups/nutmeg/nut/pidfile"
)

// The differential proof: NUT 2.8.0's upsmon and this package's Monitor,
// both secondaries of one upsd with dummy-ups, each with its own shutdown
// marker, must take the same decision in every scenario, at nearly the
// same time. The primary runs no upsmon: FSD is set the way a primary's
// upsmon sets it, with the FSD command on the protocol as a user with
// `upsmon primary` rights (only one upsmon can run per machine, and the
// secondary upsmon under test is that one). Status changes go through SET
// VAR on dummy-ups, which upsd applies at once.

const (
	monUser   = "secmon"
	monPass   = "secmon-pw"
	adminUser = "primary"
	adminPass = "primary-pw"
	setUser   = "setter"
	setPass   = "setter-pw"
)

// stepKind is what a scenario action does to the UPS.
type stepKind int

const (
	setStatus  stepKind = iota + 1 // SET VAR ups.status
	setFSD                         // FSD ups, as the primary
	killDriver                     // dummy-ups goes away (upsd stays)
)

type action struct {
	wait   time.Duration // before this action
	kind   stepKind
	status string
	t0     bool // decisions are timed from this action
}

type scenario struct {
	name                           string
	dev                            map[string]string // the UPS at start (status OL)
	deadTime, hostSync, finalDelay int               // seconds, for both monitors
	steps                          []action
	want                           bool          // the right decision: shut down
	window                         time.Duration // after the last action: how long to wait for the decision
	lostData                       bool          // the driver or figures go missing (TestDifferentialLostData)
}

// outcome is what one scenario measured.
type outcome struct {
	name           string
	want           bool
	t0             time.Time
	upsmon, native time.Time // when each shutdown command ran; zero: it did not
	upsmonEvents   []string
	nativeEvents   []string
}

func (o outcome) gap() time.Duration { return o.native.Sub(o.upsmon) }

func fullDev(status string) map[string]string {
	return map[string]string{"ups.status": status, "battery.charge": "90", "battery.runtime": "1200",
		"ups.load": "25", "input.voltage": "230", "ups.mfr": "Lab", "ups.model": "Dummy"}
}

// scenarios is the table. DEADTIME, HOSTSYNC and FINALDELAY are small to
// keep the test short; each window is long enough for the rule that a
// wrong implementation would apply to have fired.
func scenarios() []scenario {
	noFigures := map[string]string{"ups.status": "OL", "ups.load": "25", "ups.mfr": "Lab", "ups.model": "Dummy"}
	return []scenario{
		{name: "OB only", dev: fullDev("OL"), deadTime: 3, hostSync: 2, finalDelay: 1,
			steps: []action{{kind: setStatus, status: "OB DISCHRG", t0: true}}, want: false, window: 7 * time.Second},
		{name: "OB+LB", dev: fullDev("OL"), deadTime: 3, hostSync: 2, finalDelay: 1,
			steps: []action{{kind: setStatus, status: "OB DISCHRG"}, {wait: 1500 * time.Millisecond, kind: setStatus, status: "OB DISCHRG LB", t0: true}},
			want:  true, window: 10 * time.Second},
		{name: "FSD set on the primary", dev: fullDev("OL"), deadTime: 3, hostSync: 2, finalDelay: 1,
			steps: []action{{kind: setStatus, status: "OB DISCHRG"}, {wait: 1500 * time.Millisecond, kind: setFSD, t0: true}},
			want:  true, window: 8 * time.Second},
		{name: "driver gone while OB", lostData: true, dev: fullDev("OL"), deadTime: 4, hostSync: 2, finalDelay: 1,
			steps: []action{{kind: setStatus, status: "OB DISCHRG"}, {wait: 2 * time.Second, kind: killDriver, t0: true}},
			want:  true, window: 12 * time.Second},
		{name: "driver gone while OL", lostData: true, dev: fullDev("OL"), deadTime: 3, hostSync: 2, finalDelay: 1,
			steps: []action{{kind: killDriver, t0: true}}, want: false, window: 8 * time.Second},
		{name: "missing charge and runtime", lostData: true, dev: noFigures, deadTime: 3, hostSync: 2, finalDelay: 1,
			steps: []action{{kind: setStatus, status: "OB DISCHRG"}, {wait: 6 * time.Second, kind: setStatus, status: "OB DISCHRG LB", t0: true}},
			want:  true, window: 10 * time.Second},
		{name: "power back before HOSTSYNC", dev: fullDev("OL"), deadTime: 3, hostSync: 4, finalDelay: 1,
			steps: []action{{kind: setStatus, status: "OB DISCHRG LB"}, {wait: 1500 * time.Millisecond, kind: setStatus, status: "OL CHRG", t0: true}},
			want:  false, window: 8 * time.Second},
	}
}

// notifyTypes are the upsmon notify types both sides report.
var notifyTypes = []string{api.EvOnline, api.EvOnBatt, api.EvLowBatt, api.EvFSD, api.EvCommOK, api.EvCommBad, api.EvShutdown, api.EvReplBatt, api.EvNoComm}

// runScenario starts a fresh lab (driver, upsd), upsmon and a Monitor as
// secondaries, plays the steps and reports when each ran its shutdown.
func runScenario(t testing.TB, sc scenario) outcome {
	t.Helper()
	lab := nutlab.New(t)
	markerA := filepath.Join(lab.Dir, "upsmon.marker")
	markerB := filepath.Join(lab.Dir, "native.marker")
	notifyLog := filepath.Join(lab.Dir, "notify.log")
	script := filepath.Join(lab.Dir, "notify.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho \"$NOTIFYTYPE\" >> "+notifyLog+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	lab.WriteFile("nut.conf", "MODE=netserver\n")
	lab.WriteFile("ups.conf", "[ups]\n\tdriver = dummy-ups\n\tport = ups.dev\n\tdesc = \"differential\"\n")
	lab.WriteFile("upsd.conf", fmt.Sprintf("LISTEN 127.0.0.1 %d\n", lab.Port))
	lab.WriteFile("upsd.users", fmt.Sprintf("[%s]\n\tpassword = %s\n\tupsmon secondary\n[%s]\n\tpassword = %s\n\tupsmon primary\n[%s]\n\tpassword = %s\n\tactions = SET\n",
		monUser, monPass, adminUser, adminPass, setUser, setPass))
	var flags strings.Builder
	for _, n := range notifyTypes {
		fmt.Fprintf(&flags, "NOTIFYFLAG %s SYSLOG+EXEC\n", n)
	}
	lab.WriteFile("upsmon.conf", fmt.Sprintf("MONITOR ups@%s 1 %s %s secondary\n"+
		"SHUTDOWNCMD \"/bin/sh -c 'date +%%s.%%N >> %s'\"\nNOTIFYCMD \"%s\"\n%s"+
		"POLLFREQ 1\nPOLLFREQALERT 1\nDEADTIME %d\nHOSTSYNC %d\nFINALDELAY %d\nNOCOMMWARNTIME 300\n%s",
		lab.Addr(), monUser, monPass, markerA, script, flags.String(), sc.deadTime, sc.hostSync, sc.finalDelay, nutlab.RunAsUserLine()))
	lab.WriteDev("ups.dev", sc.dev)
	tStart := time.Now()
	lab.StartDriver("dummy-ups", "ups")
	lab.WaitDriverSocket("dummy-ups", "ups")
	lab.StartUpsd()
	lab.WaitReady("ups", 15*time.Second)
	tReady := time.Now()
	startUpsmon(t, lab)
	tLock := time.Now()

	var mu sync.Mutex
	var nativeEvents []string
	m, err := New(Config{Addr: lab.Addr(), UPS: "ups", User: monUser, Password: monPass,
		ShutdownCmd: "date +%s.%N >> " + markerB,
		DeadTime:    time.Duration(sc.deadTime) * time.Second, HostSync: time.Duration(sc.hostSync) * time.Second,
		FinalDelay: time.Duration(sc.finalDelay) * time.Second, Log: slog.New(slog.DiscardHandler),
		StillUp: -1, // the lab machine does not go down: Run returns once the command ran
		OnEvent: func(e Event) {
			mu.Lock()
			nativeEvents = append(nativeEvents, e.Name)
			mu.Unlock()
		}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	// Started together, both would poll in step and the gap would say
	// nothing: a random phase against upsmon's polls, as in real life.
	phase := rand.N(time.Second)
	go func() {
		time.Sleep(phase)
		runErr <- m.Run(ctx)
	}()
	defer func() {
		cancel()
		<-runErr
	}()

	// Both logged in: NUMLOGINS counts upsmon's session and the Monitor's.
	lab.WaitLogins("ups", 2, 20*time.Second)
	t.Logf("%s: NUT ready in %v, upsmon started (lock wait included) in %v, both logged in after %v, native started %v after upsmon", sc.name,
		tReady.Sub(tStart).Round(time.Millisecond), tLock.Sub(tReady).Round(time.Millisecond), time.Since(tLock).Round(time.Millisecond), phase.Round(time.Millisecond))
	// Both have seen the UPS online before anything happens.
	time.Sleep(1500 * time.Millisecond)

	out := outcome{name: sc.name, want: sc.want}
	for _, s := range sc.steps {
		time.Sleep(s.wait)
		if s.t0 {
			out.t0 = time.Now()
		}
		switch s.kind {
		case setStatus:
			if err := setVar(lab.Addr(), "ups.status", s.status); err != nil {
				t.Fatalf("%s: SET ups.status %q: %v", sc.name, s.status, err)
			}
		case setFSD:
			c, err := client.Dial(ctx, lab.Addr(), client.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Login(adminUser, adminPass); err != nil {
				t.Fatal(err)
			}
			if err := c.FSD("ups"); err != nil {
				t.Fatalf("FSD as the primary: %v", err)
			}
			c.Close()
		case killDriver:
			lab.Stop("driver")
		}
	}
	// Wait for both decisions, or for the window to pass.
	deadline := time.Now().Add(sc.window)
	for time.Now().Before(deadline) {
		if fileExists(markerA) && fileExists(markerB) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	// A late second marker would be a different decision in this window;
	// give the first one's twin a moment, then read both.
	time.Sleep(300 * time.Millisecond)
	out.upsmon = markerTime(t, markerA)
	out.native = markerTime(t, markerB)
	if !out.native.IsZero() {
		if err := <-runErr; err != nil {
			t.Errorf("%s: Run after the shutdown = %v, want nil", sc.name, err)
		}
		runErr <- nil
		if n, err := numLogins(lab.Addr()); err == nil && n > 1 {
			t.Errorf("%s: %d logins left after the native shutdown, want the Monitor logged out", sc.name, n)
		}
	}
	mu.Lock()
	out.nativeEvents = slices.Clone(nativeEvents)
	mu.Unlock()
	b, _ := os.ReadFile(notifyLog)
	out.upsmonEvents = strings.Fields(string(b))
	return out
}

// startUpsmon starts upsmon, again if it refused because the pid file
// still names a live upsmon: the child of the previous upsmon (this test's
// or another package's, under the same lock) can outlive its parent's
// stop by a moment.
func startUpsmon(t testing.TB, lab *nutlab.Lab) {
	t.Helper()
	for try := 0; ; try++ {
		p := lab.StartUpsmon()
		time.Sleep(300 * time.Millisecond)
		if !p.Exited() || !strings.Contains(p.Output(), "already running") {
			return
		}
		if try == 60 {
			pid, _ := pidfile.Read(pidfile.Upsmon)
			stat, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
			cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
			t.Fatalf("upsmon refuses to start: %s\npid file names %d: %s %q", p.Output(), pid, stat, cmdline)
		}
		lab.Stop("upsmon")
		time.Sleep(200 * time.Millisecond)
	}
}

// fileExists reports whether the marker at p holds a whole line: the shell
// creates the file (>>) a moment before date writes to it.
func fileExists(p string) bool {
	b, err := os.ReadFile(p)
	return err == nil && strings.HasSuffix(string(b), "\n")
}

// markerTime is the first timestamp in a marker file (date +%s.%N), or the
// zero time when the file does not exist.
func markerTime(t testing.TB, path string) time.Time {
	b, err := os.ReadFile(path)
	if err != nil {
		return time.Time{}
	}
	f, err := strconv.ParseFloat(strings.Fields(string(b) + " x")[0], 64)
	if err != nil {
		t.Fatalf("marker %s: %q", path, b)
	}
	return time.Unix(0, int64(f*1e9))
}

// setVar sets a dummy-ups variable through upsd (SET VAR, which dummy-ups
// applies at once) as the user with SET rights.
func setVar(addr, name, value string) error {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(3 * time.Second))
	fmt.Fprintf(c, "USERNAME %s\nPASSWORD %s\nSET VAR ups %s \"%s\"\n", setUser, setPass, name, value)
	r := bufio.NewReader(c)
	for range 3 {
		l, err := r.ReadString('\n')
		if err != nil {
			return err
		}
		if !strings.HasPrefix(l, "OK") {
			return fmt.Errorf("upsd: %s", strings.TrimSpace(l))
		}
	}
	return nil
}

func numLogins(addr string) (int, error) {
	c, err := client.Dial(context.Background(), addr, client.Options{})
	if err != nil {
		return 0, err
	}
	defer c.Close()
	return c.NumLogins("ups")
}

// decision renders one side's outcome for the table.
func decision(at, t0 time.Time) string {
	if at.IsZero() {
		return "no shutdown"
	}
	return fmt.Sprintf("shutdown at +%.2fs", at.Sub(t0).Seconds())
}

// distinct is the sorted set of names.
func distinct(names []string) []string {
	s := slices.Clone(names)
	sort.Strings(s)
	return slices.Compact(s)
}

// maxGap is the hard limit on the time between the two shutdowns. Both
// poll once a second on their own phase and upsmon counts whole seconds,
// so the target is 1 s (the measured gaps are logged); the assertion
// allows a loaded machine another second. A decision that differs fails
// whatever the timing.
const maxGap = 2 * time.Second

// The scenarios run in two tests, those where upsd keeps serving (the
// status changes) and those where data goes missing, so that `make test`
// can run the two in shards side by side (.ci/own-run-nut.sh): each
// scenario waits out its window, and one test with all seven took 90 s.
func TestDifferentialStatusChanges(t *testing.T) { differential(t, false) }

func TestDifferentialLostData(t *testing.T) { differential(t, true) }

// differential runs the scenarios whose lostData is as given.
func differential(t *testing.T, lostData bool) {
	nutlab.Require(t)
	var rows []outcome
	for _, sc := range scenarios() {
		if sc.lostData != lostData {
			continue
		}
		t.Run(sc.name, func(t *testing.T) {
			o := runScenario(t, sc)
			rows = append(rows, o)
			t.Logf("%s: upsmon %s, native %s; events upsmon %v native %v", sc.name,
				decision(o.upsmon, o.t0), decision(o.native, o.t0), o.upsmonEvents, o.nativeEvents)
			gotA, gotB := !o.upsmon.IsZero(), !o.native.IsZero()
			if gotA != gotB {
				t.Fatalf("DECISIONS DIFFER: upsmon shut down=%v, native shut down=%v", gotA, gotB)
			}
			if gotA != sc.want {
				t.Errorf("both decided shutdown=%v, want %v", gotA, sc.want)
			}
			if gotA {
				if g := o.gap(); g.Abs() > maxGap {
					t.Errorf("native shutdown %v after upsmon's, over the %v limit", g, maxGap)
				} else if g.Abs() > time.Second {
					t.Logf("gap %v is over the 1 s target (allowed on a loaded machine)", g)
				}
				if o.upsmon.Before(o.t0) || o.native.Before(o.t0) {
					t.Errorf("a shutdown came before the critical action")
				}
			}
			if a, b := distinct(o.upsmonEvents), distinct(o.nativeEvents); !slices.Equal(a, b) {
				t.Errorf("events differ: upsmon %v, native %v", a, b)
			}
		})
	}
	t.Log("\n" + table(rows))
}

// table renders the differential table.
func table(rows []outcome) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-28s | %-22s | %-22s | %s\n", "scenario", "upsmon 2.8.0", "nut/monitor", "gap")
	for _, o := range rows {
		gap := "-"
		if !o.upsmon.IsZero() && !o.native.IsZero() {
			gap = fmt.Sprintf("%+.2fs", o.gap().Seconds())
		}
		fmt.Fprintf(&b, "%-28s | %-22s | %-22s | %s\n", o.name, decision(o.upsmon, o.t0), decision(o.native, o.t0), gap)
	}
	return b.String()
}

var benchOnce sync.Map

// BenchmarkDifferential is the differential table for `make bench`: each
// scenario once, upsmon's and the Monitor's decision and time, and the gap
// between the two shutdowns.
func BenchmarkDifferential(b *testing.B) {
	if _, done := benchOnce.LoadOrStore("differential", true); done {
		b.Skip("measured once")
	}
	nutlab.Require(b)
	var rows []outcome
	for _, sc := range scenarios() {
		b.Run(sc.name, func(b *testing.B) {
			if _, done := benchOnce.LoadOrStore(sc.name, true); done {
				b.Skip("measured once")
			}
			o := runScenario(b, sc)
			rows = append(rows, o)
			if !o.upsmon.IsZero() && !o.native.IsZero() {
				b.ReportMetric(float64(o.gap().Milliseconds()), "gap-ms")
			}
			if o.upsmon.IsZero() != o.native.IsZero() {
				b.Errorf("DECISIONS DIFFER in %s", sc.name)
			}
		})
	}
	fmt.Printf("differential: NUT 2.8.0 upsmon vs nut/monitor, both secondaries of one upsd (times from the critical step)\n%s", table(rows))
}
