//go:build !windows

package usb

// System is this platform's real Bus: libusb (gousb).
type System = LibUSB
