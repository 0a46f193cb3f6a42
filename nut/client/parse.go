package client

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// NewStatus builds the typed Status from upsd's variables (name → value, as
// LIST VAR gives them). A variable that is missing, empty or not a finite
// number stays unknown: a UPS that does not report its runtime has an
// unknown runtime, not zero seconds left.
func NewStatus(ups string, vars map[string]string, t time.Time) Status {
	s := Status{UPS: ups, Time: t, Flags: ParseFlags(vars["ups.status"]), Vars: vars}
	num := func(names ...string) Value {
		for _, n := range names {
			if v, ok := vars[n]; ok {
				if x, ok := parseNumber(v); ok {
					return Known(x)
				}
			}
		}
		return Value{}
	}
	str := func(names ...string) string {
		for _, n := range names {
			if v := strings.TrimSpace(vars[n]); v != "" {
				return v
			}
		}
		return ""
	}
	s.Charge = num("battery.charge")
	s.Runtime = num("battery.runtime")
	s.Load = num("ups.load")
	s.InputVoltage = num("input.voltage")
	s.OutputVoltage = num("output.voltage")
	s.InputFrequency = num("input.frequency")
	s.OutputFrequency = num("output.frequency")
	s.BatteryVoltage = num("battery.voltage")
	s.Temperature = num("ups.temperature", "battery.temperature")
	s.Maker = str("ups.mfr", "device.mfr")
	s.Model = str("ups.model", "device.model")
	s.Serial = str("ups.serial", "device.serial")
	s.Firmware = str("ups.firmware")
	s.Beeper = str("ups.beeper.status")
	s.SelfTest = str("ups.test.result")
	s.Alarm = str("ups.alarm")
	return s
}

func parseNumber(v string) (float64, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, false
	}
	return x, true
}

// ParseFlags splits ups.status into its tokens, as a set. Tokens are matched
// whole: "OBX" is not "OB". An empty status gives an empty, non-nil set.
func ParseFlags(status string) map[string]bool {
	f := map[string]bool{}
	for _, tok := range strings.Fields(status) {
		f[tok] = true
	}
	return f
}
