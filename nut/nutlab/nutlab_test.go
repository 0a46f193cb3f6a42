package nutlab

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The lab itself: dummy-ups, upsd and upsmon come up, upsmon logs in, a .dev
// change reaches upsd, and stopping leaves no process behind.
func TestLabRunsRealNUT(t *testing.T) {
	l := New(t)
	marker := filepath.Join(l.Dir, "shutdown-marker")
	l.WriteDev("ups.dev", map[string]string{"ups.status": "OL", "battery.charge": "100"})
	l.WriteBasic("ups", "ups.dev", "upsmon", `p"w'$;!`, marker)
	l.StartAll("dummy-ups", "ups")

	l.WaitVar("ups", "ups.status", func(v string) bool { return v == "OL" }, 10*time.Second)
	// upsmon logged in with the password: upsd counts it.
	l.WaitLogins("ups", 1, 10*time.Second)

	l.WriteDev("ups.dev", map[string]string{"ups.status": "OB", "battery.charge": "80"})
	l.WaitVar("ups", "ups.status", func(v string) bool { return v == "OB" }, 10*time.Second)

	pids := []int{}
	for _, n := range []string{"driver", "upsd", "upsmon"} {
		pids = append(pids, l.Proc(n).Cmd.Process.Pid)
	}
	l.StopAll()
	for _, pid := range pids {
		if _, err := os.Stat(filepath.Join("/proc", itoa(pid))); err == nil {
			stat, _ := os.ReadFile(filepath.Join("/proc", itoa(pid), "stat"))
			if !strings.Contains(string(stat), ") Z ") {
				t.Errorf("pid %d still running after StopAll", pid)
			}
		}
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("shutdown marker written while the UPS was only on battery")
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
