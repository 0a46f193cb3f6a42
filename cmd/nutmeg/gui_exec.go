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
