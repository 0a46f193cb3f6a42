package tray

import (
	"fmt"
	"sync"

	"github.com/godbus/dbus/v5"

	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/notify"
)

// Notifier shows a desktop notification.
type Notifier interface {
	Notify(title, body string, urgent bool) error
}

// notified are the events that get a desktop notification (plus the start
// of a countdown, which the tray sees in the state).
var notified = map[string]bool{
	"ONBATT": true, "ONLINE": true, "LOWBATT": true, "COMMBAD": true,
	"NOCOMM": true, "REPLBATT": true,
}

// urgent events ask the notification server to keep the bubble up.
var urgent = map[string]bool{"LOWBATT": true, "COUNTDOWN": true, "NOCOMM": true}

// notification is the title and body for e, in nut/notify's words.
func notification(e api.Event) (title, body string) { return notify.Notification(e) }

// DBusNotifier speaks org.freedesktop.Notifications on the session bus. It
// keeps its own connection (systray closes the shared one when it quits)
// and dials it on first use, so a session without a notification server
// costs nothing until an event happens.
type DBusNotifier struct {
	mu   sync.Mutex
	conn *dbus.Conn
}

const (
	notifyName = "org.freedesktop.Notifications"
	notifyPath = "/org/freedesktop/Notifications"
)

// Notify sends one notification. Errors say why nothing was shown; the tray
// logs them and carries on.
func (n *DBusNotifier) Notify(title, body string, isUrgent bool) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.conn == nil || !n.conn.Connected() {
		c, err := dbus.ConnectSessionBus()
		if err != nil {
			return fmt.Errorf("desktop notification: session bus: %w", err)
		}
		n.conn = c
	}
	urgency := byte(1)
	timeout := int32(-1)
	if isUrgent {
		urgency, timeout = 2, 0 // critical, stays until dismissed
	}
	hints := map[string]dbus.Variant{
		"urgency":       dbus.MakeVariant(urgency),
		"desktop-entry": dbus.MakeVariant("io.github.nutmeg_ups.nutmeg"),
	}
	call := n.conn.Object(notifyName, notifyPath).Call(notifyName+".Notify", 0,
		"Nutmeg", uint32(0), "battery", title, body, []string{}, hints, timeout)
	if call.Err != nil {
		return fmt.Errorf("desktop notification: %w", call.Err)
	}
	return nil
}

// Close drops the bus connection.
func (n *DBusNotifier) Close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.conn == nil {
		return nil
	}
	return n.conn.Close()
}
