package client

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	nut "github.com/robbiet480/go.nut"

	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
	"github.com/nutmeg-ups/nutmeg/nut/nutquote"
)

// adminPassword exercises upsd's quoting: a space, #, =, \, " and '.
const adminPassword = `a b#c=d\e"f'g`

var onBattery = map[string]string{
	"ups.status":      "OB DISCHRG",
	"battery.charge":  "64",
	"battery.runtime": "660",
	"ups.load":        "23",
	"input.voltage":   "0",
	"output.voltage":  "230.5",
	"battery.voltage": "12.6",
	"ups.mfr":         `"Acme \"Power\" \\ Co"`,
	"ups.model":       `"Back 1500"`,
	"ups.serial":      "ABC123",
}

// startLab runs dummy-ups (reading ups.dev) and upsd, with an admin user
// (instcmds and upsmon primary rights) and a viewer with no rights.
func startLab(t testing.TB, dev map[string]string, upsdExtra string) *nutlab.Lab {
	t.Helper()
	lab := nutlab.New(t)
	lab.WriteFile("nut.conf", "MODE=netserver\n")
	lab.WriteFile("ups.conf", "[ups]\n\tdriver = dummy-ups\n\tport = ups.dev\n\tdesc = \"nutlab UPS\"\n")
	lab.WriteFile("upsd.conf", fmt.Sprintf("LISTEN 127.0.0.1 %d\n%s", lab.Port, upsdExtra))
	lab.WriteFile("upsd.users", fmt.Sprintf("[admin]\n\tpassword = %s\n\tinstcmds = all\n\tupsmon primary\n[viewer]\n\tpassword = viewerpw\n",
		nutquote.Quote(adminPassword)))
	lab.WriteDev("ups.dev", dev)
	lab.StartDriver("dummy-ups", "ups")
	lab.StartUpsd()
	lab.WaitReady("ups", 15*time.Second)
	return lab
}

