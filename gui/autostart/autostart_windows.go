package autostart

import (
	"errors"
	"fmt"

	"golang.org/x/sys/windows/registry"
)

// RunKey is where Windows finds the programs to start at the user's login.
const RunKey = `Software\Microsoft\Windows\CurrentVersion\Run`

// valueName is the value under RunKey, the same the installer writes (a
// variable so tests use their own).
var valueName = "Nutmeg"

// Entry is the command line that starts the tray (`exe` with no command).
func Entry(exe string) string { return `"` + exe + `"` }

// Set makes the Run value follow on (settings.Autostart) for the binary exe.
func Set(on bool, exe string) error {
	k, _, err := registry.CreateKey(registry.CURRENT_USER, RunKey, registry.SET_VALUE|registry.QUERY_VALUE)
	if err != nil {
		return fmt.Errorf("autostart: open HKCU\\%s: %w", RunKey, err)
	}
	defer k.Close()
	if !on {
		if err := k.DeleteValue(valueName); err != nil && !errors.Is(err, registry.ErrNotExist) {
			return fmt.Errorf("autostart: remove %s: %w", valueName, err)
		}
		return nil
	}
	if err := k.SetStringValue(valueName, Entry(exe)); err != nil {
		return fmt.Errorf("autostart: set %s: %w", valueName, err)
	}
	return nil
}

// Enabled reports whether the Run value exists.
func Enabled() bool {
	k, err := registry.OpenKey(registry.CURRENT_USER, RunKey, registry.QUERY_VALUE)
	if err != nil {
		return false
	}
	defer k.Close()
	v, _, err := k.GetStringValue(valueName)
	return err == nil && v != ""
}
