package nut

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// withDrivers points DriverDir at a temp dir holding executables with the
// given names, so validation does not depend on which NUT packages this
// machine has (DriverAvailable itself is tested against the real /lib/nut).
func withDrivers(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	old := DriverDir
	DriverDir = dir
	t.Cleanup(func() { DriverDir = old })
	return dir
}

// validPrimary is a complete, valid primary setup.
func validPrimary() Settings {
	s := Defaults()
	s.Driver = "usbhid-ups"
	s.DriverOptions = map[string]string{"vendorid": "051d", "productid": "0002"}
	return s
}

func validSecondary() Settings {
	s := Defaults()
	s.Mode = ModeSecondary
	s.RemoteHost = "nas.example.com"
	s.Driver, s.Port = "", ""
	s.MonPwd = "fixmepass" // the server's password: allowed for a secondary
	return s
}

func withMail(s *Settings) {
	s.EmailNotify = true
	s.ToEmail = []string{"admin@example.com"}
	s.SMTP.Host = "mail.example.com"
	s.SMTP.From = "ups@example.com"
}

// want is one expected problem: the field and a piece of its rule.
type want struct{ field, rule string }

func TestValidateRules(t *testing.T) {
	withDrivers(t, "usbhid-ups", "dummy-ups")
	tests := []struct {
		name string
		base func() Settings
		edit func(*Settings)
		want []want // nil: valid
	}{
		{"defaults with a driver", validPrimary, func(*Settings) {}, nil},
		{"secondary", validSecondary, func(*Settings) {}, nil},
		{"every identifier character NUT accepts", validPrimary, func(s *Settings) { s.Identifier = "Ups.1,a-b_C9" }, nil},

		{"identifier empty", validPrimary, func(s *Settings) { s.Identifier = "" }, []want{{"identifier", "is required"}}},
		{"identifier space", validPrimary, func(s *Settings) { s.Identifier = "my ups" }, []want{{"identifier", `may contain only ASCII letters, digits and "." "," "-" "_"`}}},
		{"identifier at", validPrimary, func(s *Settings) { s.Identifier = "ups@nas" }, []want{{"identifier", "may contain only"}}},
		{"identifier colon", validPrimary, func(s *Settings) { s.Identifier = "ups:1" }, []want{{"identifier", "may contain only"}}},
		{"identifier slash", validPrimary, func(s *Settings) { s.Identifier = "a/b" }, []want{{"identifier", "may contain only"}}},
		{"identifier bracket", validPrimary, func(s *Settings) { s.Identifier = "[ups]" }, []want{{"identifier", "may contain only"}}},
		{"identifier non-ASCII letter", validPrimary, func(s *Settings) { s.Identifier = "üps" }, []want{{"identifier", "may contain only"}}},
		{"identifier too long", validPrimary, func(s *Settings) { s.Identifier = strings.Repeat("u", 65) }, []want{{"identifier", "at most 64 characters"}}},
		{"identifier 64 chars", validPrimary, func(s *Settings) { s.Identifier = strings.Repeat("u", 64) }, nil},

		{"mode unknown", validPrimary, func(s *Settings) { s.Mode = "server" }, []want{{"mode", `must be "primary" or "secondary"`}}},
		{"mode not normalized", validPrimary, func(s *Settings) { s.Mode = "MASTER" }, []want{{"mode", `reads the NAS's "master"/"slave" as those`}}},

		{"primary without driver", validPrimary, func(s *Settings) { s.Driver = "" }, []want{{"driver", "is required in primary mode"}}},
		{"driver from another package", validPrimary, func(s *Settings) { s.Driver = "snmp-ups" }, []want{{"driver", "Debian package nut-snmp"}}},
		{"driver unknown", validPrimary, func(s *Settings) { s.Driver = "frobnicator" }, []want{{"driver", "not a NUT driver"}}},
		{"primary without port", validPrimary, func(s *Settings) { s.Port = "" }, []want{{"port", "is required in primary mode"}}},
		{"port with newline", validPrimary, func(s *Settings) { s.Port = "/dev/ttyS0\nMODE=none" }, []want{{"port", "one line"}}},
		{"secondary ignores driver", validSecondary, func(s *Settings) { s.Driver = "frobnicator" }, nil},

		{"secondary without host", validSecondary, func(s *Settings) { s.RemoteHost = "" }, []want{{"remotehost", "is required in secondary mode"}}},
		{"remotehost with space", validSecondary, func(s *Settings) { s.RemoteHost = "nas local" }, []want{{"remotehost", "host name or an IP address"}}},
		{"remotehost bad IPv4", validSecondary, func(s *Settings) { s.RemoteHost = "192.168.1.300" }, []want{{"remotehost", "host name or an IP address"}}},
		{"remotehost leading dash", validSecondary, func(s *Settings) { s.RemoteHost = "-nas.lan" }, []want{{"remotehost", "host name or an IP address"}}},
		{"remotehost with port", validSecondary, func(s *Settings) { s.RemoteHost = "nas:3493" }, []want{{"remotehost", "host name or an IP address"}}},
		{"remotehost IPv4", validSecondary, func(s *Settings) { s.RemoteHost = "192.168.1.10" }, nil},
		{"remotehost IPv6", validSecondary, func(s *Settings) { s.RemoteHost = "fe80::1" }, nil},
		{"remotehost IPv6 bracketed", validSecondary, func(s *Settings) { s.RemoteHost = "[::1]" }, nil},
		{"remotehost single label", validSecondary, func(s *Settings) { s.RemoteHost = "truenas" }, nil},
		{"remoteport 0", validPrimary, func(s *Settings) { s.RemotePort = 0 }, []want{{"remoteport", "from 1 to 65535"}}},
		{"remoteport too big", validSecondary, func(s *Settings) { s.RemotePort = 65536 }, []want{{"remoteport", "from 1 to 65535"}}},

		{"driver option upper case", validPrimary, func(s *Settings) { s.DriverOptions["VendorID"] = "051d" }, []want{{"driver_options.VendorID", "lower-case letters"}}},
		{"driver option with space", validPrimary, func(s *Settings) { s.DriverOptions["a b"] = "1" }, []want{{"driver_options.a b", "lower-case letters"}}},
		{"driver option newline", validPrimary, func(s *Settings) { s.DriverOptions["serial"] = "1\n[evil]" }, []want{{"driver_options.serial", "one line"}}},
		{"driver option non-ASCII", validPrimary, func(s *Settings) { s.DriverOptions["serial"] = "Büro" }, []want{{"driver_options.serial", "only ASCII"}}},
		{"driver option port", validPrimary, func(s *Settings) { s.DriverOptions["port"] = "/dev/x" }, []want{{"driver_options.port", "must not be set here"}}},
		{"driver option empty name", validPrimary, func(s *Settings) { s.DriverOptions[""] = "x" }, []want{{"driver_options", "empty option name"}}},

		{"monuser empty", validPrimary, func(s *Settings) { s.MonUser = "" }, []want{{"monuser", "is required"}}},
		{"monuser space", validPrimary, func(s *Settings) { s.MonUser = "ups mon" }, []want{{"monuser", "must not contain spaces — NUT 2.8.0's upsmon sends the user name unquoted"}}},
		{"monuser equals", validPrimary, func(s *Settings) { s.MonUser = "a=b" }, []want{{"monuser", `must not contain "="`}}},
		{"monuser punctuation NUT accepts", validPrimary, func(s *Settings) { s.MonUser = `u!"$%&'()*+,-./:;<>?@[]^_{|}~` }, nil},
		{"monpwd empty", validPrimary, func(s *Settings) { s.MonPwd = "" }, []want{{"monpwd", "is required"}}},
		{"monpwd space", validPrimary, func(s *Settings) { s.MonPwd = "pass word" }, []want{{"monpwd", "must not contain spaces"}}},
		{"monpwd hash", validPrimary, func(s *Settings) { s.MonPwd = "pass#word" }, []want{{"monpwd", `must not contain "#" — NUT 2.8.0's upsmon sends the password unquoted and upsd reads "#" as the start of a comment`}}},
		{"monpwd backslash", validPrimary, func(s *Settings) { s.MonPwd = `pass\word` }, []want{{"monpwd", `must not contain "\"`}}},
		{"monpwd equals", validPrimary, func(s *Settings) { s.MonPwd = "pass=word" }, []want{{"monpwd", `must not contain "="`}}},
		{"monpwd leading quote", validPrimary, func(s *Settings) { s.MonPwd = `"password` }, []want{{"monpwd", `must not start with a double quote`}}},
		{"monuser leading quote", validPrimary, func(s *Settings) { s.MonUser = `"mon` }, []want{{"monuser", `must not start with a double quote`}}},
		{"monpwd tab", validPrimary, func(s *Settings) { s.MonPwd = "pass\tword" }, []want{{"monpwd", "control characters"}}},
		{"monpwd non-ASCII", validPrimary, func(s *Settings) { s.MonPwd = "passwört" }, []want{{"monpwd", "only ASCII characters — NUT's parser silently drops"}}},
		{"monpwd several problems", validPrimary, func(s *Settings) { s.MonPwd = "a b=c" }, []want{{"monpwd", "spaces"}, {"monpwd", `"="`}}},
		{"monpwd well-known on a primary", validPrimary, func(s *Settings) { s.MonPwd = "fixmepass" }, []want{{"monpwd", `must not be the NAS default "fixmepass"`}}},
		{"monpwd quotes are fine", validPrimary, func(s *Settings) { s.MonPwd = `it's "quoted"` + "!" }, []want{{"monpwd", "spaces"}}},
		{"monpwd quotes without space", validPrimary, func(s *Settings) { s.MonPwd = `it's"quoted"!` }, nil},

		{"remote monitor defaults", validPrimary, func(s *Settings) { s.RMonitor = true }, nil},
		{"remote monitor without user", validPrimary, func(s *Settings) { s.RMonitor = true; s.RemoteUser = "" }, []want{{"remoteuser", "is required"}}},
		{"remote monitor same user", validPrimary, func(s *Settings) { s.RMonitor = true; s.RemoteUser = s.MonUser }, []want{{"remoteuser", "must differ from monuser"}}},
		{"remote monitor without password", validPrimary, func(s *Settings) { s.RMonitor = true; s.RemotePwd = "" }, []want{{"remotepwd", "is required"}}},
		{"remote monitor same password", validPrimary, func(s *Settings) { s.RMonitor = true; s.RemotePwd = s.MonPwd }, []want{{"remotepwd", "must differ from monpwd"}}},
		{"remote monitor well-known password", validPrimary, func(s *Settings) { s.RMonitor = true; s.RemotePwd = "fixmepass" }, []want{{"remotepwd", `"fixmepass"`}}},
		{"remote monitor bad password", validPrimary, func(s *Settings) { s.RMonitor = true; s.RemotePwd = "x=y" }, []want{{"remotepwd", `"="`}}},
		{"remote monitor off needs no remote password", validPrimary, func(s *Settings) { s.RemotePwd = "" }, nil},

		{"shutdown unknown", validPrimary, func(s *Settings) { s.Shutdown = "never" }, []want{{"shutdown", `must be "batt"`}}},
		{"shutdown lowbatt", validPrimary, func(s *Settings) { s.Shutdown = ShutdownLowBatt }, nil},
		{"shutdowntimer negative", validPrimary, func(s *Settings) { s.ShutdownTimer = -1 }, []want{{"shutdowntimer", "from 0 to 86400 seconds"}}},
		{"runtimelow negative", validPrimary, func(s *Settings) { s.RuntimeLow = -1 }, []want{{"runtimelow", "0 (off) or from 1 to 3600 seconds"}}},
		{"runtimelow over an hour", validPrimary, func(s *Settings) { s.RuntimeLow = 3601 }, []want{{"runtimelow", "0 (off) or from 1 to 3600 seconds"}}},
		{"shutdowntimer over a day", validPrimary, func(s *Settings) { s.ShutdownTimer = 86401 }, []want{{"shutdowntimer", "from 0 to 86400 seconds"}}},
		{"shutdowntimer a day", validPrimary, func(s *Settings) { s.ShutdownTimer = 86400 }, nil},
		{"shutdowncmd newline", validPrimary, func(s *Settings) { s.ShutdownCmd = "/bin/true\nPOWERDOWNFLAG /x" }, []want{{"shutdowncmd", "one line"}}},

		{"mail without address", validPrimary, func(s *Settings) { withMail(s); s.ToEmail = nil }, []want{{"toemail", "at least one address"}}},
		{"mail bad address", validPrimary, func(s *Settings) { withMail(s); s.ToEmail = []string{"admin@example.com", "not an address"} }, []want{{"toemail[1]", "plain email address"}}},
		{"mail display name", validPrimary, func(s *Settings) { withMail(s); s.ToEmail = []string{"Admin <admin@example.com>"} }, []want{{"toemail[0]", "plain email address"}}},
		{"mail address checked when off", validPrimary, func(s *Settings) { s.ToEmail = []string{"nope"} }, []want{{"toemail[0]", "plain email address"}}},
		{"mail subject empty", validPrimary, func(s *Settings) { withMail(s); s.Subject = " " }, []want{{"subject", "is required"}}},
		{"mail subject header injection", validPrimary, func(s *Settings) { s.Subject = "UPS\r\nBcc: x@example.com" }, []want{{"subject", "one line"}}},
		{"mail without server", validPrimary, func(s *Settings) { withMail(s); s.SMTP.Host = "" }, []want{{"smtp.host", "is required"}}},
		{"mail bad server", validPrimary, func(s *Settings) { withMail(s); s.SMTP.Host = "mail server" }, []want{{"smtp.host", "host name"}}},
		{"mail port 0", validPrimary, func(s *Settings) { withMail(s); s.SMTP.Port = 0 }, []want{{"smtp.port", "from 1 to 65535"}}},
		{"mail port too big", validPrimary, func(s *Settings) { s.SMTP.Port = 70000 }, []want{{"smtp.port", "from 1 to 65535"}}},
		{"mail tls unknown", validPrimary, func(s *Settings) { s.SMTP.TLS = "ssl" }, []want{{"smtp.tls", `"none", "starttls" or "tls"`}}},
		{"mail tls empty", validPrimary, func(s *Settings) { withMail(s); s.SMTP.TLS = "" }, []want{{"smtp.tls", `"none", "starttls" or "tls"`}}},
		{"mail username control", validPrimary, func(s *Settings) { s.SMTP.Username = "a\nb" }, []want{{"smtp.username", "control"}}},
		{"mail without from", validPrimary, func(s *Settings) { withMail(s); s.SMTP.From = "" }, []want{{"smtp.from", "is required"}}},
		{"mail bad from", validPrimary, func(s *Settings) { withMail(s); s.SMTP.From = "ups" }, []want{{"smtp.from", "plain email address"}}},
		{"mail complete", validPrimary, withMail, nil},
		{"mail event unknown", validPrimary, func(s *Settings) { s.EmailEvents = []string{"ONBATT", "BOOM"} }, []want{{"emailevents[1]", "one of NUT's events"}}},

		{"nocommwarntime negative", validPrimary, func(s *Settings) { s.NoCommWarnTime = -1 }, []want{{"nocommwarntime", "from 0 to 86400"}}},
		{"nocommwarntime huge", validPrimary, func(s *Settings) { s.NoCommWarnTime = 1 << 30 }, []want{{"nocommwarntime", "from 0 to 86400"}}},
		{"hostsync negative", validPrimary, func(s *Settings) { s.HostSync = -5 }, []want{{"hostsync", "0 or more"}}},
		{"description newline", validPrimary, func(s *Settings) { s.Description = "a\nb" }, []want{{"description", "one line"}}},
		{"description non-ASCII", validPrimary, func(s *Settings) { s.Description = "Büro" }, []want{{"description", "only ASCII"}}},

		{"postpone step 0", validPrimary, func(s *Settings) { s.Postpone.Step = 0 }, []want{{"postpone.step", "from 1 to 86400"}}},
		{"postpone max negative", validPrimary, func(s *Settings) { s.Postpone.Max = -1 }, []want{{"postpone.max", "0 or more"}}},
		{"postpone off ignores step", validPrimary, func(s *Settings) { s.Postpone = Postpone{Allowed: false} }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.base()
			tt.edit(&s)
			checkProblems(t, s.Validate(), tt.want)
		})
	}
}