func dial(t testing.TB, addr string) *Conn {
	t.Helper()
	c, err := Dial(context.Background(), addr, Options{Timeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// pollUntil polls until ok accepts the status or the error.
func pollUntil(t *testing.T, c *Conn, ok func(Status, error) bool) (Status, error) {
	t.Helper()
	var st Status
	var err error
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		st, err = c.Poll("ups")
		if ok(st, err) {
			return st, err
		}
	}
	t.Fatalf("condition not reached; last status %v, err %v", st.Vars, err)
	return st, err
}

func TestPollReadsDevFile(t *testing.T) {
	lab := startLab(t, onBattery, "")
	c := dial(t, lab.Addr())
	st, err := c.Poll("ups")
	if err != nil {
		t.Fatal(err)
	}
	if !st.Has("OB") || !st.Has("DISCHRG") || st.Has("OL") {
		t.Errorf("flags %v", st.Flags)
	}
	want := map[string]Value{"charge": Known(64), "runtime": Known(660), "load": Known(23), "input": Known(0), "output": Known(230.5), "battery V": Known(12.6)}
	got := map[string]Value{"charge": st.Charge, "runtime": st.Runtime, "load": st.Load, "input": st.InputVoltage, "output": st.OutputVoltage, "battery V": st.BatteryVoltage}
	for k := range want {
		if got[k] != want[k] {
			t.Errorf("%s = %+v, want %+v", k, got[k], want[k])
		}
	}
	if st.Maker != `Acme "Power" \ Co` || st.Model != "Back 1500" || st.Serial != "ABC123" {
		t.Errorf("maker %q model %q serial %q", st.Maker, st.Model, st.Serial)
	}
	if st.UPS != "ups" || st.Vars["driver.name"] != "dummy-ups" || time.Since(st.Time) > time.Minute {
		t.Errorf("ups %q, driver %q, time %v", st.UPS, st.Vars["driver.name"], st.Time)
	}
	if s := st.Summary(); s != "On battery · 64% · 11 min left · load 23%" {
		t.Errorf("Summary() = %q", s)
	}

	// The next poll sees a rewritten .dev file.
	next := map[string]string{"ups.status": "OL CHRG", "battery.charge": "71", "ups.load": "19"}
	lab.WriteDev("ups.dev", next)
	st, _ = pollUntil(t, c, func(s Status, err error) bool { return err == nil && s.Has("OL") })
	if !st.Has("CHRG") || st.Has("OB") || st.Charge != Known(71) || st.Load != Known(19) {
		t.Errorf("after rewrite: flags %v charge %+v load %+v", st.Flags, st.Charge, st.Load)
	}
	// (dummy-ups keeps a variable that leaves the .dev file, so "runtime
	// disappears" is tested with a fresh lab in TestPollMissingValuesAreUnknown.)
}

func TestPollMissingValuesAreUnknown(t *testing.T) {
	lab := startLab(t, map[string]string{"ups.status": "OB", "ups.load": "40"}, "")
	st, err := dial(t, lab.Addr()).Poll("ups")
	if err != nil {
		t.Fatal(err)
	}
	if st.Charge.OK || st.Runtime.OK || st.InputVoltage.OK || st.Temperature.OK {
		t.Errorf("unreported values are known: charge %+v runtime %+v input %+v temp %+v", st.Charge, st.Runtime, st.InputVoltage, st.Temperature)
	}
	if st.Load != Known(40) {
		t.Errorf("load %+v", st.Load)
	}
	if s := st.Summary(); s != "On battery · load 40%" {
		t.Errorf("Summary() = %q", s)
	}
}

// go.nut reads the same upsd independently (with its 2N+1 round trips):
// every value it parses must agree with Poll's.
func TestPollAgreesWithGoNut(t *testing.T) {
	lab := startLab(t, map[string]string{"ups.status": "OL", "battery.charge": "88", "input.voltage": "231.4", "ups.model": `"Smart 750"`}, "")
	vars, err := dial(t, lab.Addr()).Vars("ups")
	if err != nil {
		t.Fatal(err)
	}
	gc, err := nut.Connect("127.0.0.1", lab.Port)
	if err != nil {
		t.Fatal(err)
	}
	defer gc.Disconnect()
	list, err := gc.GetUPSList()
	if err != nil || len(list) != 1 {
		t.Fatalf("go.nut: %v %v", list, err)
	}
	if len(list[0].Variables) != len(vars) {
		t.Errorf("go.nut sees %d variables, Poll %d", len(list[0].Variables), len(vars))
	}
	for _, v := range list[0].Variables {
		ours, ok := vars[v.Name]
		if !ok {
			t.Errorf("%s: missing from Poll", v.Name)
			continue
		}
		var same bool
		switch x := v.Value.(type) {
		case int64:
			same = ours == strconv.FormatInt(x, 10)
		case float64:
			f, err := strconv.ParseFloat(ours, 64)
			same = err == nil && f == x
		case bool:
			same = (ours == "enabled") == x
		case string:
			same = ours == x
		}
		if !same {
			t.Errorf("%s: go.nut %#v, Poll %q", v.Name, v.Value, ours)
		}
	}
}

func TestListUPSAndNumLogins(t *testing.T) {
	lab := startLab(t, onBattery, "")
	c := dial(t, lab.Addr())
	list, err := c.ListUPS()
	if err != nil || len(list) != 1 || list[0] != (UPSInfo{"ups", "nutlab UPS"}) {
		t.Fatalf("ListUPS = %+v, %v", list, err)
	}
	if name, err := c.OnlyUPS(); err != nil || name != "ups" {
		t.Errorf("OnlyUPS = %q, %v", name, err)
	}
	if n, err := c.NumLogins("ups"); err != nil || n != 0 {
		t.Errorf("NumLogins = %d, %v", n, err)
	}
	if _, err := c.NumLogins("nosuch"); !IsUnknownUPS(err) {
		t.Errorf("NumLogins(nosuch): %v", err)
	}
	if v, err := c.Version(); err != nil || !strings.Contains(v, "upsd") {
		t.Errorf("Version = %q, %v", v, err)
	}
}

func TestCommandsAndRights(t *testing.T) {
	lab := startLab(t, onBattery, "")
	cmds, err := dial(t, lab.Addr()).ListCommands("ups")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range cmds {
		found = found || c == "load.off"
	}
	if !found {
		t.Fatalf("dummy-ups commands %q lack load.off", cmds)
	}

	tests := []struct {
		name, user, password, cmd string
		check                     func(error) bool
	}{
		{"no login", "", "", "load.off", IsAccessDenied},
		{"user without rights", "viewer", "viewerpw", "load.off", IsAccessDenied},
		{"wrong password", "admin", "wrong", "load.off", IsAccessDenied},
		{"admin", "admin", adminPassword, "load.off", func(err error) bool { return err == nil }},
		{"unsupported command", "admin", adminPassword, "no.such.cmd", func(err error) bool { return codeIs(err, "CMD-NOT-SUPPORTED") }},
		{"unknown UPS", "admin", adminPassword, "load.off", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, lab.Addr())
			if tc.user != "" {
				if err := c.Login(tc.user, tc.password); err != nil {
					t.Fatalf("login: %v", err)
				}
			}
			ups, check := "ups", tc.check
			if check == nil {
				ups, check = "nosuch", IsUnknownUPS
			}
			err := c.InstCmd(ups, tc.cmd)
			if !check(err) {
				t.Fatalf("InstCmd: %v", err)
			}
			if err != nil && strings.Contains(err.Error(), tc.password) && tc.password != "" {
				t.Errorf("error reveals the password")
			}
			// A refusal leaves the session usable.
			if _, err := c.Poll("ups"); err != nil {
				t.Errorf("poll after InstCmd: %v", err)
			}
		})
	}
}

