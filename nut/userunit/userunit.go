// Package userunit runs the user-mode service (`nutmeg service`) as a
// systemd user unit where a systemd user manager exists: systemd restarts it
// whenever it dies (Restart=always) and starts it at login
// (WantedBy=default.target), so a crash of Nutmeg never leaves the UPS
// unwatched while the user is logged in. Where there is no user manager the
// tray's watchdog does the restarting (gui/tray).
package userunit

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Name is the unit's name, in the user's unit directory.
const Name = "nutmeg.service"

// Dir is the user's unit directory: $XDG_CONFIG_HOME/systemd/user, or
// ~/.config/systemd/user.
func Dir() (string, error) {
	if d := os.Getenv("XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "systemd", "user"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("the user's unit directory: %w", err)
	}
	return filepath.Join(home, ".config", "systemd", "user"), nil
}

// Text is the unit for `exe service --settings settings --state state`.
func Text(exe, settings, state string) string {
	return `# Written by Nutmeg's setup wizard (user mode): NUT and Nutmeg's watcher
# while you are logged in. systemd restarts it whenever it stops.
[Unit]
Description=Nutmeg UPS service (NUT and the shutdown countdown, while you are logged in)
Documentation=https://github.com/nutmeg-ups/nutmeg

[Service]
Type=simple
ExecStart=` + quote(exe, false) + ` service --settings ` + quote(settings, true) + ` --state ` + quote(state, true) + `
Restart=always
RestartSec=2

[Install]
WantedBy=default.target
`
}

// quote writes one ExecStart word the way systemd reads it: in double
// quotes, with \ and " escaped and % doubled (no specifiers); in the
// arguments (arg) $ is doubled too, since systemd expands variables there
// but not in the command's path (measured with systemd-analyze verify).
func quote(s string, arg bool) string {
	pairs := []string{`\`, `\\`, `"`, `\"`, `%`, `%%`}
	if arg {
		pairs = append(pairs, `$`, `$$`)
	}
	return `"` + strings.NewReplacer(pairs...).Replace(s) + `"`
}

// Manager talks to the user's service manager.
type Manager struct {
	// Systemctl is the command; nil means "systemctl --user".
	Systemctl []string
	// Dir is the unit directory; "" means Dir().
	Dir string
}

func (m Manager) run(ctx context.Context, args ...string) error {
	argv := m.Systemctl
	if argv == nil {
		argv = []string{"systemctl", "--user"}
	}
	argv = append(append([]string{}, argv...), args...)
	out, err := exec.CommandContext(ctx, argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w: %s", strings.Join(argv, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

func (m Manager) dir() (string, error) {
	if m.Dir != "" {
		return m.Dir, nil
	}
	return Dir()
}

// Available reports whether a systemd user manager answers.
func (m Manager) Available(ctx context.Context) bool {
	return m.run(ctx, "show-environment") == nil
}

// Installed reports whether the unit file is in the unit directory.
func (m Manager) Installed() bool {
	d, err := m.dir()
	if err != nil {
		return false
	}
	_, err = os.Stat(filepath.Join(d, Name))
	return err == nil
}

// Install writes the unit (atomically), makes systemd read it, enables it
// for every login and starts it. The wizard installs it when no service
// answers (a running one reloads the settings through its socket instead).
func (m Manager) Install(ctx context.Context, exe, settings, state string) error {
	d, err := m.dir()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(d, 0o755); err != nil {
		return fmt.Errorf("install %s: %w", Name, err)
	}
	tmp, err := os.CreateTemp(d, "."+Name+".*")
	if err != nil {
		return fmt.Errorf("install %s: %w", Name, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(Text(exe, settings, state)); err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(d, Name))
	}
	if err != nil {
		return fmt.Errorf("install %s: %w", Name, err)
	}
	for _, args := range [][]string{{"daemon-reload"}, {"enable", "--now", Name}} {
		if err := m.run(ctx, args...); err != nil {
			return err
		}
	}
	return nil
}

// Start starts the installed unit (the tray, when no service answers).
func (m Manager) Start(ctx context.Context) error { return m.run(ctx, "start", Name) }

// SystemMarker is the file in the user's state dir that says the user's
// service was handed over to the system service (system mode): neither the
// tray's watchdog nor the tray at login starts the user's service then.
func SystemMarker(state string) string { return filepath.Join(state, "system-mode") }
