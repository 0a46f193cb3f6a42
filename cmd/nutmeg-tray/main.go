// Command nutmeg-tray is Nutmeg's tray alone: fyne.io/systray and the
// service's socket, without Fyne's window driver or GL linked in, and without
// the service's and NUT's code that nutmeg carries. `nutmeg` (the default
// command) execs it when it is installed beside nutmeg; the tray runs all day,
// so it stays about 10 MiB resident. It opens the windows by running
// `nutmeg window` / `nutmeg wizard` from the same directory (which exec
// nutmeg-gui).
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"

	"github.com/nutmeg-ups/nutmeg/gui/tray"
)

func main() {
	fs := flag.NewFlagSet("nutmeg-tray", flag.ContinueOnError)
	var o tray.Options
	o.Flags(fs)
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		os.Exit(2)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "nutmeg-tray: unexpected argument %q\n", fs.Arg(0))
		os.Exit(2)
	}
	if exe, ok := tray.Sibling("nutmeg"); ok {
		o.Exe = exe
	} else if exe, err := exec.LookPath("nutmeg"); err == nil {
		o.Exe = exe
	} else {
		o.Exe = "nutmeg" // the window items will say why they cannot start
	}
	if err := tray.Main(o, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "nutmeg-tray: %v\n", err)
		var usage *tray.UsageError
		if errors.As(err, &usage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}
