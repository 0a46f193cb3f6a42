//go:build !cgo && !windows

package libusb

import (
	"context"
	"errors"

	"github.com/nutmeg-ups/nutmeg/hw/usb"
)

// Bus needs cgo (gousb); a build without it cannot list USB devices
// through libusb.
type Bus struct{}

// Devices says that this build has no libusb.
func (Bus) Devices(context.Context) ([]usb.Device, error) {
	return nil, errors.New("this build cannot list USB devices (built without cgo, which libusb needs)")
}
