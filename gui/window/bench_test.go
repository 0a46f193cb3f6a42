//go:build linux

package window

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"

	"github.com/nutmeg-ups/nutmeg/gui/idle"
)

// The benchmarks run a window as a child process: this test binary again,
// with benchChildEnv naming the service socket to follow (the window exactly
// as `nutmeg window` builds it, real GL driver and idle loop, minus the
// command-line wiring), or "minimal" for a Fyne window with one label (Fyne's own floor).
const benchChildEnv = "NUTMEG_WINDOW_BENCH_SOCKET"

// Knobs for looking into the figures (make bench sets neither):
// NUTMEG_BENCH_PERIOD is each measurement's length (a Go duration, default
// 10s); NUTMEG_BENCH_PERF names a directory where `perf record` writes a
// call-graph profile of the window process for each period (idle.data,
// countdown.data, floor.data; `perf report -i DIR/idle.data`).
const (
	benchPeriodEnv = "NUTMEG_BENCH_PERIOD"
	benchPerfEnv   = "NUTMEG_BENCH_PERF"
)

func TestMain(m *testing.M) {
	switch sock := os.Getenv(benchChildEnv); sock {
	case "":
		os.Exit(m.Run())
	case "minimal":
		minimalChild()
	default:
		benchChild(sock)
	}
}

// benchChild shows the window on sock, following it as `nutmeg window`
// does (Follow: the feed, the countdown's second and the minute's history),
// and prints "ready" once it shows the UPS's figures.
func benchChild(sock string) {
	a := app.NewWithID("io.github.nutmeg_ups.nutmeg.bench")
	feed := &Feed{Socket: sock}
	loop := idle.NewGLFW(idle.Config{Busy: idle.Busy(a)})
	var w *Window
	said := false
	w = New(a, Config{Backend: feed, Post: func(f func()) {
		loop.Post(func() {
			f()
			if !said && w.Figure("Battery charge") != Unknown {
				said = true
				fmt.Println("ready")
			}
		})
	}})
	w.Window().SetOnClosed(loop.Stop)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w.Follow(ctx, feed)
	go loop.Run(ctx.Done())
	w.Window().ShowAndRun()
}

// minimalChild shows a window of the status window's size with one label
// and prints "ready" once the app runs: what any Fyne 2.7 window costs.
func minimalChild() {
	a := app.NewWithID("io.github.nutmeg_ups.nutmeg.bench.minimal")
	win := a.NewWindow("Fyne floor")
	win.SetContent(widget.NewLabel("One label, nothing changes"))
	win.Resize(fyne.NewSize(640, 520))
	a.Lifecycle().SetOnStarted(func() { fmt.Println("ready") })
	win.ShowAndRun()
}

// startBenchChild runs the child with env and returns its pid once it says
// "ready".
func startBenchChild(b *testing.B, env string) int {
	cmd := exec.Command(os.Args[0], "-test.run", "^$")
	cmd.Env = append(os.Environ(), benchChildEnv+"="+env)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if sc.Text() == "ready" {
				close(ready)
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(60 * time.Second):
		b.Fatal("the window never got ready")
	}
	return cmd.Process.Pid
}

// measureChild returns the process's CPU use and RSS over one period,
// recorded by perf as name.data when NUTMEG_BENCH_PERF asks for it.
func measureChild(b *testing.B, pid int, name string) (cpuPct float64, rssMiB float64) {
	period := 10 * time.Second
	if v := os.Getenv(benchPeriodEnv); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			b.Fatalf("%s: %v", benchPeriodEnv, err)
		}
		period = d
	}
	var perf *exec.Cmd
	if dir := os.Getenv(benchPerfEnv); dir != "" {
		perf = exec.Command("perf", "record", "-q", "-F", "997", "-g", "-p", strconv.Itoa(pid),
			"-o", filepath.Join(dir, name+".data"))
		perf.Stderr = os.Stderr
		if err := perf.Start(); err != nil {
			b.Fatalf("perf: %v", err)
		}
		defer func() { perf.Process.Signal(os.Interrupt); perf.Wait() }()
	}
	c0, _ := procStat(b, pid)
	time.Sleep(period)
	c1, rss := procStat(b, pid)
	return 100 * float64(c1-c0) / float64(period), float64(rss) / 1024
}

// BenchmarkWindowIdle prints the status window process's RSS and CPU over
// 10 s with nothing changing, then over 10 s of a running countdown (the
// service pushes a state every second and the window redraws its header).
// It needs an X display (make bench runs it under Xvfb, with software GL).
func BenchmarkWindowIdle(b *testing.B) {
	if os.Getenv("DISPLAY") == "" {
		b.Skip("no X display (run through .ci/with-desktop.sh, as make bench does)")
	}
	svc := startService(b, labDev("OL"))
	pid := startBenchChild(b, svc.socket())
	for i := 0; i < b.N; i++ {
		time.Sleep(3 * time.Second) // let start-up settle
		cpu, rss := measureChild(b, pid, "idle")
		b.ReportMetric(rss, "idle-RSS-MiB")
		b.ReportMetric(cpu, "idle-CPU-%")
		svc.lab.WriteDev("ups.dev", labDev("OB DISCHRG"))
		time.Sleep(3 * time.Second)
		cpu, rss = measureChild(b, pid, "countdown")
		b.ReportMetric(rss, "countdown-RSS-MiB")
		b.ReportMetric(cpu, "countdown-CPU-%")
		svc.lab.WriteDev("ups.dev", labDev("OL"))
	}
}

// BenchmarkFyneFloor measures a Fyne window with one label that never
// changes, the same way: what Fyne 2.7's GLFW driver costs by itself (it
// polls events and checks for dirty windows 60 times a second, drawn or
// not). The status window sleeps through that ticker (gui/idle); this
// window does not, for comparison.
func BenchmarkFyneFloor(b *testing.B) {
	if os.Getenv("DISPLAY") == "" {
		b.Skip("no X display (run through .ci/with-desktop.sh, as make bench does)")
	}
	pid := startBenchChild(b, "minimal")
	for i := 0; i < b.N; i++ {
		time.Sleep(3 * time.Second)
		cpu, rss := measureChild(b, pid, "floor")
		b.ReportMetric(rss, "idle-RSS-MiB")
		b.ReportMetric(cpu, "idle-CPU-%")
	}
}

// procStat reads a process's CPU time (user+system) and resident set.
func procStat(b *testing.B, pid int) (cpu time.Duration, rssKiB int) {
	b.Helper()
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	f := strings.Fields(string(st[strings.LastIndexByte(string(st), ')')+2:]))
	ut, _ := strconv.Atoi(f[11])
	stime, _ := strconv.Atoi(f[12])
	cpu = time.Duration(ut+stime) * time.Second / 100 // USER_HZ
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			rssKiB, _ = strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		}
	}
	return cpu, rssKiB
}
