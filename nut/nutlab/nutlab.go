// Package nutlab runs a private, throw-away NUT instance for tests (docs/architecture.md,
// Testing): a temp dir with etc/ and state/, a free loopback port, the real
// daemons from /lib/nut, and helpers to drive a dummy-ups UPS. It never
// touches /etc/nut and never shuts anything down.
package nutlab

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/filelock"
	"github.com/nutmeg-ups/nutmeg/nut/nutquote"
	"github.com/nutmeg-ups/nutmeg/nut/pidfile"
	"github.com/nutmeg-ups/nutmeg/nut/procgroup"
)

// Bin is where Debian installs NUT's daemons and drivers.
const Bin = "/lib/nut"

// Require skips the test when NUT is not installed, except under CI=true,
// where a missing NUT is a failure: CI must run every test.
func Require(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(Bin, "upsd")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("NUT is not installed (%v); `make test` installs nut-server", err)
		}
		t.Skipf("NUT is not installed (%v); run `make test`", err)
	}
}

// IsRoot reports whether the daemons need to be told to stay root.
func IsRoot() bool { return os.Geteuid() == 0 }

// Lab is one private NUT instance.
type Lab struct {
	t     testing.TB
	Dir   string // the lab's root
	Etc   string // NUT_CONFPATH
	State string // NUT_STATEPATH
	Port  int    // free loopback port for upsd

	mu    sync.Mutex
	procs map[string]*Proc
	lock  *os.File // upsmon lock, held while this lab's upsmon runs
}

// Proc is a daemon started by the lab, in its own process group.
type Proc struct {
	Name string
	Cmd  *exec.Cmd
	out  *SyncBuffer
	done chan struct{}
}

// Output is everything the process printed so far.
func (p *Proc) Output() string { return p.out.String() }

// Exited reports whether the process has ended.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// New makes the lab's directories and registers a cleanup that stops every
// process the lab started.
func New(t testing.TB) *Lab {
	t.Helper()
	Require(t)
	dir := t.TempDir()
	l := &Lab{t: t, Dir: dir, Etc: filepath.Join(dir, "etc"), State: filepath.Join(dir, "state"), procs: map[string]*Proc{}}
	for _, d := range []string{l.Etc, l.State} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	l.Port = FreePort(t)
	t.Cleanup(l.StopAll)
	return l
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Env is the environment that points NUT at this lab.
func (l *Lab) Env() []string {
	return append(os.Environ(), "NUT_CONFPATH="+l.Etc, "NUT_STATEPATH="+l.State, "NUT_ALTPIDPATH="+l.State)
}

// Addr is upsd's address in this lab.
func (l *Lab) Addr() string { return "127.0.0.1:" + strconv.Itoa(l.Port) }

// WriteFile writes a file into etc/ with mode 0600.
func (l *Lab) WriteFile(name, content string) {
	l.t.Helper()
	if err := os.WriteFile(filepath.Join(l.Etc, name), []byte(content), 0o600); err != nil {
		l.t.Fatal(err)
	}
}

// WriteBasic writes a minimal working config for a dummy-ups UPS named ups
// that reads dev (a .dev file name in etc/), with a monitor user and
// password (quoted with nutquote, as nut/conf writes it), and upsmon's
// SHUTDOWNCMD writing marker. For tests that need NUT running but are not
// about the config files themselves.
func (l *Lab) WriteBasic(ups, dev, user, password, marker string) {
	l.WriteFile("nut.conf", "MODE=netserver\n")
	l.WriteFile("ups.conf", fmt.Sprintf("[%s]\n\tdriver = dummy-ups\n\tport = %s\n\tdesc = \"nutlab\"\n", ups, dev))
	l.WriteFile("upsd.conf", fmt.Sprintf("LISTEN 127.0.0.1 %d\n", l.Port))
	l.WriteFile("upsd.users", fmt.Sprintf("[%s]\n\tpassword = %s\n\tupsmon primary\n", user, nutquote.Quote(password)))
	l.WriteFile("upsmon.conf", fmt.Sprintf("MONITOR %s@%s 1 %s %s primary\nSHUTDOWNCMD \"/bin/sh -c 'date +%%s.%%N >> %s'\"\nPOLLFREQ 1\nPOLLFREQALERT 1\nFINALDELAY 0\n%s",
		ups, l.Addr(), user, nutquote.Quote(password), marker, RunAsUserLine()))
}

// RunAsUserLine is the upsmon.conf line that keeps upsmon root when the
// tests run as root (it would otherwise switch to the user nut, who cannot
// read the lab's 0600 files).
func RunAsUserLine() string {
	if IsRoot() {
		return "RUN_AS_USER root\n"
	}
	return ""
}

// WriteDev writes a dummy-ups .dev file into etc/. dummy-ups notices changes
// by mtime in whole seconds, so the new file's mtime is pushed at least one
// second past the previous one; two quick writes are never one change.
func (l *Lab) WriteDev(name string, vars map[string]string) {
	l.t.Helper()
	var b strings.Builder
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s: %s\n", k, vars[k])
	}
	path := filepath.Join(l.Etc, name)
	var prev time.Time
	if st, err := os.Stat(path); err == nil {
		prev = st.ModTime()
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		l.t.Fatal(err)
	}
	mt := time.Now().Truncate(time.Second)
	if !prev.IsZero() && !mt.After(prev.Truncate(time.Second)) {
		mt = prev.Truncate(time.Second).Add(time.Second)
	}
	if err := os.Chtimes(path, mt, mt); err != nil {
		l.t.Fatal(err)
	}
}

