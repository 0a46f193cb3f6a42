//go:build !darwin || cgo

package serial

import (
	"strings"

	"go.bug.st/serial/enumerator"
)

// systemPorts asks the OS for its serial ports (sysfs on Linux, the
// registry on Windows, IOKit on macOS).
func systemPorts() ([]Port, error) {
	list, err := enumerator.GetDetailedPortsList()
	if err != nil {
		return nil, err
	}
	out := make([]Port, 0, len(list))
	for _, p := range list {
		out = append(out, Port{Path: p.Name, USB: p.IsUSB, VID: strings.ToLower(p.VID), PID: strings.ToLower(p.PID),
			SerialNumber: p.SerialNumber, Product: p.Product})
	}
	return out, nil
}
