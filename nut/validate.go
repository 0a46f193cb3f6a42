package nut

import (
	"fmt"
	"net"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// FieldError is one problem with one setting.
type FieldError struct {
	// Field is the JSON key: "monpwd", "smtp.host", "toemail[1]",
	// "driver_options.vendorid".
	Field string `json:"field"`
	// Rule says what is wrong, as a plain sentence.
	Rule string `json:"rule"`
	// Value is the offending value, quoted; secrets are "****"; empty when
	// there is nothing to show (a missing value, a long text).
	Value string `json:"value,omitempty"`
}

func (e FieldError) Error() string {
	if e.Value == "" {
		return e.Field + ": " + e.Rule
	}
	return e.Field + ": " + e.Rule + " (value " + e.Value + ")"
}

// ValidationErrors is every problem Validate found, in field order.
type ValidationErrors []FieldError

// Error lists the problems one per line.
func (v ValidationErrors) Error() string {
	lines := make([]string, len(v))
	for i, e := range v {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// For returns the problems of field and of its sub-keys ("smtp" also
// returns "smtp.host"; "toemail" returns "toemail[1]").
func (v ValidationErrors) For(field string) []FieldError {
	var out []FieldError
	for _, e := range v {
		if e.Field == field || strings.HasPrefix(e.Field, field+".") || strings.HasPrefix(e.Field, field+"[") {
			out = append(out, e)
		}
	}
	return out
}

const masked = "****"

// WellKnownPassword is the NAS UPS service's default monitor password.
// Anyone on the network knows it, so Nutmeg never uses it for a user it
// creates.
const WellKnownPassword = "fixmepass"

// Limits that NUT does not impose but that keep the settings sane.
const (
	maxIdentifier = 64    // the driver's socket path (<statepath>/<driver>-<id>) must fit in 108 bytes
	maxSeconds    = 86400 // a day
)

// Validate checks every setting, secrets included (callers fill them in from
// the keyring first), and returns all problems at once as
// ValidationErrors, or nil.
func (s Settings) Validate() error { return s.validate(true) }

// ValidateStored checks what a settings file holds: like Validate, but a
// secret that is not filled in is not an error (it lives in the keyring).
// Secrets that are filled in are still checked.
func (s Settings) ValidateStored() error { return s.validate(false) }

type checker struct{ errs ValidationErrors }

func (c *checker) add(field, rule, value string) {
	c.errs = append(c.errs, FieldError{Field: field, Rule: rule, Value: value})
}

// bad records a problem showing the value quoted.
func (c *checker) bad(field, rule, value string) { c.add(field, rule, strconv.Quote(value)) }

// secret records a problem with a secret, never showing it.
func (c *checker) secret(field, rule string) { c.add(field, rule, masked) }

func (s Settings) validate(needSecrets bool) error {
	c := &checker{}
	primary := s.Mode == ModePrimary

	c.identifier(s.Identifier)

	switch s.Mode {
	case ModePrimary, ModeSecondary:
	case "master", "slave", "MASTER", "SLAVE":
		c.bad("mode", `must be "primary" or "secondary" (loading or importing reads the NAS's "master"/"slave" as those)`, s.Mode)
	default:
		c.bad("mode", `must be "primary" or "secondary"`, s.Mode)
	}

	if primary {
		if s.Driver == "" {
			c.add("driver", "is required in primary mode", "")
		} else if ok, hint := DriverAvailable(s.Driver); !ok {
			c.bad("driver", "must be a driver that NUT on this machine provides: "+hint, s.Driver)
		}
		if s.Port == "" {
			c.add("port", `is required in primary mode: a serial device, "auto" for USB, or the host of a network UPS`, "")
		}
	} else if s.Mode == ModeSecondary {
		if s.RemoteHost == "" {
			c.add("remotehost", "is required in secondary mode: the NUT server to follow", "")
		}
	}
	c.plainText("port", s.Port, false)
	if s.RemoteHost != "" && !validHost(s.RemoteHost) {
		c.bad("remotehost", "must be a host name or an IP address", s.RemoteHost)
	}
	if s.RemotePort < 1 || s.RemotePort > 65535 {
		c.bad("remoteport", "must be a port number from 1 to 65535", strconv.Itoa(s.RemotePort))
	}
	c.driverOptions(s.DriverOptions)

	c.nutWord("monuser", "user name", s.MonUser, false, true)
	c.nutWord("monpwd", "password", s.MonPwd, true, needSecrets)
	// A secondary logs in to someone else's server with that server's
	// password, well known or not; only the users Nutmeg creates must not
	// have one.
	if primary && s.MonPwd == WellKnownPassword {
		c.secret("monpwd", "must not be the NAS default \"fixmepass\": anyone who knows it could shut this machine down; use a generated password")
	}
	if primary && s.RMonitor {
		c.nutWord("remoteuser", "user name", s.RemoteUser, false, true)
		c.nutWord("remotepwd", "password", s.RemotePwd, true, needSecrets)
		if s.RemoteUser != "" && s.RemoteUser == s.MonUser {
			c.bad("remoteuser", "must differ from monuser: other machines must not log in with this machine's primary rights", s.RemoteUser)
		}
		if s.RemotePwd == WellKnownPassword {
			c.secret("remotepwd", "must not be the NAS default \"fixmepass\": anyone on the network who knows it could log in; use a generated password")
		}
		if s.RemotePwd != "" && s.RemotePwd == s.MonPwd {
			c.secret("remotepwd", "must differ from monpwd: other machines must not learn the password that has primary rights")
		}
	}

	switch s.Shutdown {
	case ShutdownBatt, ShutdownLowBatt:
	default:
		c.bad("shutdown", `must be "batt" (UPS goes on battery) or "lowbatt" (UPS reaches low battery)`, s.Shutdown)
	}
	c.seconds("shutdowntimer", s.ShutdownTimer, 0)
	if s.RuntimeLow < 0 || s.RuntimeLow > MaxRuntimeLow {
		c.bad("runtimelow", fmt.Sprintf("must be 0 (off) or from 1 to %d seconds", MaxRuntimeLow), strconv.Itoa(s.RuntimeLow))
	}
	c.plainText("shutdowncmd", s.ShutdownCmd, false)

	c.email(s)

	c.seconds("nocommwarntime", s.NoCommWarnTime, 0)
	if s.HostSync < 0 {
		c.bad("hostsync", "must be 0 or more seconds", strconv.Itoa(s.HostSync))
	}
	c.plainText("description", s.Description, true)

	c.text("extrausers", s.ExtraUsers, true)
	c.text("options", s.Options, false)
	c.text("optionsupsd", s.OptionsUPSD, false)

	if s.Postpone.Allowed {
		if s.Postpone.Step <= 0 || s.Postpone.Step > maxSeconds {
			c.bad("postpone.step", fmt.Sprintf("must be from 1 to %d seconds when postponing is allowed", maxSeconds), strconv.Itoa(s.Postpone.Step))
		}
		if s.Postpone.Max < 0 {
			c.bad("postpone.max", "must be 0 or more", strconv.Itoa(s.Postpone.Max))
		}
	}

	c.watch(s)

	if len(c.errs) == 0 {
		return nil
	}
	return c.errs
}

func (c *checker) identifier(id string) {
	if id == "" {
		c.add("identifier", "is required", "")
		return
	}
	// NUT 2.8.0 accepts all of these in ups.conf's [section], in upsd's
	// protocol and in upsmon's MONITOR ups@host (TestNUTAcceptsAllowedCharacters).
	// Anything else is refused: the NAS's screen allows only these, and
	// '@', ':', spaces, quotes and brackets end the name in MONITOR lines
	// and upsc arguments.
	for _, r := range id {
		if !(isASCIIAlnum(r) || strings.ContainsRune(".,-_", r)) {
			c.bad("identifier", `may contain only ASCII letters, digits and "." "," "-" "_"`, id)
			break
		}
	}
	if len(id) > maxIdentifier {
		c.bad("identifier", fmt.Sprintf("must be at most %d characters: the driver's socket path must fit in the 108 bytes a Unix socket allows", maxIdentifier), id)
	}
}

// nutWord checks a user name or password that upsmon sends to upsd on an
// unquoted line (design.md §6).
func (c *checker) nutWord(field, what, v string, secret, required bool) {
	report := func(rule string) {
		if secret {
			c.secret(field, rule)
		} else {
			c.bad(field, rule, v)
		}
	}
	if v == "" {
		if required {
			c.add(field, "is required", "")
		}
		return
	}
	sent := "NUT 2.8.0's upsmon sends the " + what + " unquoted and upsd "
	if strings.ContainsRune(v, ' ') {
		report(`must not contain spaces — ` + sent + `splits it at the space`)
	}
	if strings.ContainsRune(v, '#') {
		report(`must not contain "#" — ` + sent + `reads "#" as the start of a comment`)
	}
	if strings.ContainsRune(v, '\\') {
		report(`must not contain "\" — ` + sent + `reads "\" as an escape`)
	}
	if strings.ContainsRune(v, '=') {
		report(`must not contain "=" — ` + sent + `rejects "="`)
	}
	if strings.HasPrefix(v, `"`) {
		report(`must not start with a double quote — ` + sent + `takes a leading quote as the start of a quoted word and then drops the connection`)
	}
	if hasControl(v) {
		report("must not contain control characters such as tabs or line breaks — NUT's files cannot hold them")
	}
	if !isASCII(v) {
		report("must contain only ASCII characters — NUT's parser silently drops other bytes, so the " + what + " would not be what you typed")
	}
}

// seconds checks a duration in seconds from lo to a day.
func (c *checker) seconds(field string, v, lo int) {
	if v < lo || v > maxSeconds {
		c.bad(field, fmt.Sprintf("must be from %d to %d seconds", lo, maxSeconds), strconv.Itoa(v))
	}
}

// plainText checks a one-line value that goes into a NUT file quoted.
func (c *checker) plainText(field, v string, asciiOnly bool) {
	if hasControl(v) {
		c.bad(field, "must be one line without control characters — NUT's files cannot hold them", v)
	}
	if asciiOnly && !isASCII(v) {
		c.bad(field, "must contain only ASCII characters — NUT's parser silently drops other bytes", v)
	}
}

// text runs nut/conf's tokenizer (through CheckText) over a free-text field.
func (c *checker) text(field, v string, secret bool) {
	if v == "" || CheckText == nil {
		return
	}
	if err := CheckText(field, v); err != nil {
		val := ""
		if secret {
			val = masked // extra users carry their passwords
		}
		// The checker may name the field itself; FieldError already does.
		c.add(field, strings.TrimPrefix(err.Error(), field+": "), val)
	}
}

func (c *checker) driverOptions(opts map[string]string) {
	keys := make([]string, 0, len(opts))
	for k := range opts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := opts[k]
		field := "driver_options." + k
		switch {
		case k == "":
			c.add("driver_options", "must not have an empty option name", strconv.Quote(v))
			continue
		case !validOptionName(k):
			c.bad(field, "option names may contain only lower-case letters, digits and . _ -", k)
			continue
		case k == "driver" || k == "port" || k == "desc":
			c.bad(field, `must not be set here: Nutmeg writes "`+k+`" from its own setting`, v)
			continue
		}
		if hasControl(v) {
			c.bad(field, "must be one line without control characters — NUT's files cannot hold them", v)
		}
		if !isASCII(v) {
			c.bad(field, "must contain only ASCII characters — NUT's parser silently drops other bytes", v)
		}
	}
}

func (c *checker) email(s Settings) {
	on := s.EmailNotify
	if on && len(s.ToEmail) == 0 {
		c.add("toemail", "needs at least one address when email notification is on", "")
	}
	for i, a := range s.ToEmail {
		if !validAddress(a) {
			c.bad(fmt.Sprintf("toemail[%d]", i), "must be a plain email address like name@example.com", a)
		}
	}
	if on && strings.TrimSpace(s.Subject) == "" {
		c.add("subject", "is required when email notification is on", "")
	}
	if hasControl(s.Subject) {
		c.bad("subject", "must be one line without control characters", s.Subject)
	}
	for i, ev := range s.EmailEvents {
		if !slices.Contains(NotifyEvents, ev) {
			c.bad(fmt.Sprintf("emailevents[%d]", i), "must be one of NUT's events: "+strings.Join(NotifyEvents, " "), ev)
		}
	}
	m := s.SMTP
	if on && m.Host == "" {
		c.add("smtp.host", "is required when email notification is on", "")
	}
	if m.Host != "" && !validHost(m.Host) {
		c.bad("smtp.host", "must be a host name or an IP address", m.Host)
	}
	if (on || m.Port != 0) && (m.Port < 1 || m.Port > 65535) {
		c.bad("smtp.port", "must be a port number from 1 to 65535", strconv.Itoa(m.Port))
	}
	switch m.TLS {
	case TLSNone, TLSStartTLS, TLSImplicit:
	case "":
		if on {
			c.add("smtp.tls", `must be "none", "starttls" or "tls"`, "")
		}
	default:
		c.bad("smtp.tls", `must be "none", "starttls" or "tls"`, m.TLS)
	}
	if hasControl(m.Username) {
		c.bad("smtp.username", "must not contain control characters", m.Username)
	}
	if on && m.From == "" {
		c.add("smtp.from", "is required when email notification is on", "")
	}
	if m.From != "" && !validAddress(m.From) {
		c.bad("smtp.from", "must be a plain email address like ups@example.com", m.From)
	}
}

// validAddress accepts a bare address (no display name, no angle brackets).
func validAddress(a string) bool {
	p, err := mail.ParseAddress(a)
	return err == nil && p.Name == "" && p.Address == a
}

// validHost accepts an IPv4 or IPv6 address (bare or in brackets) or a DNS
// host name (letters, digits, '-', '_' in dot-separated labels).
func validHost(h string) bool {
	if strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]") {
		ip := net.ParseIP(h[1 : len(h)-1])
		return ip != nil && ip.To4() == nil
	}
	if net.ParseIP(h) != nil {
		return true
	}
	h = strings.TrimSuffix(h, ".")
	if h == "" || len(h) > 253 {
		return false
	}
	labels := strings.Split(h, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if !(isASCIIAlnum(r) || r == '-' || r == '_') {
				return false
			}
		}
	}
	// All-numeric dotted names are malformed IPv4 addresses, not host names.
	last := labels[len(labels)-1]
	if _, err := strconv.Atoi(last); err == nil {
		return false
	}
	return true
}

