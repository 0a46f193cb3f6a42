//go:build nogui

package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"syscall"

	"github.com/nutmeg-ups/nutmeg/gui/fynelocale"
	"github.com/nutmeg-ups/nutmeg/gui/tray"
)

// guiLinked reports whether this build runs the windows itself.
const guiLinked = false

// guiCommand execs nutmeg-gui with the command and its arguments unparsed:
// nutmeg-gui owns their flags, --help included. Exec replaces this process,
// so the window's single-instance lock and signals are nutmeg-gui's own.
func guiCommand(name string) func(*flag.FlagSet, []string, *env) error {
	return func(_ *flag.FlagSet, args []string, e *env) error {
		gui, ok := tray.Sibling(guiName)
		if !ok {
			p, err := exec.LookPath(guiName)
			if err != nil {
				return fmt.Errorf("the windows need %s, which is neither beside this nutmeg nor on $PATH", guiName)
			}
			gui = p
		}
		err := syscall.Exec(gui, append([]string{guiName, name}, args...), fynelocale.Environ(os.Environ()))
		return fmt.Errorf("cannot start %s: %w", gui, err)
	}
}

// trayInProcess: this build does not link the tray. The tray's D-Bus
// objects make the linker keep every exported method of every type (godbus
// finds them by reflection), which cost the service 2.2 MB of code and as
// much RSS; so the tray is nutmeg-tray's alone, beside this nutmeg or on
// $PATH (NUTMEG_TRAY_INPROCESS is nutmeg-gui's).
func trayInProcess(_ tray.Options, args []string, e *env) error {
	light, ok := tray.Sibling(tray.LightName)
	if !ok {
		p, err := exec.LookPath(tray.LightName)
		if err != nil {
			return fmt.Errorf("the tray needs %s, which is neither beside this nutmeg nor on $PATH", tray.LightName)
		}
		light = p
	}
	if err := handOver(light, append([]string{tray.LightName}, args...)); err != nil {
		return fmt.Errorf("cannot start %s: %w", light, err)
	}
	return nil
}