func TestFSD(t *testing.T) {
	lab := startLab(t, onBattery, "")
	viewer := dial(t, lab.Addr())
	if err := viewer.Login("viewer", "viewerpw"); err != nil {
		t.Fatal(err)
	}
	if err := viewer.FSD("ups"); !IsAccessDenied(err) {
		t.Fatalf("FSD as viewer: %v", err)
	}
	admin := dial(t, lab.Addr())
	if err := admin.Login("admin", adminPassword); err != nil {
		t.Fatal(err)
	}
	if err := admin.FSD("ups"); err != nil {
		t.Fatal(err)
	}
	st, err := admin.Poll("ups")
	if err != nil || !st.Has("FSD") || st.Headline() != "Forced shutdown in progress" {
		t.Errorf("after FSD: %v %v", st.Flags, err)
	}
}

func TestStaleAndDriverGone(t *testing.T) {
	// MAXAGE 3: upsd calls the data stale 3 s after the driver goes quiet.
	lab := startLab(t, onBattery, "MAXAGE 3\n")
	c := dial(t, lab.Addr())
	if _, err := c.Poll("nosuch"); !IsUnknownUPS(err) {
		t.Errorf("unknown UPS: %v", err)
	}
	drv := lab.Proc("driver").Cmd.Process.Pid
	if err := syscall.Kill(drv, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(drv, syscall.SIGCONT) })
	_, err := pollUntil(t, c, func(_ Status, err error) bool { return err != nil })
	if !IsStale(err) || !IsCommLost(err) {
		t.Fatalf("frozen driver: %v", err)
	}
	_ = syscall.Kill(drv, syscall.SIGCONT)
	pollUntil(t, c, func(_ Status, err error) bool { return err == nil })

	// Driver gone: upsd may first answer "no data yet" (WAIT) or stale, and
	// then DRIVER-NOT-CONNECTED; every answer on the way is comm-lost.
	lab.Stop("driver")
	pollUntil(t, c, func(_ Status, err error) bool {
		if err != nil && !IsCommLost(err) {
			t.Fatalf("driver gone: %v", err)
		}
		return IsDriverNotConnected(err)
	})
	// The session survives protocol errors.
	if _, err := c.ListUPS(); err != nil {
		t.Errorf("ListUPS after stale: %v", err)
	}
}

// silentServer accepts connections and never answers (nor reads: the
// kernel buffers the few bytes a client sends).
func silentServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return ln.Addr().String()
}

func TestPollFailsWithinDeadlineOnSilentServer(t *testing.T) {
	c, err := Dial(context.Background(), silentServer(t), Options{Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	done := make(chan error, 1)
	go func() { _, err := c.Poll("ups"); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("Poll: %v, want a deadline error", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Poll hangs on a silent server")
	}
	// The conn is broken now and says so instead of reading a stale answer.
	if _, err := c.Poll("ups"); err == nil || !strings.Contains(err.Error(), "already failed") {
		t.Errorf("second Poll: %v", err)
	}
}

// countingProxy forwards to upsd and counts the command lines clients send.
type countingProxy struct {
	mu    sync.Mutex
	lines []string
	conns []net.Conn
}

func (p *countingProxy) start(t *testing.T, target string) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		for _, c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, u)
			p.mu.Unlock()
			go io.Copy(c, u)
			go func() {
				r := bufio.NewScanner(c)
				for r.Scan() {
					p.mu.Lock()
					p.lines = append(p.lines, r.Text())
					p.mu.Unlock()
					fmt.Fprintf(u, "%s\n", r.Text())
				}
				u.Close()
			}()
		}
	}()
	return ln.Addr().String()
}

