package nut

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
)

func TestDriverAvailableTempDir(t *testing.T) {
	dir := withDrivers(t, "usbhid-ups", "dummy-ups", "nutdrv_siemens-sitop")
	if err := os.WriteFile(filepath.Join(dir, "blazer_usb"), []byte("not executable"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "nutdrv_qx"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		ok   bool
		hint string
	}{
		{"usbhid-ups", true, ""},
		{"dummy-ups", true, ""},
		{"blazer_usb", false, "not an executable file"},
		{"nutdrv_qx", false, "not an executable file"},
		{"snmp-ups", false, "Debian package nut-snmp"},
		{"netxml-ups", false, "Debian package nut-xml"},
		{"nut-ipmipsu", false, "Debian package nut-ipmi"},
		{"powerman-pdu", false, "Debian package nut-powerman-pdu"},
		{"generic_modbus", false, "Debian package nut-modbus"},
		{"phoenixcontact_modbus", false, "Debian package nut-modbus"},
		{"huawei-ups2000", false, "Debian package nut-modbus"},
		{"pijuice", false, "Debian package nut-i2c"},
		{"apcsmart", false, "Debian package nut-server"},
		{"nutdrv_siemens_sitop", false, "use nutdrv_siemens-sitop"},
		{"megatec_usb", false, "nutdrv_qx"},
		{"upsd", false, "not a driver"},
		{"upsmon", false, "not a driver"},
		{"frobnicator", false, "frobnicator is not a NUT driver"},
		{"../../bin/sh", false, "not a NUT driver name"},
		{"", false, "no driver"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, hint := DriverAvailable(tt.name)
			if ok != tt.ok || !strings.Contains(hint, tt.hint) || (tt.ok && hint != "") {
				t.Fatalf("DriverAvailable(%q) = %v, %q; want %v, …%s…", tt.name, ok, hint, tt.ok, tt.hint)
			}
		})
	}
	DriverDir = filepath.Join(dir, "missing")
	if ok, hint := DriverAvailable("usbhid-ups"); ok || !strings.Contains(hint, "NUT is not installed") || !strings.Contains(hint, "nut-server") {
		t.Fatalf("no NUT at all: %v %q", ok, hint)
	}
}

// Against the machine's NUT: what is installed is available, and a driver
// from a package that is not installed gets that package's name.
func TestDriverAvailableRealNUT(t *testing.T) {
	nutlab.Require(t)
	for _, d := range []string{"dummy-ups", "usbhid-ups", "nutdrv_qx"} {
		if ok, hint := DriverAvailable(d); !ok {
			t.Errorf("%s: %s", d, hint)
		}
	}
	for d, pkg := range map[string]string{"snmp-ups": "nut-snmp", "netxml-ups": "nut-xml", "generic_modbus": "nut-modbus"} {
		_, statErr := os.Stat(filepath.Join(nutlab.Bin, d))
		ok, hint := DriverAvailable(d)
		if installed := statErr == nil; ok != installed {
			t.Errorf("%s: available %v, on disk %v (%s)", d, ok, installed, hint)
		}
		if !ok && !strings.Contains(hint, pkg) {
			t.Errorf("%s: hint %q does not name %s", d, hint, pkg)
		}
	}
}

// Every driver that NUT's driver list names is either installed here, or
// the hint says where to get it or what replaces it: never "not a NUT
// driver". And every installed driver has a known package.
func TestDriverHintsCoverNUTsDriverList(t *testing.T) {
	nutlab.Require(t)
	f, err := os.Open("/usr/share/nut/driver.list")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, "\t")
		if len(fields) < 6 {
			continue
		}
		field, _, _ := strings.Cut(fields[5], "#") // a trailing "# url"
		field = strings.Trim(strings.TrimSpace(field), `"`)
		field, _, _ = strings.Cut(field, "(")
		for _, alt := range strings.Split(field, " or ") {
			name := strings.Fields(alt)
			if len(name) == 0 {
				continue
			}
			seen++
			if ok, hint := DriverAvailable(name[0]); !ok && strings.Contains(hint, "not a NUT driver") {
				t.Errorf("driver.list names %s, but: %s", name[0], hint)
			}
		}
	}
	if seen < 100 {
		t.Fatalf("read only %d driver names from driver.list", seen)
	}
	entries, err := os.ReadDir(nutlab.Bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !notDrivers[e.Name()] && driverPackages[e.Name()] == "" {
			t.Errorf("%s/%s has no known Debian package", nutlab.Bin, e.Name())
		}
	}
}
