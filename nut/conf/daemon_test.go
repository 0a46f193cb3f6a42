package conf

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
	"github.com/nutmeg-ups/nutmeg/nut/pidfile"
)

// These tests run the real NUT 2.8.0 daemons on rendered files. upsmon is
// machine-wide (nutlab.LockUpsmon), so they run one after the other.

// allowedChars is every printable ASCII character the password rules allow
// (nut.PasswordChars: all but space, '#', '\' and '='); a leading '"' is
// refused separately (see TestRefusedPasswordCharactersFail).
var allowedChars = func() string {
	var b strings.Builder
	for c := byte('!'); c <= '~'; c++ {
		if !strings.ContainsRune(`#\=`, rune(c)) {
			b.WriteByte(c)
		}
	}
	return b.String()
}()

// daemonWarnings are what NUT prints when it misreads a config file.
var daemonWarnings = []string{"Parse error", "discarding invalid character", "Unrecognized", "Unknown", "Ignoring", "Unbalanced"}

// labSettings adapts a combination's settings to a lab: dummy-ups on
// ups.dev, upsd on the lab's port, a SHUTDOWNCMD that only writes a marker.
func labSettings(lab *nutlab.Lab, c combo) nut.Settings {
	s := c.settings()
	s.Driver, s.Port = "dummy-ups", "ups.dev"
	// Generic driver options (main.c) that dummy-ups takes; the override
	// shows through upsd, so the escaping is checked end to end.
	s.DriverOptions = map[string]string{"override.ups.mfr": `Acme "Power" #1 $x`, "pollinterval": "1"}
	s.Options = "synchronous = auto"
	s.RemotePort = lab.Port
	s.ShutdownCmd = fmt.Sprintf("/bin/sh -c 'date >> %s'", filepath.Join(lab.Dir, "shutdown-marker"))
	s.MonUser = `mon'$!"u`
	s.MonPwd = "x" + allowedChars
	if c.rmonitor {
		s.RemotePwd = "y" + reverse(allowedChars)
	}
	return s
}

func labOptions(lab *nutlab.Lab) Options {
	o := Options{PowerDownFlag: filepath.Join(lab.State, "killpower")}
	if nutlab.IsRoot() {
		o.RunAsUser = "root"
	}
	return o
}

func reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// install writes rendered files into the lab's etc and a dummy-ups .dev file.
func install(t *testing.T, lab *nutlab.Lab, files Files) {
	t.Helper()
	if err := Install(lab.Etc, files, User); err != nil {
		t.Fatal(err)
	}
	lab.WriteDev("ups.dev", map[string]string{"ups.status": "OL", "battery.charge": "100", "battery.runtime": "1200"})
}

// startAll starts the driver, upsd once the driver's socket exists (upsd
// started earlier retries only after seconds), and upsmon.
func startAll(t *testing.T, lab *nutlab.Lab, ups string) {
	t.Helper()
	lab.StartDriver("dummy-ups", ups)
	lab.WaitDriverSocket("dummy-ups", ups)
	lab.StartUpsd()
	lab.WaitReady(ups, 15*time.Second)
	startUpsmon(t, lab)
}

// startUpsmon starts upsmon, retrying while another upsmon on the machine
// (one that did not take nutlab's lock, or one still exiting) holds
// /run/nut/upsmon.pid.
func startUpsmon(t *testing.T, lab *nutlab.Lab) *nutlab.Proc {
	t.Helper()
	const busy = "previous upsmon instance is already running"
	deadline := time.Now().Add(60 * time.Second)
	for {
		p := lab.StartUpsmon()
		// Busy shows within a second; an upsmon whose pid file names it
		// (its child writes it) is past that check, so no need to wait on.
		for wait := time.Now().Add(time.Second); time.Now().Before(wait) && !p.Exited() && !ownsPidFile(p); {
			time.Sleep(20 * time.Millisecond)
		}
		if !p.Exited() || !strings.Contains(p.Output(), busy) || time.Now().After(deadline) {
			return p
		}
		lab.Stop("upsmon")
		time.Sleep(500 * time.Millisecond)
	}
}

// ownsPidFile reports whether upsmon's pid file names p or its child.
func ownsPidFile(p *nutlab.Proc) bool {
	pid, err := pidfile.Read(pidfile.Upsmon)
	if err != nil || pid <= 0 || p.Cmd.Process == nil {
		return false
	}
	return pid == p.Cmd.Process.Pid || pidfile.ParentOf(pid) == p.Cmd.Process.Pid
}

