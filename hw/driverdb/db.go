package driverdb

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Source says where the knowledge came from.
type Source string

const (
	SourceNUT     Source = "nut"     // the installed NUT's files
	SourceBuiltin Source = "builtin" // Nutmeg's own small table: NUT is not installed
)

// DB is the driver knowledge of one machine.
type DB struct {
	Source  Source
	Entries []Entry   // driver.list (empty with SourceBuiltin)
	Rules   []USBRule // udev USB IDs, or the built-in table
	// DriverDir is where driver binaries are looked up ("" with SourceBuiltin).
	DriverDir string
	installed map[string]bool
	byID      map[uint32][]USBRule
}

// Paths says where to read from; zero fields take the Debian defaults.
type Paths struct {
	DriverList string
	UdevRules  string
	DriverDir  string
}

func (p Paths) withDefaults() Paths {
	if p.DriverList == "" {
		p.DriverList = DriverListPath
	}
	if p.UdevRules == "" {
		p.UdevRules = UdevRulesPath
	}
	if p.DriverDir == "" {
		p.DriverDir = DriverDir
	}
	return p
}

// Load reads the installed NUT's knowledge. When driver.list does not exist
// (NUT not installed yet) it returns the built-in table instead; any other
// read or parse error is returned.
func Load(p Paths) (*DB, error) {
	p = p.withDefaults()
	f, err := os.Open(p.DriverList)
	if errors.Is(err, fs.ErrNotExist) {
		return Builtin(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("open driver list: %w", err)
	}
	defer f.Close()
	entries, err := ParseDriverList(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.DriverList, err)
	}
	var rules []USBRule
	if rf, err := os.Open(p.UdevRules); err == nil {
		rules, err = ParseUdevRules(rf)
		rf.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.UdevRules, err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open udev rules: %w", err)
	}
	db := &DB{Source: SourceNUT, Entries: entries, Rules: rules, DriverDir: p.DriverDir, installed: map[string]bool{}}
	ents, err := os.ReadDir(p.DriverDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("list drivers: %w", err)
	}
	for _, e := range ents {
		if !e.IsDir() {
			db.installed[e.Name()] = true
		}
	}
	db.index()
	return db, nil
}

func (db *DB) index() {
	db.byID = map[uint32][]USBRule{}
	for _, r := range db.Rules {
		k := uint32(r.Vendor)<<16 | uint32(r.Product)
		db.byID[k] = append(db.byID[k], r)
	}
}

// LookupUSB returns the rules for one USB ID (several when NUT lists the ID
// more than once).
func (db *DB) LookupUSB(vendor, product uint16) []USBRule {
	return db.byID[uint32(vendor)<<16|uint32(product)]
}

// VendorKnown reports whether any rule names this vendor ID.
func (db *DB) VendorKnown(vendor uint16) bool {
	for _, r := range db.Rules {
		if r.Vendor == vendor {
			return true
		}
	}
	return false
}

// EntriesForUSBID returns the driver.list entries whose note names the ID
// ("blazer_usb (USB ID 0665:5161)") or whose parameters give it
// (vendorid=0001 productid=0000).
func (db *DB) EntriesForUSBID(vendor, product uint16) []Entry {
	var out []Entry
	v, p := fmt.Sprintf("%04x", vendor), fmt.Sprintf("%04x", product)
	for _, e := range db.Entries {
		if ev, ep, ok := e.USBID(); ok && ev == vendor && ep == product {
			out = append(out, e)
			continue
		}
		for _, d := range e.Drivers {
			o := d.Options()
			if strings.EqualFold(o["vendorid"], v) && strings.EqualFold(o["productid"], p) {
				out = append(out, e)
				break
			}
		}
	}
	return out
}

// Availability says whether a driver can run here, and if not, how to get it.
type Availability struct {
	Installed bool   `json:"installed"`
	Binary    string `json:"binary,omitempty"`  // path of the binary when installed
	Package   string `json:"package,omitempty"` // Debian package that brings it
	Hint      string `json:"hint,omitempty"`    // what to do when not installed
}

// packageOf maps drivers that Debian ships outside nut-server to their package.
var packageOf = map[string]string{
	"snmp-ups":              "nut-snmp",
	"netxml-ups":            "nut-xml",
	"powerman-pdu":          "nut-powerman-pdu",
	"nut-ipmipsu":           "nut-ipmi",
	"phoenixcontact_modbus": "nut-modbus",
	"generic_modbus":        "nut-modbus",
	"huawei-ups2000":        "nut-modbus",
	"adelsystem_cbi":        "nut-modbus",
	"apc_modbus":            "nut-modbus",
	"socomec_jbus":          "nut-modbus",
}

// replacedBy names the driver that replaced an old one in NUT 2.8.
var replacedBy = map[string]string{
	"megatec_usb": "nutdrv_qx",
	"megatec":     "nutdrv_qx",
	"bestups":     "blazer_ser",
}

// onDisk lists names to try for a listed driver: driver.list sometimes uses
// '_' where the binary has '-' (nutdrv_siemens_sitop → nutdrv_siemens-sitop).
func onDisk(name string) []string {
	out := []string{name}
	for i := 0; i < len(name); i++ {
		switch name[i] {
		case '_':
			out = append(out, name[:i]+"-"+name[i+1:])
		case '-':
			out = append(out, name[:i]+"_"+name[i+1:])
		}
	}
	return out
}

// Driver returns the availability of a driver, by the name driver.list or
// the udev rules use.
func (db *DB) Driver(name string) Availability {
	if db.Source == SourceBuiltin {
		return Availability{Package: "nut-server", Hint: "install NUT (package nut-server) to get this driver"}
	}
	for _, n := range onDisk(name) {
		if db.installed[n] {
			return Availability{Installed: true, Binary: filepath.Join(db.DriverDir, n)}
		}
	}
	if pkg, ok := packageOf[name]; ok {
		return Availability{Package: pkg, Hint: fmt.Sprintf("install the package %s to get %s", pkg, name)}
	}
	if r, ok := replacedBy[name]; ok {
		return Availability{Hint: fmt.Sprintf("%s is no longer part of NUT; use %s", name, r)}
	}
	return Availability{Hint: fmt.Sprintf("%s is not in %s; this NUT build does not provide it", name, db.DriverDir)}
}

// DriverInfo is one driver that NUT names, for a manual choice.
type DriverInfo struct {
	Name    string `json:"name"`
	Entries int    `json:"entries"` // driver.list entries naming it
	USBIDs  int    `json:"usb_ids"` // udev USB IDs naming it
	Availability
}

// Drivers lists every driver that driver.list or the udev rules name, by
// name, each with whether it is installed here.
func (db *DB) Drivers() []DriverInfo {
	idx := map[string]*DriverInfo{}
	var names []string
	get := func(n string) *DriverInfo {
		if d, ok := idx[n]; ok {
			return d
		}
		d := &DriverInfo{Name: n, Availability: db.Driver(n)}
		idx[n] = d
		names = append(names, n)
		return d
	}
	for _, e := range db.Entries {
		for _, r := range e.Drivers {
			get(r.Name).Entries++
		}
	}
	for _, r := range db.Rules {
		get(r.Driver).USBIDs++
	}
	sort.Strings(names)
	out := make([]DriverInfo, len(names))
	for i, n := range names {
		out[i] = *idx[n]
	}
	return out
}
