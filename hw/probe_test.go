//go:build linux

package hw

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/hw/driverdb"
	"github.com/nutmeg-ups/nutmeg/hw/serial"
	"github.com/nutmeg-ups/nutmeg/hw/serial/serialsim"
	"github.com/nutmeg-ups/nutmeg/hw/usb"
	"github.com/nutmeg-ups/nutmeg/nut"
)

func requireNUT(t testing.TB) *driverdb.DB {
	t.Helper()
	for _, p := range []string{driverdb.DriverListPath, driverdb.UdevRulesPath, driverdb.DriverDir} {
		if _, err := os.Stat(p); err != nil {
			skipUnlessCI(t, "NUT not installed: %v", err)
		}
	}
	db, err := driverdb.Load(driverdb.Paths{})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// skipUnlessCI skips the test for a missing prerequisite, except under
// CI=true, where every test must run and the missing piece is a failure.
func skipUnlessCI(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("under CI=true: "+format, args...)
	}
	t.Skipf(format, args...)
}

// noSerial keeps the machine's own serial ports out of USB tests.
func noSerial(explicit []string) ([]serial.Port, error) { return nil, nil }

type want struct {
	driver string
	conf   Confidence
	opts   map[string]string // options that must be present with these values
	absent []string          // options that must not be present
}

