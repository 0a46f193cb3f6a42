package service

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/client"
	"github.com/nutmeg-ups/nutmeg/nut/pidfile"
	"github.com/nutmeg-ups/nutmeg/nut/procgroup"
)

// UpsmonPidFile is where upsmon 2.8.0 writes its pid, whatever
// NUT_STATEPATH says (docs/architecture.md, "NUT facts"). It holds the monitoring child's pid,
// the one `upsmon -c fsd` must reach.
const UpsmonPidFile = pidfile.Upsmon

// Supervisor runs NUT's driver, upsd and upsmon as processes on a private
// config (Etc → NUT_CONFPATH) and state directory (Run → NUT_STATEPATH).
// A driver that dies is restarted alone (upsmon keeps watching); when upsd
// or upsmon dies it stops the others and starts all three again in order
// (driver, upsd, upsmon: restarting upsd alone can leave the driver
// spinning), waiting longer after each failure that comes soon after a
// start. Secondary mode runs upsmon alone.
//
// The processes outlive the service on purpose: a service that crashes
// leaves upsmon watching the UPS (at low battery it shuts the machine down
// whatever the service does), and the next service adopts the set (Adopt)
// instead of leaving a moment with no upsmon. Their output goes to files in
// Run, which outlive the service too.
type Supervisor struct {
	Bin        string // NUT's daemons; "" means /lib/nut
	Etc, Run   string
	UPS        string // the UPS section name
	Driver     string // "" in secondary mode: upsmon only
	Addr       string // upsd's address, for readiness ("" in secondary mode)
	Root       bool   // add "-u root" to the driver and upsd
	Env        []string
	Log        *slog.Logger
	Ready      time.Duration // how long a start may take to serve ups.status; 0 means 30 s
	MinBackoff time.Duration // first wait before a restart; 0 means 1 s
	MaxBackoff time.Duration // 0 means 30 s
	Stable     time.Duration // a set that ran this long resets the backoff; 0 means 60 s
	NoUpsmon   bool          // driver and upsd only (apply's one-off proof)

	mu          sync.Mutex
	procs       []*child // in start order
	final       bool     // the shutdown is under way: do not restart upsmon
	restart     chan chan error
	died        chan *child
	upsmonChild int // the monitoring child's pid
}

type child struct {
	name string
	pid  int
	log  string // its output file
	done chan struct{}
	err  error // nil until done; for an adopted process, always "gone"
}

// last is the last few lines the process printed.
func (c *child) last() string { return lastLines(c.log, 4096) }

func (s *Supervisor) bin() string {
	if s.Bin == "" {
		return "/lib/nut"
	}
	return s.Bin
}

func (s *Supervisor) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Env is the environment for NUT processes: NUT_CONFPATH, NUT_STATEPATH and
// NUT_ALTPIDPATH point at the private directories. Nutmeg's own password
// variables are left out: upsmon passes its environment on to SHUTDOWNCMD
// and NOTIFYCMD, which must not see them.
func (s *Supervisor) env() []string {
	return append(CleanEnv(append(os.Environ(), s.Env...)), s.confEnv(), "NUT_STATEPATH="+s.Run, "NUT_ALTPIDPATH="+s.Run)
}

func (s *Supervisor) confEnv() string { return "NUT_CONFPATH=" + s.Etc }

// CleanEnv is env without Nutmeg's secret variables (NUTMEG_*PASSWORD*,
// NUTMEG_EXTRA_USERS).
func CleanEnv(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "NUTMEG_") && (strings.Contains(name, "PASSWORD") || name == "NUTMEG_EXTRA_USERS") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// Start starts the set once and waits until it works. On failure nothing is
// left running and the error names the step and carries the daemon's words.
func (s *Supervisor) Start(ctx context.Context) error {
	s.mu.Lock()
	if s.died == nil {
		s.died = make(chan *child, 64)
		s.restart = make(chan chan error)
	}
	s.mu.Unlock()
	if err := os.MkdirAll(s.Run, 0o700); err != nil {
		return fmt.Errorf("state directory: %w", err)
	}
	if err := s.startAll(ctx); err != nil {
		s.stopAll()
		return err
	}
	return nil
}

