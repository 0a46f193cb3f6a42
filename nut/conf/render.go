package conf

import (
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/nutquote"
)

// The files Nutmeg manages, in a NUT config dir.
const (
	NutConf    = "nut.conf"
	UPSConf    = "ups.conf"
	UPSDConf   = "upsd.conf"
	UPSDUsers  = "upsd.users"
	UPSMonConf = "upsmon.conf"
)

// ManagedNames are every file name Render can produce; Install and Restore
// touch these and nothing else.
var ManagedNames = []string{NutConf, UPSConf, UPSDConf, UPSDUsers, UPSMonConf}

// Marker opens every file Render writes; Managed and HandWritten look for it.
const Marker = "# Written by Nutmeg"

// Defaults for what the settings leave open.
const (
	DefaultPowerDownFlag = "/etc/killpower" // what Debian's nut-driver shutdown hook checks

	// Poll every 5 s while online and every 2 s on battery; DEADTIME is
	// NUT's default 15 s (at least 3 × POLLFREQ).
	pollFreq      = 5
	pollFreqAlert = 2
	deadTime      = 15
)

// NotifyEvents are the upsmon events Nutmeg asks NUT to report.
var NotifyEvents = []string{"ONLINE", "ONBATT", "LOWBATT", "FSD", "COMMOK", "COMMBAD", "SHUTDOWN", "REPLBATT", "NOCOMM"}

// Comment lines that separate Nutmeg's own lines from a free-text field's;
// ImportDir splits a Nutmeg-written file there, so the text comes back as
// written. Lines inserted before a mark are not imported as free text.
const (
	OptionsMark     = "# Extra lines from the options setting:"
	OptionsUPSDMark = "# Extra lines from the optionsupsd setting:"
	ExtraUsersMark  = "# Extra users from the extrausers setting:"
)

// Options are the parts of the files that depend on how NUT runs, not on
// the settings.
type Options struct {
	// NotifyCmd is the command line upsmon runs (through the shell, with the
	// message as one more argument) for each event, e.g.
	// "/usr/bin/nutmeg notify-hook". It must be an absolute path. Empty:
	// events only go to syslog.
	NotifyCmd string
	// PowerDownFlag is the file upsmon creates before SHUTDOWNCMD when the
	// settings ask to power the UPS off. Empty: StateDir/killpower when
	// StateDir is set, else DefaultPowerDownFlag.
	PowerDownFlag string
	// Listen replaces the addresses upsd listens on (for example only
	// "127.0.0.1" in tests). Empty: 127.0.0.1 and ::1, or 0.0.0.0 and ::
	// with Remote Monitor. The port is always the settings' remoteport.
	Listen []string
	// RunAsUser is upsmon's RUN_AS_USER ("root" for user mode run as root,
	// where upsmon could not read the private 0600 files as nut). Empty:
	// not written (upsmon's default, the user nut).
	RunAsUser string
	// StateDir is NUT's state directory in user mode; only used for the
	// default PowerDownFlag. The supervisor passes it as NUT_STATEPATH.
	StateDir string
	// ShutdownCmd replaces the settings' shutdown command in SHUTDOWNCMD:
	// Nutmeg's service points it at a wrapper that runs the settings'
	// command and records how it ended. Empty: the settings' command.
	ShutdownCmd string
}

// File is one rendered config file.
type File struct {
	Name    string
	Content string
	// Secret is set for files that hold a password (upsd.users,
	// upsmon.conf): show them masked, never log them.
	Secret bool
}

// Files is a rendered set, sorted by name.
type Files []File

// Get returns the named file.
func (fs Files) Get(name string) (File, bool) {
	for _, f := range fs {
		if f.Name == name {
			return f, true
		}
	}
	return File{}, false
}

// Names lists the files' names in order.
func (fs Files) Names() []string {
	n := make([]string, len(fs))
	for i, f := range fs {
		n[i] = f.Name
	}
	return n
}

var (
	identRe  = regexp.MustCompile(`^[A-Za-z0-9.,_-]+$`)
	optKeyRe = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
	hostRe   = regexp.MustCompile(`^[A-Za-z0-9._%:-]+$`)
)