func TestSuggestUSB(t *testing.T) {
	db := requireNUT(t)
	hid := func(v, p uint16, mfr, prod, ser string) usb.Device {
		return usb.Device{Bus: 1, Address: 4, Vendor: v, Product: p, HID: true, Interfaces: []uint8{3}, Manufacturer: mfr, ProductName: prod, Serial: ser}
	}
	cases := []struct {
		name  string
		dev   usb.Device
		wants []want // in rank order; empty: not a UPS
		note  string // substring of the device note
	}{
		{"APC Back-UPS", hid(0x051d, 0x0002, "American Power Conversion", "Back-UPS ES 700", "4B1234"),
			[]want{{"usbhid-ups", High, map[string]string{"vendorid": "051d", "productid": "0002", "serial": "4B1234"}, nil}}, ""},
		{"CyberPower", hid(0x0764, 0x0501, "CPS", "CP1500PFCLCD", ""),
			[]want{{"usbhid-ups", High, map[string]string{"vendorid": "0764", "productid": "0501"}, []string{"serial"}}}, ""},
		{"Eaton", hid(0x0463, 0xffff, "EATON", "5E", ""),
			[]want{{"usbhid-ups", High, map[string]string{"vendorid": "0463"}, nil}}, ""},
		{"Tripp Lite 0001", usb.Device{Bus: 1, Address: 4, Vendor: 0x09ae, Product: 0x0001, HID: true},
			[]want{{"tripplite_usb", High, map[string]string{"productid": "0001"}, nil}}, ""},
		{"Tripp Lite other", hid(0x09ae, 0x3016, "Tripp Lite", "SMART1500LCDT", ""),
			[]want{{"usbhid-ups", High, map[string]string{"productid": "3016"}, nil}}, ""},
		{"Powerware bcmxcp_usb takes no vendorid", usb.Device{Bus: 1, Address: 4, Vendor: 0x0592, Product: 0x0002},
			[]want{{"bcmxcp_usb", High, nil, []string{"vendorid", "productid"}}}, ""},
		{"generic 0665:5161", usb.Device{Bus: 1, Address: 4, Vendor: 0x0665, Product: 0x5161, HID: true},
			[]want{{"nutdrv_qx", Medium, map[string]string{"vendorid": "0665", "productid": "5161"}, nil}, {"blazer_usb", Low, nil, nil}}, ""},
		{"generic 0001:0000 Hunnox", hid(0x0001, 0x0000, "", "MEC0003", ""),
			[]want{{"nutdrv_qx", Medium, map[string]string{"protocol": "hunnox", "product": "MEC0003", "vendorid": "0001"}, []string{"port", "bus"}}}, ""},
		{"unknown APC product", hid(0x051d, 0x9999, "APC", "New-UPS", ""),
			[]want{{"usbhid-ups", Medium, map[string]string{"vendorid": "051d", "productid": "9999"}, nil}}, ""},
		{"unknown APC product, not HID", usb.Device{Bus: 1, Address: 4, Vendor: 0x051d, Product: 0x9998},
			[]want{{"usbhid-ups", Low, nil, nil}}, ""},
		{"no-name HID that says UPS", hid(0x1234, 0x5678, "ACME", "Mini UPS 600", ""),
			[]want{{"usbhid-ups", Low, nil, nil}}, ""},
		{"keyboard", hid(0x046d, 0xc31c, "Logitech", "USB Keyboard", ""), nil, "not a UPS"},
		{"HP printer (vendor with UPS IDs)", usb.Device{Bus: 1, Address: 4, Vendor: 0x03f0, Product: 0x2b17, Interfaces: []uint8{7}}, nil, "printer"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep, err := Probe(context.Background(), Options{DB: db, USB: usb.Static{c.dev}, Enumerate: noSerial,
				PasswdFile: "testdata/passwd", GroupFile: "testdata/group", USBNodeDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Devices) != 1 {
				t.Fatalf("devices: %+v", rep.Devices)
			}
			d := rep.Devices[0]
			if d.UPS != (len(c.wants) > 0) || !strings.Contains(d.Note, c.note) {
				t.Errorf("device ups=%v note %q", d.UPS, d.Note)
			}
			var firsts []Suggestion
			for _, s := range rep.Suggestions {
				if s.Device != d.ID || s.Port != "auto" || s.Reason == "" || !strings.HasSuffix(s.Reason, ".") {
					t.Errorf("malformed suggestion %+v", s)
				}
				for _, k := range []string{"bus", "port"} {
					if _, ok := s.Options[k]; ok {
						t.Errorf("option %s describes another machine: %+v", k, s)
					}
				}
				firsts = append(firsts, s)
			}
			if len(c.wants) == 0 && len(firsts) != 0 {
				t.Fatalf("not a UPS, yet suggested: %+v", firsts)
			}
			if len(firsts) < len(c.wants) {
				t.Fatalf("got %d suggestions, want at least %d: %+v", len(firsts), len(c.wants), firsts)
			}
			for i, w := range c.wants {
				s := firsts[i]
				if s.Driver != w.driver || s.Confidence != w.conf || !s.Ready {
					t.Errorf("suggestion %d: %s %s ready=%v, want %s %s (%s)", i, s.Driver, s.Confidence, s.Ready, w.driver, w.conf, s.Reason)
				}
				for k, v := range w.opts {
					if s.Options[k] != v {
						t.Errorf("suggestion %d: option %s=%q, want %q (%v)", i, k, s.Options[k], v, s.Options)
					}
				}
				for _, k := range w.absent {
					if _, ok := s.Options[k]; ok {
						t.Errorf("suggestion %d: option %s must be absent (%v)", i, k, s.Options)
					}
				}
			}
		})
	}
}

