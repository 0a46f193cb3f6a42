//go:build !nogui

package main

import (
	"flag"

	"github.com/nutmeg-ups/nutmeg/gui/tray"

	// Before Fyne's lang package reads the locale: C.UTF-8 and POSIX fall
	// back to English without Fyne's "Error parsing user locale" lines.
	_ "github.com/nutmeg-ups/nutmeg/gui/fynelocale"
)

// guiLinked reports whether this build runs the windows itself.
const guiLinked = true

func guiCommand(name string) func(*flag.FlagSet, []string, *env) error {
	return map[string]func(*flag.FlagSet, []string, *env) error{
		"window": runWindow, "wizard": runWizard, "screenshots": runScreenshots,
	}[name]
}

// trayInProcess runs the tray in this process.
func trayInProcess(o tray.Options, _ []string, e *env) error { return tray.Main(o, e.stderr) }