// upsdSession sends lines to upsd on one connection and returns the first
// answer line of each (LIST answers are read to their END line).
func upsdSession(t *testing.T, addr string, lines ...string) []string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(c)
	var out []string
	for _, l := range lines {
		if _, err := fmt.Fprintf(c, "%s\n", l); err != nil {
			t.Fatal(err)
		}
		ans, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("upsd: %v", err)
		}
		ans = strings.TrimSpace(ans)
		if strings.HasPrefix(ans, "BEGIN LIST") {
			var body []string
			for {
				more, err := r.ReadString('\n')
				if err != nil {
					t.Fatalf("upsd: %v", err)
				}
				more = strings.TrimSpace(more)
				if strings.HasPrefix(more, "END LIST") {
					break
				}
				body = append(body, more)
			}
			ans = strings.Join(body, "\n")
		}
		out = append(out, ans)
	}
	return out
}

// answerWords reads a LIST answer ("VAR ups name value" or "UPS name desc"
// lines, quoted and escaped like a config file) into name → value.
func answerWords(t *testing.T, body string) map[string]string {
	t.Helper()
	lines, err := Parse(body + "\n")
	if err != nil {
		t.Fatalf("upsd answer: %v\n%s", err, body)
	}
	out := map[string]string{}
	for _, l := range lines {
		a := l.Args
		out[a[len(a)-2]] = a[len(a)-1]
	}
	return out
}

func checkNoWarnings(t *testing.T, lab *nutlab.Lab) {
	t.Helper()
	for _, name := range []string{"driver", "upsd", "upsmon"} {
		p := lab.Proc(name)
		if p == nil {
			continue
		}
		for _, w := range daemonWarnings {
			if strings.Contains(p.Output(), w) {
				t.Errorf("%s says %q about the rendered files:\n%s", name, w, p.Output())
			}
		}
	}
}

// TestDaemonsAcceptPrimary starts dummy-ups, upsd and upsmon on the files
// rendered for each primary combination: upsmon logs in with a password
// holding every allowed character (and a user name with ' $ ! "), upsd
// serves the variables and the description, the driver got its options,
// and, with Remote Monitor, the remote user logs in with secondary rights
// only.
func TestDaemonsAcceptPrimary(t *testing.T) {
	nutlab.Require(t)
	for _, c := range allCombos() {
		if !c.primary {
			continue
		}
		t.Run(c.String(), func(t *testing.T) {
			lab := nutlab.New(t)
			s := labSettings(lab, c)
			files, err := Render(s, labOptions(lab))
			if err != nil {
				t.Fatal(err)
			}
			install(t, lab, files)
			startAll(t, lab, s.Identifier)
			lab.WaitLogins(s.Identifier, 1, 15*time.Second)

			ans := upsdSession(t, lab.Addr(), "LIST VAR ups", "LIST UPS")
			vars := answerWords(t, ans[0])
			for k, want := range map[string]string{"ups.status": "OL", "battery.charge": "100", "ups.mfr": `Acme "Power" #1 $x`} {
				if vars[k] != want {
					t.Errorf("LIST VAR: %s = %q, want %q:\n%s", k, vars[k], want, ans[0])
				}
			}
			if desc := answerWords(t, ans[1])["ups"]; desc != s.Description {
				t.Errorf("LIST UPS: desc %q, want %q", desc, s.Description)
			}

			// The remote user: logs in with its own password, may not FSD.
			got := upsdSession(t, lab.Addr(), "USERNAME "+s.RemoteUser, "PASSWORD "+s.RemotePwd, "LOGIN ups", "FSD ups")
			if c.rmonitor {
				if got[2] != "OK" || got[3] != "ERR ACCESS-DENIED" {
					t.Errorf("remote user: LOGIN %q, FSD %q; want OK and ERR ACCESS-DENIED", got[2], got[3])
				}
			} else if got[2] == "OK" {
				t.Error("remote user logs in without Remote Monitor")
			}
			if _, err := os.Stat(filepath.Join(lab.Dir, "shutdown-marker")); err == nil {
				t.Error("SHUTDOWNCMD ran")
			}
			checkNoWarnings(t, lab)
		})
	}
}