// Start runs a binary from /lib/nut in the lab's environment, in its own
// process group. name identifies it for Stop and Proc.
func (l *Lab) Start(name string, bin string, args ...string) *Proc {
	l.t.Helper()
	cmd := exec.Command(filepath.Join(Bin, bin), args...)
	cmd.Env = l.Env()
	cmd.Dir = l.Dir
	out := &SyncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = procgroup.Attr()
	if err := cmd.Start(); err != nil {
		l.t.Fatalf("start %s: %v", bin, err)
	}
	p := &Proc{Name: name, Cmd: cmd, out: out, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	l.mu.Lock()
	l.procs[name] = p
	l.mu.Unlock()
	return p
}

// StartDriver starts dummy-ups (or another driver) for the UPS section ups.
func (l *Lab) StartDriver(driver, ups string) *Proc {
	return l.StartDriverNamed("driver", driver, ups)
}

// clearStalePid removes a pid file in the state dir unless it names a
// running process of this lab. A driver SIGTERMs the pid in its pid file,
// and after a kill that pid may belong to another program by now (the
// suite wraps a pid_max of 32768 in minutes); upsd refuses to start.
func (l *Lab) clearStalePid(name string) {
	path := filepath.Join(l.State, name)
	pid, err := pidfile.Read(path)
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	l.mu.Lock()
	for _, p := range l.procs {
		if err == nil && p.Cmd.Process.Pid == pid && !p.Exited() {
			l.mu.Unlock()
			return
		}
	}
	l.mu.Unlock()
	_ = os.Remove(path)
}

// StartUpsd starts upsd in the foreground.
func (l *Lab) StartUpsd() *Proc {
	args := []string{"-F"}
	if IsRoot() {
		args = append(args, "-u", "root")
	}
	l.clearStalePid("upsd.pid")
	return l.Start("upsd", "upsd", args...)
}

// StartUpsmon starts upsmon in the foreground. upsmon's pid file is fixed at
// /run/nut/upsmon.pid and a second instance refuses to start, so this takes
// a machine-wide lock (LockUpsmon) held until the lab stops upsmon.
func (l *Lab) StartUpsmon() *Proc {
	l.t.Helper()
	if l.lock == nil {
		l.lock = LockUpsmon(l.t)
	}
	// A zombie left by an earlier upsmon would make this one refuse to start.
	if _, err := pidfile.ClearStale(pidfile.Upsmon, "upsmon"); err != nil {
		l.t.Fatal(err)
	}
	return l.Start("upsmon", "upsmon", "-F")
}

// LockUpsmon serialises upsmon instances across test processes: go test
// runs packages in parallel, and upsmon allows one instance per mount
// namespace (its pid file is /run/nut/upsmon.pid). The lock lives beside
// that pid file where this user may write there, so test binaries that
// `make test` runs in mount namespaces of their own (.ci/own-run-nut.sh)
// do not wait for one another; elsewhere it is in the temp dir. The
// returned file holds the lock until closed (or the process exits).
func LockUpsmon(t testing.TB) *os.File {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(filepath.Dir(pidfile.Upsmon), "nutmeg-test-upsmon.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		f, err = os.OpenFile(filepath.Join(os.TempDir(), "nutmeg-upsmon.lock"), os.O_CREATE|os.O_RDWR, 0o666)
	}
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := filelock.Lock(f); err != nil {
		t.Fatal(err)
	}
	// Said so that a test's time can be read net of the wait: other test
	// processes (other packages, other checkouts) hold the lock meanwhile.
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Logf("waited %v for the upsmon lock", d.Round(time.Millisecond))
	}
	return f
}