func (p *countingProxy) sent() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.lines...)
}

func TestOnePollIsOneRoundTrip(t *testing.T) {
	lab := startLab(t, onBattery, "")
	var p countingProxy
	c := dial(t, p.start(t, lab.Addr()))
	const n = 5
	for i := 0; i < n; i++ {
		st, err := c.Poll("ups")
		if err != nil || st.Charge != Known(64) {
			t.Fatalf("poll %d: %v %+v", i, err, st.Charge)
		}
	}
	got := p.sent()
	if len(got) != n || c.Sent() != n {
		t.Fatalf("%d polls sent %d lines (%q), conn counted %d", n, len(got), got, c.Sent())
	}
	for _, l := range got {
		if l != "LIST VAR ups" {
			t.Errorf("poll sent %q", l)
		}
	}
}

func BenchmarkPoll(b *testing.B) {
	lab := startLab(b, onBattery, "")
	c := dial(b, lab.Addr())
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Poll("ups"); err != nil {
			b.Fatal(err)
		}
	}
}

func TestDialErrors(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		addr string
		want string
	}{
		{"cancelled", ctx, "127.0.0.1:3493", "connect to upsd"},
		{"nothing listening", context.Background(), fmt.Sprintf("127.0.0.1:%d", nutlab.FreePort(t)), "connection refused"},
		{"bad address", context.Background(), "host:99999", "port must be"},
	}
	for _, tc := range tests {
		c, err := Dial(tc.ctx, tc.addr, Options{Timeout: time.Second})
		if err == nil {
			c.Close()
			t.Errorf("%s: Dial succeeded", tc.name)
		} else if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestInvalidNamesNeverReachTheWire(t *testing.T) {
	lab := startLab(t, onBattery, "")
	var p countingProxy
	c := dial(t, p.start(t, lab.Addr()))
	for _, bad := range []string{"", "ups\nFSD ups", "ups ups", `u"ps`} {
		if _, err := c.Poll(bad); err == nil {
			t.Errorf("Poll(%q) accepted", bad)
		}
		if err := c.InstCmd("ups", bad); err == nil {
			t.Errorf("InstCmd(ups, %q) accepted", bad)
		}
	}
	for i, pw := range []string{"pass\nFSD ups", "pass\rFSD ups", "p\x00w", "p\tw", "pässword"} {
		if err := c.Login("admin", pw); err == nil {
			t.Errorf("Login accepted bad password %d, which upsd cannot read as given", i)
		}
	}
	if err := c.Login("\x7fadmin", "pw"); err == nil {
		t.Error("Login accepted a user name with DEL")
	}
	if _, err := c.Poll("ups"); err != nil {
		t.Fatal(err)
	}
	if got := p.sent(); len(got) != 1 || got[0] != "LIST VAR ups" {
		t.Errorf("sent %q", got)
	}
}

// Login takes any password (measured: upsd answers OK to PASSWORD and checks
// it only when it is used); ProveLogin tells a right one from a wrong one,
// and its login does not outlast it.
func TestProveLogin(t *testing.T) {
	lab := startLab(t, onBattery, "")
	tests := []struct {
		name, user, password, ups string
		check                     func(error) bool
	}{
		{"monitoring user", "admin", adminPassword, "ups", func(err error) bool { return err == nil }},
		{"wrong password", "admin", "wrong", "ups", IsAccessDenied},
		{"user without upsmon rights", "viewer", "viewerpw", "ups", IsAccessDenied},
		{"unknown UPS", "admin", adminPassword, "nosuch", IsUnknownUPS},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, lab.Addr())
			if err := c.Login(tc.user, tc.password); err != nil {
				t.Fatalf("Login: %v (upsd takes any password here)", err)
			}
			err := c.ProveLogin(tc.ups)
			if !tc.check(err) {
				t.Fatalf("ProveLogin: %v", err)
			}
			if err != nil && strings.Contains(err.Error(), tc.password) {
				t.Error("error reveals the password")
			}
			if _, err := c.Vars("ups"); err == nil {
				t.Error("the connection is still open after ProveLogin")
			}
			lab.WaitUntil("upsd forgets the proof's login", 10*time.Second, func() bool {
				n, err := dial(t, lab.Addr()).NumLogins("ups")
				return err == nil && n == 0
			})
		})
	}
}
