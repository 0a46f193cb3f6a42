package service

import (
	"context"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/client"
)

// NudgeEvery and NudgeTimes pace the FSD signal's repeats (see nudge).
// upsmon polls a local upsd in milliseconds, so the first repeat normally
// lands in the sleep; the others cover a slow upsd over the network.
const (
	NudgeEvery = 300 * time.Millisecond
	NudgeTimes = 3
)

// nudge sends upsmon the FSD signal again, NudgeEvery apart, until upsmon
// has taken it.
//
// upsmon 2.8.0 reads the flag its SIGUSR1 handler sets only at the top of
// its loop (check the flag, poll every UPS, sleep POLLFREQ or
// POLLFREQALERT). A signal that lands during the poll cuts the poll's read
// short, and the flag is read only after the whole sleep that follows:
// the shutdown came up to 2 s after the deadline the tray showed, 5 s for
// "shut down now" on mains power (TestFSDDuringUpsmonsPoll). The same
// signal a moment later lands in that sleep, which it ends.
//
// A primary has taken it once upsd shows FSD, and is not signalled after
// that: its next steps talk to upsd, and a signal would cut that short. An
// answer that does not come counts as "not yet". A secondary sets nothing
// on upsd and, with FINALDELAY 0, exits as soon as it has passed the order
// to its root process: then the signal finds no upsmon and the repeats end.
func (w *Watcher) nudge(ctx context.Context) {
	send, addr, ups, primary := w.cfg.Nudge, w.cfg.Addr, w.cfg.UPS, w.cfg.Mode == nut.ModePrimary
	w.nudging.Add(1)
	go func() {
		defer w.nudging.Done()
		t := time.NewTimer(NudgeEvery)
		defer t.Stop()
		for i := 0; i < NudgeTimes; i++ {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if primary && fsdOnUpsd(ctx, addr, ups) {
				return
			}
			if err := send(ctx); err != nil {
				w.log.Debug("no upsmon to signal again", "err", err)
				return
			}
			w.log.Info("upsmon has not taken the FSD yet (the signal may have come while it polled): sending it again")
			t.Reset(NudgeEvery)
		}
	}()
}

// fsdOnUpsd reports whether upsd at addr shows FSD for ups.
func fsdOnUpsd(ctx context.Context, addr, ups string) bool {
	var st client.Status
	err := askUpsd(ctx, addr, NudgeEvery, func(c *client.Conn) (err error) {
		st, err = c.Poll(ups)
		return err
	})
	return err == nil && st.Has("FSD")
}
