//go:build !windows

package tray

import "github.com/godbus/dbus/v5"

// sessionBusMissing reports whether the session bus, which fyne.io/systray
// shows its icon on, cannot be reached (it connects to the same shared
// connection).
func sessionBusMissing() bool {
	_, err := dbus.SessionBus()
	return err != nil
}
