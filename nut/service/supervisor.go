package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/client"
	"github.com/nutmeg-ups/nutmeg/nut/pidfile"
	"github.com/nutmeg-ups/nutmeg/nut/procgroup"
)

// UpsmonPidFile is where upsmon 2.8.0 writes its pid, whatever
// NUT_STATEPATH says (design.md §6). It holds the monitoring child's pid,
// the one `upsmon -c fsd` must reach.
const UpsmonPidFile = pidfile.Upsmon

// Supervisor runs NUT's driver, upsd and upsmon as child processes on a
// private config (Etc → NUT_CONFPATH) and state directory (Run →
// NUT_STATEPATH). When one dies it says why in the log, stops the others and
// starts all three again in order (driver, upsd, upsmon: restarting upsd
// alone can leave the driver spinning), waiting longer after each failure
// that comes soon after a start. Secondary mode runs upsmon alone.
type Supervisor struct {
	Bin       string // NUT's daemons; "" means /lib/nut
	Etc, Run  string
	UPS       string // the UPS section name
	Driver    string // "" in secondary mode: upsmon only
	Addr      string // upsd's address, for readiness ("" in secondary mode)
	Root      bool   // add "-u root" to the driver and upsd
	Env       []string
	Log       *slog.Logger
	Ready     time.Duration // how long a start may take to serve ups.status; 0 means 30 s
	MinBackof time.Duration // first wait before a restart; 0 means 1 s
	MaxBackof time.Duration // 0 means 30 s
	Stable    time.Duration // a set that ran this long resets the backoff; 0 means 60 s
	NoUpsmon  bool          // driver and upsd only (apply's one-off proof)

	mu       sync.Mutex
	procs    []*child // in start order
	final    bool     // the shutdown is under way: do not restart upsmon
	restart  chan chan error
	died     chan *child
	starts   int
	upsmonCh int // the monitoring child's pid
}

type child struct {
	name string
	cmd  *exec.Cmd
	out  *tailBuffer
	done chan struct{}
	err  error
}

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

func orDur(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Env is the environment for NUT processes: NUT_CONFPATH, NUT_STATEPATH and
// NUT_ALTPIDPATH point at the private directories.
func (s *Supervisor) env() []string {
	env := append(os.Environ(), s.Env...)
	return append(env, "NUT_CONFPATH="+s.Etc, "NUT_STATEPATH="+s.Run, "NUT_ALTPIDPATH="+s.Run)
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
	minB, maxB := orDur(s.MinBackof, time.Second), orDur(s.MaxBackof, 30*time.Second)
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
			if time.Since(started) >= orDur(s.Stable, time.Minute) {
				backoff, driverBackoff = minB, minB
			}
			if c.name == "driver" && retry == nil && s.othersAlive(c) {
				s.log().Warn("driver died; restarting it alone, upsd and upsmon keep running",
					"status", exitText(c.err), "output", c.out.Last(), "wait", driverBackoff)
				s.forget(c)
				driverRetry = time.After(driverBackoff)
				driverBackoff = min(driverBackoff*2, maxB)
				continue
			}
			driverRetry = nil
			s.log().Warn("NUT process died; restarting driver, upsd and upsmon",
				"process", c.name, "status", exitText(c.err), "output", c.out.Last(), "wait", backoff)
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

// Restart stops and starts the whole set now (after new files were
// installed) and returns when it works or failed. It needs Supervise running.
func (s *Supervisor) Restart(ctx context.Context) error {
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
		m[c.name] = c.cmd.Process.Pid
	}
	if s.upsmonCh != 0 {
		m["upsmon-child"] = s.upsmonCh
	}
	return m
}

// Starts counts how many times the set has been started.
func (s *Supervisor) Starts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.starts
}

// UpsmonChild is the pid of upsmon's monitoring process (0 if unknown).
func (s *Supervisor) UpsmonChild() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.upsmonCh
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

