//go:build linux

package tray

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func startedWindows(record string) int {
	b, _ := os.ReadFile(record)
	return strings.Count(string(b), "window\n")
}

// Without a StatusNotifierItem host on the bus (plain GNOME) the tray opens
// the status window at every start and says how to get the icon once: a
// second start opens the window again but sends no second notification.
// With a host, neither happens.
func TestNoTrayHostOpensWindowAndSaysOnce(t *testing.T) {
	bus := privateBus(t)
	c := busConn(t, bus)
	notes := startNotifications(t, c)
	exe, started := scriptExe(t)
	hint := filepath.Join(t.TempDir(), "config", "nutmeg", "no-tray-host-hint")
	env := []string{"NUTMEG_TRAY_TEST_SOCKET=" + filepath.Join(t.TempDir(), "none.sock"), "NUTMEG_TRAY_TEST_EXE=" + exe,
		"NUTMEG_TRAY_TEST_CHECKHOST=1", "NUTMEG_TRAY_TEST_HINT=" + hint}

	for run := 1; run <= 2; run++ {
		p := startTray(t, bus, env...)
		waitFor(t, 20*time.Second, func() bool { return startedWindows(started) == run },
			func() string { return "the status window was not opened\n" + p.out.String() })
		if run == 1 {
			waitFor(t, 10*time.Second, func() bool { return notes.count(NoHostNote.Title) == 1 },
				func() string {
					return "no notification; got " + strings.Join(notes.summaries(), " | ") + "\n" + p.out.String()
				})
			if n, ok := notes.find(NoHostNote.Title); !ok || !strings.Contains(n.Body, "AppIndicator") {
				t.Errorf("the note does not say how to get the icon: %+v", n)
			}
			if _, err := os.Stat(hint); err != nil {
				t.Errorf("the hint was not remembered: %v", err)
			}
		} else {
			time.Sleep(time.Second) // a second note would have been sent by now
		}
		p.stop(t)
	}
	if n := notes.count(NoHostNote.Title); n != 1 {
		t.Fatalf("%d notifications about the missing host over two starts, want 1", n)
	}

	// With a host: no window, no note.
	startWatcher(t, c)
	p := startTray(t, bus, env[0], env[1], env[2], "NUTMEG_TRAY_TEST_HINT="+filepath.Join(t.TempDir(), "hint"))
	time.Sleep(HostWait + time.Second)
	p.stop(t)
	if n := startedWindows(started); n != 2 {
		t.Errorf("with a host the tray opened the window (%d opened in all)", n)
	}
	if n := notes.count(NoHostNote.Title); n != 1 {
		t.Errorf("with a host the tray sent the note again (%d in all)", n)
	}
}

// Without any session bus (a bare X session, or one whose bus died), the
// tray cannot show its icon either: it opens the status window, and it still
// quits cleanly. fyne.io/systray 1.12.2 panicked as it quit there, closing a
// D-Bus connection it never made.
func TestNoSessionBusOpensWindowAndQuitsCleanly(t *testing.T) {
	exe, started := scriptExe(t)
	p := startTray(t, "unix:path="+filepath.Join(t.TempDir(), "no-bus"),
		"NUTMEG_TRAY_TEST_SOCKET="+filepath.Join(t.TempDir(), "none.sock"), "NUTMEG_TRAY_TEST_EXE="+exe,
		"NUTMEG_TRAY_TEST_CHECKHOST=1", "NUTMEG_TRAY_TEST_HINT="+filepath.Join(t.TempDir(), "hint"))
	waitFor(t, 20*time.Second, func() bool { return startedWindows(started) == 1 },
		func() string { return "the status window was not opened\n" + p.out.String() })
	p.stop(t)
	if strings.Contains(p.out.String(), "panic") {
		t.Errorf("the tray panicked:\n%s", p.out.String())
	}
}
