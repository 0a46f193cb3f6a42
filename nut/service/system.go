package service

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/conf"
	"github.com/nutmeg-ups/nutmeg/nut/secret"
)

// SystemUnits are the units Debian's NUT 2.8.0 runs. The enumerator turns
// ups.conf's sections into nut-driver@ instances; restarting nut.target
// restarts everything that is PartOf it (drivers, upsd, upsmon).
var SystemUnits = [][]string{
	{"restart", "nut-driver-enumerator.service"},
	{"restart", "nut.target"},
}

// WatcherUnit is the unit that runs `nutmeg service --system`
// (packaging/systemd). ApplySystem enables it and restarts it once NUT is
// proven, so the watcher runs on the new settings and comes back at boot.
const WatcherUnit = "nutmeg.service"

// SystemOptions tune ApplySystem.
type SystemOptions struct {
	// Root is where etc/nut and etc/nutmeg live: "/" on a real system, a
	// temp dir in tests.
	Root string
	// Systemctl is the service manager's command; nil means "systemctl".
	Systemctl []string
	// Force overwrites hand-written NUT files (they are still kept in the
	// previous set); without it they stop the apply.
	Force bool
	// Wait bounds how long NUT may take to serve the UPS after the restart.
	Wait time.Duration
}

// ApplySystem installs s as the platform's NUT configuration: the NUT files
// into Root/etc/nut (root:nut 0640, previous set kept), the settings into
// Root/etc/nutmeg/settings.json and the secrets the system service needs into
// Root/etc/nutmeg/secrets (0600), then restarts the NUT units and proves the
// setup by reading ups.status and logging in as the monitor user. On failure
// the previous NUT files come back and the units are restarted on them.
func ApplySystem(ctx context.Context, s nut.Settings, o SystemOptions) (ApplyResult, error) {
	if o.Root == "" {
		o.Root = "/"
	}
	if o.Systemctl == nil {
		o.Systemctl = []string{"systemctl"}
	}
	if o.Wait == 0 {
		o.Wait = 30 * time.Second
	}
	dir := filepath.Join(o.Root, "etc", "nut")
	hand, err := conf.HandWritten(dir)
	if err != nil {
		return ApplyResult{}, &StepError{Step: "check " + dir, Err: err}
	}
	if len(hand) > 0 && !o.Force {
		return ApplyResult{}, &StepError{Step: "check " + dir, Err: fmt.Errorf(
			"%s holds hand-written NUT files (%s); import them first with `nutmeg import --from %s`, or apply with --force (they are kept in %s)",
			dir, strings.Join(hand, ", "), dir, filepath.Join(dir, conf.PreviousDir))}
	}
	if _, _, err := ApplyRoot(s, o.Root); err != nil {
		return ApplyResult{}, err
	}
	etc := filepath.Join(o.Root, "etc", "nutmeg")
	if err := nut.Save(filepath.Join(etc, "settings.json"), s); err != nil {
		return ApplyResult{}, &StepError{Step: "save settings", Err: err}
	}
	secrets := map[string]string{secret.MonitorPassword: s.MonPwd}
	if s.RMonitor && s.RemotePwd != "" {
		secrets[secret.RemotePassword] = s.RemotePwd
	}
	if s.SMTP.Password != "" {
		secrets[secret.SMTPPassword] = s.SMTP.Password
	}
	if err := secret.WriteFile(filepath.Join(etc, "secrets"), secrets); err != nil {
		return ApplyResult{}, &StepError{Step: "save secrets", Err: err}
	}

	st, step, err := restartAndProve(ctx, s, o)
	if err == nil {
		// NUT works on the new files and upsmon guards the machine
		// already, so a watcher that does not start is said, not undone.
		for _, args := range [][]string{{"enable", WatcherUnit}, {"restart", WatcherUnit}} {
			if err := runSystemctl(ctx, o, args); err != nil {
				return ApplyResult{}, &StepError{Step: "start " + WatcherUnit, Err: fmt.Errorf(
					"NUT is set up and running, but Nutmeg's watcher is not (no countdown, events or mail): %w", err)}
			}
		}
		return ApplyResult{Via: "system", Status: st, Dir: dir}, nil
	}
	failed := &StepError{Step: step, Err: err}
	if rerr := conf.Restore(dir); rerr != nil {
		failed.Err = fmt.Errorf("%w; restoring the previous files failed too: %v", err, rerr)
		return ApplyResult{}, failed
	}
	failed.Restored = true
	if prev, perr := conf.PreviousNames(dir); perr == nil && len(prev) > 0 {
		if rerr := systemctl(ctx, o); rerr != nil {
			failed.Err = fmt.Errorf("%w; restarting NUT on the previous files failed too: %v", err, rerr)
		}
	}
	return ApplyResult{}, failed
}

func restartAndProve(ctx context.Context, s nut.Settings, o SystemOptions) (status, step string, err error) {
	if err := systemctl(ctx, o); err != nil {
		return "", "restart NUT", err
	}
	deadline := time.Now().Add(o.Wait)
	for {
		status, err = readStatus(ctx, s)
		if err == nil && status != "" && status != "WAIT" {
			break
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = fmt.Errorf("upsd answers ups.status %q", status)
			}
			return "", "read ups.status", fmt.Errorf("after %v: %w", o.Wait, err)
		}
		select {
		case <-ctx.Done():
			return "", "read ups.status", ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	if err := proveLogin(ctx, s); err != nil {
		return "", "log in", err
	}
	return status, "", nil
}

// systemctl runs the service manager over SystemUnits, with its own output
// in the error.
func systemctl(ctx context.Context, o SystemOptions) error {
	for _, args := range SystemUnits {
		if err := runSystemctl(ctx, o, args); err != nil {
			return err
		}
	}
	return nil
}

// runSystemctl runs the service manager once with args.
func runSystemctl(ctx context.Context, o SystemOptions, args []string) error {
	argv := append(append([]string{}, o.Systemctl[1:]...), args...)
	out, err := exec.CommandContext(ctx, o.Systemctl[0], argv...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w: %s", o.Systemctl[0], strings.Join(argv, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