// Supervise watches the running set until ctx ends, restarting it when a
// process dies or when Restart asks, and stops everything before returning.
func (s *Supervisor) Supervise(ctx context.Context) error {
	defer s.stopAll()
	minB, maxB := orDefault(s.MinBackoff, time.Second), orDefault(s.MaxBackoff, 30*time.Second)
	backoff := minB
	started := time.Now()
	var retry <-chan time.Time // set while the set is down, waiting to start again
	later := func() {
		retry = time.After(backoff)
		backoff = min(backoff*2, maxB)
	}
	// A driver that dies is restarted alone while upsd and upsmon run on:
	// upsmon must keep its memory that the UPS was on battery, so that
	// losing the UPS for good during a power failure is critical, as NUT
	// has it (a cable pulled on battery must still shut the machine down).
	var driverRetry <-chan time.Time
	driverBackoff := minB
	for {
		select {
		case <-ctx.Done():
			return nil
		case reply := <-s.restart:
			s.log().Info("restarting NUT on request")
			driverRetry = nil
			s.stopAll()
			started = time.Now()
			err := s.startAll(ctx)
			if err != nil {
				s.stopAll()
				later()
			} else {
				retry, backoff = nil, minB
			}
			reply <- err
		case c := <-s.died:
			if !s.current(c) {
				continue // a process of a set already stopped
			}
			s.mu.Lock()
			final := s.final
			s.mu.Unlock()
			if final {
				s.log().Info("NUT process ended during the shutdown; not restarting", "process", c.name, "status", exitText(c.err))
				continue
			}
			if time.Since(started) >= orDefault(s.Stable, time.Minute) {
				backoff, driverBackoff = minB, minB
			}
			if c.name == "driver" && retry == nil && s.othersAlive(c) {
				s.log().Warn("driver died; restarting it alone, upsd and upsmon keep running",
					"status", exitText(c.err), "output", c.last(), "wait", driverBackoff)
				s.forget(c)
				driverRetry = time.After(driverBackoff)
				driverBackoff = min(driverBackoff*2, maxB)
				continue
			}
			driverRetry = nil
			s.log().Warn("NUT process died; restarting driver, upsd and upsmon",
				"process", c.name, "status", exitText(c.err), "output", c.last(), "wait", backoff)
			s.stopAll()
			later()
		case <-driverRetry:
			driverRetry = nil
			s.mu.Lock()
			ups, driver := s.UPS, s.Driver
			s.mu.Unlock()
			started = time.Now()
			if _, err := s.spawnDriver(driver, ups); err != nil {
				s.log().Warn("driver restart failed; trying again", "err", err, "wait", driverBackoff)
				driverRetry = time.After(driverBackoff)
				driverBackoff = min(driverBackoff*2, maxB)
				continue
			}
			s.savePids()
			s.log().Info("driver restarted", "pids", s.Pids())
		case <-retry:
			retry = nil
			started = time.Now()
			if err := s.startAll(ctx); err != nil {
				s.stopAll()
				if ctx.Err() != nil {
					return nil
				}
				s.log().Warn("NUT restart failed; trying again", "err", err, "wait", backoff)
				later()
				continue
			}
			s.log().Info("NUT restarted", "pids", s.Pids())
		}
	}
}

// ErrShutdownUnderway refuses a restart once FSD is issued: stopping NUT
// then would kill the upsmon that is carrying out the shutdown.
var ErrShutdownUnderway = errors.New("the shutdown is under way: NUT is not restarted, so that upsmon can finish it")

// Restart stops and starts the whole set now (after new files were
// installed) and returns when it works or failed. It needs Supervise running.
// It is refused while the shutdown is under way (Final).
func (s *Supervisor) Restart(ctx context.Context) error {
	s.mu.Lock()
	final := s.final
	s.mu.Unlock()
	if final {
		return ErrShutdownUnderway
	}
	reply := make(chan error, 1)
	select {
	case s.restart <- reply:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Final(true) marks the shutdown as under way: upsmon exits after
// SHUTDOWNCMD, and that is no reason to restart anything. Final(false)
// takes it back (the FSD did not reach upsmon).
func (s *Supervisor) Final(on bool) {
	s.mu.Lock()
	s.final = on
	s.mu.Unlock()
}

// Pids is the pid of each running process (upsmon's is its parent; its
// monitoring child is UpsmonChild), for tests and diagnostics.
func (s *Supervisor) Pids() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := map[string]int{}
	for _, c := range s.procs {
		m[c.name] = c.pid
	}
	if s.upsmonChild != 0 {
		m["upsmon-child"] = s.upsmonChild
	}
	return m
}

// UpsmonChild is the pid of upsmon's monitoring process (0 if unknown).
func (s *Supervisor) UpsmonChild() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.upsmonChild
}

// FSD tells upsmon to shut the machine down now: `upsmon -c fsd -P <child>`.
// A primary upsmon then sets FSD on upsd, waits for its secondaries (up to
// HOSTSYNC) and runs SHUTDOWNCMD; a secondary runs SHUTDOWNCMD at once.
func (s *Supervisor) FSD(ctx context.Context) error {
	pid := s.UpsmonChild()
	if pid == 0 {
		return errors.New("upsmon is not running")
	}
	return UpsmonFSD(ctx, s.bin(), s.env(), pid)
}

