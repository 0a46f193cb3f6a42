package service

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/atomicfile"
	"github.com/nutmeg-ups/nutmeg/nut/conf"
	"github.com/nutmeg-ups/nutmeg/nut/pidfile"
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

// Where system mode keeps the shutdown command's wrapper (beside the
// settings, root only) and its record (in the system service's state dir).
const (
	SystemShutdownWrapper = "/etc/nutmeg/" + ShutdownWrapperName
	SystemShutdownResult  = "/var/lib/nutmeg/" + ShutdownResultName
)

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
	etc := filepath.Join(o.Root, "etc", "nutmeg")
	// A failed apply puts back what it replaced: NUT's files (conf.Restore),
	// and Nutmeg's own settings, secrets and shutdown wrapper.
	kept := keepFiles(filepath.Join(etc, "settings.json"), filepath.Join(etc, "secrets"), filepath.Join(o.Root, SystemShutdownWrapper))
	if _, _, err := ApplyRoot(s, o.Root); err != nil {
		kept.restore()
		return ApplyResult{}, err
	}
	if err := nut.Save(filepath.Join(etc, "settings.json"), s); err != nil {
		kept.restore()
		return ApplyResult{}, &StepError{Step: "save settings", Err: err}
	}
	secrets := map[string]string{secret.MonitorPassword: s.MonPwd}
	if s.RMonitor && s.RemotePwd != "" {
		secrets[secret.RemotePassword] = s.RemotePwd
	}
	if s.SMTP.Password != "" {
		secrets[secret.SMTPPassword] = s.SMTP.Password
	}
	if s.ExtraUsers != "" {
		secrets[secret.ExtraUsers] = s.ExtraUsers
	}
	if err := secret.WriteFile(filepath.Join(etc, "secrets"), secrets); err != nil {
		kept.restore()
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
	if rerr := kept.restore(); rerr != nil {
		failed.Err = fmt.Errorf("%w; restoring Nutmeg's settings failed too: %v", failed.Err, rerr)
	}
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

// keptFiles are files as they were before an apply, to put back on failure.
type keptFiles map[string]*keptFile

type keptFile struct {
	data []byte
	mode os.FileMode
}

// keepFiles reads paths now; a missing file is kept as missing.
func keepFiles(paths ...string) keptFiles {
	k := keptFiles{}
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil {
			if b, err := os.ReadFile(p); err == nil {
				k[p] = &keptFile{data: b, mode: st.Mode().Perm()}
				continue
			}
		}
		k[p] = nil
	}
	return k
}

// restore writes every kept file back (atomically) and removes those that
// did not exist.
func (k keptFiles) restore() error {
	var errs []error
	for p, f := range k {
		if f == nil {
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
			continue
		}
		if err := atomicfile.Write(p, f.data, f.mode); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// SystemRetryShutdown tries a failed shutdown again in system mode: the
// platform's upsmon exited after SHUTDOWNCMD, so its unit is started again
// (FSD is still set on upsd) and told to shut down.
//
// That upsmon left its pid file. Should the kernel have given its pid to
// another program since, the new upsmon would take that program for a
// running upsmon and refuse to start, and the FSD signal would go to the
// program: the stale file goes first, and only an upsmon gets the signal.
func SystemRetryShutdown(systemctlCmd []string, bin string) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		if _, err := pidfile.ClearStale(UpsmonPidFile, "upsmon"); err != nil {
			return fmt.Errorf("before restarting upsmon: %w", err)
		}
		argv := append(append([]string{}, systemctlCmd[1:]...), "restart", "nut-monitor.service")
		if out, err := exec.CommandContext(ctx, systemctlCmd[0], argv...).CombinedOutput(); err != nil {
			return fmt.Errorf("restart upsmon: %w: %s", err, strings.TrimSpace(string(out)))
		}
		for ctx.Err() == nil {
			if pid := systemUpsmon(); pid != 0 {
				return UpsmonFSD(ctx, bin, CleanEnv(os.Environ()), pid)
			}
			time.Sleep(200 * time.Millisecond)
		}
		return ctx.Err()
	}
}

// systemUpsmon is the pid of the platform's upsmon, from its pid file; 0
// unless that pid is a live process called upsmon (the file outlives an
// upsmon that exited, and its pid may be another program's by now).
func systemUpsmon() int {
	if pid := readPid(UpsmonPidFile); pid != 0 && pidfile.Alive(pid, "upsmon") {
		return pid
	}
	return 0
}

// SystemPowerBack restarts the platform's NUT units after power came back
// from a failed shutdown: that clears FSD, which stays until upsd restarts.
func SystemPowerBack(systemctlCmd []string) func(ctx context.Context) error {
	return func(ctx context.Context) error { return systemctl(ctx, SystemOptions{Systemctl: systemctlCmd}) }
}