// UpsmonFSD runs `upsmon -c fsd -P pid` with env.
func UpsmonFSD(ctx context.Context, bin string, env []string, pid int) error {
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
	s.starts++
	s.upsmonCh = 0
	ups, driver, addr := s.UPS, s.Driver, s.Addr
	s.mu.Unlock()
	ready := orDur(s.Ready, 30*time.Second)
	if driver != "" {
		drv, err := s.spawnDriver(driver, ups)
		if err != nil {
			return err
		}
		uargs := []string{"-F"}
		if s.Root {
			uargs = append(uargs, "-u", "root")
		}
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
	// One upsmon per machine (pid file fixed at /run/nut): one that is
	// still exiting (say, after the previous set's shutdown) makes a new
	// one refuse for a moment. Try again for a few seconds.
	for attempt := 1; ; attempt++ {
		// A zombie left by a stopped upsmon (PID 1 may be slow to reap it)
		// still answers kill(pid, 0) and would make upsmon refuse forever.
		if cleared, err := pidfile.ClearStale(UpsmonPidFile); err != nil {
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
	return s.spawn("driver", driver, args...)
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
	out := &tailBuffer{max: 4096}
	cmd.Stdout, cmd.Stderr = out, out
	// Own process group: stopping upsmon means its parent and its child.
	cmd.SysProcAttr = procgroup.ChildAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, out: out, done: make(chan struct{})}
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

// waitServing waits until upsd serves the UPS's ups.status (fresh data).
func (s *Supervisor) waitServing(ctx context.Context, ups, addr string, timeout time.Duration, procs ...*child) error {
	deadline := time.Now().Add(timeout)
	var last error
	for {
		for _, p := range procs {
			select {
			case <-p.done:
				return fmt.Errorf("%s exited while starting (%s): %s", p.name, exitText(p.err), p.out.Last())
			default:
			}
		}
		if last = pollOnce(ctx, ups, addr); last == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("upsd did not serve %s within %s: %v (driver: %s)", ups, timeout, last, procs[0].out.Last())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func pollOnce(ctx context.Context, ups, addr string) error {
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	c, err := client.Dial(cctx, addr, client.Options{Timeout: 2 * time.Second})
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.Poll(ups)
	return err
}

// waitUpsmon waits until upsmon has forked its monitoring child and finds
// that child's pid: from upsmon's pid file when upsmon could write it (as
// root), else as upsmon's child process in /proc (an ordinary user cannot
// write /run/nut: upsmon warns and runs on). A upsmon with no child after
// 2 s is its own monitoring process.
func (s *Supervisor) waitUpsmon(ctx context.Context, timeout time.Duration, mon *child) error {
	start := time.Now()
	deadline := start.Add(timeout)
	parent := mon.cmd.Process.Pid
	for {
		select {
		case <-mon.done:
			return fmt.Errorf("upsmon exited while starting (%s): %s", exitText(mon.err), mon.out.Last())
		default:
		}
		pid := readPid(UpsmonPidFile)
		if pid == 0 || parentOf(pid) != parent {
			pid = childOf(parent)
		}
		if pid == 0 && time.Since(start) > 2*time.Second {
			pid = parent
		}
		if pid != 0 {
			s.mu.Lock()
			s.upsmonCh = pid
			s.mu.Unlock()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("upsmon did not start within %s: %s", timeout, mon.out.Last())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// childOf finds a child process of pid in /proc (0 if none).
func childOf(pid int) int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err == nil && parentOf(p) == pid {
			return p
		}
	}
	return 0
}

// stopAll stops the set in reverse order (upsmon, upsd, driver), each whole
// process group, SIGTERM first and SIGKILL after 5 s.
func (s *Supervisor) stopAll() {
	s.mu.Lock()
	procs := s.procs
	s.procs = nil
	s.upsmonCh = 0
	s.mu.Unlock()
	for i := len(procs) - 1; i >= 0; i-- {
		stopChild(procs[i])
	}
}

func stopChild(c *child) { procgroup.Stop(c.cmd.Process.Pid, c.done, 5*time.Second) }

// readPid is the pid in a pid file, 0 when there is none.
func readPid(path string) int {
	pid, _ := pidfile.Read(path)
	return pid
}

// parentOf reads a process's parent pid from /proc (0 if gone).
func parentOf(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// pid (comm) state ppid ...; comm may hold spaces: cut after the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(f[1])
	return n
}

func exitText(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

// tailBuffer keeps the last max bytes a process printed.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

// Last is the last few non-empty lines, joined, for a log line.
func (t *tailBuffer) Last() string {
	lines := strings.Split(strings.TrimSpace(t.String()), "\n")
	if len(lines) > 3 {
		lines = lines[len(lines)-3:]
	}
	return strings.Join(lines, " | ")
}
