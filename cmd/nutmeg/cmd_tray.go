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
// installed beside this one (it links neither Fyne nor this binary's service
// and NUT code, so it stays about 10 MiB resident all day); otherwise, or with
// NUTMEG_TRAY_INPROCESS=1, nutmeg-gui runs the tray in its own process, and
// nutmeg (-tags nogui) looks for nutmeg-tray on $PATH (trayInProcess).
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
			e.stderr.Write([]byte("nutmeg: cannot start " + light + " (" + err.Error() + ")\n"))
		}
	}
	err := trayInProcess(o, args, e)
	var usage *tray.UsageError
	if errors.As(err, &usage) {
		return badInput{err}
	}
	return err
}
