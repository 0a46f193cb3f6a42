//go:build linux

package tray

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
)

// The demo's tray follows a throw-away service: its menu has no
// "Settings…", which would open the user's real settings.
func TestDemoTrayHidesSettings(t *testing.T) {
	lab := nutlab.New(t)
	lab.WriteBasic("ups", "ups.dev", "upsmon", "labpass", lab.Dir+"/marker")
	lab.WriteDev("ups.dev", devVars("OL", "100", "1500", "12"))
	lab.StartDriver("dummy-ups", "ups")
	lab.StartUpsd()
	lab.WaitReady("ups", 15*time.Second)

	bus := privateBus(t)
	c := busConn(t, bus)
	w := startWatcher(t, c)
	startNotifications(t, c)
	p := startTray(t, bus, "NUTMEG_TRAY_TEST_SERVER="+lab.Addr(), "NUTMEG_TRAY_TEST_UPS=ups", "NUTMEG_TRAY_TEST_NOSETTINGS=1")
	s := waitRegistered(t, c, w, p)
	want := []string{"On mains", "100% · 25 min left · load 12%", "UPS ups · Nutlab Dummy 700", LabelOpenStatus, LabelQuit}
	waitFor(t, 15*time.Second, func() bool { return slices.Equal(s.visibleLabels(), want) },
		func() string { return "menu " + strings.Join(s.visibleLabels(), " | ") + "\n" + p.out.String() })
}

func TestLockPathIsPerService(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	everyday := LockPath(DefaultSocketKey())
	if everyday != LockPath("") {
		t.Fatalf("the everyday tray's lock depends on how its socket was named: %s vs %s", everyday, LockPath(""))
	}
	demo := LockPath("/tmp/nutmeg-demo-123/nutmeg.sock")
	if demo == everyday || demo != LockPath("/tmp/nutmeg-demo-123/nutmeg.sock") {
		t.Fatalf("demo lock %s, everyday %s", demo, everyday)
	}
	release, err := Lock(everyday)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	releaseDemo, err := Lock(demo)
	if err != nil {
		t.Fatalf("the demo's tray cannot run beside the everyday one: %v", err)
	}
	releaseDemo()
}