// StartAll starts the driver for ups, upsd and upsmon, and waits until upsd
// serves fresh data.
func (l *Lab) StartAll(driver, ups string) {
	l.t.Helper()
	l.StartDriver(driver, ups)
	l.WaitDriverSocket(driver, ups)
	l.StartUpsd()
	l.WaitReady(ups, 15*time.Second)
	l.StartUpsmon()
}

// WaitDriverSocket waits until the driver for ups has made its socket in the
// state dir. upsd started before that finds no driver and retries only after
// seconds, so starting upsd after this makes a lab ready sooner.
func (l *Lab) WaitDriverSocket(driver, ups string) {
	l.t.Helper()
	sock := filepath.Join(l.State, driver+"-"+ups)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(sock); err == nil {
			return
		}
	}
	l.t.Fatalf("driver socket %s never appeared\n%s", sock, l.Logs())
}

// Proc returns the process started under name, or nil.
func (l *Lab) Proc(name string) *Proc {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.procs[name]
}

// Stop ends the named process and its whole process group (upsmon forks a
// child), SIGTERM first, SIGKILL after a grace period.
func (l *Lab) Stop(name string) {
	l.mu.Lock()
	p := l.procs[name]
	delete(l.procs, name)
	l.mu.Unlock()
	if p == nil {
		return
	}
	stopGroup(p)
	if name == "upsmon" && l.lock != nil {
		l.lock.Close()
		l.lock = nil
	}
}

func stopGroup(p *Proc) { procgroup.Stop(p.Cmd.Process.Pid, p.done, 5*time.Second) }

// StopAll stops upsmon, upsd and the driver, in that order, then anything else.
func (l *Lab) StopAll() {
	for _, n := range []string{"upsmon", "upsd", "driver"} {
		l.Stop(n)
	}
	l.mu.Lock()
	names := make([]string, 0, len(l.procs))
	for n := range l.procs {
		names = append(names, n)
	}
	l.mu.Unlock()
	for _, n := range names {
		l.Stop(n)
	}
}

