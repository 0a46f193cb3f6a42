//go:build !cgo && !windows

package usb

import (
	"context"
	"errors"
)

// LibUSB needs cgo (gousb); a build without it cannot list USB devices.
type LibUSB struct{}

// Devices says that this build has no USB listing.
func (LibUSB) Devices(context.Context) ([]Device, error) {
	return nil, errors.New("this build cannot list USB devices (built without cgo, which libusb needs)")
}
