package tray

// sessionBusMissing is false on Windows: the icon goes to the shell, not to
// D-Bus.
func sessionBusMissing() bool { return false }
