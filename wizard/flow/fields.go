package flow

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/nutmeg-ups/nutmeg/nut"
)

// The pages edit the settings through Text/SetText and Bool/SetBool by JSON
// key, so that every conversion (numbers, address lists, option lines) lives
// here and is tested without a GUI.

// numberFields are the settings edited as whole numbers.
var numberFields = map[string]func(*nut.Settings) *int{
	"remoteport":     func(s *nut.Settings) *int { return &s.RemotePort },
	"shutdowntimer":  func(s *nut.Settings) *int { return &s.ShutdownTimer },
	"runtimelow":     func(s *nut.Settings) *int { return &s.RuntimeLow },
	"nocommwarntime": func(s *nut.Settings) *int { return &s.NoCommWarnTime },
	"hostsync":       func(s *nut.Settings) *int { return &s.HostSync },
	"smtp.port":      func(s *nut.Settings) *int { return &s.SMTP.Port },
	"postpone.step":  func(s *nut.Settings) *int { return &s.Postpone.Step },
	"postpone.max":   func(s *nut.Settings) *int { return &s.Postpone.Max },
}

var stringFields = map[string]func(*nut.Settings) *string{
	"identifier":    func(s *nut.Settings) *string { return &s.Identifier },
	"description":   func(s *nut.Settings) *string { return &s.Description },
	"mode":          func(s *nut.Settings) *string { return &s.Mode },
	"driver":        func(s *nut.Settings) *string { return &s.Driver },
	"port":          func(s *nut.Settings) *string { return &s.Port },
	"remotehost":    func(s *nut.Settings) *string { return &s.RemoteHost },
	"monuser":       func(s *nut.Settings) *string { return &s.MonUser },
	"monpwd":        func(s *nut.Settings) *string { return &s.MonPwd },
	"extrausers":    func(s *nut.Settings) *string { return &s.ExtraUsers },
	"remoteuser":    func(s *nut.Settings) *string { return &s.RemoteUser },
	"remotepwd":     func(s *nut.Settings) *string { return &s.RemotePwd },
	"shutdown":      func(s *nut.Settings) *string { return &s.Shutdown },
	"shutdowncmd":   func(s *nut.Settings) *string { return &s.ShutdownCmd },
	"subject":       func(s *nut.Settings) *string { return &s.Subject },
	"smtp.host":     func(s *nut.Settings) *string { return &s.SMTP.Host },
	"smtp.tls":      func(s *nut.Settings) *string { return &s.SMTP.TLS },
	"smtp.username": func(s *nut.Settings) *string { return &s.SMTP.Username },
	"smtp.password": func(s *nut.Settings) *string { return &s.SMTP.Password },
	"smtp.from":     func(s *nut.Settings) *string { return &s.SMTP.From },
	"options":       func(s *nut.Settings) *string { return &s.Options },
	"optionsupsd":   func(s *nut.Settings) *string { return &s.OptionsUPSD },
}

var boolFields = map[string]func(*nut.Settings) *bool{
	"rmonitor":         func(s *nut.Settings) *bool { return &s.RMonitor },
	"powerdown":        func(s *nut.Settings) *bool { return &s.PowerDown },
	"emailnotify":      func(s *nut.Settings) *bool { return &s.EmailNotify },
	"postpone.allowed": func(s *nut.Settings) *bool { return &s.Postpone.Allowed },
	"autostart":        func(s *nut.Settings) *bool { return &s.Autostart },
}

// Text is the value of a text, number or list field as an entry shows it.
func (f *Flow) Text(field string) string {
	if raw, ok := f.unparsed[field]; ok {
		return raw
	}
	s := &f.Settings
	if g, ok := stringFields[field]; ok {
		return *g(s)
	}
	if g, ok := numberFields[field]; ok {
		return strconv.Itoa(*g(s))
	}
	switch field {
	case "toemail":
		return strings.Join(s.ToEmail, ", ")
	case "driver_options":
		return OptionsText(s.DriverOptions)
	}
	panic("flow: Text of unknown field " + field)
}

// SetText sets a text, number or list field from what the user typed.
// A number that does not parse keeps the field's old value and is reported
// by Problems until it is fixed.
func (f *Flow) SetText(field, v string) {
	s := &f.Settings
	if g, ok := stringFields[field]; ok {
		if field == "mode" {
			v = normalizeMode(v)
		}
		*g(s) = v
		return
	}
	if g, ok := numberFields[field]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			if f.unparsed == nil {
				f.unparsed = map[string]string{}
			}
			f.unparsed[field] = v
			return
		}
		delete(f.unparsed, field)
		*g(s) = n
		return
	}
	switch field {
	case "toemail":
		s.ToEmail = SplitAddresses(v)
		return
	case "driver_options":
		opts, bad := ParseOptions(v)
		if bad != "" {
			if f.unparsed == nil {
				f.unparsed = map[string]string{}
			}
			f.unparsed[field] = v
			return
		}
		delete(f.unparsed, field)
		s.DriverOptions = opts
		return
	}
	panic("flow: SetText of unknown field " + field)
}