// TestDaemonsAcceptSecondary runs the primary side (driver, upsd) from
// primary files rendered with Remote Monitor, and as the one upsmon the
// secondary's rendered upsmon.conf, logging in as the remote user.
func TestDaemonsAcceptSecondary(t *testing.T) {
	nutlab.Require(t)
	for _, c := range allCombos() {
		if c.primary || c.rmonitor {
			continue // rmonitor does not change a secondary's files
		}
		t.Run(c.String(), func(t *testing.T) {
			lab := nutlab.New(t)
			p := labSettings(lab, combo{primary: true, rmonitor: true})
			pfiles, err := Render(p, labOptions(lab))
			if err != nil {
				t.Fatal(err)
			}
			sec := labSettings(lab, c)
			sec.RemoteHost = "localhost"
			sec.MonUser, sec.MonPwd = p.RemoteUser, p.RemotePwd
			sfiles, err := Render(sec, labOptions(lab))
			if err != nil {
				t.Fatal(err)
			}
			mon, _ := sfiles.Get(UPSMonConf)
			var set Files
			for _, f := range pfiles {
				if f.Name == UPSMonConf {
					f = mon
				}
				set = append(set, f)
			}
			install(t, lab, set)
			startAll(t, lab, p.Identifier)
			lab.WaitLogins(p.Identifier, 1, 15*time.Second)
			if out := lab.Proc("upsd").Output(); !strings.Contains(out, "User "+p.RemoteUser+"@") {
				t.Errorf("upsd did not log the remote user in:\n%s", out)
			}
			checkNoWarnings(t, lab)
		})
	}
}

// TestRefusedPasswordCharactersFail shows that the characters the password
// rules refuse really fail with NUT 2.8.0, so the rules are no stricter
// than NUT: files rendered (bypassing validation) with a space, '#', '\',
// '=' or a leading '"' in the password; one upsmon watches one UPS per case
// plus a control UPS whose password is fine. Only the control logs in.
func TestRefusedPasswordCharactersFail(t *testing.T) {
	nutlab.Require(t)
	lab := nutlab.New(t)
	cases := []struct{ name, pwd string }{
		{"space", "ab cd"},
		{"hash", "ab#cd"},
		{"backslash", `ab\cd`},
		{"equals", "ab=cd"},
		{"leading quote", `"abcd`},
		{"control", `ab"cd'`}, // must log in
	}
	var ups, users, mons strings.Builder
	var first Files
	for i, c := range cases {
		s := labSettings(lab, combo{primary: true})
		s.Identifier = fmt.Sprintf("ups%d", i)
		s.MonUser = fmt.Sprintf("user%d", i)
		s.MonPwd = c.pwd
		s.DriverOptions, s.Options, s.OptionsUPSD, s.ExtraUsers = nil, "", "", ""
		files, err := Render(s, labOptions(lab))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if i == 0 {
			first = files
		}
		u, _ := files.Get(UPSConf)
		ups.WriteString(u.Content)
		us, _ := files.Get(UPSDUsers)
		users.WriteString(us.Content)
		m, _ := files.Get(UPSMonConf)
		for _, l := range strings.SplitAfter(m.Content, "\n") {
			if strings.HasPrefix(l, "MONITOR ") {
				mons.WriteString(l)
			}
		}
	}
	var set Files
	for _, f := range first {
		switch f.Name {
		case UPSConf:
			f.Content = ups.String()
		case UPSDUsers:
			f.Content = users.String()
		case UPSMonConf:
			// Every MONITOR line, then the rest of the first file.
			rest := f.Content[strings.Index(f.Content, "MINSUPPLIES"):]
			f.Content = Marker + "\n" + mons.String() + rest
		}
		set = append(set, f)
	}
	install(t, lab, set)
	for i := range cases {
		args := []string{"-a", fmt.Sprintf("ups%d", i), "-F"}
		if nutlab.IsRoot() {
			args = append(args, "-u", "root")
		}
		lab.Start(fmt.Sprintf("driver%d", i), "dummy-ups", args...)
	}
	for i := range cases {
		lab.WaitDriverSocket("dummy-ups", fmt.Sprintf("ups%d", i))
	}
	lab.StartUpsd()
	for i := range cases {
		lab.WaitReady(fmt.Sprintf("ups%d", i), 15*time.Second)
	}
	mon := startUpsmon(t, lab)
	control := fmt.Sprintf("ups%d", len(cases)-1)
	lab.WaitLogins(control, 1, 15*time.Second)
	// Wait until upsmon has reported a failure for every refused case (the
	// leading quote one only when upsd gives up on the unfinished line).
	deadline := time.Now().Add(40 * time.Second)
	for time.Now().Before(deadline) && strings.Count(mon.Output(), "failed") < len(cases)-1 {
		time.Sleep(200 * time.Millisecond)
	}
	for i, c := range cases[:len(cases)-1] {
		id := fmt.Sprintf("ups%d", i)
		if !strings.Contains(mon.Output(), id+"@") {
			t.Errorf("%s: upsmon never tried %s", c.name, id)
		}
		if ans, _ := lab.Query("GET NUMLOGINS " + id); ans != "NUMLOGINS "+id+" 0" {
			t.Errorf("%s: a password with it logged in (%s): the rule is stricter than NUT", c.name, ans)
		}
		if strings.Contains(lab.Proc("upsd").Output(), fmt.Sprintf("User user%d@", i)) {
			t.Errorf("%s: upsd logged user%d in", c.name, i)
		}
	}
	if strings.Count(mon.Output(), "failed") < len(cases)-1 {
		t.Errorf("upsmon reported fewer failures than refused cases:\n%s", mon.Output())
	}
}