func validOptionName(k string) bool {
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-') {
			return false
		}
	}
	return true
}

func isASCIIAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return true
		}
	}
	return false
}

// Normalize brings values into the form Validate and the renderers expect:
// the NAS's spellings (MASTER/SLAVE, master/slave, BATT/LOWBATT, driver
// strings like "usbhid-ups$Back-UPS ES 700" or "genericups upstype=16$…")
// become Nutmeg's, surrounding spaces go, empty addresses are dropped and
// event names are upper-cased. Secrets are never touched: a password with a
// stray space is reported by Validate, not silently changed. Load and the
// importers call it.
func (s *Settings) Normalize() {
	s.Identifier = strings.TrimSpace(s.Identifier)
	switch m := strings.ToLower(strings.TrimSpace(s.Mode)); m {
	case "master", ModePrimary:
		s.Mode = ModePrimary
	case "slave", ModeSecondary:
		s.Mode = ModeSecondary
	default:
		s.Mode = m
	}
	s.Shutdown = strings.ToLower(strings.TrimSpace(s.Shutdown))
	drv, opts := ParseDriverString(s.Driver)
	s.Driver = drv
	for k, v := range opts {
		if _, set := s.DriverOptions[k]; !set {
			if s.DriverOptions == nil {
				s.DriverOptions = map[string]string{}
			}
			s.DriverOptions[k] = v
		}
	}
	s.Port = strings.TrimSpace(s.Port)
	s.RemoteHost = strings.TrimSpace(s.RemoteHost)
	s.MonUser = strings.TrimSpace(s.MonUser)
	s.RemoteUser = strings.TrimSpace(s.RemoteUser)
	var to []string
	for _, a := range s.ToEmail {
		if a = strings.TrimSpace(a); a != "" {
			to = append(to, a)
		}
	}
	s.ToEmail = to
	var evs []string
	for _, e := range s.EmailEvents {
		e = strings.ToUpper(strings.TrimSpace(e))
		if e != "" && !slices.Contains(evs, e) {
			evs = append(evs, e)
		}
	}
	if s.EmailEvents != nil && evs == nil {
		evs = []string{} // keep "no events" distinct from "not set"
	}
	s.EmailEvents = evs
	s.SMTP.Host = strings.TrimSpace(s.SMTP.Host)
	s.SMTP.TLS = strings.ToLower(strings.TrimSpace(s.SMTP.TLS))
	s.SMTP.From = strings.TrimSpace(s.SMTP.From)
	normalizeWatch(s.Watch)
}

// ParseDriverString splits a driver as the NAS's screen and NUT's driver
// list spell it into the driver's name and its options:
// "usbhid-ups$Back-UPS ES 700" → usbhid-ups; "genericups upstype=16$…" →
// genericups {upstype: 16}; "blazer_usb (USB ID ffff:0000)" → blazer_usb;
// "blazer_ser or blazer_usb" → blazer_ser (the first).
func ParseDriverString(d string) (driver string, options map[string]string) {
	d, _, _ = strings.Cut(d, "$")
	d, _, _ = strings.Cut(d, "(")
	d, _, _ = strings.Cut(d, " or ")
	f := strings.Fields(d)
	if len(f) == 0 {
		return "", nil
	}
	for _, kv := range f[1:] {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			if options == nil {
				options = map[string]string{}
			}
			options[k] = v
		}
	}
	return f[0], options
}