// Bool is the value of a switch.
func (f *Flow) Bool(field string) bool {
	if g, ok := boolFields[field]; ok {
		return *g(&f.Settings)
	}
	panic("flow: Bool of unknown field " + field)
}

// SetBool sets a switch.
func (f *Flow) SetBool(field string, v bool) {
	g, ok := boolFields[field]
	if !ok {
		panic("flow: SetBool of unknown field " + field)
	}
	*g(&f.Settings) = v
}

// SetEmailEvents sets the events that send mail, in NUT's order.
func (f *Flow) SetEmailEvents(evs []string) {
	out := []string{}
	for _, e := range nut.NotifyEvents {
		if slices.Contains(evs, e) {
			out = append(out, e)
		}
	}
	f.Settings.EmailEvents = out
}

// SetDriver takes a driver from the driver list with the options its
// driver.list entry requires (e.g. genericups upstype=7); options that the
// probe found for the device stay.
func (f *Flow) SetDriver(name string, opts map[string]string) {
	s := &f.Settings
	if s.Driver != name {
		// options of another driver (subdriver, protocol...) would not fit
		keep := map[string]string{}
		for _, k := range []string{"vendorid", "productid", "serial", "bus", "vendor", "product"} {
			if v, ok := s.DriverOptions[k]; ok {
				keep[k] = v
			}
		}
		s.DriverOptions = keep
	}
	for k, v := range opts {
		if s.DriverOptions == nil {
			s.DriverOptions = map[string]string{}
		}
		s.DriverOptions[k] = v
	}
	if len(s.DriverOptions) == 0 {
		s.DriverOptions = nil
	}
	s.Driver = name
	delete(f.unparsed, "driver_options")
}

// RegeneratePassword makes a new monitor (or remote) password.
func (f *Flow) RegeneratePassword(field string) {
	switch field {
	case "monpwd":
		f.Settings.MonPwd = nut.GeneratePassword()
	case "remotepwd":
		f.Settings.RemotePwd = nut.GeneratePassword()
	default:
		panic("flow: no generated password for " + field)
	}
}

// Kept reports whether a secret field is empty because the keyring holds it.
func (f *Flow) Kept(field string) bool {
	switch field {
	case "monpwd":
		return f.StoredPassword && f.Settings.MonPwd == ""
	case "remotepwd":
		return f.StoredRemotePassword && f.Settings.RemotePwd == ""
	case "smtp.password":
		return f.StoredSMTPPassword && f.Settings.SMTP.Password == ""
	}
	return false
}

func normalizeMode(v string) string {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "secondary", "slave":
		return nut.ModeSecondary
	case "primary", "master":
		return nut.ModePrimary
	}
	return v
}

func numberRule(field string) string {
	switch field {
	case "remoteport", "smtp.port":
		return "must be a port number from 1 to 65535"
	case "postpone.max":
		return "must be a whole number"
	case "driver_options":
		return `must be one "name = value" (or a lone flag name) per line`
	}
	return "must be a whole number of seconds"
}

func quote(s string) string { return strconv.Quote(s) }

// SplitAddresses reads a list of email addresses separated by commas,
// semicolons, spaces or line breaks.
func SplitAddresses(v string) []string {
	out := []string{}
	for _, a := range strings.FieldsFunc(v, func(r rune) bool {
		return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t'
	}) {
		out = append(out, a)
	}
	return out
}

// OptionsText writes driver options one "name = value" a line, sorted; a
// flag (empty value) is its name alone.
func OptionsText(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		if m[k] == "" {
			fmt.Fprintf(&b, "%s\n", k)
		} else {
			fmt.Fprintf(&b, "%s = %s\n", k, m[k])
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// ParseOptions reads OptionsText back. bad is the first line that is not
// "name = value" or a lone name. Values are taken as typed (nut.Validate
// and the renderer check and quote them).
func ParseOptions(text string) (opts map[string]string, bad string) {
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if opts == nil {
			opts = map[string]string{}
		}
		k, v, hasValue := strings.Cut(line, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if k == "" || strings.ContainsAny(k, " \t") {
			return nil, line
		}
		if hasValue {
			v = strings.Trim(v, `"`)
		}
		opts[k] = v
	}
	return opts, ""
}

// networkDrivers talk to a UPS over the network: their port is a host.
var networkDrivers = map[string]bool{
	"snmp-ups": true, "netxml-ups": true, "apcupsd-ups": true, "nut-ipmipsu": false,
	"powerman-pdu": true, "generic_modbus": false,
}

// PortIsHost reports whether the driver's port is the host of a network UPS
// rather than a serial device or "auto".
func PortIsHost(driver string) bool { return networkDrivers[driver] }