func TestGenericIDReasonsTellApart(t *testing.T) {
	db := requireNUT(t)
	rep, err := Probe(context.Background(), Options{DB: db, USB: usb.Static{{Bus: 2, Address: 3, Vendor: 0x0665, Product: 0x5161}}, Enumerate: noSerial,
		PasswdFile: "testdata/passwd", GroupFile: "testdata/group", USBNodeDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	drivers := map[string]string{}
	for _, s := range rep.Suggestions {
		drivers[s.Driver] = s.Reason
	}
	if len(drivers) < 2 || !strings.Contains(drivers["blazer_usb"], "nutdrv_qx") || !strings.Contains(drivers["nutdrv_qx"], "many") {
		t.Errorf("a generic ID needs several candidates with what tells them apart: %v", drivers)
	}
}

func TestUSBAccessProblem(t *testing.T) {
	db := requireNUT(t)
	dir := t.TempDir()
	node := filepath.Join(dir, "003", "007")
	if err := os.MkdirAll(filepath.Dir(node), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(node, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// The fixture's nut user is uid 102 / gid 105; the node belongs to the
	// test's user. 0664 without the nut group: the driver cannot open it.
	uid := os.Getuid()
	if uid == 102 {
		t.Skip("running as the fixture's nut uid")
	}
	for _, c := range []struct {
		name  string
		mode  os.FileMode
		group int
		ok    bool
	}{
		{"default usbfs mode", 0o664, os.Getgid(), false},
		{"udev rule applied (group nut, 0664)", 0o664, 105, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := os.Chown(node, uid, c.group); err != nil {
				skipUnlessCI(t, "cannot chgrp the fixture: %v", err)
			}
			if err := os.Chmod(node, c.mode); err != nil {
				t.Fatal(err)
			}
			rep, err := Probe(context.Background(), Options{DB: db, USB: usb.Static{{Bus: 3, Address: 7, Vendor: 0x051d, Product: 0x0002, HID: true}},
				Enumerate: noSerial, PasswdFile: "testdata/passwd", GroupFile: "testdata/group", USBNodeDir: dir})
			if err != nil {
				t.Fatal(err)
			}
			a := rep.Devices[0].Access
			if a == nil || a.OK != c.ok {
				t.Fatalf("access %+v, want ok=%v", a, c.ok)
			}
			found := false
			for _, p := range rep.Problems {
				if p.Device == "usb:003:007" && strings.Contains(p.Fix, "udev") && strings.Contains(p.Fix, `ATTR{idVendor}=="051d"`) {
					found = true
				}
			}
			if found == c.ok {
				t.Errorf("problem reported=%v, want %v: %+v", found, !c.ok, rep.Problems)
			}
		})
	}
}

func TestDriverNotInstalled(t *testing.T) {
	requireNUT(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "usbhid-ups"), nil, 0o755); err != nil {
		t.Fatal(err)
	}
	db, err := driverdb.Load(driverdb.Paths{DriverDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Probe(context.Background(), Options{DB: db, USB: usb.Static{{Bus: 1, Address: 2, Vendor: 0x09ae, Product: 0x0001}}, Enumerate: noSerial,
		OptionChecker: func(string, string) bool { return true }, PasswdFile: "testdata/passwd", GroupFile: "testdata/group", USBNodeDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Suggestions) != 1 || rep.Suggestions[0].Ready || rep.Suggestions[0].Install == "" {
		t.Fatalf("a missing driver is not ready and says how to get it: %+v", rep.Suggestions)
	}
}

func TestBuiltinWithoutNUT(t *testing.T) {
	rep, err := Probe(context.Background(), Options{DB: driverdb.Builtin(), Enumerate: noSerial,
		USB:        usb.Static{{Bus: 1, Address: 2, Vendor: 0x051d, Product: 0x0002, HID: true}, {Bus: 1, Address: 3, Vendor: 0x046d, Product: 0xc31c, HID: true}},
		PasswdFile: "testdata/passwd", GroupFile: "testdata/group", USBNodeDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if rep.DriverKnowledge != "builtin" || len(rep.Problems) == 0 || !strings.Contains(rep.Problems[0].Fix, "nut-server") {
		t.Errorf("without NUT the report says so: %+v", rep.Problems)
	}
	if len(rep.Suggestions) != 1 || rep.Suggestions[0].Driver != "usbhid-ups" || rep.Suggestions[0].Ready {
		t.Errorf("suggestions: %+v", rep.Suggestions)
	}
}

func TestProbeSerial(t *testing.T) {
	db := requireNUT(t)
	devs := []serialsim.Behavior{
		&serialsim.Megatec{Status: "230.4 140.0 230.1 023 50.0 27.4 35.0 00001000", Info: "#MEGATEC         MT1000     V2.1"},
		&serialsim.APCSmart{ModelName: "Smart-UPS 1000"},
		serialsim.Silent{},
		&serialsim.Echo{},
	}
	var ports []serial.Port
	var sims []*serialsim.Sim
	for _, b := range devs {
		s, err := serialsim.Start(b)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		sims = append(sims, s)
		ports = append(ports, serial.Port{Path: s.Path})
	}
	// The last one is named only with --port: Probe adds it.
	enum := func(explicit []string) ([]serial.Port, error) {
		out := append([]serial.Port(nil), ports[:3]...)
		for _, e := range explicit {
			out = append(out, serial.Port{Path: e, Explicit: true})
		}
		return out, nil
	}
	rep, err := Probe(context.Background(), Options{DB: db, NoUSB: true, Enumerate: enum, Ports: []string{ports[3].Path},
		Timeout: 600 * time.Millisecond, PasswdFile: "testdata/passwd", GroupFile: "testdata/group"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Devices) != 4 {
		t.Fatalf("devices %+v", rep.Devices)
	}
	got := map[string][]string{}
	for _, s := range rep.Suggestions {
		got[s.Port] = append(got[s.Port], s.Driver+"/"+string(s.Confidence))
		if s.Port != strings.TrimPrefix(s.Device, "serial:") || len(s.Options) != 0 {
			t.Errorf("serial suggestion: %+v", s)
		}
	}
	if g := strings.Join(got[sims[0].Path], ","); g != "nutdrv_qx/high,blazer_ser/medium" {
		t.Errorf("megatec: %s", g)
	}
	if g := strings.Join(got[sims[1].Path], ","); g != "apcsmart/high" {
		t.Errorf("apc: %s", g)
	}
	if len(got[sims[2].Path])+len(got[sims[3].Path]) != 0 {
		t.Errorf("silent/echo ports got suggestions: %v", got)
	}
	if rep.Devices[0].Maker != "MEGATEC" || rep.Devices[1].Model != "Smart-UPS 1000" || rep.Devices[2].Note == "" || !strings.Contains(rep.Devices[3].Note, "echo") {
		t.Errorf("devices: %+v", rep.Devices)
	}
	// The wizard's conversion.
	var st nut.Settings
	rep.Suggestions[0].ApplyTo(&st)
	if st.Driver != rep.Suggestions[0].Driver || st.Port != rep.Suggestions[0].Port {
		t.Errorf("ApplyTo: %+v", st)
	}
	// The JSON shape documented in doc.go.
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var shape map[string]any
	json.Unmarshal(b, &shape)
	for _, k := range []string{"devices", "suggestions", "problems", "driver_knowledge"} {
		if _, ok := shape[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, b)
		}
	}
	sg := shape["suggestions"].([]any)[0].(map[string]any)
	for _, k := range []string{"device", "driver", "port", "confidence", "reason", "ready"} {
		if _, ok := sg[k]; !ok {
			t.Errorf("suggestion JSON lacks %q: %v", k, sg)
		}
	}
}

func TestUSBSerialAdapter(t *testing.T) {
	db := requireNUT(t)
	sim, err := serialsim.Start(&serialsim.Megatec{Status: "230.4 140.0 230.1 023 50.0 27.4 35.0 00001000", Info: "#X"})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	rep, err := Probe(context.Background(), Options{DB: db, Timeout: 500 * time.Millisecond,
		USB: usb.Static{{Bus: 2, Address: 9, Vendor: 0x067b, Product: 0x2303, Class: 0, Interfaces: []uint8{0xff}}},
		Enumerate: func([]string) ([]serial.Port, error) {
			return []serial.Port{{Path: sim.Path, USB: true, VID: "067b", PID: "2303", Product: "USB-Serial Controller"}}, nil
		},
		PasswdFile: "testdata/passwd", GroupFile: "testdata/group", USBNodeDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Devices) != 2 {
		t.Fatalf("devices %+v", rep.Devices)
	}
	u, s := rep.Devices[0], rep.Devices[1]
	if u.UPS || !strings.Contains(u.Note, sim.Path) || u.Access != nil {
		t.Errorf("the adapter itself: %+v", u)
	}
	if !s.UPS || s.VendorID != "067b" || s.ProductID != "2303" || s.Protocol != "megatec" {
		t.Errorf("the port behind it: %+v", s)
	}
	if len(rep.Suggestions) == 0 || rep.Suggestions[0].Port != sim.Path || rep.Suggestions[0].Driver != "nutdrv_qx" {
		t.Errorf("suggestions: %+v", rep.Suggestions)
	}
}