// Render writes the NUT files for s: nut.conf, ups.conf, upsd.conf,
// upsd.users and upsmon.conf in primary mode; nut.conf and upsmon.conf in
// secondary mode. Every value is quoted and escaped for NUT 2.8's parser, so
// no value can add a line, a section or a directive; a value that cannot be
// written as typed (control characters, non-ASCII) is an error naming the
// field. Render checks only what the files need; nut.Validate holds the
// rules of each field (which characters log in, ranges, ...).
//
// Decisions:
//   - upsmon's FINALDELAY is 0: with "batt" Nutmeg's service counts down
//     (the tray shows it) and then runs "upsmon -c fsd"; a further 5 s wait
//     would make the machine go down later than the tray said.
//   - "batt" needs no upssched: the countdown is the service's, and upsmon
//     still shuts down at once on low battery. The policy is written as a
//     comment in upsmon.conf (ImportDir reads it back).
//   - POWERDOWNFLAG only in primary mode: only the primary's driver can
//     power the UPS off.
func Render(s nut.Settings, o Options) (Files, error) {
	r := renderer{s: s, o: o}
	files, err := r.render()
	if err != nil {
		return nil, err
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	return files, nil
}

type renderer struct {
	s nut.Settings
	o Options
}

func header(what string) string {
	return Marker + " from its settings: " + what + ".\n" +
		"# Nutmeg replaces this file when its settings are applied; change the settings instead.\n\n"
}

func (r renderer) primary() (bool, error) {
	switch strings.ToLower(r.s.Mode) {
	case nut.ModePrimary, "master", "":
		return true, nil
	case nut.ModeSecondary, "slave":
		return false, nil
	}
	return false, fmt.Errorf("mode: %q is neither primary nor secondary", r.s.Mode)
}

func (r renderer) render() (Files, error) {
	s := r.s
	primary, err := r.primary()
	if err != nil {
		return nil, err
	}
	if !identRe.MatchString(s.Identifier) {
		return nil, fmt.Errorf("identifier: %q: use letters, digits and . , - _", s.Identifier)
	}
	if s.RemotePort < 1 || s.RemotePort > 65535 {
		return nil, fmt.Errorf("remoteport: %d is not a port (1-65535)", s.RemotePort)
	}
	for _, v := range []struct{ field, value string }{
		{"monuser", s.MonUser}, {"monpwd", s.MonPwd}, {"shutdowncmd", s.ShutdownCmd},
		{"driver", s.Driver}, {"port", s.Port}, {"description", s.Description},
		{"remoteuser", s.RemoteUser}, {"remotepwd", s.RemotePwd}, {"remotehost", s.RemoteHost},
	} {
		if err := checkValue(v.field, v.value); err != nil {
			return nil, err
		}
	}
	if s.MonUser == "" {
		return nil, fmt.Errorf("monuser: required")
	}
	if s.MonPwd == "" {
		return nil, fmt.Errorf("monpwd: required")
	}
	if s.HostSync < 0 {
		return nil, fmt.Errorf("hostsync: %d is negative", s.HostSync)
	}
	if s.NoCommWarnTime < 0 {
		return nil, fmt.Errorf("nocommwarntime: %d is negative", s.NoCommWarnTime)
	}
	if r.o.NotifyCmd != "" && !strings.HasPrefix(r.o.NotifyCmd, "/") {
		return nil, fmt.Errorf("render: NotifyCmd %q is not an absolute path", r.o.NotifyCmd)
	}
	for _, v := range []struct{ field, value string }{
		{"NotifyCmd", r.o.NotifyCmd}, {"PowerDownFlag", r.o.PowerDownFlag}, {"RunAsUser", r.o.RunAsUser}, {"StateDir", r.o.StateDir}, {"ShutdownCmd", r.o.ShutdownCmd},
	} {
		if err := checkValue("render option "+v.field, v.value); err != nil {
			return nil, err
		}
	}

	mon, err := r.upsmonConf(primary)
	if err != nil {
		return nil, fmt.Errorf("render upsmon.conf: %w", err)
	}
	mode := "netclient"
	if primary {
		mode = "netserver"
	}
	files := Files{
		{Name: NutConf, Content: header("how NUT runs here") + "MODE=" + mode + "\n"},
		{Name: UPSMonConf, Content: mon, Secret: true},
	}
	if !primary {
		return files, nil
	}
	ups, err := r.upsConf()
	if err != nil {
		return nil, fmt.Errorf("render ups.conf: %w", err)
	}
	upsd, err := r.upsdConf()
	if err != nil {
		return nil, fmt.Errorf("render upsd.conf: %w", err)
	}
	users, err := r.upsdUsers()
	if err != nil {
		return nil, fmt.Errorf("render upsd.users: %w", err)
	}
	return append(files,
		File{Name: UPSConf, Content: ups},
		File{Name: UPSDConf, Content: upsd},
		File{Name: UPSDUsers, Content: users, Secret: true}), nil
}

// freeText checks a free-text field and returns it with exactly one
// trailing newline ("" when empty).
func freeText(field, text string) (string, error) {
	if err := CheckText(field, text); err != nil {
		return "", err
	}
	text = strings.TrimRight(text, "\n")
	if strings.TrimSpace(text) == "" {
		return "", nil
	}
	return text + "\n", nil
}

func (r renderer) upsConf() (string, error) {
	s := r.s
	if s.Driver == "" {
		return "", fmt.Errorf("driver: required in primary mode")
	}
	if s.Port == "" {
		return "", fmt.Errorf("port: required in primary mode")
	}
	var b strings.Builder
	b.WriteString(header("the UPS and its driver"))
	fmt.Fprintf(&b, "[%s]\n", s.Identifier)
	fmt.Fprintf(&b, "\tdriver = %s\n", nutquote.Quote(s.Driver))
	fmt.Fprintf(&b, "\tport = %s\n", nutquote.Quote(s.Port))
	if s.Description != "" {
		fmt.Fprintf(&b, "\tdesc = %s\n", nutquote.Quote(s.Description))
	}
	keys := make([]string, 0, len(s.DriverOptions))
	for k := range s.DriverOptions {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !optKeyRe.MatchString(k) {
			return "", fmt.Errorf("driver_options: %q: names are letters, digits and . - _", k)
		}
		if own, ok := ownUPSKeys[strings.ToLower(k)]; ok {
			return "", fmt.Errorf("driver_options: %s is set by the %s field", k, own)
		}
		v := s.DriverOptions[k]
		if err := checkValue("driver_options "+k, v); err != nil {
			return "", err
		}
		if v == "" {
			fmt.Fprintf(&b, "\t%s\n", k) // a flag
		} else {
			fmt.Fprintf(&b, "\t%s = %s\n", k, nutquote.Quote(v))
		}
	}
	opts, err := freeText(FieldOptions, s.Options)
	if err != nil {
		return "", err
	}
	if opts != "" {
		lines, _ := Parse(opts)
		for _, l := range lines {
			k, _, _, _ := l.KeyValue()
			if _, dup := s.DriverOptions[k]; dup {
				return "", fmt.Errorf("%s: line %d: %s is already in driver_options", FieldOptions, l.Num, k)
			}
		}
		b.WriteString(OptionsMark + "\n" + opts)
	}
	return b.String(), nil
}

func (r renderer) listen() []string {
	switch {
	case len(r.o.Listen) > 0:
		return r.o.Listen
	case r.s.RMonitor:
		// upsd binds in reverse order: "::" first (dual stack, serves IPv4
		// too), then 0.0.0.0 fails with a harmless "not listening" where
		// IPv6 is on, and serves alone where IPv6 is off.
		return []string{"0.0.0.0", "::"}
	}
	return []string{"127.0.0.1", "::1"}
}

func (r renderer) upsdConf() (string, error) {
	var b strings.Builder
	b.WriteString(header("the NUT server"))
	for _, a := range r.listen() {
		if err := checkValue("render option Listen", a); err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "LISTEN %s %d\n", nutquote.Quote(a), r.s.RemotePort)
	}
	opts, err := freeText(FieldOptionsUPSD, r.s.OptionsUPSD)
	if err != nil {
		return "", err
	}
	if opts != "" {
		b.WriteString(OptionsUPSDMark + "\n" + opts)
	}
	return b.String(), nil
}

