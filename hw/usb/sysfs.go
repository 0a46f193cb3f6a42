//go:build linux

package usb

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// SysfsRoot is where Linux lists every USB device and interface.
const SysfsRoot = "/sys/bus/usb/devices"

// Sysfs is the real Bus on Linux: the kernel's own view of the bus under
// Root (SysfsRoot when empty). It needs no cgo and no libusb, and no
// permission on the device nodes: the kernel read the descriptors and
// strings at enumeration, so they are there even for a device this user
// may not open (whether NUT's driver user may is CheckAccess's question).
type Sysfs struct {
	Root string
}

// Devices lists the devices (not their interfaces) in bus, address order.
func (s Sysfs) Devices(ctx context.Context) ([]Device, error) {
	root := s.Root
	if root == "" {
		root = SysfsRoot
	}
	ents, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil // no USB at all (some VMs and containers)
	}
	if err != nil {
		return nil, fmt.Errorf("list USB devices: %w", err)
	}
	var devs []Device
	for _, e := range ents {
		if ctx.Err() != nil {
			return devs, ctx.Err()
		}
		if strings.Contains(e.Name(), ":") {
			continue // an interface ("1-2:1.0"), listed under its device
		}
		d, err := readSysfsDevice(filepath.Join(root, e.Name()), e.Name())
		if errors.Is(err, fs.ErrNotExist) {
			continue // unplugged while we read it
		}
		if err != nil {
			return nil, fmt.Errorf("list USB devices: %s: %w", e.Name(), err)
		}
		devs = append(devs, d)
	}
	sort.Slice(devs, func(i, j int) bool {
		if devs[i].Bus != devs[j].Bus {
			return devs[i].Bus < devs[j].Bus
		}
		return devs[i].Address < devs[j].Address
	})
	return devs, nil
}

// readSysfsDevice reads one device directory: its numbers from busnum and
// devnum, everything else from the raw descriptors (as libusb reads them),
// and the strings the kernel cached.
func readSysfsDevice(dir, name string) (Device, error) {
	bus, err := readInt(filepath.Join(dir, "busnum"))
	if err != nil {
		return Device{}, err
	}
	addr, err := readInt(filepath.Join(dir, "devnum"))
	if err != nil {
		return Device{}, err
	}
	raw, err := os.ReadFile(filepath.Join(dir, "descriptors"))
	if err != nil {
		return Device{}, err
	}
	d, err := parseDescriptors(raw)
	if err != nil {
		return Device{}, fmt.Errorf("descriptors: %w", err)
	}
	d.Bus, d.Address = bus, addr
	// "usb1" is bus 1's root hub, which has no port path (as in libusb);
	// "1-2.3" is bus 1, port 2, then port 3 of the hub there.
	if !strings.HasPrefix(name, "usb") {
		d.Path = name
	}
	d.Manufacturer = readString(filepath.Join(dir, "manufacturer"))
	d.ProductName = readString(filepath.Join(dir, "product"))
	d.Serial = readString(filepath.Join(dir, "serial"))
	return d, nil
}

// Descriptor types (USB 2.0 §9.4, table 9-5).
const (
	descDevice    = 1
	descInterface = 4
)

// parseDescriptors reads the device descriptor and the interface classes
// of every configuration and alternate setting from the kernel's
// "descriptors" file: the 18-byte device descriptor followed by each
// configuration's descriptors as the device sent them.
func parseDescriptors(b []byte) (Device, error) {
	if len(b) < 18 || b[0] < 18 || b[1] != descDevice {
		return Device{}, fmt.Errorf("no device descriptor (%d bytes)", len(b))
	}
	d := Device{
		Class:   b[4],
		Vendor:  binary.LittleEndian.Uint16(b[8:10]),
		Product: binary.LittleEndian.Uint16(b[10:12]),
		HID:     b[4] == ClassHID,
	}
	for rest := b[b[0]:]; len(rest) >= 2; {
		n := int(rest[0])
		if n < 2 || n > len(rest) {
			break // a truncated or broken descriptor ends the walk
		}
		if rest[1] == descInterface && n >= 9 {
			d.AddInterfaceClass(rest[5])
		}
		rest = rest[n:]
	}
	return d, nil
}

func readInt(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	return n, nil
}

// readString is a string attribute; a device without that string has no
// file, which reads as "".
func readString(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