// checkProblems asserts that err holds exactly the wanted problems.
func checkProblems(t *testing.T, err error, wants []want) {
	t.Helper()
	if len(wants) == 0 {
		if err != nil {
			t.Fatalf("want valid, got:\n%v", err)
		}
		return
	}
	var ve ValidationErrors
	if !errors.As(err, &ve) {
		t.Fatalf("want ValidationErrors, got %T %v", err, err)
	}
	if len(ve) != len(wants) {
		t.Fatalf("want %d problems %v, got %d:\n%v", len(wants), wants, len(ve), err)
	}
	for _, w := range wants {
		if !slices.ContainsFunc(ve, func(e FieldError) bool { return e.Field == w.field && strings.Contains(e.Rule, w.rule) }) {
			t.Errorf("no problem %s: …%s…; got:\n%v", w.field, w.rule, err)
		}
	}
}

func TestValidateMessageFormat(t *testing.T) {
	withDrivers(t, "usbhid-ups")
	s := validPrimary()
	s.MonPwd = "pass=word"
	s.Identifier = "my ups"
	err := s.Validate()
	wantText := `identifier: may contain only ASCII letters, digits and "." "," "-" "_" (value "my ups")` + "\n" +
		`monpwd: must not contain "=" — NUT 2.8.0's upsmon sends the password unquoted and upsd rejects "=" (value ****)`
	if err == nil || err.Error() != wantText {
		t.Fatalf("got:\n%v\nwant:\n%s", err, wantText)
	}
	if got := (FieldError{Field: "identifier", Rule: "is required"}).Error(); got != "identifier: is required" {
		t.Fatalf("empty value shown: %q", got)
	}
}

