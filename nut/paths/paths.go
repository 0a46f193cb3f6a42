// Package paths says where Nutmeg keeps its settings and its state on each
// platform: on Linux and macOS the XDG-style directories, on Windows
// %APPDATA%\Nutmeg (settings, roam with the profile) and
// %LOCALAPPDATA%\Nutmeg (state: the event log, history, the local API's
// connection file).
package paths

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// Config is the user's settings directory.
func Config() (string, error) {
	dir, err := os.UserConfigDir() // %APPDATA% on Windows
	if err != nil {
		return "", fmt.Errorf("settings directory: %w", err)
	}
	return filepath.Join(dir, appDir()), nil
}

// State is the service's state directory: the system service's (system)
// or the user's.
func State(system bool) (string, error) {
	if runtime.GOOS == "windows" {
		if system {
			// Asked of the shell, not %ProgramData%: the environment of a
			// service differs (under Wine it names C:\users\Public).
			d, err := programData()
			if err != nil {
				return "", fmt.Errorf("state directory: %w", err)
			}
			return filepath.Join(d, appDir()), nil
		}
		env := "LOCALAPPDATA"
		d := os.Getenv(env)
		if d == "" {
			return "", fmt.Errorf("state directory: %%%s%% is not set", env)
		}
		return filepath.Join(d, appDir()), nil
	}
	if system {
		return "/var/lib/nutmeg", nil
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "nutmeg"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("state directory: %w", err)
	}
	return filepath.Join(home, ".local", "state", "nutmeg"), nil
}

func appDir() string {
	if runtime.GOOS == "windows" {
		return "Nutmeg"
	}
	return "nutmeg"
}
