package usb

import (
	"strconv"
	"strings"
)

// This file reads the identifiers that Windows' device manager gives USB
// devices. It is plain Go so that it is tested on every platform; the
// SetupAPI calls that produce them are in setupapi_windows.go.

// parseInstanceID reads "USB\VID_0665&PID_5161\5&2A0BC0D&0&1" (or an
// interface of a composite device, "USB\VID_046D&PID_C52B&MI_00\...").
// ok is false for anything that is not a USB device or interface.
func parseInstanceID(id string) (vendor, product uint16, iface bool, ok bool) {
	parts := strings.Split(id, `\`)
	if len(parts) < 2 || !strings.EqualFold(parts[0], "USB") {
		return 0, 0, false, false
	}
	var haveV, haveP bool
	for _, f := range strings.Split(strings.ToUpper(parts[1]), "&") {
		switch {
		case strings.HasPrefix(f, "VID_"):
			v, err := strconv.ParseUint(f[4:], 16, 16)
			vendor, haveV = uint16(v), err == nil
		case strings.HasPrefix(f, "PID_"):
			p, err := strconv.ParseUint(f[4:], 16, 16)
			product, haveP = uint16(p), err == nil
		case strings.HasPrefix(f, "MI_"):
			iface = true
		}
	}
	return vendor, product, iface, haveV && haveP
}

// classFromCompatibleIDs finds the class in compatible IDs such as
// "USB\Class_03&SubClass_00&Prot_00" (ok false when none names one).
func classFromCompatibleIDs(ids []string) (class uint8, ok bool) {
	for _, id := range ids {
		u := strings.ToUpper(id)
		i := strings.Index(u, `USB\CLASS_`)
		if i < 0 {
			continue
		}
		hex := u[i+len(`USB\CLASS_`):]
		if j := strings.IndexByte(hex, '&'); j >= 0 {
			hex = hex[:j]
		}
		c, err := strconv.ParseUint(hex, 16, 8)
		if err == nil {
			return uint8(c), true
		}
	}
	return 0, false
}

// winEntry is one USB device node as SetupAPI lists it.
type winEntry struct {
	InstanceID    string
	Description   string // SPDRP_FRIENDLYNAME, else SPDRP_DEVICEDESC
	Manufacturer  string // SPDRP_MFG (often the driver's vendor, "(Standard USB Host Controller)")
	CompatibleIDs []string
}

// devicesFromEntries turns SetupAPI's list into Devices: one per USB device,
// with the classes of its interfaces (composite devices list each interface
// as its own node, "&MI_nn") folded in. Address numbers the devices in
// order, since Windows has no bus address to show.
func devicesFromEntries(entries []winEntry) []Device {
	var devs []Device
	byID := map[string]int{}
	var ifaces []winEntry
	for _, e := range entries {
		v, p, iface, ok := parseInstanceID(e.InstanceID)
		if !ok {
			continue
		}
		if iface {
			ifaces = append(ifaces, e)
			continue
		}
		d := Device{Address: len(devs) + 1, Path: e.InstanceID, Vendor: v, Product: p,
			ProductName: e.Description, Manufacturer: e.Manufacturer}
		if c, ok := classFromCompatibleIDs(e.CompatibleIDs); ok {
			d.Class = c
			if c != 0 {
				d.AddInterfaceClass(c) // a device of class HID is HID
			}
		}
		byID[d.ID()] = len(devs)
		devs = append(devs, d)
	}
	for _, e := range ifaces {
		v, p, _, _ := parseInstanceID(e.InstanceID)
		i, ok := byID[Device{Vendor: v, Product: p}.ID()]
		if !ok {
			continue
		}
		if c, ok := classFromCompatibleIDs(e.CompatibleIDs); ok {
			devs[i].AddInterfaceClass(c)
		}
	}
	return devs
}
