package tray

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/godbus/dbus/v5"
)

// watcherName is the StatusNotifierItem host's registry: a panel that shows
// tray icons owns it (KDE, Xfce, Cinnamon, GNOME with the AppIndicator
// extension); plain GNOME does not, and the icon is then invisible.
const watcherName = "org.kde.StatusNotifierWatcher"

// HostWait is how long the tray waits at start for a panel to own the
// watcher (at login the panel may come up a little after the tray).
var HostWait = 3 * time.Second

// NoHostNote is the one notification that says how to get the icon.
var NoHostNote = Note{
	Title: "Nutmeg's tray icon cannot be shown here",
	Body: "This desktop shows no tray icons (no StatusNotifierItem host), so Nutmeg opened its status window instead. " +
		"On GNOME, install and enable the AppIndicator extension (Debian and Ubuntu: gnome-shell-extension-appindicator), then log in again. " +
		"Nutmeg keeps protecting this computer either way.",
}

// hostPresent reports whether a StatusNotifierItem host owns the watcher
// name on the session bus, waiting up to wait for one to appear.
func hostPresent(ctx context.Context, wait time.Duration) bool {
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		return false
	}
	defer conn.Close()
	deadline := time.Now().Add(wait)
	for {
		var has bool
		if err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, watcherName).Store(&has); err == nil && has {
			return true
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// checkHost runs once at start when Config.CheckHost is set: without a
// host, the icon would be invisible, so the tray opens the status window
// and says once (remembered in Config.HintFile) how to get the icon.
func (l *loop) checkHost(ctx context.Context) {
	if hostPresent(ctx, HostWait) || ctx.Err() != nil {
		return
	}
	l.cfg.Logf("tray: no %s on the session bus: the icon cannot be shown; opening the status window", watcherName)
	if l.cfg.OpenAtStart != "wizard" {
		l.start("window")
	}
	if l.cfg.HintFile != "" {
		if _, err := os.Stat(l.cfg.HintFile); err == nil {
			return
		}
	}
	l.queue(NoHostNote)
	if l.cfg.HintFile == "" {
		return
	}
	if err := os.MkdirAll(filepath.Dir(l.cfg.HintFile), 0o700); err == nil {
		err = os.WriteFile(l.cfg.HintFile, []byte("said how to get the tray icon on "+time.Now().Format(time.RFC3339)+"\n"), 0o600)
		if err != nil {
			l.cfg.Logf("tray: %v", err)
		}
	}
}
