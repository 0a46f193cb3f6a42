package hw

import "github.com/nutmeg-ups/nutmeg/hw/usb"

// systemUSB is this platform's real USB bus: on Linux the kernel's sysfs,
// which needs neither libusb nor cgo (the service's binary links neither).
func systemUSB() usb.Bus { return usb.Sysfs{} }
