package conf

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/nutmeg-ups/nutmeg/nut"
)

// probeKeys are ups.conf settings that say which device the driver talks to:
// a hand-written config's copies go to driver_options, everything else to
// the options text.
var probeKeys = map[string]bool{
	"vendorid": true, "productid": true, "vendor": true, "product": true, "serial": true,
	"bus": true, "busport": true, "device": true, "subdriver": true, "protocol": true,
	"langid_fix": true, "upstype": true, "cable": true,
}

var (
	battRe    = regexp.MustCompile(`(?m)^# Shutdown: batt, (\d+) s `)
	lowBattRe = regexp.MustCompile(`(?m)^# Shutdown: lowbatt,`)
)

// ImportDir reads a NUT config dir (nut.conf, ups.conf, upsd.conf,
// upsd.users, upsmon.conf) into settings, starting from nut.Defaults()
// without its generated passwords. The passwords found (monpwd from
// MONITOR, remotepwd from upsd.users) are in the json:"-" fields: the
// caller moves them to the keyring.
//
// It reads the first MONITOR line of upsmon.conf (mode from its primary /
// master / secondary / slave, else from nut.conf's MODE), the ups.conf
// section that MONITOR names (else the first), LISTEN lines (any address
// other than loopback means Remote Monitor), and the user sections of
// upsd.users. Files Nutmeg wrote come back exactly (the free texts are kept
// after their marker comments, and the shutdown policy comment is read
// back). In a hand-written config: the monitor user's section is reduced to
// its password; the other users become extrausers; ups.conf settings
// other than driver, port and desc go to driver_options when they select the
// device (vendorid, productid, serial, ...) and to options otherwise;
// upsd.conf directives other than LISTEN go to optionsupsd; ups.conf's
// global settings and loopback or LAN-specific LISTEN addresses are not
// kept; the shutdown policy is lowbatt (NUT's own rule).
func ImportDir(dir string) (nut.Settings, error) {
	s := nut.Defaults()
	s.MonPwd, s.RemotePwd = "", ""
	s.Shutdown = nut.ShutdownLowBatt

	read := func(name string) (string, bool, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			return "", false, nil
		}
		if err != nil {
			return "", false, fmt.Errorf("import: %w", err)
		}
		return string(b), true, nil
	}
	parse := func(name, text string) ([]Line, error) {
		lines, err := Parse(text)
		if err != nil {
			return nil, fmt.Errorf("import %s: %w", name, err)
		}
		return lines, nil
	}

	// nut.conf is a shell fragment; MODE=x and MODE="x" tokenize alike.
	nutMode := ""
	if text, ok, err := read(NutConf); err != nil {
		return s, err
	} else if ok {
		lines, err := parse(NutConf, text)
		if err != nil {
			return s, err
		}
		for _, l := range lines {
			if k, v, has, ok := l.KeyValue(); ok && has && k == "MODE" {
				nutMode = v
			}
		}
	}

	mon, ok, err := read(UPSMonConf)
	if err != nil {
		return s, err
	}
	if !ok {
		return s, fmt.Errorf("import: no %s in %s: nothing monitors a UPS there", UPSMonConf, dir)
	}
	monLines, err := parse(UPSMonConf, mon)
	if err != nil {
		return s, err
	}
	var monitor []string
	for _, l := range monLines {
		a := l.Args
		arg := func() string {
			if len(a) > 1 {
				return a[1]
			}
			return ""
		}
		switch a[0] {
		case "MONITOR":
			if monitor == nil {
				if len(a) < 6 {
					return s, fmt.Errorf("import %s: line %d: MONITOR needs system, power value, user, password and type", UPSMonConf, l.Num)
				}
				monitor = a
			}
		case "SHUTDOWNCMD":
			s.ShutdownCmd = arg()
			if s.ShutdownCmd == nut.DefaultShutdownCmd() {
				s.ShutdownCmd = ""
			}
		case "HOSTSYNC", "NOCOMMWARNTIME":
			n, err := strconv.Atoi(arg())
			if err != nil {
				return s, fmt.Errorf("import %s: line %d: %s: %q is not a number", UPSMonConf, l.Num, a[0], arg())
			}
			if a[0] == "HOSTSYNC" {
				s.HostSync = n
			} else {
				s.NoCommWarnTime = n
			}
		case "POWERDOWNFLAG":
			s.PowerDown = true
		}
	}
	if monitor == nil {
		return s, fmt.Errorf("import %s: no MONITOR line", UPSMonConf)
	}
	ups, host, port, err := splitSystem(monitor[1])
	if err != nil {
		return s, fmt.Errorf("import %s: MONITOR: %w", UPSMonConf, err)
	}
	s.Identifier, s.RemotePort = ups, port
	s.MonUser, s.MonPwd = monitor[3], monitor[4]
	switch strings.ToLower(monitor[5]) {
	case "primary", "master":
		s.Mode = nut.ModePrimary
	case "secondary", "slave":
		s.Mode = nut.ModeSecondary
	default:
		switch nutMode {
		case "netclient":
			s.Mode = nut.ModeSecondary
		default:
			s.Mode = nut.ModePrimary
		}
	}
	if m := battRe.FindStringSubmatch(mon); m != nil {
		s.Shutdown = nut.ShutdownBatt
		s.ShutdownTimer, _ = strconv.Atoi(m[1])
	} else if lowBattRe.MatchString(mon) {
		s.Shutdown = nut.ShutdownLowBatt
	}
	if s.Mode == nut.ModeSecondary {
		s.RemoteHost = host
		s.PowerDown = false // only a primary powers the UPS off
		return s, nil
	}

	if err := importUPS(&s, read, parse); err != nil {
		return s, err
	}
	if err := importUPSD(&s, read, parse); err != nil {
		return s, err
	}
	if err := importUsers(&s, read, parse); err != nil {
		return s, err
	}
	return s, nil
}

