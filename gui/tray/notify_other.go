//go:build !windows

package tray

// newNotifier: desktop notifications over D-Bus (org.freedesktop.Notifications).
func newNotifier(func(string, ...any)) Notifier { return &DBusNotifier{} }
