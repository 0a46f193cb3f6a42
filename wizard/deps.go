package wizard

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/nutmeg-ups/nutmeg/hw"
	"github.com/nutmeg-ups/nutmeg/hw/driverdb"
	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/client"
	"github.com/nutmeg-ups/nutmeg/nut/secret"
	"github.com/nutmeg-ups/nutmeg/wizard/flow"
)

// Applier installs a setup and proves that it works: validate, render,
// install with a backup, (re)start NUT, read ups.status; on failure it puts
// the previous setup back. progress reports each flow.Step* with a
// flow.State* and the step's own words (the driver's message on failure);
// a step "restore" with state "done" says that the previous setup is back.
// The settings carry their secrets.
type Applier interface {
	Apply(ctx context.Context, s nut.Settings, progress func(step, state, detail string)) error
}

// Deps are the wizard's edges: everything that touches hardware, files, the
// keyring, the network or NUT. Tests pass the real ones with a fake USB bus.
type Deps struct {
	// Probe looks for UPSes (hw.Probe).
	Probe func(ctx context.Context) (hw.Report, error)
	// Verify runs a driver once to read the UPS (hw.Verify); nil hides
	// "Test this driver".
	Verify func(ctx context.Context, sg hw.Suggestion) hw.Verification
	// Drivers is NUT's driver knowledge for the driver list.
	Drivers *driverdb.DB
	// SerialPorts lists the machine's serial ports for the port list.
	SerialPorts func() []string

	// NoLocalNUT: this machine cannot run NUT (flow.NoLocalNUT), so a
	// first setup starts on "a UPS on another machine".
	NoLocalNUT bool

	// ImportDir is checked for a hand-written NUT setup to offer for
	// import ("" skips the check); normally /etc/nut. Only read.
	ImportDir string
	// ConfDir holds the NUT files Nutmeg runs on now, for the Review diff.
	ConfDir string
	// Render makes the files as the applier writes them, for the Review
	// (nil: conf.Render with default options).
	Render flow.Render

	Applier Applier
	// SystemApplier sets up system mode (NUT's units and nutmeg.service,
	// through pkexec); when set, the wizard sets up system mode by default
	// and Applier (user mode) is the fallback for a user who cannot give
	// the administrator's password.
	SystemApplier Applier
	// Status reads the live status after a successful apply.
	Status func(ctx context.Context, s nut.Settings) (client.Status, error)
	// RunFix applies a known fix with the administrator's consent (e.g.
	// through pkexec); nil offers the command to copy only.
	RunFix func(ctx context.Context, fx flow.Fix) error
	// SendTestMail sends the test message (settings with the SMTP password).
	SendTestMail func(ctx context.Context, s nut.Settings) error

	// Store is the keyring; SettingsPath the settings file. Both are
	// written only after a successful Apply.
	Store        secret.Store
	SettingsPath string

	// FindServers scans for NUT servers when the user asks (the
	// secondary's "Find servers"); nil hides it.
	FindServers FindServers

	// Addresses lists this computer's addresses for other machines (the
	// Review's join details; nil: joininfo.LocalHosts).
	Addresses func() []string

	// Hostname names this computer in the credentials for other machines.
	Hostname string
}

// Start makes the flow for the wizard: reopened on the saved settings when
// SettingsPath holds some (the keyring is asked only which secrets it has),
// else a first setup.
func Start(d Deps) (*flow.Flow, error) {
	f, err := start(d)
	if f != nil && d.SystemApplier != nil {
		f.Run = flow.RunSystem
	}
	return f, err
}

func start(d Deps) (*flow.Flow, error) {
	if d.SettingsPath == "" {
		return flow.New(), nil
	}
	s, err := nut.Load(d.SettingsPath)
	if errors.Is(err, os.ErrNotExist) {
		return flow.New(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the saved settings: %w", err)
	}
	// The extra users live with the secrets; the Access page shows them.
	if d.Store != nil {
		if err := secret.LoadExtraUsers(d.Store, &s); err != nil {
			return nil, fmt.Errorf("read the saved extra users: %w", err)
		}
	}
	has := func(key string) bool {
		if d.Store == nil {
			return false
		}
		v, err := d.Store.Get(key)
		return err == nil && v != ""
	}
	f := flow.Reopen(s, has(secret.MonitorPassword), has(secret.RemotePassword), has(secret.SMTPPassword))
	f.SetSaved(s)
	return f, nil
}

// withSecrets fills the secrets that the flow keeps in the keyring into a
// copy of its settings, for the applier and the test mail.
func withSecrets(f *flow.Flow, st secret.Store) (nut.Settings, error) {
	s := f.Settings
	fill := func(kept bool, key string, dst *string) error {
		if !kept {
			return nil
		}
		if st == nil {
			return fmt.Errorf("%s is in the keyring, but no keyring is available", secret.Describe(key))
		}
		v, err := st.Get(key)
		if err != nil {
			return fmt.Errorf("read %s from the keyring: %w", secret.Describe(key), err)
		}
		*dst = v
		return nil
	}
	if err := fill(f.Kept("monpwd"), secret.MonitorPassword, &s.MonPwd); err != nil {
		return s, err
	}
	if err := fill(f.Kept("remotepwd"), secret.RemotePassword, &s.RemotePwd); err != nil {
		return s, err
	}
	if err := fill(f.Kept("smtp.password"), secret.SMTPPassword, &s.SMTP.Password); err != nil {
		return s, err
	}
	return s, nil
}
