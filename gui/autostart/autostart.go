//go:build !windows

// Package autostart starts the Nutmeg tray at login: on Linux an XDG
// autostart entry, $XDG_CONFIG_HOME/autostart/nutmeg.desktop, on Windows
// the value "Nutmeg" under HKCU\Software\Microsoft\Windows\CurrentVersion\Run
// (the one the installer writes), written or removed to follow
// settings.Autostart.
package autostart

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// FileName is the entry's name in the autostart directory.
const FileName = "nutmeg.desktop"

// Path is where the entry lives: $XDG_CONFIG_HOME/autostart, or
// ~/.config/autostart.
func Path() (string, error) {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("autostart: no home directory: %w", err)
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "autostart", FileName), nil
}

// Entry is the desktop entry that starts the tray (`exe` with no command).
func Entry(exe string) string {
	return "[Desktop Entry]\n" +
		"Type=Application\n" +
		"Name=Nutmeg\n" +
		"Comment=UPS status in the tray\n" +
		"Exec=" + execQuote(exe) + "\n" +
		"Icon=io.github.nutmeg_ups.nutmeg\n" +
		"Terminal=false\n" +
		"NoDisplay=true\n" +
		"X-GNOME-Autostart-enabled=true\n"
}

// execQuote quotes a path for the Exec key (Desktop Entry spec: reserved
// characters inside double quotes, with ", `, $ and \ escaped; a \ in a
// string value is itself written as \\).
func execQuote(s string) string {
	if !strings.ContainsAny(s, " \t\n\"'\\><~|&;$*?#()`=%") {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '`', '$':
			b.WriteString(`\\`) // escaped for Exec, that backslash escaped for the string
			b.WriteRune(r)
		case '\\':
			b.WriteString(`\\\\`)
		case '%':
			b.WriteString("%%") // a literal % in Exec
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// Set makes the autostart entry follow on (settings.Autostart) for the
// binary exe: written atomically when on, removed when off.
func Set(on bool, exe string) error {
	path, err := Path()
	if err != nil {
		return err
	}
	if !on {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("autostart: remove %s: %w", path, err)
		}
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("autostart: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".nutmeg-*.desktop")
	if err != nil {
		return fmt.Errorf("autostart: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(Entry(exe)); err != nil {
		tmp.Close()
		return fmt.Errorf("autostart: write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("autostart: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("autostart: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("autostart: install %s: %w", path, err)
	}
	return nil
}

// Enabled reports whether the entry exists (and is not hidden by the user
// through Hidden=true, which desktops write to switch an entry off).
func Enabled() bool {
	path, err := Path()
	if err != nil {
		return false
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(l) == "Hidden=true" {
			return false
		}
	}
	return true
}
