package nut

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// DriverDir is where NUT's drivers are installed (Debian: /lib/nut). Tests
// point it elsewhere.
var DriverDir = "/lib/nut"

// driverPackages says which Debian package installs each driver of NUT
// 2.8.0, read from the packages' file lists (nut-server 2.8.0-7 and its
// driver packages, `dpkg -c`).
var driverPackages = func() map[string]string {
	m := map[string]string{
		"snmp-ups":     "nut-snmp",
		"netxml-ups":   "nut-xml",
		"nut-ipmipsu":  "nut-ipmi",
		"powerman-pdu": "nut-powerman-pdu",
		"asem":         "nut-i2c",
		"pijuice":      "nut-i2c",
	}
	for _, d := range strings.Fields("adelsystem_cbi generic_modbus huawei-ups2000 phoenixcontact_modbus socomec_jbus") {
		m[d] = "nut-modbus"
	}
	for _, d := range strings.Fields(`al175 apcsmart apcsmart-old apcupsd-ups bcmxcp bcmxcp_usb belkin belkinunv
		bestfcom bestfortress bestuferrups bestups blazer_ser blazer_usb clone clone-outlet dummy-ups etapro
		everups gamatronic genericups isbmex ivtscd liebert liebert-esp2 masterguard metasys mge-shut
		mge-utalk microdowell microsol-apc nutdrv_atcl_usb nutdrv_qx nutdrv_siemens-sitop oneac optiups
		powercom powerpanel rhino richcomm_usb riello_ser riello_usb safenet solis tripplite tripplite_usb
		tripplitesu upscode2 usbhid-ups victronups`) {
		m[d] = "nut-server"
	}
	return m
}()

// driverRenamed maps names that NUT's driver list (or older NUT) uses to
// the name of the binary that does the job now.
var driverRenamed = map[string]string{
	"nutdrv_siemens_sitop": "nutdrv_siemens-sitop", // listed with '_', installed with '-'
	"megatec":              "nutdrv_qx",
	"megatec_usb":          "nutdrv_qx",
	"newhidups":            "usbhid-ups",
	"hidups":               "usbhid-ups",
}

// notDrivers are NUT programs in DriverDir that are not drivers.
var notDrivers = map[string]bool{"upsd": true, "upsmon": true, "upsdrvctl": true, "upssched": true, "upsdrvsvcctl": true}

// DriverPath is the file of driver name in DriverDir (NUT for Windows'
// drivers are name.exe).
func DriverPath(name string) string {
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	return filepath.Join(DriverDir, name)
}

// DriverAvailable reports whether NUT on this machine provides the driver
// name (an executable file in DriverDir). When it does not, hint says why
// and what to do: which Debian package brings the driver, which name it is
// installed under, or that it is no NUT driver at all.
func DriverAvailable(name string) (ok bool, hint string) {
	if name == "" {
		return false, "no driver given"
	}
	if name != filepath.Base(name) || name == "." || name == ".." {
		return false, fmt.Sprintf("%q is not a NUT driver name (a driver is a file name in %s)", name, DriverDir)
	}
	if notDrivers[name] {
		return false, fmt.Sprintf("%s is part of NUT but not a driver", name)
	}
	st, err := os.Stat(DriverPath(name))
	if err == nil {
		if st.Mode().IsRegular() && (runtime.GOOS == "windows" || st.Mode().Perm()&0o111 != 0) {
			return true, ""
		}
		return false, fmt.Sprintf("%s is in %s but is not an executable file", name, DriverDir)
	}
	if _, derr := os.Stat(DriverDir); derr != nil {
		return false, fmt.Sprintf("NUT is not installed (no %s); install the Debian package nut-server", DriverDir)
	}
	if to, ok := driverRenamed[name]; ok {
		if have, _ := DriverAvailable(to); have {
			return false, fmt.Sprintf("%s is not installed under that name; use %s, which does its job", name, to)
		}
		return false, fmt.Sprintf("%s is not installed under that name; its job is done by %s, from the Debian package %s", name, to, driverPackages[to])
	}
	if pkg, ok := driverPackages[name]; ok {
		return false, fmt.Sprintf("%s is not installed; it comes with the Debian package %s (apt install %s)", name, pkg, pkg)
	}
	return false, fmt.Sprintf("%s is not a NUT driver (not in %s and not in any of NUT's driver packages)", name, DriverDir)
}
