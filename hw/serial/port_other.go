//go:build !linux

package serial

import (
	"errors"
	"os"
)

// errNoProbe: the read-only protocol probe drives the port through Linux's
// termios; elsewhere the ports are still listed and the driver is chosen
// by hand.
var errNoProbe = errors.New("probing a serial port is implemented on Linux only: choose the driver from the list")

// Holders is not known on this platform (no /proc): nothing is reported.
func Holders(string) []string { return nil }

func openPort(path string) (*os.File, error) { return nil, errNoProbe }
