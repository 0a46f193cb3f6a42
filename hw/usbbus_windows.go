package hw

import "github.com/nutmeg-ups/nutmeg/hw/usb"

// systemUSB is this platform's real USB bus: Windows' SetupAPI.
func systemUSB() usb.Bus { return usb.SetupAPI{} }
