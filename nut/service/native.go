package service

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/monitor"
)

// newNative sets the service up without NUT: nut/monitor follows the
// server as a secondary (LOGIN, so the primary's HOSTSYNC waits for this
// machine; critical on FSD, OB+LB, or contact lost while OB) and runs the
// shutdown command after FINALDELAY. The watcher does everything else as
// usual (events, countdown, history, API, mail); its countdown ends in the
// monitor's ForceShutdown, which is `upsmon -c fsd` for a secondary.
func (svc *Service) newNative(s nut.Settings, mail Mailer) error {
	if s.Mode != nut.ModeSecondary {
		return errors.New("settings: mode: this machine has no NUT, so it can only follow a UPS on another machine (secondary mode); primary mode needs NUT installed")
	}
	mon, err := monitor.New(monitor.Config{
		Addr: Addr(s), UPS: s.Identifier,
		User: s.MonUser, Password: s.MonPwd,
		ShutdownCmd: s.EffectiveShutdownCmd(),
		HostSync:    secondsOrZero(s.HostSync),
		NoCommWarn:  secondsOrZero(s.NoCommWarnTime),
		Log:         svc.log, // the monitor logs its events and decisions there
	})
	if err != nil {
		return fmt.Errorf("monitor: %w", err)
	}
	svc.mon = mon
	wc := svc.watcherConfig(s, mail)
	wc.FSD = func(context.Context) error { mon.ForceShutdown(); return nil }
	wc.Final, wc.Reload = nil, nil // new settings take a restart of the service
	if svc.w, err = NewWatcher(wc); err != nil {
		return err
	}
	return nil
}

// secondsOrZero turns a settings value in seconds into a monitor duration,
// where 0 would mean "the default": 0 in the settings means none
// (the monitor reads a negative duration as zero).
func secondsOrZero(n int) time.Duration {
	if n <= 0 {
		return -1
	}
	return time.Duration(n) * time.Second
}

// runNative runs the monitor beside the watcher until ctx ends. The
// monitor returning nil means the shutdown command ran: the machine is
// going down, and the watcher keeps serving until then.
func (svc *Service) runNative(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	if svc.queue != nil {
		wg.Go(func() { svc.queue.Run(ctx) })
	}
	wg.Go(func() {
		if err := svc.mon.Run(ctx); err == nil {
			svc.log.Info("monitor: the shutdown command ran")
		}
	})
	err := svc.w.Run(ctx)
	cancel()
	wg.Wait()
	return err
}
