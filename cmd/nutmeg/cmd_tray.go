package main

import (
	"errors"
	"flag"
	"os"

	"github.com/nutmeg-ups/nutmeg/gui/tray"
)

func init() {
	register(&command{name: "tray", args: "[--state DIR | --socket PATH | --server HOST[:PORT] [--ups NAME]]",
		summary: "the tray icon (starts the wizard on first run)", run: runTray})
}

// runTray hands over to the lightweight nutmeg-tray binary when it is
// installed beside this one (this binary links Fyne for the windows, which
// doubles a process's memory even with no window open); otherwise, or with
// NUTMEG_TRAY_INPROCESS=1, it runs the tray in this process.
func runTray(fs *flag.FlagSet, args []string, e *env) error {
	var o tray.Options
	o.Flags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if _, err := o.Config(); err != nil {
		return badInput{err}
	}
	if os.Getenv("NUTMEG_TRAY_INPROCESS") != "1" {
		if light, ok := tray.Sibling(tray.LightName); ok {
			// On Unix this process is replaced (handOver returns only on
			// failure); on Windows the tray starts as its own process.
			err := handOver(light, append([]string{tray.LightName}, args...))
			if err == nil {
				return nil
			}
			e.stderr.Write([]byte("nutmeg: cannot start " + light + " (" + err.Error() + "); running the tray in this process\n"))
		}
	}
	err := tray.Main(o, e.stderr)
	var usage *tray.UsageError
	if errors.As(err, &usage) {
		return badInput{err}
	}
	return err
}
