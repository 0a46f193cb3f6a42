package wizard

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/client"
	"github.com/nutmeg-ups/nutmeg/nut/service"
	"github.com/nutmeg-ups/nutmeg/wizard/flow"
)

// ServiceApplier applies through nut/service's user mode: a running service
// reloads the saved settings file (and restores the previous files on
// failure); without one, service.Apply proves the files with a one-off
// start of the driver and upsd, and Start (when set) then starts the
// service for good. The wizard saves the settings and the keyring before
// calling it, because the service reads them from there.
type ServiceApplier struct {
	StateDir     string
	SettingsPath string
	Options      service.ApplyOptions
	// Start starts the service after a one-off proof (nil: the caller's
	// business, e.g. the tray or a systemd unit).
	Start func(ctx context.Context) error
}

// Apply implements Applier.
func (a ServiceApplier) Apply(ctx context.Context, s nut.Settings, progress func(step, state, detail string)) error {
	steps := []string{flow.StepWrite, flow.StepDriver, flow.StepUpsd, flow.StepUpsmon, flow.StepStatus}
	if s.Mode == nut.ModeSecondary {
		steps = []string{flow.StepWrite, flow.StepUpsmon, flow.StepStatus}
	}
	progress(flow.StepWrite, flow.StateRunning, "")
	if err := ensureSimulatedDev(s, service.EtcDir(a.StateDir)); err != nil {
		progress(flow.StepWrite, flow.StateFailed, err.Error())
		return err
	}
	res, err := service.Apply(ctx, s, a.SettingsPath, a.StateDir, a.Options)
	if err != nil {
		failed := stepOf(err)
		var se *service.StepError
		restored := errors.As(err, &se) && se.Restored
		for _, st := range steps {
			if st == failed {
				detail := err.Error()
				if se != nil {
					detail = se.Err.Error()
				}
				progress(st, flow.StateFailed, detail)
				break
			}
			progress(st, flow.StateDone, "")
		}
		if restored {
			progress("restore", flow.StateDone, "")
		}
		return err
	}
	for _, st := range steps {
		detail := ""
		if st == flow.StepStatus {
			detail = "ups.status " + res.Status
		}
		progress(st, flow.StateDone, detail)
	}
	if res.Via == "fresh" && a.Start != nil {
		if err := a.Start(ctx); err != nil {
			return fmt.Errorf("start the Nutmeg service: %w", err)
		}
	}
	return nil
}

// stepOf maps service.Apply's failed step to the Apply page's.
func stepOf(err error) string {
	var se *service.StepError
	if !errors.As(err, &se) {
		return flow.StepWrite
	}
	msg := se.Err.Error()
	switch se.Step {
	case "render", "install":
		return flow.StepWrite
	case "start NUT", "reload":
		// the supervisor's errors start with the process's role:
		// "driver exited while starting", "upsd did not serve ..."
		switch {
		case strings.HasPrefix(msg, "driver"):
			return flow.StepDriver
		case strings.HasPrefix(msg, "upsd"):
			return flow.StepUpsd
		case strings.HasPrefix(msg, "upsmon"):
			return flow.StepUpsmon
		case se.Step == "reload":
			return flow.StepWrite
		}
		return flow.StepDriver
	}
	return flow.StepStatus
}

// ensureSimulatedDev writes the simulated UPS's data file into NUT's
// config dir when the settings use it and it is not there yet (a running
// demo's changes are kept).
func ensureSimulatedDev(s nut.Settings, etc string) error {
	if s.Mode != nut.ModePrimary || s.Driver != "dummy-ups" || s.Port != flow.SimulatedDev {
		return nil
	}
	p := filepath.Join(etc, flow.SimulatedDev)
	if _, err := os.Stat(p); err == nil {
		return nil
	}
	if err := os.MkdirAll(etc, 0o700); err != nil {
		return fmt.Errorf("simulated UPS: %w", err)
	}
	if err := os.WriteFile(p, []byte(flow.SimulatedDevContent()), 0o600); err != nil {
		return fmt.Errorf("simulated UPS: %w", err)
	}
	return nil
}

// ReadStatus reads the UPS's status from the upsd that serves it (this
// machine's, or the server's in secondary mode).
func ReadStatus(ctx context.Context, s nut.Settings) (client.Status, error) {
	c, err := client.Dial(ctx, service.Addr(s), client.Options{Timeout: 5 * time.Second})
	if err != nil {
		return client.Status{}, err
	}
	defer c.Close()
	vars, err := c.Vars(s.Identifier)
	if err != nil {
		return client.Status{}, err
	}
	return client.NewStatus(s.Identifier, vars, time.Now()), nil
}