// All problems come back at once, in the order of the settings screen.
func TestValidateReportsEverything(t *testing.T) {
	withDrivers(t, "usbhid-ups")
	s := validPrimary()
	s.Identifier = ""
	s.Port = ""
	s.MonPwd = "a=b"
	s.HostSync = -1
	s.EmailNotify = true
	s.SMTP.Host = ""
	err := s.Validate()
	var ve ValidationErrors
	if !errors.As(err, &ve) {
		t.Fatalf("got %v", err)
	}
	var fields []string
	for _, e := range ve {
		fields = append(fields, e.Field)
	}
	want := []string{"identifier", "port", "monpwd", "toemail", "smtp.host", "smtp.from", "hostsync"}
	if !slices.Equal(fields, want) {
		t.Fatalf("fields %v, want %v\n%v", fields, want, err)
	}
	if n := len(strings.Split(err.Error(), "\n")); n != len(want) {
		t.Fatalf("Error() has %d lines, want one per problem:\n%v", n, err)
	}
	if got := ve.For("smtp"); len(got) != 2 {
		t.Fatalf("For(smtp) = %v", got)
	}
	if got := ve.For("mon"); len(got) != 0 {
		t.Fatalf("For(mon) matched a prefix of another field: %v", got)
	}
}

// A bad secret is named by its rule but never shown.
func TestValidateMasksSecrets(t *testing.T) {
	withDrivers(t, "usbhid-ups")
	secrets := map[string]func(*Settings, string){
		"monpwd":    func(s *Settings, v string) { s.MonPwd = v },
		"remotepwd": func(s *Settings, v string) { s.RMonitor = true; s.RemotePwd = v },
	}
	bad := []string{"Zq7 secret=pass#\\ä\x01", "fixmepass", "Sekr3t=Zq7"}
	for field, set := range secrets {
		for _, v := range bad {
			s := validPrimary()
			set(&s, v)
			err := s.Validate()
			var ve ValidationErrors
			if !errors.As(err, &ve) || len(ve.For(field)) == 0 {
				t.Fatalf("%s %q accepted: %v", field, v, err)
			}
			text := err.Error()
			pieces := []string{"Zq7", "Sekr3t", "secret", `(value "`}
			if v != WellKnownPassword { // public; the rule names it on purpose
				pieces = append(pieces, v)
			}
			for _, piece := range pieces {
				if strings.Contains(text, piece) {
					t.Errorf("%s: error text reveals %q:\n%s", field, piece, text)
				}
			}
			for _, e := range ve.For(field) {
				if e.Value != "****" {
					t.Errorf("%s: value %q not masked", field, e.Value)
				}
			}
		}
	}
	// A secret that equals another must not be shown either.
	s := validPrimary()
	s.RMonitor = true
	s.RemotePwd = s.MonPwd
	if err := s.Validate(); err == nil || strings.Contains(err.Error(), s.MonPwd) {
		t.Fatalf("same passwords: %v", err)
	}
}

