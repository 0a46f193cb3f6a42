package main

import (
	"bufio"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
	"github.com/nutmeg-ups/nutmeg/nut/service"
)

// crashLab is a real `nutmeg service` on dummy-ups whose SHUTDOWNCMD writes a
// marker, for tests that kill the service the hard way.
type crashLab struct {
	bin, state, settings, marker string
	lab                          *nutlab.Lab
	s                            nut.Settings
}

func newCrashLab(t *testing.T, mutate func(*nut.Settings)) *crashLab {
	t.Helper()
	nutlab.Require(t)
	c := &crashLab{bin: buildNutmeg(t)}
	var err error
	if c.state, err = os.MkdirTemp("", "nm"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(c.state) })
	etc := service.EtcDir(c.state)
	c.lab = nutlab.New(t)
	c.lab.Etc = etc
	if err := os.MkdirAll(etc, 0o700); err != nil {
		t.Fatal(err)
	}
	c.lab.WriteDev("ups.dev", map[string]string{"ups.status": "OL", "battery.charge": "90", "battery.runtime": "1800"})
	c.marker = filepath.Join(c.state, "marker")
	c.s = nut.Defaults()
	c.s.Driver, c.s.Port, c.s.RemotePort = "dummy-ups", "ups.dev", nutlab.FreePort(t)
	c.s.ShutdownCmd = "/bin/sh -c 'env > " + c.marker + ".env; date +%s.%N >> " + c.marker + "'"
	c.s.HostSync = 0
	if mutate != nil {
		mutate(&c.s)
	}
	c.settings = filepath.Join(c.state, "settings.json")
	if err := nut.Save(c.settings, c.s); err != nil {
		t.Fatal(err)
	}
	t.Setenv("NUTMEG_MONITOR_PASSWORD", c.s.MonPwd)
	lock := nutlab.LockUpsmon(t)
	t.Cleanup(func() {
		for _, p := range servicePids(c.state) {
			syscall.Kill(p, syscall.SIGKILL)
		}
		for _, p := range nutPids(t, etc) {
			syscall.Kill(-p, syscall.SIGKILL)
			syscall.Kill(p, syscall.SIGKILL)
		}
		lock.Close()
	})
	return c
}

// start starts the service the way the tray does (api.StartService) and
// returns a client following its socket.
func (c *crashLab) start(t *testing.T) *api.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := api.StartService(ctx, c.bin, c.settings, c.state, 50*time.Second); err != nil {
		t.Fatalf("%v\n%s", err, c.serviceLog())
	}
	cl, err := api.Dial(ctx, api.SocketPath(c.state))
	if err != nil {
		time.Sleep(time.Second) // the log of a service that just died
		t.Fatalf("%v; service log:\n%s", err, c.serviceLog())
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}

func (c *crashLab) serviceLog() string {
	b, _ := os.ReadFile(filepath.Join(c.state, "service.log"))
	return string(b)
}

// kill SIGKILLs the running service (never its NUT processes).
func (c *crashLab) kill(t *testing.T) {
	t.Helper()
	pids := servicePids(c.state)
	if len(pids) != 1 {
		t.Fatalf("service processes %v, want one", pids)
	}
	if err := syscall.Kill(pids[0], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for i := 0; alive(pids[0]) && i < 100; i++ {
		time.Sleep(20 * time.Millisecond)
	}
	// Until its socket stops answering, a new service's start would be
	// taken for the old one still listening.
	for i := 0; i < 100 && api.Answers(context.Background(), api.SocketPath(c.state)); i++ {
		time.Sleep(20 * time.Millisecond)
	}
}

// waitState reads the client's messages until a state satisfies ok.
func (c *crashLab) waitState(t *testing.T, cl *api.Client, timeout time.Duration, what string, ok func(api.State) bool) api.State {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case m, open := <-cl.Messages():
			if !open {
				time.Sleep(time.Second) // the log of a service that just died
				t.Fatalf("%s: the connection ended (%v); log:\n%s", what, cl.Err(), c.serviceLog())
			}
			if m.Type == "state" && ok(*m.State) {
				return *m.State
			}
		case <-deadline:
			t.Fatalf("no %s within %v; service log:\n%s", what, timeout, c.serviceLog())
		}
	}
}

func readMarkers(path string) []time.Time {
	b, _ := os.ReadFile(path)
	var out []time.Time
	for _, l := range strings.Fields(string(b)) {
		if f, err := strconv.ParseFloat(l, 64); err == nil {
			sec, frac := math.Modf(f)
			out = append(out, time.Unix(int64(sec), int64(frac*1e9)))
		}
	}
	return out
}

func waitMarkerFile(t *testing.T, path string, timeout time.Duration, log func() string) time.Time {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if m := readMarkers(path); len(m) > 0 {
			return m[0]
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no shutdown marker within %v; service log:\n%s", timeout, log())
	return time.Time{}
}

// countEvents counts the event log's entries by name.
func countEvents(t *testing.T, state string) map[string]int {
	t.Helper()
	f, err := os.Open(filepath.Join(state, service.EventLogName))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e api.Event
		if json.Unmarshal(sc.Bytes(), &e) == nil {
			n[e.Name]++
		}
	}
	return n
}

