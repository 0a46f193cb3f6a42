// Package nut holds Nutmeg's UPS settings: the fields of the NAS UPS service
// screen (design.md §4), their defaults, validation and the settings file.
package nut

import "fmt"

// SettingsVersion is the current settings file format. Load migrates older
// versions forward. Version 2 moved extrausers out of the file (it holds
// upsd passwords) into the secrets.
const SettingsVersion = 2

// Modes and shutdown policies, as the NAS's API spells them (lower case).
const (
	ModePrimary   = "primary"
	ModeSecondary = "secondary"

	ShutdownLowBatt = "lowbatt" // "UPS reaches low battery"
	ShutdownBatt    = "batt"    // "UPS goes on battery" (after shutdowntimer)
)

// TLS modes for SMTP.
const (
	TLSNone     = "none"
	TLSStartTLS = "starttls"
	TLSImplicit = "tls"
)

// Settings is everything Nutmeg needs to set up and run NUT for one UPS. JSON
// keys follow the NAS's UPS API so its exports import directly. Secrets are
// never serialised: they live in the keyring (see nut/secret); the json:"-"
// fields carry them in memory only.
type Settings struct {
	Version int `json:"version"`

	Identifier    string            `json:"identifier"`
	Mode          string            `json:"mode"`
	Driver        string            `json:"driver"`
	Port          string            `json:"port"`
	RemotePort    int               `json:"remoteport"`
	RemoteHost    string            `json:"remotehost"`
	DriverOptions map[string]string `json:"driver_options,omitempty"`

	MonUser string `json:"monuser"`
	MonPwd  string `json:"-"` // keyring: secret.MonitorPassword

	// ExtraUsers is extra upsd.users sections; it holds their passwords, so
	// it lives with the secrets (keyring: secret.ExtraUsers), never in the
	// settings file.
	ExtraUsers string `json:"-"`

	// RMonitor makes upsd listen on all interfaces. Remote secondaries then
	// log in as RemoteUser (upsmon secondary rights) with RemotePwd, which is
	// generated and kept in the keyring; never the primary's credentials.
	RMonitor   bool   `json:"rmonitor"`
	RemoteUser string `json:"remoteuser"`
	RemotePwd  string `json:"-"` // keyring: secret.RemotePassword

	Shutdown      string `json:"shutdown"`
	ShutdownTimer int    `json:"shutdowntimer"`
	ShutdownCmd   string `json:"shutdowncmd"`
	PowerDown     bool   `json:"powerdown"`
	// RuntimeLow (seconds, 0 = off): on battery with battery.runtime below
	// it counts as low battery, in both shutdown modes, so that a long
	// timer or flapping mains never outlasts the battery. A UPS that does
	// not report its runtime never triggers it.
	RuntimeLow int `json:"runtimelow"`

	EmailNotify bool     `json:"emailnotify"`
	ToEmail     []string `json:"toemail"`
	Subject     string   `json:"subject"`
	// EmailEvents selects which events send mail (NUT's names: ONBATT, ...).
	EmailEvents []string `json:"emailevents"`
	SMTP        SMTP     `json:"smtp"`

	NoCommWarnTime int    `json:"nocommwarntime"`
	HostSync       int    `json:"hostsync"`
	Description    string `json:"description"`
	Options        string `json:"options"`     // extra ups.conf lines for this UPS's section
	OptionsUPSD    string `json:"optionsupsd"` // extra upsd.conf lines

	Postpone Postpone `json:"postpone"`

	// Autostart starts the tray at login.
	Autostart bool `json:"autostart"`

	// Watch lists more UPSes to show read-only (nut/watch.go).
	Watch []Watched `json:"watch,omitempty"`
}

// SMTP is the outgoing mail server. The password is in the keyring.
type SMTP struct {
	Host     string `json:"host"`
	Port     int    `json:"port"`
	TLS      string `json:"tls"`
	Username string `json:"username"`
	From     string `json:"from"`
	Password string `json:"-"` // keyring: secret.SMTPPassword
}

// Postpone bounds how the shutdown countdown may be put off from the tray.
type Postpone struct {
	Allowed bool `json:"allowed"`
	Step    int  `json:"step"` // seconds added per postponement
	Max     int  `json:"max"`  // postponements per countdown
}

// String formats s like %+v, with the secrets masked: the passwords and the
// extra users' text (which holds their passwords). fmt uses it for %v, %+v
// and %s, also for a Settings inside another value, so a log line or a test
// failure that prints settings never shows a password.
func (s Settings) String() string {
	type plain Settings // no methods: formats field by field
	s.MonPwd, s.RemotePwd, s.ExtraUsers = maskSet(s.MonPwd), maskSet(s.RemotePwd), maskSet(s.ExtraUsers)
	s.SMTP.Password = maskSet(s.SMTP.Password)
	return fmt.Sprintf("%+v", plain(s))
}

// GoString is String for %#v.
func (s Settings) GoString() string { return "nut.Settings" + s.String() }

// String formats the mail server like %+v, with the password masked.
func (m SMTP) String() string {
	type plain SMTP
	m.Password = maskSet(m.Password)
	return fmt.Sprintf("%+v", plain(m))
}

// GoString is String for %#v.
func (m SMTP) GoString() string { return "nut.SMTP" + m.String() }

// maskSet shows whether a secret is set, never its value.
func maskSet(v string) string {
	if v == "" {
		return ""
	}
	return masked
}
