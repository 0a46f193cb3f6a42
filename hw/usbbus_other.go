//go:build !linux && !windows

package hw

import (
	"github.com/nutmeg-ups/nutmeg/hw/usb"
	"github.com/nutmeg-ups/nutmeg/hw/usb/libusb"
)

// systemUSB is this platform's real USB bus: libusb, where there is no
// sysfs (macOS, the BSDs).
func systemUSB() usb.Bus { return libusb.Bus{} }