func TestValidateStoredSkipsMissingSecrets(t *testing.T) {
	withDrivers(t, "usbhid-ups")
	s := validPrimary()
	s.RMonitor = true
	s.MonPwd, s.RemotePwd = "", ""
	if err := s.ValidateStored(); err != nil {
		t.Fatalf("stored settings without secrets: %v", err)
	}
	checkProblems(t, s.Validate(), []want{{"monpwd", "is required"}, {"remotepwd", "is required"}})
	s.MonPwd = "a=b" // a secret that is there is still checked
	checkProblems(t, s.ValidateStored(), []want{{"monpwd", `"="`}})
}

// The free-text fields go through the CheckText hook, and its verdict
// becomes a FieldError naming the field. (nut/conf's real tokenizer is
// wired in TestValidateUsesNUTTokenizer, in package nut_test.)
func TestValidateCallsCheckText(t *testing.T) {
	withDrivers(t, "usbhid-ups")
	old := CheckText
	t.Cleanup(func() { CheckText = old })
	var seen []string
	CheckText = func(field, text string) error {
		seen = append(seen, field+"="+text)
		if strings.Contains(text, "bad") {
			return errors.New(field + ": line 1: bad line")
		}
		return nil
	}
	s := validPrimary()
	s.ExtraUsers = "[admin]\n password = bad-secret\n"
	s.Options = "pollinterval = 10"
	s.OptionsUPSD = "bad"
	err := s.Validate()
	checkProblems(t, err, []want{{"extrausers", "line 1: bad line"}, {"optionsupsd", "line 1: bad line"}})
	if strings.Contains(err.Error(), "bad-secret") || strings.Contains(err.Error(), "extrausers: extrausers") {
		t.Fatalf("extra users' text shown or field named twice:\n%v", err)
	}
	if len(seen) != 3 {
		t.Fatalf("CheckText calls %v", seen)
	}
	CheckText = nil
	if err := s.Validate(); err != nil {
		t.Fatalf("without a checker the texts are not judged: %v", err)
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*Settings)
		check func(Settings) bool
	}{
		{"MASTER", func(s *Settings) { s.Mode = "MASTER" }, func(s Settings) bool { return s.Mode == ModePrimary }},
		{"master", func(s *Settings) { s.Mode = " master " }, func(s Settings) bool { return s.Mode == ModePrimary }},
		{"SLAVE", func(s *Settings) { s.Mode = "SLAVE" }, func(s Settings) bool { return s.Mode == ModeSecondary }},
		{"Secondary", func(s *Settings) { s.Mode = "Secondary" }, func(s Settings) bool { return s.Mode == ModeSecondary }},
		{"unknown mode kept for Validate", func(s *Settings) { s.Mode = "Server" }, func(s Settings) bool { return s.Mode == "server" }},
		{"BATT", func(s *Settings) { s.Shutdown = "BATT" }, func(s Settings) bool { return s.Shutdown == ShutdownBatt }},
		{"LOWBATT", func(s *Settings) { s.Shutdown = "LOWBATT" }, func(s Settings) bool { return s.Shutdown == ShutdownLowBatt }},
		{"NAS driver string", func(s *Settings) { s.Driver = "usbhid-ups$Back-UPS ES 700" }, func(s Settings) bool { return s.Driver == "usbhid-ups" }},
		{"driver with option", func(s *Settings) { s.Driver = "genericups upstype=16$Elite 2002" }, func(s Settings) bool {
			return s.Driver == "genericups" && s.DriverOptions["upstype"] == "16"
		}},
		{"driver option does not override", func(s *Settings) {
			s.Driver = "genericups upstype=16"
			s.DriverOptions = map[string]string{"upstype": "7"}
		}, func(s Settings) bool { return s.Driver == "genericups" && s.DriverOptions["upstype"] == "7" }},
		{"driver list annotation", func(s *Settings) { s.Driver = "blazer_usb (USB ID ffff:0000)" }, func(s Settings) bool { return s.Driver == "blazer_usb" }},
		{"driver list alternatives", func(s *Settings) { s.Driver = "blazer_ser or blazer_usb" }, func(s Settings) bool { return s.Driver == "blazer_ser" }},
		{"identifier trimmed", func(s *Settings) { s.Identifier = " ups " }, func(s Settings) bool { return s.Identifier == "ups" }},
		{"addresses trimmed", func(s *Settings) { s.ToEmail = []string{" a@example.com ", "", "b@example.com"} }, func(s Settings) bool {
			return slices.Equal(s.ToEmail, []string{"a@example.com", "b@example.com"})
		}},
		{"events upper-cased once", func(s *Settings) { s.EmailEvents = []string{"onbatt", "ONBATT", " lowbatt"} }, func(s Settings) bool {
			return slices.Equal(s.EmailEvents, []string{"ONBATT", "LOWBATT"})
		}},
		{"no events stays no events", func(s *Settings) { s.EmailEvents = []string{} }, func(s Settings) bool { return s.EmailEvents != nil && len(s.EmailEvents) == 0 }},
		{"tls lower-cased", func(s *Settings) { s.SMTP.TLS = "STARTTLS" }, func(s Settings) bool { return s.SMTP.TLS == TLSStartTLS }},
		{"passwords untouched", func(s *Settings) { s.MonPwd = " pw " }, func(s Settings) bool { return s.MonPwd == " pw " }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Defaults()
			tt.edit(&s)
			s.Normalize()
			if !tt.check(s) {
				t.Fatalf("after Normalize: %+v", s)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	s := Defaults()
	if s.Version != SettingsVersion || s.Identifier != "ups" || s.Mode != ModePrimary || s.Port != "auto" ||
		s.RemotePort != 3493 || s.MonUser != "upsmon" || s.RemoteUser == "" || s.RemoteUser == s.MonUser ||
		s.Shutdown != ShutdownBatt || s.ShutdownTimer != 30 || s.ShutdownCmd != "" || s.PowerDown ||
		s.Subject != "UPS report generated by %h" || s.NoCommWarnTime != 300 || s.HostSync != 15 ||
		s.Postpone != (Postpone{Allowed: true, Step: 300, Max: 3}) || s.SMTP.Port != 587 || s.SMTP.TLS != TLSStartTLS ||
		!s.Autostart || s.RMonitor || s.EmailNotify {
		t.Fatalf("defaults: %+v", s)
	}
	wantEvents := []string{"ONBATT", "ONLINE", "LOWBATT", "COMMBAD", "COMMOK", "NOCOMM", "REPLBATT", "FSD", "SHUTDOWN"}
	if !slices.Equal(s.EmailEvents, wantEvents) {
		t.Fatalf("email events %v", s.EmailEvents)
	}
	if len(s.MonPwd) != PasswordLength || len(s.RemotePwd) != PasswordLength || s.MonPwd == s.RemotePwd {
		t.Fatal("passwords not generated separately")
	}
	if t2 := Defaults(); t2.MonPwd == s.MonPwd {
		t.Fatal("two calls share a password")
	}
	s.EmailEvents[0] = "X"
	if Defaults().EmailEvents[0] != "ONBATT" {
		t.Fatal("Defaults shares its event slice between calls")
	}
	if DefaultShutdownCmd() == "" || s.EffectiveShutdownCmd() != DefaultShutdownCmd() {
		t.Fatalf("shutdown command %q / %q", DefaultShutdownCmd(), s.EffectiveShutdownCmd())
	}
	s.ShutdownCmd = "/usr/local/bin/halt-all"
	if s.EffectiveShutdownCmd() != "/usr/local/bin/halt-all" {
		t.Fatal("own shutdown command ignored")
	}
}

// Normalize is idempotent and Validate never panics, whatever the text
// fields hold.
func FuzzNormalizeValidate(f *testing.F) {
	for _, seed := range [][4]string{
		{"MASTER", "genericups upstype=16$Elite 2002", "ups", "pass=word"},
		{" slave ", "usbhid-ups$Back-UPS", "a,b", "fixmepass"},
		{"primary", "blazer_ser or blazer_usb (USB ID ffff:0000)", "üps", "a b#c\\d"},
		{"", "$", "", ""},
		{"x", " = =a b= c", "[x]", "\x00\n"},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3])
	}
	f.Fuzz(func(t *testing.T, mode, driver, id, pw string) {
		old := DriverDir
		DriverDir = t.TempDir()
		defer func() { DriverDir = old }()
		s := Defaults()
		s.Mode, s.Driver, s.Identifier, s.MonPwd = mode, driver, id, pw
		s.ToEmail = []string{id, pw}
		s.Normalize()
		once := s
		once.DriverOptions = maps.Clone(s.DriverOptions)
		s.Normalize()
		if !reflect.DeepEqual(once, s) {
			t.Fatalf("Normalize not idempotent:\n%+v\n%+v", once, s)
		}
		_ = s.Validate()
		_ = s.ValidateStored()
	})
}
