//go:build !nogui

package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"runtime"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"github.com/nutmeg-ups/nutmeg/assets"
	"github.com/nutmeg-ups/nutmeg/gui/autostart"
	"github.com/nutmeg-ups/nutmeg/gui/exitwatch"
	"github.com/nutmeg-ups/nutmeg/hw"
	"github.com/nutmeg-ups/nutmeg/hw/driverdb"
	"github.com/nutmeg-ups/nutmeg/hw/serial"
	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/client"
	"github.com/nutmeg-ups/nutmeg/nut/conf"
	"github.com/nutmeg-ups/nutmeg/nut/notify"
	"github.com/nutmeg-ups/nutmeg/nut/secret"
	"github.com/nutmeg-ups/nutmeg/nut/service"
	"github.com/nutmeg-ups/nutmeg/nut/userunit"
	"github.com/nutmeg-ups/nutmeg/wizard"
	"github.com/nutmeg-ups/nutmeg/wizard/flow"
)

// appID is the Fyne app's ID (FyneApp.toml).
const appID = "io.github.nutmeg_ups.nutmeg"

func runWizard(fs *flag.FlagSet, args []string, e *env) error {
	settings := fs.String("settings", "", "settings `FILE` (default: the user's settings file)")
	stateFlag := stateDirFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	path := *settings
	if path == "" {
		p, err := nut.DefaultPath()
		if err != nil {
			return err
		}
		path = p
	}
	state, err := resolveStateDir(*stateFlag, false)
	if err != nil {
		return err
	}
	d, err := wizardDeps(path, state)
	if err != nil {
		return err
	}
	f, err := wizard.Start(d)
	if err != nil {
		return err
	}
	a := fyneapp.NewWithID(appID)
	a.SetIcon(fyne.NewStaticResource("nutmeg.png", assets.Icon))
	a.Settings().SetTheme(wizard.Theme()) // WCAG AA text colours
	w := wizard.New(a, d, f)
	exit := &exitwatch.Watch{Stderr: e.stderr}
	w.OnClosed = func(applied bool) {
		if applied {
			if exe, err := os.Executable(); err == nil {
				if err := autostart.Set(w.Flow().Settings.Autostart, exe); err != nil {
					fmt.Fprintf(e.stderr, "nutmeg wizard: autostart: %v\n", err)
				}
			}
		}
		exit.Arm("the setup wizard closed")
		a.Quit()
	}
	w.Window().Show()
	a.Run()
	exit.Arm("the setup wizard's app quit")
	return nil
}

// wizardDeps wires the wizard to this machine: the probe, NUT's driver
// list, the keyring, the user's settings file and the user-mode service.
func wizardDeps(settingsPath, state string) (wizard.Deps, error) {
	db, err := driverdb.Load(driverdb.Paths{})
	if err != nil {
		return wizard.Deps{}, fmt.Errorf("NUT's driver list: %w", err)
	}
	host, _ := os.Hostname()
	var system wizard.Applier
	if runtime.GOOS == "linux" {
		// system mode is the normal way on Linux: it protects the computer
		// with nobody logged in (user mode is the fallback)
		if exe, err := os.Executable(); err == nil {
			// the user's own service (if any) makes way: both would run NUT
			// on the same port
			h := &userunit.Handover{State: state, Socket: api.SocketPath(state)}
			system = wizard.SystemApplier{Exe: exe, SettingsPath: settingsPath, Before: h.Stop,
				Undo: func(ctx context.Context) error {
					return h.Undo(ctx, func(ctx context.Context) error { return startService(ctx, settingsPath, state) })
				}}
		}
	}
	return wizard.Deps{
		// NUT for Windows is not looked for yet (primary mode on Windows
		// is not wired: README), so Windows starts on secondary.
		NoLocalNUT: flow.NoLocalNUT(runtime.GOOS, false),
		Probe:      func(ctx context.Context) (hw.Report, error) { return hw.Probe(ctx, hw.Options{DB: db}) },
		Verify: func(ctx context.Context, sg hw.Suggestion) hw.Verification {
			return hw.Verify(ctx, db, sg, 20*time.Second)
		},
		Drivers: db,
		SerialPorts: func() []string {
			ports, _ := serial.Enumerate(nil)
			var out []string
			for _, p := range ports {
				out = append(out, p.Path)
			}
			return out
		},
		ImportDir: "/etc/nut",
		ConfDir:   service.EtcDir(state),
		// as the service writes them, its admin user included (the
		// password is generated when it starts, and masked here anyway)
		Render: func(s nut.Settings) (conf.Files, error) {
			return service.Render(s, state, nil, "generated-by-the-service")
		},
		Applier: wizard.ServiceApplier{StateDir: state, SettingsPath: settingsPath,
			Start: func(ctx context.Context) error { return startService(ctx, settingsPath, state) }},
		SystemApplier: system,
		Status:        wizard.ReadStatus,
		FindServers: func(ctx context.Context, hosts []string, port int) ([]client.FoundServer, error) {
			return client.Scan(ctx, client.ScanOptions{Port: port, Hosts: hosts, Subnets: true})
		},
		RunFix: runFix,
		SendTestMail: func(ctx context.Context, s nut.Settings) error {
			m, err := notify.NewMailer(notify.FromSettings(s, s.SMTP.Password))
			if err != nil {
				return err
			}
			return m.SendTest(ctx)
		},
		Store:        secret.Keyring(5 * time.Second),
		SettingsPath: settingsPath,
		Hostname:     host,
	}, nil
}

// startService starts `nutmeg service` for the new setup; it outlives the
// wizard. Where a systemd user manager exists it runs as the user unit
// nutmeg.service (restarted by systemd whenever it stops, started at every
// login); elsewhere as a detached process that the tray watches.
func startService(ctx context.Context, settingsPath, state string) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find own executable: %w", err)
	}
	os.Remove(userunit.SystemMarker(state)) // user mode from now on
	if m := (userunit.Manager{}); m.Available(ctx) {
		if err := m.Install(ctx, exe, settingsPath, state); err != nil {
			return err
		}
		return api.WaitAnswers(ctx, api.SocketPath(state), 45*time.Second)
	}
	return api.StartService(ctx, exe, settingsPath, state, 45*time.Second)
}

// runFix applies a known fix as root through pkexec (polkit asks for the
// administrator's password). The rule and the user name are passed as
// arguments, never spliced into the shell text.
func runFix(ctx context.Context, fx flow.Fix) error {
	var argv []string
	switch {
	case fx.Kind == "usb-permissions" && fx.Rule != "":
		argv = []string{"/bin/sh", "-c", `printf '%s\n' "$1" > "$2" && udevadm control --reload && udevadm trigger --subsystem-match=usb`,
			"nutmeg-fix", fx.Rule, flow.LocalUdevRules}
	case fx.Kind == "serial-permissions" && fx.Group != "":
		u, err := user.Current()
		if err != nil {
			return err
		}
		argv = []string{"/usr/sbin/usermod", "-aG", fx.Group, u.Username}
	default:
		return fmt.Errorf("no automatic fix for %q: run the command shown", fx.Title)
	}
	out, err := exec.CommandContext(ctx, "pkexec", argv...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("pkexec %s: %v: %s", argv[0], err, strings.TrimSpace(string(out)))
	}
	return nil
}
