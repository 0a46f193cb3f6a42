//go:build linux

package main

// A small office on one machine: each computer is a network namespace
// (nutlab.Netns), joined by veth pairs in 10.231.x.0/24, each running a
// real `nutmeg service` (or a plain NUT install) in its own mount namespace
// so that every upsmon has its own /run/nut.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/client"
	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
	"github.com/nutmeg-ups/nutmeg/nut/service"
)

// office is one test's machines.
type office struct {
	t   *testing.T
	bin string
}

// machine is one `nutmeg service` in a namespace.
type machine struct {
	name     string
	ns       *nutlab.Netns
	state    string
	settings nut.Settings
	marker   string
	cmd      *exec.Cmd
	logs     *syncBuf
	exited   chan error
}

func newOffice(t *testing.T) *office {
	t.Helper()
	if testing.Short() {
		t.Skip("runs NUT in network namespaces")
	}
	nutlab.RequireNetns(t)
	return &office{t: t, bin: buildNutmeg(t)}
}

// stateDir is short: the API socket's path must fit a sockaddr_un.
func (o *office) stateDir() string {
	o.t.Helper()
	d, err := os.MkdirTemp("", "nm")
	if err != nil {
		o.t.Fatal(err)
	}
	o.t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// primary is a Nutmeg primary on a simulated UPS (dummy-ups), upsd on
// port 3493.
func (o *office) primary(ns *nutlab.Netns, rmonitor bool) *machine {
	m := &machine{name: "primary", ns: ns, state: o.stateDir()}
	s := nut.Defaults()
	s.Driver, s.Port, s.RemotePort = "dummy-ups", "ups.dev", nut.DefaultRemotePort
	s.RMonitor = rmonitor
	s.ShutdownTimer = 600 // the power failure below ends in low battery long before
	m.settings = s
	o.writeDev(m, map[string]string{"ups.status": "OL", "battery.charge": "100", "battery.runtime": "1800"})
	return m
}

// secondary follows host's UPS ups as user with password.
func (o *office) secondary(ns *nutlab.Netns, host, ups, user, password string) *machine {
	m := &machine{name: "secondary", ns: ns, state: o.stateDir()}
	s := nut.Defaults()
	s.Mode, s.RemoteHost, s.RemotePort, s.Identifier = nut.ModeSecondary, host, nut.DefaultRemotePort, ups
	s.Driver, s.Port = "", ""
	s.MonUser, s.MonPwd, s.RemotePwd = user, password, ""
	s.ShutdownTimer = 600
	m.settings = s
	return m
}

func (o *office) writeDev(m *machine, vars map[string]string) {
	o.t.Helper()
	lab := &nutlab.Lab{Etc: service.EtcDir(m.state)}
	if err := os.MkdirAll(lab.Etc, 0o700); err != nil {
		o.t.Fatal(err)
	}
	writeDev(o.t, lab.Etc, "ups.dev", vars)
}

// writeDev writes a dummy-ups .dev file with an mtime a second past the
// previous one (dummy-ups compares whole seconds).
func writeDev(t *testing.T, dir, name string, vars map[string]string) {
	t.Helper()
	var b strings.Builder
	for _, k := range []string{"ups.status", "battery.charge", "battery.runtime"} {
		if v, ok := vars[k]; ok {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	path := filepath.Join(dir, name)
	var prev time.Time
	if st, err := os.Stat(path); err == nil {
		prev = st.ModTime().Truncate(time.Second)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	mt := time.Now().Truncate(time.Second)
	if !prev.IsZero() && !mt.After(prev) {
		mt = prev.Add(time.Second)
	}
	if err := os.Chtimes(path, mt, mt); err != nil {
		t.Fatal(err)
	}
}

func (m *machine) env() []string {
	// LANG: Fyne's start-up complains about the C locale on stderr.
	env := append(os.Environ(), "LANG=en_US.UTF-8", "NUTMEG_MONITOR_PASSWORD="+m.settings.MonPwd)
	if m.settings.RMonitor {
		env = append(env, "NUTMEG_REMOTE_MONITOR_PASSWORD="+m.settings.RemotePwd)
	}
	return env
}

func (m *machine) settingsPath() string { return filepath.Join(m.state, "settings.json") }

// save writes the settings (never a password: those go by environment).
func (o *office) save(m *machine) {
	o.t.Helper()
	m.marker = filepath.Join(m.state, "shutdown-marker")
	m.settings.ShutdownCmd = "/bin/sh -c 'date +%s.%N >> " + m.marker + "'"
	if err := nut.Save(m.settingsPath(), m.settings); err != nil {
		o.t.Fatal(err)
	}
}

// start runs `nutmeg service` for m inside its namespace.
func (o *office) start(m *machine) {
	o.t.Helper()
	o.save(m)
	m.cmd = m.ns.Command(o.bin, "service", "--settings", m.settingsPath(), "--state", m.state)
	m.cmd.Env = m.env()
	m.logs = &syncBuf{}
	m.cmd.Stdout, m.cmd.Stderr = m.logs, m.logs
	if err := m.cmd.Start(); err != nil {
		o.t.Fatal(err)
	}
	m.exited = make(chan error, 1)
	go func() { m.exited <- m.cmd.Wait() }()
	o.t.Cleanup(func() { m.stop(o.t) })
}

// stop ends the service with SIGTERM (it stops its NUT processes); the
// namespace's cleanup kills whatever is left.
func (m *machine) stop(t *testing.T) {
	if m.cmd == nil || m.cmd.Process == nil {
		return
	}
	_ = m.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-m.exited:
	case <-time.After(20 * time.Second):
		t.Errorf("%s: nutmeg service did not stop on SIGTERM", m.name)
		_ = m.cmd.Process.Kill()
	}
	m.cmd = nil
}

// apply runs `nutmeg apply` for m inside its namespace and returns what
// the user sees.
func (o *office) apply(m *machine) (string, error) {
	o.t.Helper()
	o.save(m)
	cmd := m.ns.Command(o.bin, "apply", "--settings", m.settingsPath(), "--state", m.state)
	cmd.Env = m.env()
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// markers reads the times a SHUTDOWNCMD wrote into marker.
func markers(path string) []time.Time {
	b, _ := os.ReadFile(path)
	var out []time.Time
	for _, l := range strings.Fields(string(b)) {
		if f, err := strconv.ParseFloat(l, 64); err == nil {
			out = append(out, time.Unix(0, int64(f*1e9)))
		}
	}
	return out
}

// upsdWatch polls one upsd from inside a namespace every 50 ms and keeps
// when the number of upsmon logins and the FSD flag changed.
type upsdWatch struct {
	mu      sync.Mutex
	logins  int
	status  string // ups.status as last read
	fsdAt   time.Time
	polled  time.Time // when the last successful count was read
	changes []loginChange
	err     error
}

type loginChange struct {
	at   time.Time
	from int
	to   int
}

func watchUpsd(t *testing.T, ns *nutlab.Netns, addr, ups string) *upsdWatch {
	t.Helper()
	w := &upsdWatch{logins: -1}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		var c *client.Conn
		for ctx.Err() == nil {
			if c == nil {
				var err error
				c, err = client.Dial(ctx, addr, client.Options{Timeout: 2 * time.Second, Dialer: ns.Dial})
				if err != nil {
					w.setErr(err)
					time.Sleep(100 * time.Millisecond)
					continue
				}
			}
			n, err := c.NumLogins(ups)
			now := time.Now()
			w.mu.Lock()
			fsdSeen := !w.fsdAt.IsZero()
			w.mu.Unlock()
			if err == nil {
				// Once FSD is set only the logins matter, and the primary may
				// shut down some 20 ms after the secondary's logout: count
				// them as fast as upsd answers, without the status.
				var vars map[string]string
				if !fsdSeen {
					vars, err = c.Vars(ups)
				}
				w.mu.Lock()
				if n != w.logins {
					w.changes = append(w.changes, loginChange{now, w.logins, n})
					w.logins = n
				}
				w.polled = now
				if err == nil && !fsdSeen {
					w.status = vars["ups.status"]
					if strings.Contains(" "+vars["ups.status"]+" ", " FSD ") {
						w.fsdAt = now
					}
				}
				w.mu.Unlock()
			}
			if err != nil {
				w.setErr(err)
				if !client.IsCommLost(err) {
					c.Close()
					c = nil
				}
			}
			if !fsdSeen {
				time.Sleep(50 * time.Millisecond)
			}
		}
		if c != nil {
			c.Close()
		}
	}()
	return w
}

func (w *upsdWatch) setErr(err error) { w.mu.Lock(); w.err = err; w.mu.Unlock() }

func (w *upsdWatch) waitLogins(t *testing.T, n int, timeout time.Duration, logs func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		w.mu.Lock()
		got, err := w.logins, w.err
		w.mu.Unlock()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("upsd counts %d upsmon logins, want %d (last error %v)\n%s", got, n, err, logs())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// logoutAfter is when the number of logins first fell below from, after
// t0. It waits (up to 3 s) for a count read after until, so that an event
// before until cannot be missed for a poll still under way; changes is the
// whole record, for failure messages.
func (w *upsdWatch) logoutAfter(from int, t0, until time.Time) (at time.Time, changes []loginChange) {
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		w.mu.Lock()
		polled := w.polled
		w.mu.Unlock()
		if polled.After(until) {
			break
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, c := range w.changes {
		if c.at.After(t0) && c.from >= from && c.to < from && c.to >= 0 {
			return c.at, slices.Clone(w.changes)
		}
	}
	return time.Time{}, slices.Clone(w.changes)
}

func waitFile(t *testing.T, path string, timeout time.Duration, logs func() string) time.Time {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if m := markers(path); len(m) > 0 {
			return m[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no shutdown marker %s after %v\n%s", path, timeout, logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkOrder runs a power failure (OB, then OB LB) through power and
// checks that the secondary's SHUTDOWNCMD ran first and that the server's
// ran within HOSTSYNC + 2 s of the secondary's logout. It returns the
// measured gaps for the log.
func checkOrder(t *testing.T, w *upsdWatch, power func(status string), hostsync int, secMarker, priMarker string, logs func() string) {
	t.Helper()
	w.waitLogins(t, 2, 60*time.Second, logs)
	power("OB DISCHRG")
	time.Sleep(3 * time.Second) // both sides see the power failure
	lb := time.Now()
	power("OB DISCHRG LB")
	sec := waitFile(t, secMarker, 60*time.Second, logs)
	pri := waitFile(t, priMarker, time.Duration(hostsync+30)*time.Second, logs)
	w.mu.Lock()
	fsd := w.fsdAt
	w.mu.Unlock()
	logout, changes := w.logoutAfter(2, lb, pri)
	if logout.IsZero() {
		t.Fatalf("the secondary's logout was never seen (login changes %+v)\n%s", changes, logs())
	}
	t.Logf("measured: LB written→FSD seen %v, LB written→secondary down %v, secondary down→its logout %v, logout→primary down %v, secondary down→primary down %v (HOSTSYNC %d s)",
		fsd.Sub(lb).Round(time.Millisecond), sec.Sub(lb).Round(time.Millisecond), logout.Sub(sec).Round(time.Millisecond),
		pri.Sub(logout).Round(time.Millisecond), pri.Sub(sec).Round(time.Millisecond), hostsync)
	if !sec.Before(pri) {
		t.Errorf("the primary shut down at %v, before the secondary at %v", pri, sec)
	}
	if gap := pri.Sub(logout); gap > time.Duration(hostsync+2)*time.Second {
		t.Errorf("the primary shut down %v after the secondary's logout, want at most HOSTSYNC+2 s (%d s)", gap, hostsync+2)
	}
	// The primary waited for the logout, not for HOSTSYNC to run out. The
	// logout is seen by polling every 50 ms, hence the allowance.
	if pri.Before(logout.Add(-300 * time.Millisecond)) {
		t.Errorf("the primary shut down at %v, before the secondary logged out at %v", pri, logout)
	}
	if !fsd.IsZero() && pri.Sub(fsd) >= time.Duration(hostsync)*time.Second {
		t.Errorf("the primary shut down %v after FSD: it waited out HOSTSYNC (%d s) instead of the secondary's logout", pri.Sub(fsd), hostsync)
	}
}

func (m *machine) logsText() string {
	if m.logs == nil {
		return ""
	}
	return "--- " + m.name + " (" + m.ns.Name + "):\n" + m.logs.String()
}

// TestOfficeShutdownOrder: a Nutmeg primary with Remote Monitor and a
// Nutmeg secondary on two machines. A secondary with a wrong password, a
// wrong UPS name or an unreachable server is refused with a plain message;
// then a power failure shuts the secondary down first and the primary as
// soon as the secondary logged out.
func TestOfficeShutdownOrder(t *testing.T) {
	o := newOffice(t)
	nsP, nsS := nutlab.NewNetns(t), nutlab.NewNetns(t)
	ipP, _ := nutlab.Link(t, nsP, nsS, "10.231.1")

	pri := o.primary(nsP, true)
	o.start(pri)
	logs := func() string { return pri.logsText() }
	w := watchUpsd(t, nsP, "127.0.0.1:3493", "ups")
	w.waitLogins(t, 1, 60*time.Second, logs)

	// Refusals, as `nutmeg apply` (and the wizard, through the same
	// service.Apply) says them.
	for _, c := range []struct {
		name, host, ups, user, pwd string
		want                       []string
	}{
		{"wrong password", ipP, "ups", pri.settings.RemoteUser, "wrong-" + pri.settings.RemotePwd,
			[]string{`refused the user "upsmon-remote" for "ups"`, "wrong user name or password"}},
		{"wrong UPS name", ipP, "nosuchups", pri.settings.RemoteUser, pri.settings.RemotePwd,
			[]string{`has no UPS named "nosuchups"; it serves "ups"`}},
		{"unreachable server", "10.231.1.9", "ups", pri.settings.RemoteUser, pri.settings.RemotePwd,
			[]string{"cannot reach a NUT server at 10.231.1.9:3493: no machine answers at that address"}},
	} {
		sec := o.secondary(nsS, c.host, c.ups, c.user, c.pwd)
		start := time.Now()
		out, err := o.apply(sec)
		t.Logf("%s (%v): %s", c.name, time.Since(start).Round(time.Millisecond), out)
		if err == nil {
			t.Errorf("%s: apply succeeded:\n%s", c.name, out)
			continue
		}
		for _, want := range c.want {
			if !strings.Contains(out, want) {
				t.Errorf("%s: the message lacks %q:\n%s", c.name, want, out)
			}
		}
		if strings.Contains(out, pri.settings.RemotePwd) {
			t.Errorf("%s: the message shows the password", c.name)
		}
	}

	sec := o.secondary(nsS, ipP, "ups", pri.settings.RemoteUser, pri.settings.RemotePwd)
	if out, err := o.apply(sec); err != nil {
		t.Fatalf("the right credentials are refused: %v\n%s", err, out)
	}
	o.start(sec)
	logs = func() string { return pri.logsText() + sec.logsText() }
	power := func(status string) {
		o.writeDev(pri, map[string]string{"ups.status": status, "battery.charge": "20", "battery.runtime": "120"})
	}
	checkOrder(t, w, power, pri.settings.HostSync, sec.marker, pri.marker, logs)
}

// TestOfficeRemoteMonitorOff: without Remote Monitor the primary's upsd
// answers on this machine only.
func TestOfficeRemoteMonitorOff(t *testing.T) {
	o := newOffice(t)
	nsP, nsS := nutlab.NewNetns(t), nutlab.NewNetns(t)
	ipP, _ := nutlab.Link(t, nsP, nsS, "10.231.1")
	pri := o.primary(nsP, false)
	o.start(pri)
	w := watchUpsd(t, nsP, "127.0.0.1:3493", "ups")
	w.waitLogins(t, 1, 60*time.Second, pri.logsText)

	for _, c := range []struct {
		ns   *nutlab.Netns
		addr string
	}{{nsS, ipP + ":3493"}, {nsP, ipP + ":3493"}} {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		conn, err := c.ns.Dial(ctx, "tcp", c.addr)
		cancel()
		if err == nil {
			conn.Close()
			t.Errorf("upsd answers at %s from %s with Remote Monitor off", c.addr, c.ns.Name)
		}
	}
	// The same probe reaches it where it listens: the check above can fail.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	conn, err := nsP.Dial(ctx, "tcp", "127.0.0.1:3493")
	if err != nil {
		t.Fatalf("upsd does not answer on loopback: %v", err)
	}
	conn.Close()
}

// TestOfficeSecondaryOfPlainNUT: the server is a plain NUT install
// (NUT's own files, the old master/slave words); a Nutmeg secondary
// follows it and goes down first.
func TestOfficeSecondaryOfPlainNUT(t *testing.T) {
	o := newOffice(t)
	nsN, nsS := nutlab.NewNetns(t), nutlab.NewNetns(t)
	ipN, _ := nutlab.Link(t, nsN, nsS, "10.231.2")

	lab := nutlab.New(t)
	t.Cleanup(nsN.KillAll) // before the lab's directory goes
	const hostsync = 15
	marker := filepath.Join(lab.Dir, "server-marker")
	lab.WriteFile("nut.conf", "MODE=netserver\n")
	lab.WriteFile("ups.conf", "[ups]\n\tdriver = dummy-ups\n\tport = ups.dev\n\tdesc = \"plain NUT\"\n")
	lab.WriteFile("upsd.conf", "LISTEN 0.0.0.0 3493\n")
	lab.WriteFile("upsd.users", "[monmaster]\n\tpassword = masterpass\n\tupsmon master\n\n[monslave]\n\tpassword = slavepass\n\tupsmon slave\n")
	lab.WriteFile("upsmon.conf", fmt.Sprintf("MONITOR ups@127.0.0.1 1 monmaster masterpass master\n"+
		"SHUTDOWNCMD \"/bin/sh -c 'date +%%s.%%N >> %s'\"\nHOSTSYNC %d\n%s", marker, hostsync, nutlab.RunAsUserLine()))
	writeDev(t, lab.Etc, "ups.dev", map[string]string{"ups.status": "OL", "battery.charge": "100"})
	var out syncBuf
	startPlain := func(bin string, args ...string) {
		cmd := nsN.Command(filepath.Join(nutlab.Bin, bin), args...)
		cmd.Env = lab.Env()
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go cmd.Wait()
	}
	root := []string{}
	if nutlab.IsRoot() {
		root = []string{"-u", "root"}
	}
	startPlain("dummy-ups", append([]string{"-a", "ups", "-F"}, root...)...)
	time.Sleep(500 * time.Millisecond)
	startPlain("upsd", append([]string{"-F"}, root...)...)
	w := watchUpsd(t, nsN, "127.0.0.1:3493", "ups")
	plainLogs := func() string { return "--- plain NUT:\n" + out.String() }
	// upsd may come up before the driver's socket: wait for fresh data.
	deadline := time.Now().Add(30 * time.Second)
	for !w.serving() && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	startPlain("upsmon", "-F")
	w.waitLogins(t, 1, 60*time.Second, plainLogs)

	sec := o.secondary(nsS, ipN, "ups", "monslave", "slavepass")
	if out, err := o.apply(sec); err != nil {
		t.Fatalf("apply the secondary: %v\n%s", err, out)
	}
	o.start(sec)
	logs := func() string { return plainLogs() + sec.logsText() }
	power := func(status string) {
		writeDev(t, lab.Etc, "ups.dev", map[string]string{"ups.status": status, "battery.charge": "20"})
	}
	checkOrder(t, w, power, hostsync, sec.marker, marker, logs)
}

// serving: upsd has the driver's data (not upsd's placeholder WAIT).
func (w *upsdWatch) serving() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.status != "" && w.status != "WAIT"
}
