//go:build linux

package hw

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/hw/driverdb"
	"github.com/nutmeg-ups/nutmeg/hw/serial/serialsim"
)

func TestVerifyWithDummyUPS(t *testing.T) {
	db := requireNUT(t)
	if !db.Driver("dummy-ups").Installed {
		skipUnlessCI(t, "dummy-ups is not installed in %s", driverdb.DriverDir)
	}
	// Run as root, the driver drops to the nut user, which cannot enter
	// t.TempDir's 0700 parent: use a world-readable dir.
	dir, err := os.MkdirTemp("", "nutmeg-verify-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	dev := filepath.Join(dir, "sim.dev")
	for _, status := range []string{"OL", "OB LB"} {
		t.Run(status, func(t *testing.T) {
			if err := os.WriteFile(dev, []byte("ups.status: "+status+"\nbattery.charge: 42\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			v := Verify(context.Background(), db, Suggestion{Driver: "dummy-ups", Port: dev, Ready: true}, 20*time.Second)
			if !v.OK || v.Status != status || v.Vars["battery.charge"] != "42" {
				t.Fatalf("verification %+v", v)
			}
			if v.Command[1] != "-s" || v.Command[2] != "probe" || v.Command[len(v.Command)-1] != "1" {
				t.Errorf("command %q", v.Command)
			}
		})
	}
	t.Run("failing driver", func(t *testing.T) {
		v := Verify(context.Background(), db, Suggestion{Driver: "dummy-ups", Port: filepath.Join(dir, "missing.dev"), Ready: true}, 20*time.Second)
		if v.OK || v.Error == "" || v.Output == "" {
			t.Fatalf("want a failure with the driver's message: %+v", v)
		}
	})
	t.Run("port held by another process", func(t *testing.T) {
		sim, err := serialsim.Start(serialsim.Silent{})
		if err != nil {
			t.Fatal(err)
		}
		defer sim.Close()
		release, err := sim.HoldInOtherProcess()
		if err != nil {
			t.Fatal(err)
		}
		defer release()
		v := Verify(context.Background(), db, Suggestion{Driver: "dummy-ups", Port: sim.Path, Device: "serial:" + sim.Path, Ready: true}, 20*time.Second)
		if v.OK || !strings.Contains(v.Error, "in use") || len(v.Command) != 0 {
			t.Fatalf("a held port must not be touched: %+v", v)
		}
		if got := sim.Received(); len(got) != 0 {
			t.Errorf("the held port received %q", got)
		}
	})
	t.Run("not installed", func(t *testing.T) {
		v := Verify(context.Background(), db, Suggestion{Driver: "snmp-ups-not-here", Port: "x"}, time.Second)
		if v.OK || !strings.Contains(v.Error, "not installed") || len(v.Command) != 0 {
			t.Fatalf("%+v", v)
		}
	})
}
