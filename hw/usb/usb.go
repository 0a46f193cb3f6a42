// Package usb lists the USB devices attached to this machine and says
// whether NUT's driver user may open them. The listing sits behind the Bus
// interface so tests supply devices; the real ones are Sysfs (Linux),
// SetupAPI (Windows) and hw/usb/libusb (elsewhere).
package usb

import (
	"context"
	"fmt"
	"slices"
)

// Device is one USB device as the probe reports it.
type Device struct {
	Bus     int    `json:"bus"`
	Address int    `json:"address"`
	Path    string `json:"path,omitempty"` // physical port path, "1-2.3" like sysfs
	Vendor  uint16 `json:"-"`
	Product uint16 `json:"-"`
	Class   uint8  `json:"class"` // device class; 0 means "per interface"
	// HID is true when the device or one of its interfaces is class 3.
	HID bool `json:"hid"`
	// Interfaces lists the interface classes (deduplicated, in order).
	Interfaces   []uint8 `json:"interface_classes,omitempty"`
	Manufacturer string  `json:"manufacturer,omitempty"`
	ProductName  string  `json:"product,omitempty"`
	Serial       string  `json:"serial,omitempty"`
	// StringsError says why the strings could not be read (device not
	// accessible: permission, busy, I/O); empty when they were read.
	StringsError string `json:"strings_error,omitempty"`
}

// AddInterfaceClass records one interface's class, each class once in the
// order first seen; a HID interface makes the device HID (as a device of
// class HID is). Every Bus reads the classes through it.
func (d *Device) AddInterfaceClass(class uint8) {
	if class == ClassHID {
		d.HID = true
	}
	if !slices.Contains(d.Interfaces, class) {
		d.Interfaces = append(d.Interfaces, class)
	}
}

// ID returns "vvvv:pppp".
func (d Device) ID() string { return fmt.Sprintf("%04x:%04x", d.Vendor, d.Product) }

// Node is the usbfs device node that drivers open.
func (d Device) Node() string { return fmt.Sprintf("/dev/bus/usb/%03d/%03d", d.Bus, d.Address) }

// Bus lists the USB devices. An empty machine returns an empty list, not an
// error.
type Bus interface {
	Devices(ctx context.Context) ([]Device, error)
}

// Static is a Bus that returns fixed devices (tests, and replaying a report).
type Static []Device

// Devices returns the fixed list.
func (s Static) Devices(context.Context) ([]Device, error) { return append([]Device(nil), s...), nil }

// ClassHID is the USB class code of human interface devices, which most
// UPSes (usbhid-ups) use.
const ClassHID = 3
