package hw

import (
	"fmt"
	"sort"
	"strings"

	"github.com/nutmeg-ups/nutmeg/hw/driverdb"
	"github.com/nutmeg-ups/nutmeg/hw/serial"
	"github.com/nutmeg-ups/nutmeg/hw/usb"
)

// upsVendors are USB vendor IDs that belong to UPS makers: an unknown
// product of theirs is very likely a UPS that usbhid-ups can drive. Makers
// of many kinds of devices (HP, Dell, Belkin, chip makers) are not here.
var upsVendors = map[uint16]string{
	0x051d: "APC",
	0x0764: "CyberPower",
	0x0463: "Eaton (MGE)",
	0x0592: "Powerware (Eaton)",
	0x09ae: "Tripp Lite",
	0x10af: "Liebert",
	0x0d9f: "PowerCOM",
	0x06da: "Phoenixtec",
}

// genericIDs are USB IDs of bridge chips that many unrelated UPS makers
// use, so the ID alone does not decide the driver.
var genericIDs = map[uint32]string{
	0x06655161: "the ID of a Cypress USB-serial bridge used by many Megatec/Voltronic-protocol UPSes (Belkin, Voltronic, Powerwalker, many no-name units)",
	0x00010000: "a placeholder ID used by several unrelated makers (SNR, Hunnox, Fry's)",
	0xffff0000: "a placeholder ID used by several no-name Megatec-protocol UPSes",
	0x05b80000: "the ID of an Agiler USB bridge used by several Megatec-protocol UPSes",
	0x09251234: "the ID of a Richcomm chip used by several contact-closure UPSes",
}

var classNames = map[uint8]string{
	0x00: "per-interface", 0x01: "audio", 0x02: "communications", 0x03: "hid", 0x07: "printer",
	0x08: "mass-storage", 0x09: "hub", 0x0a: "cdc-data", 0x0b: "smart-card", 0x0e: "video",
	0xe0: "wireless", 0xef: "misc", 0xfe: "application-specific", 0xff: "vendor-specific",
}

func className(d usb.Device) string {
	c := d.Class
	if c == 0 && len(d.Interfaces) > 0 {
		c = d.Interfaces[0]
	}
	if d.HID {
		c = usb.ClassHID
	}
	if n, ok := classNames[c]; ok {
		return n
	}
	return fmt.Sprintf("0x%02x", c)
}

// optionChecker says whether a driver accepts an -x option; the installed
// drivers are asked (their -h lists them) so that no suggestion carries an
// option its driver would reject.
type optionChecker func(driver, option string) bool

// suggester turns devices into suggestions with one DB.
type suggester struct {
	db      *driverdb.DB
	accepts optionChecker
}

func (s suggester) make(dev Device, driver string, opts map[string]string, c Confidence, reason string) Suggestion {
	sg := Suggestion{Device: dev.ID, Driver: driver, Port: "auto", Confidence: c, Reason: reason}
	if dev.Kind == "serial" {
		sg.Port = dev.Path
	}
	for k, v := range opts {
		if s.accepts == nil || s.accepts(driver, k) {
			if sg.Options == nil {
				sg.Options = map[string]string{}
			}
			sg.Options[k] = v
		}
	}
	a := s.db.Driver(driver)
	sg.Ready = a.Installed
	if !a.Installed {
		sg.Install = a.Hint
	}
	return sg
}

// usbIDOptions pins the driver to this device: vendorid and productid, and
// the serial number when the device reported one (two identical UPSes).
func usbIDOptions(d usb.Device) map[string]string {
	o := map[string]string{"vendorid": fmt.Sprintf("%04x", d.Vendor), "productid": fmt.Sprintf("%04x", d.Product)}
	if d.Serial != "" {
		o["serial"] = d.Serial
	}
	return o
}

// suggestUSB returns the ways to drive one USB device, best first, or a
// note saying why it is not a UPS.
func (s suggester) suggestUSB(dev Device, d usb.Device) ([]Suggestion, string) {
	id := d.ID()
	rules := s.db.LookupUSB(d.Vendor, d.Product)
	key := uint32(d.Vendor)<<16 | uint32(d.Product)
	if why, generic := genericIDs[key]; generic {
		return s.suggestGeneric(dev, d, rules, why), ""
	}
	if len(rules) > 0 {
		var out []Suggestion
		seen := map[string]bool{}
		for _, r := range rules {
			if seen[r.Driver] {
				continue
			}
			seen[r.Driver] = true
			what := r.Comment
			if r.Maker != "" {
				what = r.Maker + " " + what
			}
			out = append(out, s.make(dev, r.Driver, usbIDOptions(d), High,
				fmt.Sprintf("NUT lists USB ID %s (%s) for %s.", id, strings.TrimSpace(what), r.Driver)))
		}
		return out, ""
	}
	if maker, ok := upsVendors[d.Vendor]; ok {
		c, how := Medium, "it is a HID device, as usbhid-ups expects"
		if !d.HID {
			c, how = Low, "but it is not a HID device, so usbhid-ups may not understand it"
		}
		return []Suggestion{s.make(dev, "usbhid-ups", usbIDOptions(d), c,
			fmt.Sprintf("%s makes UPSes and NUT knows the maker but not product %04x; %s.", maker, d.Product, how))}, ""
	}
	if d.HID && saysUPS(d) {
		return []Suggestion{s.make(dev, "usbhid-ups", usbIDOptions(d), Low,
			fmt.Sprintf("NUT does not know USB ID %s, but its name %q says UPS and it is a HID device.", id, strings.TrimSpace(d.Manufacturer+" "+d.ProductName)))}, ""
	}
	if s.db.VendorKnown(d.Vendor) {
		return nil, fmt.Sprintf("not a UPS that NUT knows: the maker has UPS IDs in NUT, but not %s (%s device)", id, className(d))
	}
	return nil, fmt.Sprintf("not a UPS: NUT does not know USB ID %s (%s device)", id, className(d))
}