// UpsmonFSD runs `upsmon -c fsd -P pid` with env, if pid is a live upsmon:
// a pid outlives its upsmon (the supervisor's record, the pid file), and
// by the time of a retry or a repeat it may be another program's, which
// the signal, SIGUSR1, would end.
func UpsmonFSD(ctx context.Context, bin string, env []string, pid int) error {
	if !pidfile.Alive(pid, "upsmon") {
		return fmt.Errorf("upsmon (pid %d) is not running", pid)
	}
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "upsmon"), "-c", "fsd", "-P", strconv.Itoa(pid))
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("upsmon -c fsd: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

func (s *Supervisor) current(c *child) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.procs {
		if p == c {
			return true
		}
	}
	return false
}

// Reconfigure changes what the next start runs (after new settings): the
// UPS name, the driver ("" for secondary mode) and upsd's address.
func (s *Supervisor) Reconfigure(ups, driver, addr string) {
	s.mu.Lock()
	s.UPS, s.Driver, s.Addr = ups, driver, addr
	s.mu.Unlock()
}

func (s *Supervisor) startAll(ctx context.Context) error {
	s.mu.Lock()
	s.upsmonChild = 0
	ups, driver, addr := s.UPS, s.Driver, s.Addr
	s.mu.Unlock()
	ready := orDefault(s.Ready, 30*time.Second)
	if driver != "" {
		if err := portFree(addr); err != nil {
			return err
		}
		drv, err := s.spawnDriver(driver, ups)
		if err != nil {
			return err
		}
		uargs := []string{"-F"}
		if s.Root {
			uargs = append(uargs, "-u", "root")
		}
		s.clearStalePid("upsd.pid")
		upsd, err := s.spawn("upsd", "upsd", uargs...)
		if err != nil {
			return err
		}
		if err := s.waitServing(ctx, ups, addr, ready, drv, upsd); err != nil {
			return err
		}
	}
	if s.NoUpsmon {
		return nil
	}
	if err := s.startUpsmon(ctx, ready); err != nil {
		return err
	}
	s.savePids()
	return nil
}

// startUpsmon starts upsmon and waits for its monitoring child.
func (s *Supervisor) startUpsmon(ctx context.Context, ready time.Duration) error {
	// One upsmon per machine (pid file fixed at /run/nut): one that is
	// still exiting (say, after the previous set's shutdown) makes a new
	// one refuse for a moment. Try again for a few seconds.
	for attempt := 1; ; attempt++ {
		// A zombie left by a stopped upsmon (PID 1 may be slow to reap it),
		// or another program that got the pid of an upsmon that left its
		// file, answers kill(pid, 0) and would make upsmon refuse forever.
		if cleared, err := pidfile.ClearStale(UpsmonPidFile, "upsmon"); err != nil {
			s.log().Warn("upsmon pid file", "err", err)
		} else if cleared {
			s.log().Info("removed a stale upsmon pid file", "path", UpsmonPidFile)
		}
		mon, err := s.spawn("upsmon", "upsmon", "-F")
		if err != nil {
			return err
		}
		err = s.waitUpsmon(ctx, ready, mon)
		if err == nil || !strings.Contains(err.Error(), upsmonBusy) || attempt == 10 {
			return err
		}
		s.forget(mon)
		s.log().Info("another upsmon is still running; trying again", "attempt", attempt)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// upsmonBusy is what upsmon 2.8.0 says when its pid file names a live process.
const upsmonBusy = "previous upsmon instance is already running"

// forget drops an exited process from the set, so its death restarts nothing.
func (s *Supervisor) forget(c *child) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, p := range s.procs {
		if p == c {
			s.procs = append(s.procs[:i], s.procs[i+1:]...)
			return
		}
	}
}

// spawnDriver starts the UPS's driver in the foreground.
func (s *Supervisor) spawnDriver(driver, ups string) (*child, error) {
	args := []string{"-a", ups, "-F"}
	if s.Root {
		args = append(args, "-u", "root")
	}
	s.clearStalePid(driver + "-" + ups + ".pid")
	return s.spawn("driver", driver, args...)
}

// clearStalePid removes a pid file that a daemon of this set left in Run
// (NUT_ALTPIDPATH) when the process it names is not one of ours. A driver
// that finds its pid file SIGTERMs the pid in it ("Terminating other
// driver!"), and once the kernel has given that pid to another program,
// that program is what ends; upsd refuses to start instead. A live daemon
// of ours keeps its file, so NUT still ends a duplicate of it.
func (s *Supervisor) clearStalePid(name string) {
	path := filepath.Join(s.Run, name)
	pid, err := pidfile.Read(path)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && s.runsHere(pid)) {
		return
	}
	if err := os.Remove(path); err == nil {
		s.log().Info("removed a stale pid file", "path", path, "pid", pid)
	}
}

