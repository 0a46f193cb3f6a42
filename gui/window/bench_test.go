//go:build linux

package window

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
)

// The benchmark runs the window as a child process: this test binary again,
// with benchChildEnv naming the service socket to follow. The child is the
// window exactly as `nutmeg window` builds it (real GL driver), minus the
// command-line wiring.
const benchChildEnv = "NUTMEG_WINDOW_BENCH_SOCKET"

func TestMain(m *testing.M) {
	if sock := os.Getenv(benchChildEnv); sock != "" {
		benchChild(sock)
		return
	}
	os.Exit(m.Run())
}

// benchChild shows the window on sock and prints "ready" once it shows the
// UPS's figures.
func benchChild(sock string) {
	a := app.NewWithID("io.github.nutmeg_ups.nutmeg.bench")
	feed := &Feed{Socket: sock}
	w := New(a, Config{Backend: feed})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	said := false
	go feed.Run(ctx, func(u Update) {
		fyne.Do(func() {
			w.Apply(u)
			if !said && w.Figure("Battery charge") != Unknown {
				said = true
				fmt.Println("ready")
			}
		})
	})
	w.Window().ShowAndRun()
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
	cmd := exec.Command(os.Args[0], "-test.run", "^$")
	cmd.Env = append(os.Environ(), benchChildEnv+"="+svc.socket())
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
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
		b.Fatal("the window never showed the UPS's figures")
	}
	pid := cmd.Process.Pid
	const period = 10 * time.Second
	measure := func() (cpuPct float64, rssMiB float64) {
		c0, _ := procStat(b, pid)
		time.Sleep(period)
		c1, rss := procStat(b, pid)
		return 100 * float64(c1-c0) / float64(period), float64(rss) / 1024
	}
	for i := 0; i < b.N; i++ {
		time.Sleep(3 * time.Second) // let start-up settle
		cpu, rss := measure()
		b.ReportMetric(rss, "idle-RSS-MiB")
		b.ReportMetric(cpu, "idle-CPU-%")
		svc.lab.WriteDev("ups.dev", labDev("OB DISCHRG"))
		time.Sleep(3 * time.Second)
		cpu, rss = measure()
		b.ReportMetric(rss, "countdown-RSS-MiB")
		b.ReportMetric(cpu, "countdown-CPU-%")
		svc.lab.WriteDev("ups.dev", labDev("OL"))
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