func (r renderer) upsdUsers() (string, error) {
	s := r.s
	var b strings.Builder
	b.WriteString(header("who may log in to the NUT server"))
	fmt.Fprintf(&b, "%s\n\tpassword = %s\n\tupsmon primary\n", word("["+s.MonUser+"]"), nutquote.Quote(s.MonPwd))
	own := []string{s.MonUser}
	if s.RMonitor {
		if s.RemoteUser == "" {
			return "", fmt.Errorf("remoteuser: required with rmonitor (remote machines log in with their own user)")
		}
		if s.RemotePwd == "" {
			return "", fmt.Errorf("remotepwd: required with rmonitor; generate one, never a well-known default")
		}
		if s.RemoteUser == s.MonUser {
			return "", fmt.Errorf("remoteuser: must differ from monuser (remote machines get secondary rights only)")
		}
		fmt.Fprintf(&b, "\n%s\n\tpassword = %s\n\tupsmon secondary\n", word("["+s.RemoteUser+"]"), nutquote.Quote(s.RemotePwd))
		own = append(own, s.RemoteUser)
	}
	extra, err := freeText(FieldExtraUsers, s.ExtraUsers)
	if err != nil {
		return "", err
	}
	if extra != "" {
		lines, _ := Parse(extra)
		for _, name := range userSections(lines) {
			for _, o := range own {
				if name == o {
					// upsd would ignore the duplicate header and give the
					// lines after it to Nutmeg's user.
					return "", fmt.Errorf("%s: user %s is one of Nutmeg's own users", FieldExtraUsers, name)
				}
			}
		}
		b.WriteString("\n" + ExtraUsersMark + "\n" + extra)
	}
	return b.String(), nil
}