// othersAlive reports whether every process of the set but c still runs.
func (s *Supervisor) othersAlive(c *child) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.procs {
		if p == c {
			continue
		}
		select {
		case <-p.done:
			return false
		default:
		}
	}
	return len(s.procs) > 1
}

func (s *Supervisor) spawn(name, bin string, args ...string) (*child, error) {
	cmd := exec.Command(filepath.Join(s.bin(), bin), args...)
	cmd.Env = s.env()
	cmd.Dir = s.Run
	// A file, not a pipe: the process outlives the service, and a pipe
	// whose reader died would kill it with SIGPIPE at its next log line.
	logPath := filepath.Join(s.Run, name+".log")
	out, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	defer out.Close() // the process has its own copy
	cmd.Stdout, cmd.Stderr = out, out
	// Own process group: stopping upsmon means its parent and its child.
	// No parent-death signal: see the type's comment.
	cmd.SysProcAttr = procgroup.Attr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	c := &child{name: name, pid: cmd.Process.Pid, log: logPath, done: make(chan struct{})}
	s.mu.Lock()
	s.procs = append(s.procs, c)
	died := s.died
	s.mu.Unlock()
	go func() {
		c.err = cmd.Wait()
		close(c.done)
		select {
		case died <- c:
		default: // nobody supervises (a one-off start): nothing to do
		}
	}()
	return c, nil
}

// exitedError is a NUT process that ended before it was ready. err is its
// exit (nil: it ended on its own with status 0).
type exitedError struct {
	name string
	err  error
	last string
}

func (e *exitedError) Error() string {
	return fmt.Sprintf("%s exited while starting (%s): %s", e.name, exitText(e.err), e.last)
}

// waitServing waits until upsd serves the UPS's ups.status (fresh data).
func (s *Supervisor) waitServing(ctx context.Context, ups, addr string, timeout time.Duration, procs ...*child) error {
	deadline := time.Now().Add(timeout)
	var last error
	for {
		for _, p := range procs {
			select {
			case <-p.done:
				return &exitedError{name: p.name, err: p.err, last: p.last()}
			default:
			}
		}
		if last = pollOnce(ctx, ups, addr); last == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("upsd did not serve %s within %s: %v (driver: %s)", ups, timeout, last, procs[0].last())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// portFree checks that no other program listens on addr, where the
// service's own upsd is to listen and where the service then looks for it.
// Were another NUT server there (the system's nut-server on 3493 is the
// common case), upsd could not listen, and the service would find the
// other server, which may well serve a UPS of the same name, and follow it
// as its own. Other errors (no IPv6, say) are upsd's to report.
func portFree(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln.Close()
	}
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("%s is already in use by another program (another NUT server, such as the system's nut-server?): "+
			"Nutmeg's own NUT server cannot listen there. Choose another port (the wizard's Advanced page, "+
			"\"NUT server port\"; remoteport in the settings file), or stop that program", addr)
	}
	return nil
}

func pollOnce(ctx context.Context, ups, addr string) error {
	return askUpsd(ctx, addr, 2*time.Second, func(c *client.Conn) error {
		_, err := c.Poll(ups)
		return err
	})
}

// waitUpsmon waits until upsmon has forked its monitoring child and finds
// that child's pid: from upsmon's pid file when upsmon could write it (as
// root), else as upsmon's child process in /proc (an ordinary user cannot
// write /run/nut: upsmon warns and runs on). A upsmon with no child after
// 2 s is its own monitoring process.
func (s *Supervisor) waitUpsmon(ctx context.Context, timeout time.Duration, mon *child) error {
	start := time.Now()
	deadline := start.Add(timeout)
	parent := mon.pid
	for {
		select {
		case <-mon.done:
			return &exitedError{name: "upsmon", err: mon.err, last: mon.last()}
		default:
		}
		pid := readPid(UpsmonPidFile)
		if pid == 0 || pidfile.ParentOf(pid) != parent {
			pid = pidfile.ChildOf(parent)
		}
		if pid == 0 && time.Since(start) > 2*time.Second {
			pid = parent
		}
		if pid != 0 {
			s.mu.Lock()
			s.upsmonChild = pid
			s.mu.Unlock()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("upsmon did not start within %s: %s", timeout, mon.last())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stopAll stops the set in reverse order (upsmon, upsd, driver), each whole
// process group, SIGTERM first and SIGKILL after 5 s.
func (s *Supervisor) stopAll() {
	s.mu.Lock()
	procs := s.procs
	s.procs = nil
	s.upsmonChild = 0
	s.mu.Unlock()
	for i := len(procs) - 1; i >= 0; i-- {
		stopChild(procs[i])
	}
}

func stopChild(c *child) { procgroup.Stop(c.pid, c.done, 5*time.Second) }

// readPid is the pid in a pid file, 0 when there is none.
func readPid(path string) int {
	pid, _ := pidfile.Read(path)
	return pid
}

func exitText(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}
