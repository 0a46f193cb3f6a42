package client

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestSplitWords(t *testing.T) {
	tests := []struct {
		line string
		want []string
		bad  bool
	}{
		{`VAR ups ups.status "OL CHRG"`, []string{"VAR", "ups", "ups.status", "OL CHRG"}, false},
		{`VAR ups ups.mfr "a \"b\" \\c"`, []string{"VAR", "ups", "ups.mfr", `a "b" \c`}, false},
		{`VAR ups x ""`, []string{"VAR", "ups", "x", ""}, false},
		{`VAR  ups	x "  spaced  "`, []string{"VAR", "ups", "x", "  spaced  "}, false},
		{`UPS ups "Description unavailable"`, []string{"UPS", "ups", "Description unavailable"}, false},
		{`NUMLOGINS ups 2`, []string{"NUMLOGINS", "ups", "2"}, false},
		{`VAR ups x "a\#b"`, []string{"VAR", "ups", "x", "a#b"}, false},
		{``, []string{}, false},
		{`VAR ups x "unterminated`, nil, true},
		{`VAR ups x "ends in escape\`, nil, true},
	}
	for _, tc := range tests {
		got, err := splitWords(tc.line)
		if tc.bad {
			if err == nil {
				t.Errorf("splitWords(%q) = %q, want an error", tc.line, got)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("splitWords(%q) = %q, %v; want %q", tc.line, got, err, tc.want)
		}
	}
}

func TestQuoteRoundTrips(t *testing.T) {
	for _, s := range []string{"plain", "", "with space", `a#b`, `a=b`, `back\slash`, `quo"te`, `it's`, `a b#c=d\e"f'g`} {
		q := quote(s)
		w, err := splitWords("PASSWORD " + q)
		if err != nil || len(w) != 2 || w[1] != s {
			t.Errorf("quote(%q) = %s, reads back as %q (%v)", s, q, w, err)
		}
		if strings.Contains(q, "#") && !strings.Contains(q, `\#`) {
			t.Errorf("quote(%q) = %s leaves # unescaped (upsd rejects that)", s, q)
		}
	}
}

func TestParseVarList(t *testing.T) {
	lines := []string{
		`VAR ups battery.charge "64"`,
		`VAR ups ups.mfr "a \"b\" \\c"`,
		`VAR ups ups.serial ""`,
		`VAR ups vendor.private.thing "whatever it is"`,
	}
	got, err := parseVarList("ups", lines)
	want := map[string]string{"battery.charge": "64", "ups.mfr": `a "b" \c`, "ups.serial": "", "vendor.private.thing": "whatever it is"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, %v; want %q", got, err, want)
	}
	for _, bad := range []string{`VAR other battery.charge "64"`, `VAR ups battery.charge`, `BOGUS`, `VAR ups x "open`} {
		if _, err := parseVarList("ups", []string{bad}); err == nil {
			t.Errorf("parseVarList accepted %q", bad)
		}
	}
}

func TestNewStatusFlags(t *testing.T) {
	tests := []struct {
		status   string
		has      []string
		hasNot   []string
		headline string
		words    []string
	}{
		{"OL CHRG", []string{"OL", "CHRG"}, []string{"OB", "LB"}, "On line power", []string{"On line power", "Charging"}},
		{"OB DISCHRG LB", []string{"OB", "DISCHRG", "LB"}, []string{"OL"}, "On battery", []string{"On battery", "Battery low", "Discharging"}},
		{"OL BOOST", []string{"OL", "BOOST"}, []string{"OB"}, "On line power", []string{"On line power", "Boosting low input voltage"}},
		{"FSD OB LB", []string{"FSD", "OB", "LB"}, []string{"OL"}, "Forced shutdown in progress", []string{"Forced shutdown in progress", "On battery", "Battery low"}},
		{"ALARM OL", []string{"ALARM", "OL"}, []string{"OB"}, "On line power", []string{"On line power", "Alarm"}},
		{"OL RB OVER TRIM", []string{"RB", "OVER", "TRIM"}, nil, "On line power", []string{"On line power", "Replace battery", "Overloaded", "Trimming high input voltage"}},
		{"OB", []string{"OB"}, []string{"OBX", "O", "B"}, "On battery", []string{"On battery"}},
		{"OBX", []string{"OBX"}, []string{"OB"}, "Status unknown", []string{"Status OBX"}},
		{"OLD", nil, []string{"OL"}, "Status unknown", []string{"Status OLD"}},
		{"  OL   ", []string{"OL"}, []string{""}, "On line power", []string{"On line power"}},
		{"OFF", []string{"OFF"}, []string{"OL", "OB"}, "Output off", []string{"Output off"}},
		{"OL BYPASS", []string{"BYPASS"}, nil, "On bypass", []string{"On line power", "On bypass"}},
		{"", nil, []string{"OL", "OB", ""}, "Status unknown", []string{"Status unknown"}},
		{"WAIT", []string{"WAIT"}, []string{"OL"}, "Waiting for data", []string{"Waiting for data from the driver"}},
	}
	for _, tc := range tests {
		s := NewStatus("ups", map[string]string{"ups.status": tc.status}, time.Time{})
		for _, f := range tc.has {
			if !s.Has(f) {
				t.Errorf("%q: missing flag %q (flags %v)", tc.status, f, s.Flags)
			}
		}
		for _, f := range tc.hasNot {
			if s.Has(f) {
				t.Errorf("%q: has flag %q (flags %v)", tc.status, f, s.Flags)
			}
		}
		if got := s.Headline(); got != tc.headline {
			t.Errorf("%q: headline %q, want %q", tc.status, got, tc.headline)
		}
		if got := s.Describe(); !reflect.DeepEqual(got, tc.words) {
			t.Errorf("%q: Describe() = %q, want %q", tc.status, got, tc.words)
		}
	}
}

func TestNewStatusValues(t *testing.T) {
	vars := map[string]string{
		"ups.status":          "OB DISCHRG",
		"battery.charge":      "64",
		"battery.runtime":     "660",
		"ups.load":            "23",
		"input.voltage":       "0.0", // a real zero: on battery, no input
		"output.voltage":      "229.8",
		"input.frequency":     "",          // empty: unknown
		"output.frequency":    "n/a",       // non-numeric: unknown
		"battery.voltage":     "NaN",       // not a finite number: unknown
		"battery.temperature": "31.5",      // used when ups.temperature is absent
		"device.mfr":          "Acme",      // fallback for ups.mfr
		"ups.model":           "Back 1500", //
		"ups.serial":          "  ",        // blank: not reported
		"ups.firmware":        "9.3.I",
		"ups.beeper.status":   "enabled",
		"ups.test.result":     "Done and passed",
		"ups.alarm":           "Fan failure",
	}
	s := NewStatus("ups", vars, time.Unix(1700000000, 0))
	checks := []struct {
		name string
		got  Value
		want Value
	}{
		{"charge", s.Charge, Known(64)},
		{"runtime", s.Runtime, Known(660)},
		{"load", s.Load, Known(23)},
		{"input voltage", s.InputVoltage, Known(0)},
		{"output voltage", s.OutputVoltage, Known(229.8)},
		{"input frequency", s.InputFrequency, Value{}},
		{"output frequency", s.OutputFrequency, Value{}},
		{"battery voltage", s.BatteryVoltage, Value{}},
		{"temperature", s.Temperature, Known(31.5)},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %+v, want %+v", c.name, c.got, c.want)
		}
	}
	strs := []struct{ name, got, want string }{
		{"maker", s.Maker, "Acme"}, {"model", s.Model, "Back 1500"}, {"serial", s.Serial, ""},
		{"firmware", s.Firmware, "9.3.I"}, {"beeper", s.Beeper, "enabled"},
		{"selftest", s.SelfTest, "Done and passed"}, {"alarm", s.Alarm, "Fan failure"},
	}
	for _, c := range strs {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if got, want := s.Summary(), "On battery · 64% · 11 min left · load 23%"; got != want {
		t.Errorf("Summary() = %q, want %q", got, want)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"input_frequency", "output_frequency", "battery_voltage"} {
		if v, ok := m[k]; !ok || v != nil {
			t.Errorf("JSON %s = %v (present %v), want null", k, v, ok)
		}
	}
	if m["input_voltage"] != 0.0 || m["charge"] != 64.0 {
		t.Errorf("JSON input_voltage %v, charge %v", m["input_voltage"], m["charge"])
	}
	var back Status
	if err := json.Unmarshal(b, &back); err != nil || back.Charge != s.Charge || back.InputFrequency.OK || !back.Has("DISCHRG") {
		t.Errorf("JSON round trip: %+v, %v", back, err)
	}
}

func TestSummaryLeavesOutUnknowns(t *testing.T) {
	tests := []struct {
		vars map[string]string
		want string
	}{
		{map[string]string{"ups.status": "OB"}, "On battery"},
		{map[string]string{"ups.status": "OB LB", "battery.charge": "8", "battery.runtime": "45"}, "On battery · battery low · 8% · 45 s left"},
		{map[string]string{"ups.status": "OL CHRG", "battery.charge": "97.5", "battery.runtime": "4000", "ups.load": "0"}, "On line power · 97.5% · load 0%"},
		{map[string]string{"ups.status": "FSD OB LB", "battery.runtime": "3725"}, "Forced shutdown in progress · battery low · 1 h 02 min left"},
		{map[string]string{"ups.status": "OL RB OVER", "ups.load": "104"}, "On line power · replace battery · overloaded · load 104%"},
		{map[string]string{}, "Status unknown"},
	}
	for _, tc := range tests {
		if got := NewStatus("ups", tc.vars, time.Time{}).Summary(); got != tc.want {
			t.Errorf("%v: Summary() = %q, want %q", tc.vars, got, tc.want)
		}
	}
}

func TestFiguresSkipUnknown(t *testing.T) {
	s := NewStatus("ups", map[string]string{"ups.status": "OL", "battery.charge": "100", "input.voltage": "230"}, time.Time{})
	got := s.Figures()
	want := []Figure{{"Battery charge", "100 %"}, {"Input voltage", "230 V"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Figures() = %v, want %v", got, want)
	}
	all := s.AllFigures()
	wantAll := []Figure{{"Battery charge", "100 %"}, {"Runtime left", ""}, {"Load", ""}, {"Input voltage", "230 V"}, {"Output voltage", ""}, {"Input frequency", ""}}
	if !reflect.DeepEqual(all, wantAll) {
		t.Errorf("AllFigures() = %v, want %v", all, wantAll)
	}
}

func TestNormalizeAddr(t *testing.T) {
	tests := []struct{ in, want string }{
		{"nas", "nas:3493"},
		{"nas:3500", "nas:3500"},
		{"192.0.2.7", "192.0.2.7:3493"},
		{"::1", "[::1]:3493"},
		{"[::1]", "[::1]:3493"},
		{"[fe80::1]:4000", "[fe80::1]:4000"},
		{"", ""},
		{"nas:0", ""},
		{"nas:http", ""},
		{":3493", ""},
		{"a b", ""},
	}
	for _, tc := range tests {
		got, err := NormalizeAddr(tc.in)
		if tc.want == "" {
			if err == nil {
				t.Errorf("NormalizeAddr(%q) = %q, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("NormalizeAddr(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestProtocolErrorHelpers(t *testing.T) {
	tests := []struct {
		line                                   string
		stale, noDriver, unknown, denied, comm bool
	}{
		{"ERR DATA-STALE", true, false, false, false, true},
		{"ERR DRIVER-NOT-CONNECTED", false, true, false, false, true},
		{"ERR UNKNOWN-UPS", false, false, true, false, false},
		{"ERR ACCESS-DENIED", false, false, false, true, false},
		{"ERR USERNAME-REQUIRED", false, false, false, true, false},
		{"ERR SOMETHING-NEW with words", false, false, false, false, false},
	}
	for _, tc := range tests {
		err := parseErr(tc.line, "LIST VAR ups")
		var pe *ProtocolError
		if !errors.As(err, &pe) {
			t.Fatalf("%q: %T", tc.line, err)
		}
		got := []bool{IsStale(err), IsDriverNotConnected(err), IsUnknownUPS(err), IsAccessDenied(err), IsCommLost(err)}
		want := []bool{tc.stale, tc.noDriver, tc.unknown, tc.denied, tc.comm}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q: helpers %v, want %v (%v)", tc.line, got, want, err)
		}
		if !strings.Contains(err.Error(), strings.Fields(tc.line)[1]) {
			t.Errorf("%q: message %q lacks the code", tc.line, err)
		}
	}
	if parseErr("OK", "x") != nil {
		t.Error("OK parsed as an error")
	}
	if pe := parseErr("ERR SOMETHING-NEW with words", "x").(*ProtocolError); pe.Code != "SOMETHING-NEW" || pe.Extra != "with words" {
		t.Errorf("parsed %+v", pe)
	}
}
