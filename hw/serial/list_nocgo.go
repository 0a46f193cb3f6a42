//go:build darwin && !cgo

package serial

import "errors"

// systemPorts: listing ports on macOS goes through IOKit, which needs cgo.
func systemPorts() ([]Port, error) {
	return nil, errors.New("this build cannot list serial ports (macOS needs cgo for IOKit): name the port with --port")
}