// TestParseMatchesUpsd feeds the one-line parser cases to the real upsd as
// ups.conf "desc" values and compares what upsd reads with Parse; the cases
// Parse refuses make upsd complain or drop characters.
func TestParseMatchesUpsd(t *testing.T) {
	nutlab.Require(t)
	lab := nutlab.New(t)
	var good, bad strings.Builder
	type exp struct{ id, desc string }
	var wants []exp
	var badMsgs []string
	for i, c := range parseCases {
		// (upsd cuts LIST answers long before 512 characters)
		if !strings.HasPrefix(c.in, "desc = ") || !strings.HasSuffix(c.in, "\n") || len(c.in) > 200 {
			continue
		}
		id := fmt.Sprintf("t%d", i)
		section := fmt.Sprintf("[%s]\n\tdriver = dummy-ups\n\tport = x.dev\n\t%s", id, c.in)
		if c.err != "" {
			bad.WriteString(section)
			switch {
			case strings.Contains(c.err, "#"):
				badMsgs = append(badMsgs, "Unbalanced word due to unescaped # in quotes")
			case strings.Contains(c.err, "0x") || strings.Contains(c.err, "ASCII") || strings.Contains(c.err, "newline"):
				badMsgs = append(badMsgs, "discarding invalid character")
			}
			continue
		}
		good.WriteString(section)
		lines, _ := Parse(c.in)
		desc := lines[0].Args
		wants = append(wants, exp{id, desc[2]})
	}
	if len(wants) < 15 || len(badMsgs) < 5 {
		t.Fatalf("only %d good and %d bad cases", len(wants), len(badMsgs))
	}
	run := func(conf string) *nutlab.Proc {
		lab.WriteFile("ups.conf", conf)
		lab.WriteFile("upsd.conf", fmt.Sprintf("LISTEN 127.0.0.1 %d\n", lab.Port))
		lab.WriteFile("upsd.users", "")
		return lab.StartUpsd()
	}
	upsd := run(good.String())
	var list string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if c, err := net.Dial("tcp", lab.Addr()); err == nil {
			c.Close()
			list = upsdSession(t, lab.Addr(), "LIST UPS")[0]
			break
		}
	}
	got := map[string]string{}
	lines, err := Parse(list) // upsd quotes and escapes like a config file
	if err != nil {
		t.Fatalf("LIST UPS: %v\n%s", err, list)
	}
	for _, l := range lines {
		got[l.Args[1]] = l.Args[2]
	}
	for _, w := range wants {
		if got[w.id] != w.desc {
			t.Errorf("%s: upsd read desc %q, Parse %q", w.id, got[w.id], w.desc)
		}
	}
	if strings.Contains(upsd.Output(), "Parse error") || strings.Contains(upsd.Output(), "discarding") {
		t.Errorf("upsd complained about cases Parse accepts:\n%s", upsd.Output())
	}
	lab.Stop("upsd")

	upsd = run(bad.String())
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && !strings.Contains(upsd.Output(), "listening on") {
		time.Sleep(50 * time.Millisecond)
	}
	for _, m := range badMsgs {
		if !strings.Contains(upsd.Output(), m) {
			t.Errorf("upsd did not say %q for a case Parse refuses:\n%s", m, upsd.Output())
		}
	}
}
