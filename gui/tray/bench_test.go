//go:build linux

package tray

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
)

// procStat reads a process's CPU time (user+system) and resident set.
func procStat(b *testing.B, pid int) (cpu time.Duration, rssKiB int) {
	b.Helper()
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// Fields after the command name (which may hold spaces) in parentheses.
	f := strings.Fields(string(st[strings.LastIndexByte(string(st), ')')+2:]))
	ut, _ := strconv.Atoi(f[11])
	stime, _ := strconv.Atoi(f[12])
	cpu = time.Duration(ut+stime) * time.Second / 100 // USER_HZ is 100 on Linux
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

// BenchmarkTrayIdleAndLatency runs the tray (a subprocess, as at login) on
// the real service and a dummy-ups UPS, and prints: the tray's RSS and CPU
// over a 60 s idle period, and the time from the service pushing a new
// status on its socket to the new tooltip being announced on D-Bus
// (NewToolTip), per status change.
func BenchmarkTrayIdleAndLatency(b *testing.B) {
	lab := nutlab.New(b)
	lab.WriteBasic("ups", "ups.dev", "upsmon", "labpass", filepath.Join(lab.Dir, "marker"))
	lab.WriteDev("ups.dev", devVars("OL", "100", "1500", "10"))
	lab.StartDriver("dummy-ups", "ups")
	lab.StartUpsd()
	lab.WaitReady("ups", 15*time.Second)
	lw := &labWatcher{lab: lab, state: shortDir(b)}
	lw.start(b)
	b.Cleanup(lw.stop)
	sock := api.SocketPath(lw.state)

	bus := privateBus(b)
	c, err := dbus.Connect(bus)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	w := &watcher{}
	c.Export(w, "/StatusNotifierWatcher", "org.kde.StatusNotifierWatcher")
	c.RequestName("org.kde.StatusNotifierWatcher", dbus.NameFlagDoNotQueue)
	n := &notifications{}
	c.Export(n, notifyPath, notifyName)
	c.RequestName(notifyName, dbus.NameFlagDoNotQueue)
	p := startTray(b, bus, "NUTMEG_TRAY_TEST_SOCKET="+sock)
	deadline := time.Now().Add(15 * time.Second)
	for w.last() == "" && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if w.last() == "" {
		b.Fatalf("tray never registered\n%s", p.out)
	}
	s := &sni{t: b, conn: c, dest: w.last()}
	for !strings.HasPrefix(s.tooltip(), "On mains") {
		if time.Now().After(deadline) {
			b.Fatalf("tooltip %q\n%s", s.tooltip(), p.out)
		}
		time.Sleep(20 * time.Millisecond)
	}

	pid := p.cmd.Process.Pid
	time.Sleep(2 * time.Second) // let start-up settle
	cpu0, _ := procStat(b, pid)
	const idle = time.Minute // the issue asks for 60 s idle
	time.Sleep(idle)
	cpu1, rss := procStat(b, pid)

	// Latency: socket push seen here → NewToolTip signal seen here.
	if err := c.AddMatchSignal(dbus.WithMatchInterface("org.kde.StatusNotifierItem"), dbus.WithMatchMember("NewToolTip")); err != nil {
		b.Fatal(err)
	}
	sigs := make(chan *dbus.Signal, 64)
	c.Signal(sigs)
	mc, err := api.Dial(b.Context(), sock)
	if err != nil {
		b.Fatal(err)
	}
	defer mc.Close()
	pushes := make(chan time.Time, 64)
	go func() {
		for m := range mc.Messages() {
			if m.Type == "state" && m.State.Status != nil {
				pushes <- time.Now()
			}
		}
	}()
	<-pushes // the state on connect
	var total time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		lab.WriteDev("ups.dev", devVars("OL", "100", "1500", strconv.Itoa(11+i%50)))
		var pushed time.Time
		select {
		case pushed = <-pushes:
		case <-time.After(15 * time.Second):
			b.Fatal("no push from the service")
		}
		select {
		case <-sigs:
			total += time.Since(pushed)
		case <-time.After(15 * time.Second):
			b.Fatal("no NewToolTip signal")
		}
	}
	b.StopTimer()
	// ResetTimer drops reported metrics, so all are reported here.
	b.ReportMetric(float64(rss)/1024, "idle-RSS-MiB")
	b.ReportMetric(100*float64(cpu1-cpu0)/float64(idle), "idle-CPU-%")
	b.ReportMetric(float64(total.Microseconds())/float64(b.N)/1000, "push-to-tooltip-ms")
	if !strings.Contains(s.tooltip(), "load") {
		b.Fatalf("tooltip %q", s.tooltip())
	}
}
