//go:build linux

package usb

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// descriptors builds a "descriptors" file as the kernel serves it: the
// device descriptor, then each configuration with its interfaces (one
// interface descriptor per class given, alternate settings included, and
// an endpoint after each, which the parser must step over).
func descriptors(class byte, vendor, product uint16, configs ...[]byte) []byte {
	dev := make([]byte, 18)
	dev[0], dev[1], dev[4] = 18, 1, class
	binary.LittleEndian.PutUint16(dev[8:], vendor)
	binary.LittleEndian.PutUint16(dev[10:], product)
	dev[17] = byte(len(configs))
	out := dev
	for i, classes := range configs {
		var body []byte
		for n, cl := range classes {
			body = append(body, 9, 4, byte(n), 0, 1, cl, 0, 0, 0) // interface
			body = append(body, 7, 5, 0x81, 3, 8, 0, 10)          // endpoint
		}
		cfg := []byte{9, 2, 0, 0, byte(len(classes)), byte(i + 1), 0, 0x80, 50}
		binary.LittleEndian.PutUint16(cfg[2:], uint16(9+len(body)))
		out = append(append(out, cfg...), body...)
	}
	return out
}

type fixtureDev struct {
	name            string
	bus, addr       string
	desc            []byte
	mfr, prod, ser  string
	interfaceSubdir string // an interface directory beside it, to be skipped
}

func writeSysfs(t *testing.T, devs []fixtureDev) string {
	t.Helper()
	root := t.TempDir()
	write := func(dir, name string, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range devs {
		dir := filepath.Join(root, d.name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		write(dir, "busnum", []byte(d.bus+"\n"))
		write(dir, "devnum", []byte(d.addr+"\n"))
		write(dir, "descriptors", d.desc)
		for name, v := range map[string]string{"manufacturer": d.mfr, "product": d.prod, "serial": d.ser} {
			if v != "" {
				write(dir, name, []byte(v+"\n"))
			}
		}
		if d.interfaceSubdir != "" {
			ifdir := filepath.Join(root, d.interfaceSubdir)
			if err := os.MkdirAll(ifdir, 0o755); err != nil {
				t.Fatal(err)
			}
			write(ifdir, "bInterfaceClass", []byte("03\n"))
		}
	}
	return root
}

// The kernel's view of a bus with a root hub, an APC UPS behind a hub port,
// an Eaton without a serial string and a composite device whose second
// configuration has a HID interface: each device once (interfaces are not
// devices), with the numbers, port path, classes and strings libusb would
// report, in bus/address order.
func TestSysfsDevices(t *testing.T) {
	root := writeSysfs(t, []fixtureDev{
		{name: "2-3", bus: "2", addr: "7", desc: descriptors(0, 0x0463, 0xffff, []byte{3}),
			mfr: "EATON", prod: "Ellipse ECO", interfaceSubdir: "2-3:1.0"},
		{name: "usb1", bus: "1", addr: "1", desc: descriptors(9, 0x1d6b, 0x0002, []byte{9}),
			mfr: "Linux 6.1.0 xhci-hcd", prod: "xHCI Host Controller", ser: "0000:00:14.0", interfaceSubdir: "1-0:1.0"},
		{name: "1-1.2", bus: "1", addr: "3", desc: descriptors(0, 0x051d, 0x0002, []byte{3}),
			mfr: "American Power Conversion", prod: "Back-UPS ES 700G FW:871.O4 .I USB FW:O4 ", ser: "4B1623P23532  ",
			interfaceSubdir: "1-1.2:1.0"},
		{name: "1-4", bus: "1", addr: "9", desc: descriptors(0, 0x1234, 0x5678, []byte{1, 1, 2}, []byte{1, 3})},
	})
	got, err := Sysfs{Root: root}.Devices(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []Device{
		{Bus: 1, Address: 1, Vendor: 0x1d6b, Product: 0x0002, Class: 9, Interfaces: []uint8{9},
			Manufacturer: "Linux 6.1.0 xhci-hcd", ProductName: "xHCI Host Controller", Serial: "0000:00:14.0"},
		{Bus: 1, Address: 3, Path: "1-1.2", Vendor: 0x051d, Product: 0x0002, HID: true, Interfaces: []uint8{3},
			Manufacturer: "American Power Conversion", ProductName: "Back-UPS ES 700G FW:871.O4 .I USB FW:O4", Serial: "4B1623P23532"},
		{Bus: 1, Address: 9, Path: "1-4", Vendor: 0x1234, Product: 0x5678, HID: true, Interfaces: []uint8{1, 2, 3}},
		{Bus: 2, Address: 7, Path: "2-3", Vendor: 0x0463, Product: 0xffff, HID: true, Interfaces: []uint8{3},
			Manufacturer: "EATON", ProductName: "Ellipse ECO"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
	if id := got[1].ID(); id != "051d:0002" {
		t.Errorf("ID %q", id)
	}
}

// A machine without USB (no /sys/bus/usb at all, as in this CI's
// containers) lists nothing and says no error: the wizard's Find page
// relies on that.
func TestSysfsWithoutUSB(t *testing.T) {
	devs, err := Sysfs{Root: filepath.Join(t.TempDir(), "absent")}.Devices(context.Background())
	if err != nil || len(devs) != 0 {
		t.Errorf("got %v, %v; want nothing and no error", devs, err)
	}
}

// Broken descriptor files are said with the device's name, never read past
// their end; a descriptor of length 0 ends the walk instead of looping.
func TestSysfsBadDescriptors(t *testing.T) {
	for name, desc := range map[string][]byte{
		"short":        {18, 1, 0},
		"not a device": append([]byte{18, 2}, make([]byte, 16)...),
	} {
		t.Run(name, func(t *testing.T) {
			root := writeSysfs(t, []fixtureDev{{name: "1-1", bus: "1", addr: "2", desc: desc}})
			_, err := Sysfs{Root: root}.Devices(context.Background())
			if err == nil {
				t.Fatal("no error")
			}
			if want := "1-1: descriptors:"; !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not name %q", err, want)
			}
		})
	}
	zero := append(descriptors(0, 1, 2, []byte{3}), 0, 4, 0, 0)
	truncated := append(descriptors(0, 1, 2, []byte{8}), 9, 4, 0, 0, 1, 3)
	for name, desc := range map[string][]byte{"zero length": zero, "truncated": truncated} {
		t.Run(name, func(t *testing.T) {
			d, err := parseDescriptors(desc)
			if err != nil {
				t.Fatal(err)
			}
			if name == "zero length" && !reflect.DeepEqual(d.Interfaces, []uint8{3}) {
				t.Errorf("interfaces %v", d.Interfaces)
			}
			if name == "truncated" && (d.HID || !reflect.DeepEqual(d.Interfaces, []uint8{8})) {
				t.Errorf("a truncated interface descriptor was read: %+v", d)
			}
		})
	}
}