// A service killed with SIGKILL in the middle of an outage and started
// again at once resumes the countdown: the machine goes down at the deadline
// the tray showed before the crash, not a whole timer after the restart, and
// the outage is announced once.
func TestServiceKilledMidOutageKeepsTheDeadline(t *testing.T) {
	if testing.Short() {
		t.Skip("runs NUT")
	}
	c := newCrashLab(t, func(s *nut.Settings) {
		s.Shutdown, s.ShutdownTimer = nut.ShutdownBatt, 10
	})
	cl := c.start(t)
	c.waitState(t, cl, 30*time.Second, "connected state", func(s api.State) bool { return s.Connected })
	c.lab.WriteDev("ups.dev", map[string]string{"ups.status": "OB DISCHRG", "battery.charge": "80", "battery.runtime": "1800"})
	st := c.waitState(t, cl, 10*time.Second, "countdown", func(s api.State) bool { return s.Countdown != nil })
	deadline := st.Countdown.ShutdownAt
	t.Logf("countdown started %s, shutdown at %s", st.Countdown.Started.Format("15:04:05.000"), deadline.Format("15:04:05.000"))
	time.Sleep(time.Until(st.Countdown.Started.Add(4 * time.Second)))
	upsmonBefore := nutPids(t, service.EtcDir(c.state))
	c.kill(t)
	restarted := time.Now()
	cl2 := c.start(t)
	st2 := c.waitState(t, cl2, 10*time.Second, "resumed countdown", func(s api.State) bool { return s.Countdown != nil })
	if !st2.Countdown.ShutdownAt.Equal(deadline) {
		t.Errorf("after the restart the tray shows shutdown at %s, before it showed %s", st2.Countdown.ShutdownAt, deadline)
	}
	mark := waitMarkerFile(t, c.marker, 20*time.Second, c.serviceLog)
	off := mark.Sub(deadline)
	t.Logf("restarted %.1f s after OB; marker %+.2f s from the deadline shown before the crash", restarted.Sub(st.Countdown.Started).Seconds(), off.Seconds())
	if math.Abs(off.Seconds()) > 1.5 {
		t.Errorf("marker %v from the original deadline, want within 1.5 s", off)
	}
	n := countEvents(t, c.state)
	if n[service.EvOnBatt] != 1 || n[service.EvCountdown] != 1 {
		t.Errorf("events.jsonl holds %d ONBATT and %d COUNTDOWN for one outage, want one each: %v", n[service.EvOnBatt], n[service.EvCountdown], n)
	}
	// NUT itself was never down: the new service adopted the processes.
	after := nutPids(t, service.EtcDir(c.state))
	for _, p := range upsmonBefore {
		if !contains(after, p) && alive(p) {
			t.Errorf("NUT process %d was replaced across the restart (before %v, after %v)", p, upsmonBefore, after)
		}
	}
}

// In user mode something always watches the UPS: NUT's processes outlive a
// crashed service (upsmon keeps watching), a service started again the way
// the tray does adopts them, and low battery then still shuts the machine
// down within FINALDELAY (0) + 2 s.
func TestServiceKilledUpsmonKeepsWatching(t *testing.T) {
	if testing.Short() {
		t.Skip("runs NUT")
	}
	c := newCrashLab(t, func(s *nut.Settings) { s.Shutdown = nut.ShutdownLowBatt })
	cl := c.start(t)
	c.waitState(t, cl, 30*time.Second, "connected state", func(s api.State) bool { return s.Connected })
	etc := service.EtcDir(c.state)
	before := nutPids(t, etc)
	if len(before) < 4 {
		t.Fatalf("NUT processes %v, want driver, upsd and upsmon's two", before)
	}
	c.lab.WriteDev("ups.dev", map[string]string{"ups.status": "OB DISCHRG", "battery.charge": "50", "battery.runtime": "1800"})
	c.waitState(t, cl, 10*time.Second, "on battery", func(s api.State) bool { return s.Status != nil && s.Status.Has("OB") })
	c.kill(t)
	time.Sleep(500 * time.Millisecond)
	for _, p := range before {
		if !alive(p) {
			t.Errorf("NUT process %d died with the service: nothing would watch the UPS", p)
		}
	}
	cl2 := c.start(t)
	c.waitState(t, cl2, 20*time.Second, "connected state after the restart", func(s api.State) bool { return s.Connected })
	after := nutPids(t, etc)
	for _, p := range before {
		if !contains(after, p) {
			t.Errorf("NUT process %d was not adopted (before %v, after %v): upsmon stopped watching during the restart", p, before, after)
		}
	}
	c.lab.WriteDev("ups.dev", map[string]string{"ups.status": "OB DISCHRG LB", "battery.charge": "8", "battery.runtime": "1800"})
	lb := time.Now()
	mark := waitMarkerFile(t, c.marker, 10*time.Second, c.serviceLog)
	// dummy-ups sees the new file within a second (whole-second mtimes).
	if d := mark.Sub(lb); d > 3*time.Second {
		t.Errorf("shutdown %v after LB was written, want within FINALDELAY (0) + 2 s of upsd showing it", d)
	}
	t.Logf("LB written → marker: %.2f s", mark.Sub(lb).Seconds())

	// The password variable the service got never reaches NUT's processes
	// nor the shutdown command.
	for _, p := range after {
		env, _ := os.ReadFile("/proc/" + strconv.Itoa(p) + "/environ")
		if strings.Contains(string(env), "NUTMEG_MONITOR_PASSWORD") {
			t.Errorf("NUT process %d has NUTMEG_MONITOR_PASSWORD in its environment", p)
		}
	}
	env, err := os.ReadFile(c.marker + ".env")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(env), "NUTMEG_MONITOR_PASSWORD") || strings.Contains(string(env), c.s.MonPwd) {
		t.Error("the shutdown command's environment carries the monitor password")
	}
}

func contains(l []int, v int) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}
