package driverdb

import (
	"bufio"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// requireNUT skips when NUT's files are missing, except under CI where
// they must be there.
func requireNUT(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("NUT file missing under CI: %v", err)
			}
			t.Skipf("NUT not installed: %v", err)
		}
	}
}

// countLines counts lines of a file matching re: an independent count of
// what the parser must find.
func countLines(t *testing.T, path string, re *regexp.Regexp) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		if re.MatchString(sc.Text()) {
			n++
		}
	}
	return n
}

func TestInstalledDriverList(t *testing.T) {
	requireNUT(t, DriverListPath)
	f, err := os.Open(DriverListPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	entries, err := ParseDriverList(f)
	if err != nil {
		t.Fatal(err)
	}
	want := countLines(t, DriverListPath, regexp.MustCompile(`^"`))
	if len(entries) != want || want == 0 {
		t.Fatalf("parsed %d entries, the file has %d lines starting with a quote", len(entries), want)
	}
	withURL := countLines(t, DriverListPath, regexp.MustCompile(`^".*"\s+#`))
	withOr := countLines(t, DriverListPath, regexp.MustCompile(`"[^"]* or [^"]*"\s*(#.*)?$`))
	withNote := countLines(t, DriverListPath, regexp.MustCompile(`"[^"\t]*\([^"\t]*\)[^"\t]*"\s*(#.*)?$`))
	gotURL, gotOr, gotNote := 0, 0, 0
	for _, e := range entries {
		if e.URL != "" {
			gotURL++
		}
		if len(e.Drivers) > 1 {
			gotOr++
		}
		if e.Note != "" {
			gotNote++
		}
		for _, d := range e.Drivers {
			if d.Name == "" || strings.ContainsAny(d.Name, " ()\"") {
				t.Errorf("line %d: bad driver name %q", e.Line, d.Name)
			}
		}
		if e.Manufacturer == "" || e.DeviceType == "" {
			t.Errorf("line %d: empty manufacturer or type: %+v", e.Line, e)
		}
	}
	if gotURL != withURL || gotOr != withOr || gotNote != withNote {
		t.Errorf("urls %d/%d, alternatives %d/%d, notes %d/%d (parsed/counted)", gotURL, withURL, gotOr, withOr, gotNote, withNote)
	}
	if withURL == 0 || withOr == 0 || withNote == 0 {
		t.Errorf("the installed list lacks a case this test relies on: urls %d, or %d, notes %d", withURL, withOr, withNote)
	}
}

func TestInstalledUdevRules(t *testing.T) {
	requireNUT(t, UdevRulesPath)
	f, err := os.Open(UdevRulesPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rules, err := ParseUdevRules(f)
	if err != nil {
		t.Fatal(err)
	}
	want := countLines(t, UdevRulesPath, regexp.MustCompile(`idVendor.*idProduct`))
	if len(rules) != want || want == 0 {
		t.Fatalf("parsed %d USB IDs, the file has %d idVendor/idProduct lines", len(rules), want)
	}
	drivers := map[string]int{}
	for _, r := range rules {
		drivers[r.Driver]++
	}
	wantUSBHID := countLines(t, UdevRulesPath, regexp.MustCompile(` - usbhid-ups\s*$`))
	if drivers["usbhid-ups"] != wantUSBHID {
		t.Errorf("usbhid-ups IDs: parsed %d, counted %d", drivers["usbhid-ups"], wantUSBHID)
	}
}

func TestLoadInstalled(t *testing.T) {
	requireNUT(t, DriverListPath, UdevRulesPath, DriverDir)
	db, err := Load(Paths{})
	if err != nil {
		t.Fatal(err)
	}
	if db.Source != SourceNUT {
		t.Fatalf("source %q", db.Source)
	}
	// Every driver the rules name must be resolvable, installed or with a hint.
	for _, r := range db.Rules {
		if a := db.Driver(r.Driver); !a.Installed && a.Hint == "" {
			t.Errorf("%04x:%04x %s: neither installed nor explained", r.Vendor, r.Product, r.Driver)
		}
	}
	// Every listed driver gets an answer; count the installed ones against a
	// direct look at the directory.
	for _, e := range db.Entries {
		for _, d := range e.Drivers {
			a := db.Driver(d.Name)
			_, statErr := os.Stat(DriverDir + "/" + d.Name)
			if statErr == nil && !a.Installed {
				t.Errorf("%s is in %s but not marked installed", d.Name, DriverDir)
			}
			if !a.Installed && a.Hint == "" {
				t.Errorf("%s: no hint", d.Name)
			}
		}
	}
	if a := db.Driver("snmp-ups"); a.Installed || a.Package != "nut-snmp" {
		if _, err := os.Stat(DriverDir + "/snmp-ups"); err != nil {
			t.Errorf("snmp-ups: %+v, want package nut-snmp", a)
		}
	}
	if a := db.Driver("nutdrv_siemens_sitop"); !a.Installed {
		if _, err := os.Stat(DriverDir + "/nutdrv_siemens-sitop"); err == nil {
			t.Errorf("nutdrv_siemens_sitop should resolve to nutdrv_siemens-sitop: %+v", a)
		}
	}
	// The built-in table must agree with the installed NUT.
	for _, b := range builtinRules {
		got := db.LookupUSB(b.Vendor, b.Product)
		if len(got) == 0 || got[0].Driver != b.Driver {
			t.Errorf("built-in %04x:%04x %s disagrees with NUT: %+v", b.Vendor, b.Product, b.Driver, got)
		}
	}
}

func TestParseDriverListEdges(t *testing.T) {
	f, err := os.Open("testdata/driver.list.edge")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := ParseDriverList(f)
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		model, url, note string
		drivers          []DriverRef
	}
	p := func(k, v string) Param { return Param{Key: k, Value: v} }
	fl := func(k string) Param { return Param{Key: k, Flag: true} }
	wants := []want{
		{"Smart-UPS", "", "", []DriverRef{{Name: "usbhid-ups"}}},
		{"Foo 600", "https://example.com/foo", "", []DriverRef{{Name: "blazer_ser"}, {Name: "blazer_usb"}}},
		{"Bar", "", "", []DriverRef{{Name: "genericups", Params: []Param{p("upstype", "7")}}}},
		{"HNX 850", "", "", []DriverRef{{Name: "nutdrv_qx", Params: []Param{p("port", "auto"), p("vendorid", "0001"), p("productid", "0000"),
			p("protocol", "hunnox"), p("langid_fix", "0x0409"), fl("novendor"), fl("noscanlangid")}}}},
		{"Qx", "", "USB ID 0665:5161", []DriverRef{{Name: "blazer_usb"}}},
		{"PDU", "", "experimental", []DriverRef{{Name: "snmp-ups"}}},
		{"SITOP", "", "experimental, untested", []DriverRef{{Name: "nutdrv_siemens_sitop"}}},
		{"Sp", "", "", []DriverRef{{Name: "mge-shut"}, {Name: "mge-utalk"}}},
	}
	if len(got) != len(wants) {
		t.Fatalf("got %d entries, want %d", len(got), len(wants))
	}
	for i, w := range wants {
		g := got[i]
		if g.Model != w.model || g.URL != w.url || g.Note != w.note || !reflect.DeepEqual(g.Drivers, w.drivers) {
			t.Errorf("entry %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
	if v, pr, ok := got[4].USBID(); !ok || v != 0x0665 || pr != 0x5161 {
		t.Errorf("USBID of note: %04x:%04x %v", v, pr, ok)
	}
	if got[1].Line != 5 {
		t.Errorf("line number %d, want 5", got[1].Line)
	}
	if o := got[3].Drivers[0].Options(); o["protocol"] != "hunnox" || o["novendor"] != "" {
		t.Errorf("options %v", o)
	}
}

func TestParseDriverListErrors(t *testing.T) {
	for _, name := range []string{"short", "badsupport", "junk"} {
		t.Run(name, func(t *testing.T) {
			f, err := os.Open("testdata/driver.list." + name)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := ParseDriverList(f); err == nil || !strings.Contains(err.Error(), "line 1") {
				t.Fatalf("want an error naming line 1, got %v", err)
			}
		})
	}
}

func TestParseUdevRulesEdges(t *testing.T) {
	f, err := os.Open("testdata/usbups.rules.edge")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := ParseUdevRules(f)
	if err != nil {
		t.Fatal(err)
	}
	want := []USBRule{
		{Vendor: 0x0001, Product: 0x0000, Driver: "nutdrv_qx", Comment: "Generic chip", Line: 8},
		{Vendor: 0x051d, Product: 0x0002, Driver: "usbhid-ups", Comment: "Back-UPS Pro - CS 500", Maker: "APC", Line: 12},
		{Vendor: 0x051d, Product: 0x00ab, Driver: "usbhid-ups", Comment: "Smart-UPS (mixed case)", Maker: "APC", Line: 14},
		{Vendor: 0x09ae, Product: 0x0001, Driver: "tripplite_usb", Comment: "e.g. OMNIVS1000", Maker: "TrippLite", Line: 18},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	nf, err := os.Open("testdata/usbups.rules.nocomment")
	if err != nil {
		t.Fatal(err)
	}
	defer nf.Close()
	if _, err := ParseUdevRules(nf); err == nil {
		t.Error("an ID without a driver comment must be an error")
	}
}

// A file that does not parse is an error naming the file and the line.
func TestLoadNamesTheBrokenFile(t *testing.T) {
	for _, p := range []Paths{
		{DriverList: "testdata/driver.list.junk", UdevRules: "testdata/usbups.rules.edge"},
		{DriverList: "testdata/driver.list.edge", UdevRules: "testdata/usbups.rules.nocomment"},
	} {
		p.DriverDir = t.TempDir()
		_, err := Load(p)
		broken := p.DriverList
		if strings.HasSuffix(p.UdevRules, "nocomment") {
			broken = p.UdevRules
		}
		if err == nil || !strings.Contains(err.Error(), broken) || !strings.Contains(err.Error(), "line ") {
			t.Errorf("Load(%+v) = %v, want an error naming %s and the line", p, err, broken)
		}
	}
}

func TestLoadFallsBackToBuiltin(t *testing.T) {
	dir := t.TempDir()
	db, err := Load(Paths{DriverList: dir + "/none", UdevRules: dir + "/none", DriverDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if db.Source != SourceBuiltin || len(db.LookupUSB(0x051d, 0x0002)) != 1 {
		t.Fatalf("want the built-in table, got %s with %d rules", db.Source, len(db.Rules))
	}
	if a := db.Driver("usbhid-ups"); a.Installed || a.Package != "nut-server" {
		t.Errorf("without NUT nothing is installed: %+v", a)
	}
}

func TestLoadFixtureDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/blazer_usb", nil, 0o755); err != nil {
		t.Fatal(err)
	}
	db, err := Load(Paths{DriverList: "testdata/driver.list.edge", UdevRules: "testdata/usbups.rules.edge", DriverDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if !db.Driver("blazer_usb").Installed || db.Driver("nutdrv_qx").Installed {
		t.Error("installed marks follow the driver directory")
	}
	if es := db.EntriesForUSBID(0x0665, 0x5161); len(es) != 1 || es[0].Model != "Qx" {
		t.Errorf("entries for 0665:5161: %+v", es)
	}
	if es := db.EntriesForUSBID(0x0001, 0x0000); len(es) != 1 || es[0].Model != "HNX 850" {
		t.Errorf("entries for 0001:0000: %+v", es)
	}
	if !db.VendorKnown(0x051d) || db.VendorKnown(0x046d) {
		t.Error("VendorKnown")
	}
}

func TestDriversIndex(t *testing.T) {
	requireNUT(t, DriverListPath, UdevRulesPath, DriverDir)
	db, err := Load(Paths{})
	if err != nil {
		t.Fatal(err)
	}
	drivers := db.Drivers()
	byName := map[string]DriverInfo{}
	entries := 0
	for _, d := range drivers {
		byName[d.Name] = d
		entries += d.Entries
	}
	// Every alternative of every entry is counted once.
	alts := 0
	for _, e := range db.Entries {
		alts += len(e.Drivers)
	}
	if entries != alts {
		t.Errorf("driver index counts %d references, entries have %d", entries, alts)
	}
	for _, n := range []string{"usbhid-ups", "nutdrv_qx", "apcsmart", "snmp-ups"} {
		d, ok := byName[n]
		if !ok {
			t.Errorf("%s missing from the index", n)
			continue
		}
		_, statErr := os.Stat(DriverDir + "/" + n)
		if d.Installed != (statErr == nil) {
			t.Errorf("%s: installed=%v, but stat says %v", n, d.Installed, statErr)
		}
	}
	if byName["usbhid-ups"].USBIDs == 0 {
		t.Error("usbhid-ups has USB IDs")
	}
}