type readFunc func(name string) (string, bool, error)
type parseFunc func(name, text string) ([]Line, error)

// splitMark splits a Nutmeg-written file at a free-text marker line: the
// lines before it, and the free text after it. nutmeg is false for a
// hand-written file (no Marker at the top).
func splitMark(text, mark string) (own, extra string, nutmeg bool) {
	nutmeg = strings.HasPrefix(text, Marker)
	if !nutmeg {
		return text, "", false
	}
	if i := strings.Index(text, "\n"+mark+"\n"); i >= 0 {
		return text[:i+1], strings.TrimSuffix(text[i+len(mark)+2:], "\n"), true
	}
	return text, "", true
}

func importUPS(s *nut.Settings, read readFunc, parse parseFunc) error {
	text, ok, err := read(UPSConf)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("import: no %s: a primary needs its UPS's driver", UPSConf)
	}
	own, extra, nutmeg := splitMark(text, OptionsMark)
	lines, err := parse(UPSConf, own)
	if err != nil {
		return err
	}
	// The section MONITOR names, else the first.
	sections := map[string][]Line{}
	var order []string
	cur := ""
	for _, l := range lines {
		if name, ok := l.Section(); ok {
			cur = name
			if _, dup := sections[name]; !dup {
				order = append(order, name)
				sections[name] = nil
			}
			continue
		}
		if cur != "" {
			sections[cur] = append(sections[cur], l)
		}
	}
	if len(order) == 0 {
		return fmt.Errorf("import %s: no [ups] section", UPSConf)
	}
	if _, ok := sections[s.Identifier]; !ok {
		s.Identifier = order[0]
	}
	s.DriverOptions = map[string]string{}
	var opts []string
	for _, l := range sections[s.Identifier] {
		k, v, _, ok := l.KeyValue()
		if !ok {
			continue // NUT ignores these too
		}
		switch strings.ToLower(k) {
		case "driver":
			s.Driver = v
		case "port":
			s.Port = v
		case "desc":
			s.Description = v
		default:
			if nutmeg || probeKeys[strings.ToLower(k)] {
				s.DriverOptions[k] = v
			} else {
				opts = append(opts, formatLine(l.Args))
			}
		}
	}
	if len(s.DriverOptions) == 0 {
		s.DriverOptions = nil
	}
	if nutmeg {
		s.Options = extra
	} else {
		s.Options = strings.Join(opts, "\n")
	}
	return nil
}

func importUPSD(s *nut.Settings, read readFunc, parse parseFunc) error {
	text, ok, err := read(UPSDConf)
	if err != nil || !ok {
		return err // upsd's default: loopback on 3493
	}
	own, extra, nutmeg := splitMark(text, OptionsUPSDMark)
	lines, err := parse(UPSDConf, own)
	if err != nil {
		return err
	}
	var opts []string
	portSet := false
	for _, l := range lines {
		if l.Args[0] != "LISTEN" {
			opts = append(opts, formatLine(l.Args))
			continue
		}
		if len(l.Args) < 2 {
			continue
		}
		if ip := net.ParseIP(l.Args[1]); ip == nil || !ip.IsLoopback() {
			s.RMonitor = true // a wildcard, a LAN address or a host name
		}
		if len(l.Args) > 2 && !portSet {
			p, err := strconv.Atoi(l.Args[2])
			if err != nil {
				return fmt.Errorf("import %s: line %d: LISTEN port %q is not a number", UPSDConf, l.Num, l.Args[2])
			}
			s.RemotePort, portSet = p, true
		}
	}
	if nutmeg {
		s.OptionsUPSD = extra
	} else {
		s.OptionsUPSD = strings.Join(opts, "\n")
	}
	return nil
}

