//go:build linux

package tray

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
)

// BenchmarkNUTMonitorIdle measures NUT's own desktop client (Debian's
// nut-monitor: NUT-Monitor, Python and Qt5) the way BenchmarkTrayIdleAndLatency
// measures the tray: started hidden in the tray (-H), connected to a dummy-ups
// UPS through a favourite (-F), RSS and CPU over 10 s idle. It needs an X
// display (make bench provides Xvfb) and the nut-monitor package; without
// either it says so and skips, as a benchmark of someone else's program.
func BenchmarkNUTMonitorIdle(b *testing.B) {
	bin, err := exec.LookPath("NUT-Monitor")
	if err != nil {
		b.Skip("NUT-Monitor is not installed (Debian package nut-monitor)")
	}
	if os.Getenv("DISPLAY") == "" {
		b.Skip("no X display (run through .ci/with-desktop.sh, as make bench does)")
	}
	lab := nutlab.New(b)
	lab.WriteBasic("ups", "ups.dev", "upsmon", "labpass", filepath.Join(lab.Dir, "marker"))
	lab.WriteDev("ups.dev", devVars("OL", "100", "1500", "10"))
	lab.StartDriver("dummy-ups", "ups")
	lab.StartUpsd()
	lab.WaitReady("ups", 15*time.Second)

	home := b.TempDir()
	favs := filepath.Join(home, ".nut-monitor")
	if err := os.MkdirAll(favs, 0o700); err != nil {
		b.Fatal(err)
	}
	ini := fmt.Sprintf("[lab]\nhost = 127.0.0.1\nport = %d\nups = ups\n", lab.Port)
	if err := os.WriteFile(filepath.Join(favs, "favorites.ini"), []byte(ini), 0o600); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(bin, "-H", "-F", "lab")
	cmd.Env = append(os.Environ(), "HOME="+home)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()

	// Connected once the process holds a TCP connection to the lab's upsd.
	pid := cmd.Process.Pid
	deadline := time.Now().Add(30 * time.Second)
	for {
		ss, _ := exec.Command("ss", "-Htnp", "state", "established", fmt.Sprintf("( dport = :%d )", lab.Port)).Output()
		if strings.Contains(string(ss), fmt.Sprintf("pid=%d,", pid)) {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("NUT-Monitor never connected to upsd\n%s", out.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(3 * time.Second) // let start-up settle, as for the tray
	cpu0, _ := procStat(b, pid)
	const idle = 10 * time.Second
	time.Sleep(idle)
	cpu1, rss := procStat(b, pid)
	b.ReportMetric(float64(rss)/1024, "idle-RSS-MiB")
	b.ReportMetric(100*float64(cpu1-cpu0)/float64(idle), "idle-CPU-%")
}