// saysUPS reports whether the device's own strings call it a UPS.
func saysUPS(d usb.Device) bool {
	for _, w := range strings.FieldsFunc(strings.ToUpper(d.Manufacturer+" "+d.ProductName), func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) {
		if w == "UPS" {
			return true
		}
	}
	return false
}

// suggestGeneric offers every candidate for a bridge-chip ID, with what
// tells them apart.
func (s suggester) suggestGeneric(dev Device, d usb.Device, rules []driverdb.USBRule, why string) []Suggestion {
	id := d.ID()
	var out []Suggestion
	seen := map[string]bool{}
	add := func(driver string, opts map[string]string, c Confidence, reason string) {
		k := driver + fmt.Sprint(opts)
		if seen[k] {
			return
		}
		seen[k] = true
		out = append(out, s.make(dev, driver, opts, c, reason))
	}
	base := usbIDOptions(d)
	// Entries of driver.list that name this ID with parameters (the Hunnox
	// entries of 0001:0000) are a better first choice when the product
	// string matches theirs.
	for _, e := range s.db.EntriesForUSBID(d.Vendor, d.Product) {
		for _, ref := range e.Drivers {
			opts := ref.Options()
			if len(opts) == 0 {
				continue
			}
			merged := map[string]string{}
			for k, v := range base {
				merged[k] = v
			}
			// port and bus in driver.list describe the contributor's
			// machine, not this one.
			for k, v := range opts {
				if k != "port" && k != "bus" {
					merged[k] = v
				}
			}
			c, match := Low, ""
			if p := opts["product"]; p != "" && strings.EqualFold(p, d.ProductName) {
				c, match = Medium, fmt.Sprintf(" and its product string %q matches", d.ProductName)
			}
			add(ref.Name, merged, c, fmt.Sprintf("%s is %s; NUT lists %s %s with these options%s.", id, why, e.Manufacturer, e.Model, match))
		}
	}
	for _, r := range rules {
		add(r.Driver, base, Medium, fmt.Sprintf("%s is %s; NUT's first choice for it is %s, which detects the protocol variant itself.", id, why, r.Driver))
		if r.Driver == "nutdrv_qx" {
			add("blazer_usb", base, Low, fmt.Sprintf("%s is %s; blazer_usb is the older driver for the same units: try it if nutdrv_qx reads no data.", id, why))
		}
	}
	for _, e := range s.db.EntriesForUSBID(d.Vendor, d.Product) {
		for _, ref := range e.Drivers {
			if len(ref.Params) == 0 {
				add(ref.Name, base, Low, fmt.Sprintf("%s is %s; NUT lists %s %s with %s.", id, why, e.Manufacturer, e.Model, ref.Name))
			}
		}
	}
	if len(out) == 0 {
		// The built-in table may lack the ID's rule: Megatec-style is the norm.
		add("nutdrv_qx", base, Low, fmt.Sprintf("%s is %s; nutdrv_qx handles most of them.", id, why))
	}
	sortSuggestions(out)
	return out
}

// suggestSerial turns a serial probe's answer into suggestions.
func (s suggester) suggestSerial(dev Device, r serial.Result) ([]Suggestion, string) {
	who := strings.TrimSpace(r.Maker + " " + r.Model)
	if who != "" {
		who = " (" + who + ")"
	}
	switch r.Protocol {
	case serial.Megatec:
		return []Suggestion{
			s.make(dev, "nutdrv_qx", nil, High, fmt.Sprintf("%s answered the Megatec Q1 status query%s; nutdrv_qx speaks Megatec/Q1 and its variants.", dev.Path, who)),
			s.make(dev, "blazer_ser", nil, Medium, fmt.Sprintf("%s answered the Megatec Q1 status query%s; blazer_ser is the older driver for the same protocol.", dev.Path, who)),
		}, ""
	case serial.APCSmart:
		return []Suggestion{
			s.make(dev, "apcsmart", nil, High, fmt.Sprintf("%s answered the APC Smart \"Y\" with \"SM\"%s; apcsmart speaks that protocol.", dev.Path, who)),
		}, ""
	}
	switch {
	case r.InUse:
		return nil, "skipped: " + r.Error
	case r.Error != "":
		return nil, "not probed: " + r.Error
	case r.Answered:
		return nil, "answered, but in no UPS protocol probed (APC Smart, Megatec): an echo, a modem or another device"
	}
	return nil, "no answer to the APC Smart or Megatec queries; a contact-closure UPS would need genericups with its cable type"
}

func sortSuggestions(s []Suggestion) {
	sort.SliceStable(s, func(i, j int) bool {
		if s[i].Ready != s[j].Ready {
			return s[i].Ready
		}
		return s[i].Confidence.rank() < s[j].Confidence.rank()
	})
}
