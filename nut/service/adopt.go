package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/atomicfile"
	"github.com/nutmeg-ups/nutmeg/nut/pidfile"
)

// PidsName is the file in the run directory that names the running set, so
// that the next service can adopt it.
const PidsName = "nut-pids.json"

type savedPids struct {
	Procs       map[string]int `json:"procs"` // driver, upsd, upsmon → pid
	UpsmonChild int            `json:"upsmon_child"`
}

// savePids records the running set for Adopt.
func (s *Supervisor) savePids() {
	s.mu.Lock()
	sp := savedPids{Procs: map[string]int{}, UpsmonChild: s.upsmonChild}
	for _, c := range s.procs {
		sp.Procs[c.name] = c.pid
	}
	s.mu.Unlock()
	b, _ := json.Marshal(sp)
	if err := atomicfile.Write(filepath.Join(s.Run, PidsName), b, 0o600); err != nil {
		s.log().Warn("NUT's pids not saved; a restarted service will restart NUT", "err", err)
	}
}

// Adopt takes over the set that a previous service left running on the
// same directories, so that upsmon never stops watching while the service
// restarts. It reports whether it did: every process of the set must still
// run on this config, upsmon's monitoring child too, and upsd must serve the
// UPS. Otherwise whatever is left of the old set is stopped, and the caller
// starts a fresh one (Start).
func (s *Supervisor) Adopt(ctx context.Context) bool {
	s.mu.Lock()
	if s.died == nil {
		s.died = make(chan *child, 64)
		s.restart = make(chan chan error)
	}
	ups, driver, addr := s.UPS, s.Driver, s.Addr
	s.mu.Unlock()
	ours := pidfile.WithEnv(s.confEnv())
	b, err := os.ReadFile(filepath.Join(s.Run, PidsName))
	var sp savedPids
	if err == nil {
		err = json.Unmarshal(b, &sp)
	}
	want := []string{"upsmon"}
	if driver != "" {
		want = []string{"driver", "upsd", "upsmon"}
	}
	why := ""
	switch {
	case err != nil:
		why = "no record of a running set: " + err.Error()
	case len(sp.Procs) != len(want) || !s.runsHere(sp.UpsmonChild):
		why = "the recorded set is not complete"
	}
	for _, name := range want {
		if why == "" && !s.runsHere(sp.Procs[name]) {
			why = name + " no longer runs"
		}
	}
	if why == "" && driver != "" {
		if err := pollOnce(ctx, ups, addr); err != nil {
			why = "upsd does not serve the UPS: " + err.Error()
		}
	}
	if why != "" {
		if len(ours) > 0 {
			s.log().Info("not adopting the NUT processes a previous service left", "why", why, "pids", ours)
		}
		// Leftovers (a set half dead, or started by a service that died
		// before it recorded the set) would block the new set's port and
		// upsmon's pid file.
		for _, pid := range ours {
			if pid != os.Getpid() {
				s.log().Info("stopping a NUT process a previous service left", "pid", pid)
				stopChild(s.adopted("leftover", pid))
			}
		}
		return false
	}
	procs := make([]*child, 0, len(want))
	for _, name := range want {
		procs = append(procs, s.adopted(name, sp.Procs[name]))
	}
	s.mu.Lock()
	s.procs, s.upsmonChild = procs, sp.UpsmonChild
	s.mu.Unlock()
	s.log().Info("adopted the NUT processes a previous service left running", "pids", s.Pids())
	return true
}

// runsHere reports whether pid is a live process on this supervisor's config.
func (s *Supervisor) runsHere(pid int) bool {
	return pid > 0 && pidfile.Running(pid) && pidfile.HasEnv(pid, s.confEnv())
}

// adopted makes a child record for a process this service did not start:
// not its parent, it cannot wait for it, so it watches /proc instead.
func (s *Supervisor) adopted(name string, pid int) *child {
	c := &child{name: name, pid: pid, log: filepath.Join(s.Run, name+".log"), done: make(chan struct{})}
	s.mu.Lock()
	died := s.died
	s.mu.Unlock()
	go func() {
		for pidfile.Running(pid) {
			time.Sleep(250 * time.Millisecond)
		}
		c.err = errors.New("exited (adopted process: status unknown)")
		close(c.done)
		if name == "leftover" {
			return
		}
		select {
		case died <- c:
		default:
		}
	}()
	return c
}

// RetryShutdown tries a failed shutdown again: upsmon exits after
// SHUTDOWNCMD whatever its result, so it is started again (FSD is still set
// on upsd) and told to shut down.
func (s *Supervisor) RetryShutdown(ctx context.Context) error {
	s.Final(true)
	old := s.newestUpsmon()
	if old != nil {
		select {
		case <-old.done:
			s.forget(old)
			old = nil
		default: // still running: tell it again
		}
	}
	if old == nil {
		err := s.startUpsmon(ctx, orDefault(s.Ready, 30*time.Second))
		var ex *exitedError
		if errors.As(err, &ex) && ex.name == "upsmon" && ex.err == nil {
			// FSD is still set on upsd, so the new upsmon can see it, run
			// the shutdown command and exit 0 before it counts as started:
			// that is the retry done. The command's result comes back
			// through the result file like the first try's.
			s.log().Info("upsmon took the FSD again as it started", "output", ex.last)
			return nil
		}
		if err != nil {
			return fmt.Errorf("start upsmon again: %w", err)
		}
		s.savePids()
	}
	err := s.FSD(ctx)
	if err != nil && s.upsmonEndedClean() {
		// It saw the FSD on upsd by itself before our signal reached it.
		s.log().Info("upsmon took the FSD again by itself", "signal", err)
		return nil
	}
	return err
}

// upsmonEndedClean says whether the newest upsmon has ended with status 0.
// upsmon exits 0 after its shutdown command or when asked to stop (SIGTERM);
// during a retry nothing asks it to stop unless the power came back, and
// then the retry no longer matters.
func (s *Supervisor) upsmonEndedClean() bool {
	mon := s.newestUpsmon()
	if mon == nil {
		return false
	}
	select {
	case <-mon.done:
		return mon.err == nil
	case <-time.After(2 * time.Second): // give one that is exiting time to end
		return false
	}
}

// PowerBack calls off a shutdown that failed once mains power is back:
// NUT is restarted, which clears FSD on upsd (it stays until upsd
// restarts), and upsmon is supervised again.
func (s *Supervisor) PowerBack(ctx context.Context) error {
	s.Final(false)
	return s.Restart(ctx)
}

// lastLines is the last few lines of a process's output file, joined for a
// log line.
func lastLines(path string, max int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > max {
		_, _ = f.Seek(st.Size()-max, io.SeekStart)
	}
	b, _ := io.ReadAll(f)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 3 {
		lines = lines[len(lines)-3:]
	}
	return strings.Join(lines, " | ")
}

func (s *Supervisor) newestUpsmon() *child {
	s.mu.Lock()
	defer s.mu.Unlock()
	var mon *child
	for _, c := range s.procs {
		if c.name == "upsmon" {
			mon = c
		}
	}
	return mon
}
