//go:build linux

package service

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
)

// TestFSDDuringUpsmonsPoll makes the FSD signal land while upsmon polls:
// upsd is stopped (SIGSTOP), so upsmon's poll waits for its answer, and
// the service is told to shut down now. The signal cuts upsmon's read
// short and upsmon goes to sleep for POLLFREQ (5 s, the service's
// upsmon.conf) before it reads the flag the signal set. The service must
// send the signal again into that sleep: the shutdown command runs well
// within 1.5 s of the signal, not 5 s later. A primary is signalled again
// only while upsd shows no FSD, a secondary (whose upsd is another
// machine's) while its upsmon runs; in system mode the upsmon is the
// platform's.
//
// One test a mode, so that the shards of make test can share them out.
func TestFSDDuringUpsmonsPoll(t *testing.T)          { fsdDuringPoll(t, nut.ModePrimary) }
func TestFSDDuringSecondaryUpsmonsPoll(t *testing.T) { fsdDuringPoll(t, nut.ModeSecondary) }
func TestFSDDuringSystemUpsmonsPoll(t *testing.T)    { fsdDuringPoll(t, "system") }

func fsdDuringPoll(t *testing.T, mode string) {
	var col *collector
	var upsd, mon int
	var marker string
	var log *nutlab.SyncBuffer
	switch mode {
	case nut.ModePrimary, nut.ModeSecondary:
		var r *runningService
		if mode == nut.ModePrimary {
			r = startService(t, nil)
		} else {
			nutlab.Require(t)
			primary, p := primaryLab(t)
			upsd = p.Cmd.Process.Pid
			r = startService(t, secondaryOf(primary))
		}
		col = collect(t, filepath.Join(r.state, api.SocketName))
		col.wait(t, 0, 20*time.Second, "connected state", func(m api.Message) bool { return m.Type == "state" && m.State.Connected })
		if mode == nut.ModePrimary {
			upsd = r.svc.Supervisor().Pids()["upsd"]
		}
		mon, marker, log = r.svc.Supervisor().UpsmonChild(), r.marker, r.log
	case "system":
		var l *systemLab
		l, marker = markerLab(t, 3600, "")
		col, _ = l.start(t)
		// The platform's units: the driver's pid, then upsd's.
		if b, err := os.ReadFile(filepath.Join(l.root, "pids")); err == nil {
			if f := strings.Fields(string(b)); len(f) == 2 {
				upsd, _ = strconv.Atoi(f[1])
			}
		}
		mon, log = readPid(UpsmonPidFile), l.log
	}
	if upsd == 0 || mon == 0 {
		t.Fatalf("upsd %d, upsmon's monitoring process %d: want both running", upsd, mon)
	}
	if err := syscall.Kill(upsd, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	resume := sync.OnceFunc(func() { _ = syscall.Kill(upsd, syscall.SIGCONT) })
	t.Cleanup(resume)
	waitInPoll(t, mon, 8*time.Second)

	from := col.len()
	if rep, err := col.c.Do(t.Context(), api.Request{Op: "shutdown-now", Confirm: "shutdown-now"}); err != nil || !rep.OK {
		t.Fatalf("shutdown-now: %+v %v", rep, err)
	}
	// The SHUTDOWN event goes out once the signal is sent: only then
	// may upsd answer, or upsmon's poll would end before the signal
	// came.
	ev, _ := col.event(t, from, EvShutdown, 5*time.Second)
	resume()
	mark := waitMarker(t, marker, 10*time.Second)
	// From the event's arrival: its time is the order's, before the
	// signal (which may wait for a look at the stopped upsd).
	d := mark.Sub(ev.at)
	t.Logf("shutdown command ran %v after the signal", d)
	if d > 1500*time.Millisecond {
		t.Errorf("shutdown command ran %v after the signal, want within 1.5 s (upsmon's POLLFREQ is 5 s)", d)
	}
	// One repeat lands in upsmon's sleep; after it upsmon has taken
	// the FSD (a primary's upsd shows it, and the monitoring process
	// is gone), so no more.
	time.Sleep(NudgeTimes * NudgeEvery)
	if n := strings.Count(log.String(), "sending it again"); n != 1 {
		t.Errorf("the service sent the FSD signal again %d times, want once", n)
	}
}

// waitInPoll waits until pid is blocked somewhere other than a sleep (in
// upsmon's monitoring process: its poll, waiting for upsd), twice in a
// row 50 ms apart.
func waitInPoll(t *testing.T, pid int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	seen, last := 0, ""
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "wchan"))
		if err != nil {
			t.Fatalf("upsmon's monitoring process: %v", err)
		}
		last = string(b)
		switch last {
		case "0", "", "hrtimer_nanosleep", "do_nanosleep":
			seen = 0
		default:
			if seen++; seen == 2 {
				t.Logf("upsmon waits in %s", last)
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("upsmon did not start a poll of the stopped upsd within %v (last wait: %q)", timeout, last)
}
