//go:build cgo && !windows

// Package libusb lists USB devices through libusb (gousb): the real bus on
// Unix systems without Linux's sysfs, and on Linux the second opinion that
// tests hold sysfs to. It is its own package so that importing hw/usb
// does not link libusb into Linux's binaries, which read sysfs.
package libusb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/google/gousb"

	"github.com/nutmeg-ups/nutmeg/hw/usb"
)

// Bus is a usb.Bus through libusb.
type Bus struct{}

// Devices enumerates every device, then opens each one alone to read its
// strings, so that one device that cannot be opened does not hide the
// others' strings.
func (Bus) Devices(ctx context.Context) (devs []usb.Device, err error) {
	uctx, err := newContext()
	if err != nil {
		// No usbfs at all (some containers): no USB devices to offer.
		if _, statErr := os.Stat("/dev/bus/usb"); statErr != nil {
			return nil, nil
		}
		return nil, err
	}
	defer uctx.Close()

	var descs []*gousb.DeviceDesc
	_, err = uctx.OpenDevices(func(d *gousb.DeviceDesc) bool {
		descs = append(descs, d)
		return false
	})
	if err != nil && len(descs) == 0 {
		return nil, fmt.Errorf("list USB devices: %w", err)
	}
	for _, d := range descs {
		if ctx.Err() != nil {
			return devs, ctx.Err()
		}
		dev := fromDesc(d)
		readStrings(uctx, d, &dev)
		devs = append(devs, dev)
	}
	return devs, nil
}

// newContext wraps gousb.NewContext, which panics when libusb cannot
// initialise.
func newContext() (c *gousb.Context, err error) {
	defer func() {
		if r := recover(); r != nil {
			c, err = nil, fmt.Errorf("libusb init: %v", r)
		}
	}()
	return gousb.NewContext(), nil
}

func fromDesc(d *gousb.DeviceDesc) usb.Device {
	dev := usb.Device{Bus: d.Bus, Address: d.Address, Vendor: uint16(d.Vendor), Product: uint16(d.Product), Class: uint8(d.Class)}
	if len(d.Path) > 0 {
		parts := make([]string, len(d.Path))
		for i, p := range d.Path {
			parts[i] = strconv.Itoa(p)
		}
		dev.Path = fmt.Sprintf("%d-%s", d.Bus, strings.Join(parts, "."))
	}
	dev.HID = dev.Class == usb.ClassHID
	for _, c := range d.Configs {
		for _, in := range c.Interfaces {
			for _, alt := range in.AltSettings {
				dev.AddInterfaceClass(uint8(alt.Class))
			}
		}
	}
	return dev
}

// readStrings opens exactly this device (by bus and address) and reads its
// manufacturer, product and serial strings.
func readStrings(uctx *gousb.Context, want *gousb.DeviceDesc, dev *usb.Device) {
	opened, err := uctx.OpenDevices(func(d *gousb.DeviceDesc) bool {
		return d.Bus == want.Bus && d.Address == want.Address
	})
	defer func() {
		for _, o := range opened {
			o.Close()
		}
	}()
	if len(opened) == 0 {
		if err == nil {
			err = errors.New("device went away")
		}
		dev.StringsError = "device not accessible: " + explainOpen(err, dev.Node())
		return
	}
	o := opened[0]
	var errs []string
	read := func(what string, f func() (string, error), dst *string) {
		s, err := f()
		if err != nil {
			errs = append(errs, what+": "+err.Error())
			return
		}
		*dst = strings.TrimSpace(s)
	}
	read("manufacturer", o.Manufacturer, &dev.Manufacturer)
	read("product", o.Product, &dev.ProductName)
	read("serial", o.SerialNumber, &dev.Serial)
	// A device without a string descriptor is normal; report only when none
	// of the three could be read.
	if len(errs) == 3 {
		dev.StringsError = "strings not readable: " + strings.Join(errs, "; ")
	}
}

func explainOpen(err error, node string) string {
	switch {
	case errors.Is(err, gousb.ErrorAccess):
		return fmt.Sprintf("permission denied opening %s (this user may not open it)", node)
	case errors.Is(err, gousb.ErrorBusy):
		return "busy: another program has claimed it"
	case errors.Is(err, gousb.ErrorNoDevice):
		return "it was unplugged"
	}
	return err.Error()
}
