package usb

import (
	"reflect"
	"testing"
)

func TestParseInstanceID(t *testing.T) {
	cases := []struct {
		id            string
		vendor, prod  uint16
		iface, wantOK bool
	}{
		{`USB\VID_0665&PID_5161\5&2A0BC0D&0&1`, 0x0665, 0x5161, false, true},
		{`usb\vid_051d&pid_0002\3B1234`, 0x051d, 0x0002, false, true},
		{`USB\VID_046D&PID_C52B&MI_01\7&1A2B&0&0001`, 0x046d, 0xc52b, true, true},
		{`USB\ROOT_HUB30\4&1234&0&0`, 0, 0, false, false},
		{`HID\VID_0665&PID_5161\6&1`, 0, 0, false, false},
		{`USB\VID_ZZZZ&PID_5161\1`, 0, 0, false, false},
		{``, 0, 0, false, false},
	}
	for _, c := range cases {
		v, p, iface, ok := parseInstanceID(c.id)
		if ok != c.wantOK || (ok && (v != c.vendor || p != c.prod || iface != c.iface)) {
			t.Errorf("%q: got %04x:%04x iface=%v ok=%v", c.id, v, p, iface, ok)
		}
	}
}

func TestDevicesFromEntries(t *testing.T) {
	entries := []winEntry{
		{InstanceID: `USB\ROOT_HUB30\4&1&0&0`, Description: "USB Root Hub (USB 3.0)"},
		{InstanceID: `USB\VID_051D&PID_0002\3B1234`, Description: "American Power Conversion USB UPS", Manufacturer: "(Standard system devices)",
			CompatibleIDs: []string{`USB\Class_03&SubClass_00&Prot_00`, `USB\Class_03&SubClass_00`, `USB\Class_03`}},
		{InstanceID: `USB\VID_046D&PID_C52B\5&1`, Description: "USB Composite Device", CompatibleIDs: []string{`USB\DevClass_00&SubClass_00`, `USB\COMPOSITE`}},
		{InstanceID: `USB\VID_046D&PID_C52B&MI_00\7&1`, CompatibleIDs: []string{`USB\Class_03&SubClass_01&Prot_01`}},
		{InstanceID: `USB\VID_046D&PID_C52B&MI_02\7&2`, CompatibleIDs: []string{`USB\Class_FF&SubClass_00`}},
	}
	got := devicesFromEntries(entries)
	want := []Device{
		{Address: 1, Path: `USB\VID_051D&PID_0002\3B1234`, Vendor: 0x051d, Product: 0x0002, Class: 3, HID: true, Interfaces: []uint8{3},
			ProductName: "American Power Conversion USB UPS", Manufacturer: "(Standard system devices)"},
		{Address: 2, Path: `USB\VID_046D&PID_C52B\5&1`, Vendor: 0x046d, Product: 0xc52b, HID: true, Interfaces: []uint8{3, 0xff},
			ProductName: "USB Composite Device"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}
