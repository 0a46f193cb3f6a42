package wizard

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/secret"
	"github.com/nutmeg-ups/nutmeg/nut/service"
	"github.com/nutmeg-ups/nutmeg/wizard/flow"
)

// SystemHelper is the root-only helper that the polkit action names: it
// execs `nutmeg apply --system "$@"`, so that polkit's message is about
// this one change and no other subcommand runs as root through pkexec.
const SystemHelper = "/usr/libexec/nutmeg/nutmeg-apply-system"

// SystemCommand is the one command line with which the wizard applies in
// system mode: pkexec over SystemHelper when it is installed, else over
// `exe apply --system`. The secrets go on stdin (--secrets-stdin), never
// in argv, and never in the environment, which pkexec clears anyway.
func SystemCommand(exe, settingsPath string) []string {
	args := []string{"--settings", settingsPath, "--secrets-stdin"}
	if st, err := os.Stat(SystemHelper); err == nil && !st.IsDir() {
		return append([]string{"pkexec", SystemHelper}, args...)
	}
	return append([]string{"pkexec", exe, "apply", "--system"}, args...)
}

// ErrNotAuthorized is a system apply that polkit refused: the dialog was
// dismissed, the password was wrong, or this user may not administer the
// computer. The wizard then offers the user mode.
var ErrNotAuthorized = errors.New("the administrator's password was not given, so nothing was changed")

// SystemApplier applies through `nutmeg apply --system` run by pkexec
// (SystemCommand): NUT's own units and nutmeg.service, with nobody logged
// in. The wizard has saved the settings file before; the privileged side
// reads it and takes the secrets from stdin.
type SystemApplier struct {
	Exe          string
	SettingsPath string
	// Command builds the command line (nil: SystemCommand); tests point it
	// at stand-ins.
	Command func(exe, settingsPath string) []string
	// Before runs first: it stops the user's own service, which would hold
	// NUT's port (nil: nothing). Undo puts it back when the system apply
	// did not happen.
	Before, Undo func(ctx context.Context) error
}

// Apply implements Applier.
func (a SystemApplier) Apply(ctx context.Context, s nut.Settings, progress func(step, state, detail string)) error {
	build := a.Command
	if build == nil {
		build = SystemCommand
	}
	argv := build(a.Exe, a.SettingsPath)
	progress(flow.StepAuth, flow.StateRunning, "")
	if a.Before != nil {
		if err := a.Before(ctx); err != nil {
			progress(flow.StepAuth, flow.StateFailed, err.Error())
			return a.undo(ctx, fmt.Errorf("stop the service that runs only while you are logged in: %w", err))
		}
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdin = strings.NewReader(secretLines(s))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	text := strings.TrimSpace(out.String())
	var exit *exec.ExitError
	switch {
	case errors.Is(err, exec.ErrNotFound):
		progress(flow.StepAuth, flow.StateFailed, argv[0]+" is not installed")
		return a.undo(ctx, fmt.Errorf("%w (%s is not installed)", ErrNotAuthorized, argv[0]))
	case errors.As(err, &exit) && (exit.ExitCode() == 126 || exit.ExitCode() == 127):
		// pkexec: 126 the dialog was dismissed, 127 not authorized
		progress(flow.StepAuth, flow.StateFailed, text)
		return a.undo(ctx, ErrNotAuthorized)
	case err != nil:
		progress(flow.StepAuth, flow.StateDone, "")
		failed := systemStep(text)
		for _, st := range []string{flow.StepWrite, flow.StepUnits, flow.StepStatus, flow.StepService} {
			if st == failed {
				progress(st, flow.StateFailed, text)
				break
			}
			progress(st, flow.StateDone, "")
		}
		if strings.Contains(text, "previous files were restored") {
			progress("restore", flow.StateDone, "")
		}
		return a.undo(ctx, fmt.Errorf("nutmeg apply --system: %s", lastLine(text)))
	}
	progress(flow.StepAuth, flow.StateDone, "")
	for _, st := range []string{flow.StepWrite, flow.StepUnits, flow.StepStatus, flow.StepService} {
		detail := ""
		if st == flow.StepStatus {
			if i := strings.Index(text, "ups.status: "); i >= 0 {
				detail = "ups.status " + strings.Fields(text[i+len("ups.status: "):] + " ")[0]
			}
		}
		progress(st, flow.StateDone, detail)
	}
	return nil
}

// undo runs Undo after a system apply that did not happen; err stays the
// reason (ErrNotAuthorized is still recognised).
func (a SystemApplier) undo(ctx context.Context, err error) error {
	if a.Undo == nil {
		return err
	}
	if uerr := a.Undo(ctx); uerr != nil {
		return fmt.Errorf("%w; starting the service that runs while you are logged in again failed: %v", err, uerr)
	}
	return err
}

// systemStep maps `nutmeg apply --system`'s failure message (nut/service's
// StepError: "nutmeg apply: <step>: …") to the Apply page's step.
func systemStep(msg string) string {
	switch {
	case strings.Contains(msg, ": start "+service.WatcherUnit+":"), strings.Contains(msg, "enable "+service.WatcherUnit):
		return flow.StepService
	case strings.Contains(msg, ": restart NUT:"):
		return flow.StepUnits
	case strings.Contains(msg, ": read ups.status:"), strings.Contains(msg, ": log in:"):
		return flow.StepStatus
	}
	return flow.StepWrite
}

func lastLine(s string) string {
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// secretLines are the settings' secrets as --secrets-stdin reads them.
func secretLines(s nut.Settings) string {
	var b strings.Builder
	for _, kv := range [][2]string{{secret.MonitorPassword, s.MonPwd}, {secret.RemotePassword, s.RemotePwd},
		{secret.SMTPPassword, s.SMTP.Password}} {
		if kv[1] != "" {
			fmt.Fprintf(&b, "%s=%s\n", secret.EnvVar(kv[0]), kv[1])
		}
	}
	// The extra users (they hold passwords) span lines: quoted.
	fmt.Fprintf(&b, "%s=%s\n", secret.EnvVar(secret.ExtraUsers), strconv.Quote(s.ExtraUsers))
	return b.String()
}
