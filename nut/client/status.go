// Package client talks to upsd: one LIST VAR round trip per poll, parsed into
// a typed Status in which a value the UPS does not report is unknown, never 0.
package client

import (
	"encoding/json"
	"strconv"
	"time"
)

// Value is a number the UPS may or may not report. The zero Value is
// unknown; JSON renders it as null.
type Value struct {
	V  float64
	OK bool
}

// Known makes a known Value.
func Known(v float64) Value { return Value{V: v, OK: true} }

func (v Value) MarshalJSON() ([]byte, error) {
	if !v.OK {
		return []byte("null"), nil
	}
	return json.Marshal(v.V)
}

func (v *Value) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*v = Value{}
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return err
	}
	*v = Known(f)
	return nil
}

// Status is one poll of one UPS. Flags holds ups.status's tokens exactly as
// NUT names them (OL OB LB HB RB CHRG DISCHRG BYPASS CAL OFF OVER TRIM BOOST
// FSD ALARM, and any other the driver sends), as a set.
type Status struct {
	UPS   string          `json:"ups"`
	Time  time.Time       `json:"time"`
	Flags map[string]bool `json:"flags"`

	Charge          Value `json:"charge"`           // battery.charge, %
	Runtime         Value `json:"runtime"`          // battery.runtime, s
	Load            Value `json:"load"`             // ups.load, %
	InputVoltage    Value `json:"input_voltage"`    // input.voltage, V
	OutputVoltage   Value `json:"output_voltage"`   // output.voltage, V
	InputFrequency  Value `json:"input_frequency"`  // input.frequency, Hz
	OutputFrequency Value `json:"output_frequency"` // output.frequency, Hz
	BatteryVoltage  Value `json:"battery_voltage"`  // battery.voltage, V
	Temperature     Value `json:"temperature"`      // ups.temperature (or battery.temperature), °C

	Maker    string `json:"maker,omitempty"`    // ups.mfr / device.mfr
	Model    string `json:"model,omitempty"`    // ups.model / device.model
	Serial   string `json:"serial,omitempty"`   // ups.serial / device.serial
	Firmware string `json:"firmware,omitempty"` // ups.firmware
	Beeper   string `json:"beeper,omitempty"`   // ups.beeper.status
	SelfTest string `json:"selftest,omitempty"` // ups.test.result
	Alarm    string `json:"alarm,omitempty"`    // ups.alarm

	// Vars is every variable upsd returned, verbatim.
	Vars map[string]string `json:"vars"`
}

// Has reports whether ups.status carries flag (exact token match).
func (s Status) Has(flag string) bool { return s.Flags[flag] }