func importUsers(s *nut.Settings, read readFunc, parse parseFunc) error {
	text, ok, err := read(UPSDUsers)
	if err != nil || !ok {
		return err
	}
	own, extra, nutmeg := splitMark(text, ExtraUsersMark)
	lines, err := parse(UPSDUsers, own)
	if err != nil {
		return err
	}
	type user struct {
		name, pwd string
		secondary bool
		lines     []Line
	}
	var users []*user
	for _, l := range lines {
		if name, ok := l.Section(); ok {
			users = append(users, &user{name: name, lines: []Line{l}})
			continue
		}
		if len(users) == 0 {
			continue
		}
		u := users[len(users)-1]
		u.lines = append(u.lines, l)
		if k, v, has, ok := l.KeyValue(); ok && has && strings.EqualFold(k, "password") {
			u.pwd = v
		}
		if len(l.Args) == 2 && strings.EqualFold(l.Args[0], "upsmon") {
			switch strings.ToLower(l.Args[1]) {
			case "secondary", "slave":
				u.secondary = true
			}
		}
	}
	var rest []string
	remote := false
	for _, u := range users {
		switch {
		case u.name == s.MonUser:
			if s.MonPwd == "" {
				s.MonPwd = u.pwd
			}
		case nutmeg && u.secondary && !remote:
			s.RemoteUser, s.RemotePwd, remote = u.name, u.pwd, true
		default:
			for i, l := range u.lines {
				ind := "\t"
				if i == 0 {
					ind = ""
				}
				rest = append(rest, ind+formatLine(l.Args))
			}
		}
	}
	if nutmeg {
		s.ExtraUsers = extra
	} else {
		s.ExtraUsers = strings.Join(rest, "\n")
	}
	return nil
}

// splitSystem splits MONITOR's "ups@host[:port]" (host may be "[v6]").
func splitSystem(sys string) (ups, host string, port int, err error) {
	at := strings.IndexByte(sys, '@')
	if at <= 0 {
		return "", "", 0, fmt.Errorf("%q is not ups@host[:port]", sys)
	}
	ups, hp := sys[:at], sys[at+1:]
	port = nut.DefaultRemotePort
	switch {
	case strings.HasPrefix(hp, "["):
		end := strings.IndexByte(hp, ']')
		if end < 0 {
			return "", "", 0, fmt.Errorf("%q: unclosed [", sys)
		}
		host, hp = hp[1:end], hp[end+1:]
		if strings.HasPrefix(hp, ":") {
			hp = hp[1:]
		} else {
			hp = ""
		}
	case strings.Count(hp, ":") == 1:
		i := strings.IndexByte(hp, ':')
		host, hp = hp[:i], hp[i+1:]
	default:
		host, hp = hp, ""
	}
	if hp != "" {
		port, err = strconv.Atoi(hp)
		if err != nil || port < 1 || port > 65535 {
			return "", "", 0, fmt.Errorf("%q: bad port", sys)
		}
	}
	return ups, host, port, nil
}

// HandWritten lists the NUT config files in dir that Nutmeg did not write
// and that hold at least one directive: a caller must not overwrite them
// silently (offer ImportDir instead). Files with comments only, and a dir
// where NUT is installed but not set up (see Unconfigured: Debian's stock
// files, which hold defaults such as maxretry and SHUTDOWNCMD but no UPS)
// do not count: nothing there is in use, and Install keeps them anyway.
func HandWritten(dir string) ([]string, error) {
	if un, err := Unconfigured(dir); err != nil || un {
		return nil, err
	}
	var out []string
	for _, name := range ManagedNames {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("check %s: %w", name, err)
		}
		text := string(b)
		if strings.HasPrefix(text, Marker) {
			continue
		}
		lines, err := Parse(text)
		if err != nil {
			out = append(out, name) // unreadable to us, but something is there
			continue
		}
		if name == NutConf && len(lines) == 1 {
			if k, v, has, ok := lines[0].KeyValue(); ok && has && k == "MODE" && v == "none" {
				continue
			}
		}
		if len(lines) > 0 {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out, nil
}

// Unconfigured reports whether dir holds NUT as its package installed it,
// not set up: nut.conf says MODE=none (or is missing), upsmon.conf has no
// MONITOR line, and ups.conf and upsd.users define no section. Other
// directives (Debian ships maxretry, SHUTDOWNCMD, POLLFREQ, ...) do not
// matter: with MODE=none and nothing to monitor, NUT runs nothing. A file
// Nutmeg wrote, or one that does not parse, means it is not this state.
func Unconfigured(dir string) (bool, error) {
	for _, name := range ManagedNames {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("check %s: %w", name, err)
		}
		if strings.HasPrefix(string(b), Marker) {
			return false, nil
		}
		lines, err := Parse(string(b))
		if err != nil {
			return false, nil
		}
		for _, l := range lines {
			switch name {
			case NutConf:
				if k, v, has, ok := l.KeyValue(); ok && has && k == "MODE" && v != "none" {
					return false, nil
				}
			case UPSMonConf:
				if l.Args[0] == "MONITOR" {
					return false, nil
				}
			case UPSConf, UPSDUsers:
				if _, ok := l.Section(); ok {
					return false, nil
				}
			}
		}
	}
	return true, nil
}

// Managed reports whether dir holds no hand-written NUT config (see
// HandWritten): Install may replace what is there.
func Managed(dir string) (bool, error) {
	hw, err := HandWritten(dir)
	return len(hw) == 0, err
}
