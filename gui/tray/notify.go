package tray

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/notify"
)

// Note is one desktop notification.
type Note struct {
	Title, Body string
	// Urgent asks the server to keep it up until dismissed.
	Urgent bool
	// Group: a note replaces the previous one of its group on screen, so
	// "communication restored" takes the place of "communication lost".
	Group string
	// Clears closes the notes of these groups: "on line power" closes a
	// critical "countdown started" bubble, which would otherwise stay.
	Clears []string
}

// Notifier shows a desktop notification.
type Notifier interface {
	Notify(n Note) error
}

// notified are the events that get a desktop notification (plus the start
// of a countdown, which the tray sees in the state), with their group. The
// countdown has a group of its own, so that an ONBATT line arriving after
// the state that started the countdown never replaces that bubble.
var notified = map[string]string{
	"ONBATT": "power", "ONLINE": "power", "LOWBATT": "power",
	"SHUTDOWN": "shutdown",
	"COMMBAD":  "comm", "NOCOMM": "comm", "COMMOK": "comm",
	"REPLBATT": "battery",
}

// clears lists the groups whose notes an event closes.
var clears = map[string][]string{"ONLINE": {"shutdown"}}

// urgent events ask the notification server to keep the bubble up.
var urgent = map[string]bool{"LOWBATT": true, "COUNTDOWN": true, "NOCOMM": true, "SHUTDOWN": true}

// notification is the title and body for e, in nut/notify's words.
func notification(e api.Event) (title, body string) { return notify.Notification(e) }

// DBusNotifier speaks org.freedesktop.Notifications on the session bus. It
// keeps its own connection (systray closes the shared one when it quits)
// and dials it on first use, so a session without a notification server
// costs nothing until an event happens.
type DBusNotifier struct {
	mu   sync.Mutex
	conn *dbus.Conn
	last map[string]uint32 // group → id of its note on screen
}

const (
	notifyName = "org.freedesktop.Notifications"
	notifyPath = "/org/freedesktop/Notifications"
)

// Notify sends one notification. Errors say why nothing was shown; the tray
// logs them and carries on.
func (n *DBusNotifier) Notify(note Note) error {
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
	if note.Urgent {
		urgency, timeout = 2, 0 // critical, stays until dismissed
	}
	hints := map[string]dbus.Variant{
		"urgency":       dbus.MakeVariant(urgency),
		"desktop-entry": dbus.MakeVariant("io.github.nutmeg_ups.nutmeg"),
	}
	for _, g := range note.Clears {
		if id := n.last[g]; id != 0 {
			// Best effort: the user may have closed it already.
			n.conn.Object(notifyName, notifyPath).Go(notifyName+".CloseNotification", dbus.FlagNoReplyExpected, nil, id)
			delete(n.last, g)
		}
	}
	var replaces uint32
	if note.Group != "" {
		replaces = n.last[note.Group]
	}
	// A hung notification server must not hold the queue for long.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var id uint32
	err := n.conn.Object(notifyName, notifyPath).CallWithContext(ctx, notifyName+".Notify", 0,
		"Nutmeg", replaces, "battery", note.Title, note.Body, []string{}, hints, timeout).Store(&id)
	if err != nil {
		return fmt.Errorf("desktop notification: %w", err)
	}
	if note.Group != "" {
		if n.last == nil {
			n.last = map[string]uint32{}
		}
		n.last[note.Group] = id
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