// monitorHost formats host for "ups@host:port" (IPv6 in brackets).
func monitorHost(h string) string {
	if strings.Contains(h, ":") && !strings.HasPrefix(h, "[") {
		return "[" + h + "]"
	}
	return h
}

func (r renderer) upsmonConf(primary bool) (string, error) {
	s, o := r.s, r.o
	host, role := "127.0.0.1", "primary"
	if !primary {
		if s.RemoteHost == "" {
			return "", fmt.Errorf("remotehost: required in secondary mode")
		}
		if !hostRe.MatchString(strings.Trim(s.RemoteHost, "[]")) {
			return "", fmt.Errorf("remotehost: %q is not a host name or address", s.RemoteHost)
		}
		host, role = monitorHost(s.RemoteHost), "secondary"
	}
	var b strings.Builder
	b.WriteString(header("what this machine watches and how it shuts down"))
	system := fmt.Sprintf("%s@%s:%d", s.Identifier, host, s.RemotePort)
	fmt.Fprintf(&b, "MONITOR %s 1 %s %s %s\n", nutquote.Quote(system), nutquote.Quote(s.MonUser), nutquote.Quote(s.MonPwd), role)
	b.WriteString("MINSUPPLIES 1\n")
	cmd := s.EffectiveShutdownCmd()
	if o.ShutdownCmd != "" {
		cmd = o.ShutdownCmd
	}
	fmt.Fprintf(&b, "SHUTDOWNCMD %s\n", nutquote.Quote(cmd))
	if o.RunAsUser != "" {
		fmt.Fprintf(&b, "RUN_AS_USER %s\n", nutquote.Quote(o.RunAsUser))
	}
	fmt.Fprintf(&b, "POLLFREQ %d\nPOLLFREQALERT %d\nDEADTIME %d\n", pollFreq, pollFreqAlert, deadTime)
	fmt.Fprintf(&b, "HOSTSYNC %d\nNOCOMMWARNTIME %d\n", s.HostSync, s.NoCommWarnTime)
	b.WriteString("\n")
	switch strings.ToLower(s.Shutdown) {
	case nut.ShutdownBatt:
		fmt.Fprintf(&b, "# Shutdown: batt, %d s after the UPS goes on battery. Nutmeg's service counts\n", s.ShutdownTimer)
		b.WriteString("# down and then runs \"upsmon -c fsd\"; at low battery upsmon shuts down at once.\n")
	case nut.ShutdownLowBatt, "":
		b.WriteString("# Shutdown: lowbatt, when the UPS reports low battery (NUT's own rule).\n")
	default:
		return "", fmt.Errorf("shutdown: %q is neither lowbatt nor batt", s.Shutdown)
	}
	b.WriteString("# FINALDELAY 0: the tray has shown the countdown, so upsmon adds no wait of its own.\n")
	b.WriteString("FINALDELAY 0\n")
	if s.PowerDown && primary {
		flag := o.PowerDownFlag
		if flag == "" {
			flag = DefaultPowerDownFlag
			if o.StateDir != "" {
				flag = filepath.Join(o.StateDir, "killpower")
			}
		}
		fmt.Fprintf(&b, "POWERDOWNFLAG %s\n", nutquote.Quote(flag))
	}
	b.WriteString("\n")
	flags := "SYSLOG"
	if o.NotifyCmd != "" {
		fmt.Fprintf(&b, "NOTIFYCMD %s\n", nutquote.Quote(o.NotifyCmd))
		flags = "SYSLOG+EXEC"
	}
	for _, ev := range NotifyEvents {
		fmt.Fprintf(&b, "NOTIFYFLAG %s %s\n", ev, flags)
	}
	return b.String(), nil
}
