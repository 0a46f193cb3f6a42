package hw

import (
	"github.com/nutmeg-ups/nutmeg/hw/usb"
	"github.com/nutmeg-ups/nutmeg/nut"
)

// Report is what Probe found. Its JSON shape is documented in doc.go and is
// stable: fields may be added, never renamed or removed.
type Report struct {
	Devices     []Device     `json:"devices"`
	Suggestions []Suggestion `json:"suggestions"`
	Problems    []Problem    `json:"problems"`
	// DriverKnowledge is "nut" (the installed NUT's files) or "builtin"
	// (NUT is not installed; Nutmeg's small table of the big makers).
	DriverKnowledge string `json:"driver_knowledge"`
}

// Device is one USB device or serial port.
type Device struct {
	ID   string `json:"id"`   // "usb:001:004" or "serial:/dev/ttyS0"
	Kind string `json:"kind"` // "usb" or "serial"

	// USB location; for a serial port on a USB adapter, VendorID and
	// ProductID are the adapter's.
	Bus       int    `json:"bus,omitempty"`
	Address   int    `json:"address,omitempty"`
	Path      string `json:"path,omitempty"` // USB port path ("1-2.3") or serial device path
	VendorID  string `json:"vendor_id,omitempty"`
	ProductID string `json:"product_id,omitempty"`
	Class     string `json:"class,omitempty"` // "hid", "hub", "vendor-specific"…
	HID       bool   `json:"hid,omitempty"`

	Manufacturer string `json:"manufacturer,omitempty"`
	Product      string `json:"product,omitempty"`
	Serial       string `json:"serial,omitempty"`
	// NotAccessible says why the strings could not be read.
	NotAccessible string `json:"not_accessible,omitempty"`

	// Serial probe: the protocol that answered and what it told.
	Protocol string   `json:"protocol,omitempty"` // "megatec", "apcsmart"
	Maker    string   `json:"maker,omitempty"`
	Model    string   `json:"model,omitempty"`
	Version  string   `json:"version,omitempty"`
	Reply    string   `json:"reply,omitempty"`
	Sent     []string `json:"sent,omitempty"`
	InUse    bool     `json:"in_use,omitempty"`
	Error    string   `json:"error,omitempty"`

	// UPS is true when the device got a suggestion; Note says what it is
	// otherwise ("not a UPS: hub").
	UPS  bool   `json:"ups"`
	Note string `json:"note,omitempty"`
	// Access is the NUT driver user's access to the USB device node (for
	// UPS candidates only).
	Access *usb.Access `json:"nut_access,omitempty"`
}

// Confidence ranks suggestions.
type Confidence string

const (
	High   Confidence = "high"   // NUT lists this exact device, or it answered in the driver's protocol
	Medium Confidence = "medium" // a known maker, or a generic ID whose first choice usually works
	Low    Confidence = "low"    // an alternative worth trying if the others fail
)

func (c Confidence) rank() int {
	switch c {
	case High:
		return 0
	case Medium:
		return 1
	}
	return 2
}

// Suggestion is one way to drive a device: exactly the fields of
// nut.Settings that the wizard fills (driver, port, driver_options), plus
// why.
type Suggestion struct {
	Device     string            `json:"device"` // Device.ID
	Driver     string            `json:"driver"`
	Port       string            `json:"port"`
	Options    map[string]string `json:"options,omitempty"`
	Confidence Confidence        `json:"confidence"`
	Reason     string            `json:"reason"`
	// Ready is false when the driver is not installed on this machine;
	// Install then says how to get it.
	Ready   bool   `json:"ready"`
	Install string `json:"install,omitempty"`
}

// ApplyTo copies the suggestion into settings: driver, port and
// driver_options (replacing the previous options).
func (s Suggestion) ApplyTo(st *nut.Settings) {
	st.Driver, st.Port = s.Driver, s.Port
	st.DriverOptions = nil
	if len(s.Options) > 0 {
		st.DriverOptions = make(map[string]string, len(s.Options))
		for k, v := range s.Options {
			st.DriverOptions[k] = v
		}
	}
}

// Problem is something the user should fix, with the fix.
type Problem struct {
	Device  string `json:"device,omitempty"`
	Message string `json:"message"`
	Fix     string `json:"fix,omitempty"`
}
