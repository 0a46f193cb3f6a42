package service

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/api"
)

// Communication lost for good while on battery (the UPS's cable pulled
// during a power failure) is critical, as NUT has it: the machine must go
// down although the driver cannot come back and the countdown has minutes
// left.
func TestCommLostOnBatteryIsCritical(t *testing.T) {
	s := startLabService(t, Policy{Mode: nut.ShutdownBatt, Timer: 5 * time.Minute}, time.Minute, dev("OL"), nil)
	col := collect(t, s.sock())
	col.wait(t, 0, 10*time.Second, "connected state", func(m api.Message) bool { return m.Type == "state" && m.State.Connected })
	s.lab.WriteDev("ups.dev", dev("OB DISCHRG"))
	_, i := col.event(t, 0, EvCountdown, 10*time.Second)
	// The driver dies and cannot start again: its data file is gone.
	if err := os.Remove(filepath.Join(s.lab.Etc, "ups.dev")); err != nil {
		t.Fatal(err)
	}
	lost := time.Now()
	if err := syscall.Kill(s.sup.Pids()["driver"], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	col.event(t, i, EvCommBad, 10*time.Second)
	mark := waitMarker(t, s.marker, 60*time.Second)
	t.Logf("shutdown %v after the driver died (countdown had %v left)", mark.Sub(lost), 5*time.Minute)
}