// Query sends one line to upsd and returns its one-line answer.
func (l *Lab) Query(line string) (string, error) {
	c, err := net.DialTimeout("tcp", l.Addr(), 2*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := fmt.Fprintf(c, "%s\n", line); err != nil {
		return "", err
	}
	ans, err := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSpace(ans), err
}

// Var reads one variable from upsd ("" and an error when unavailable).
func (l *Lab) Var(ups, name string) (string, error) {
	ans, err := l.Query(fmt.Sprintf("GET VAR %s %s", ups, name))
	if err != nil {
		return "", err
	}
	prefix := fmt.Sprintf("VAR %s %s ", ups, name)
	if !strings.HasPrefix(ans, prefix) {
		return "", fmt.Errorf("upsd: %s", ans)
	}
	return strings.Trim(strings.TrimPrefix(ans, prefix), `"`), nil
}

// WaitReady waits until upsd answers ups.status with fresh data. Right
// after the driver connects, upsd 2.8.0 answers ups.status "WAIT" (and no
// other variable) until the driver's first dump is in: that is not ready.
func (l *Lab) WaitReady(ups string, timeout time.Duration) {
	l.t.Helper()
	l.WaitVar(ups, "ups.status", func(v string) bool { return v != "WAIT" }, timeout)
}

// WaitVar waits until the variable satisfies ok, failing the test with the
// daemons' output on timeout.
func (l *Lab) WaitVar(ups, name string, ok func(string) bool, timeout time.Duration) string {
	l.t.Helper()
	deadline := time.Now().Add(timeout)
	var last string
	var lastErr error
	for time.Now().Before(deadline) {
		v, err := l.Var(ups, name)
		if err == nil && ok(v) {
			return v
		}
		last, lastErr = v, err
		time.Sleep(100 * time.Millisecond)
	}
	l.t.Fatalf("%s.%s not ready after %v (last %q, %v)\n%s", ups, name, timeout, last, lastErr, l.Logs())
	return ""
}

// WaitUntil polls ok until it holds, failing the test with the daemons'
// output when timeout passes first; what says what was awaited.
func (l *Lab) WaitUntil(what string, timeout time.Duration, ok func() bool) {
	l.t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			l.t.Fatalf("timed out after %v waiting until %s\n%s", timeout, what, l.Logs())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// WaitLogins waits until upsd counts n upsmon logins on ups (GET
// NUMLOGINS): the proof that upsmon logged in with the written password.
func (l *Lab) WaitLogins(ups string, n int, timeout time.Duration) {
	l.t.Helper()
	if err := l.AwaitLogins(ups, n, timeout, nil); err != nil {
		l.t.Fatalf("upsmon did not log in to %s: %v\n%s", ups, err, l.Logs())
	}
}

// AwaitLogins is WaitLogins that returns its failure instead, so that a
// caller can add the logs of the monitors it started. lost, when not nil,
// is asked on each poll and ends the wait with its error (a monitor that
// exited will not log in).
func (l *Lab) AwaitLogins(ups string, n int, timeout time.Duration, lost func() error) error {
	want := fmt.Sprintf("NUMLOGINS %s %d", ups, n)
	deadline := time.Now().Add(timeout)
	for {
		last, err := l.Query("GET NUMLOGINS " + ups)
		if last == want {
			return nil
		}
		if lost != nil {
			if lerr := lost(); lerr != nil {
				return fmt.Errorf("upsd says %q, want %q: %w", last, want, lerr)
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("upsd says %q (%v) after %v, want %q", last, err, timeout, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Logs is every lab process's output, for failure messages.
func (l *Lab) Logs() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	for _, p := range l.procs {
		fmt.Fprintf(&b, "--- %s:\n%s\n", p.Name, p.Output())
	}
	return b.String()
}

// SyncBuffer collects a process's output while a test reads it.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// PidsWhere lists the processes whose command line and environment (as in
// /proc, NUL-separated) satisfy match: how tests check that nothing a
// service started outlives it.
func PidsWhere(match func(cmdline, environ []byte) bool) []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		environ, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if match(cmdline, environ) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// StartServer runs one upsd with a dummy-ups UPS per name, each reading
// NAME.dev in etc/ (write them first with WriteDev), and a read-only user
// (users: name then password pairs, "upsmon secondary"). The drivers are
// named "driver-NAME" for Stop. It waits until upsd serves each UPS.
func (l *Lab) StartServer(upses []string, users ...string) {
	l.t.Helper()
	var ups, pw strings.Builder
	for _, u := range upses {
		fmt.Fprintf(&ups, "[%s]\n\tdriver = dummy-ups\n\tport = %s.dev\n", u, u)
	}
	for i := 0; i+1 < len(users); i += 2 {
		fmt.Fprintf(&pw, "[%s]\n\tpassword = %s\n\tupsmon secondary\n", users[i], nutquote.Quote(users[i+1]))
	}
	l.WriteFile("nut.conf", "MODE=netserver\n")
	l.WriteFile("ups.conf", ups.String())
	l.WriteFile("upsd.conf", fmt.Sprintf("LISTEN 127.0.0.1 %d\n", l.Port))
	l.WriteFile("upsd.users", pw.String())
	for _, u := range upses {
		l.StartDriverNamed("driver-"+u, "dummy-ups", u)
	}
	for _, u := range upses {
		l.WaitDriverSocket("dummy-ups", u)
	}
	l.StartUpsd()
	for _, u := range upses {
		l.WaitReady(u, 20*time.Second)
	}
}

// StartDriverNamed is StartDriver under a name of its own (several drivers
// in one lab).
func (l *Lab) StartDriverNamed(name, driver, ups string) *Proc {
	args := []string{"-a", ups, "-F"}
	if IsRoot() {
		args = append(args, "-u", "root")
	}
	l.clearStalePid(driver + "-" + ups + ".pid")
	return l.Start(name, driver, args...)
}
