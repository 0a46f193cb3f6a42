package nut

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// The NAS's UPS settings, as its API returns them (`midclt call ups.config`,
// or the REST API's GET /api/v2.0/ups). Based on the public source of
// truenas/middleware:
//   - src/middlewared/middlewared/plugins/ups.py (TrueNAS 12/13 and early
//     SCALE): the services_ups table, ups_config_extend (mode and shutdown
//     upper-cased, toemail split on ';' into a list, complete_identifier
//     added) and the do_update schema (nocommwarntime and shutdowncmd may be
//     null; remoteport 1–65535; hostsync ≥ 0).
//   - src/middlewared/middlewared/api/v25_04_0/ups.py and
//     plugins/ups/config.py (later SCALE): the same keys without
//     emailnotify, toemail and subject, which were removed.
//   - plugins/ups/utils.py: driver strings are driver_choices keys,
//     "<driver>[ <opt>=<val>]$<model>", e.g. "usbhid-ups$Back-UPS ES 700"
//     or "genericups upstype=16$Elite 2002".
//
// Default monpwd there is "fixmepass".

// nasKind is the JSON type a NAS key must have.
type nasKind int

const (
	nasString nasKind = iota
	nasInt
	nasBool
	nasList // toemail: a list of strings (or the database's ';'-joined string)
)

// nasKeys are the keys of ups.config that Nutmeg reads, with their types.
// "id" and "complete_identifier" are known and ignored.
var nasKeys = map[string]nasKind{
	"identifier": nasString, "mode": nasString, "driver": nasString, "port": nasString,
	"remotehost": nasString, "remoteport": nasInt, "monuser": nasString, "monpwd": nasString,
	"extrausers": nasString, "rmonitor": nasBool, "shutdown": nasString, "shutdowntimer": nasInt,
	"shutdowncmd": nasString, "powerdown": nasBool, "emailnotify": nasBool, "toemail": nasList,
	"subject": nasString, "nocommwarntime": nasInt, "hostsync": nasInt, "description": nasString,
	"options": nasString, "optionsupsd": nasString,
	"id": nasInt, "complete_identifier": nasString,
}

// TrueNASImport is the result of reading a NAS's UPS settings.
type TrueNASImport struct {
	Settings Settings
	// MonPwdReplaced is true when Settings.MonPwd is not the NAS's password
	// but a generated one: in primary mode the NAS used its well-known
	// default "fixmepass" (or gave none). Tell the user: machines that logged
	// in with the old one need the new credentials.
	MonPwdReplaced bool
	// Notes are sentences for the user about what changed on the way in.
	Notes []string
}

// ImportTrueNAS reads the JSON of a NAS's `ups.config` API call into
// normalized settings (see ParseTrueNAS, which also says whether the
// well-known password was replaced).
func ImportTrueNAS(data []byte) (Settings, error) {
	imp, err := ParseTrueNAS(data)
	return imp.Settings, err
}

// ParseTrueNAS reads the JSON of a NAS's `ups.config` API call (also accepted
// inside a JSON-RPC reply's "result"). Keys Nutmeg does not know are
// ignored; a known key with the wrong type is an error naming the key. null
// means "the NAS default", which is Nutmeg's default too. The monitor
// password lands in Settings.MonPwd, in memory only: the caller stores it in
// the keyring. In primary mode the well-known "fixmepass" is replaced by a
// generated password; in secondary mode it is the server's password and
// stays, with a note. With Remote Monitor on, remote machines get their own
// user and a generated password instead of the primary's credentials.
func ParseTrueNAS(data []byte) (TrueNASImport, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil || raw == nil {
		if err == nil {
			err = errors.New("null")
		}
		return TrueNASImport{}, fmt.Errorf("NAS UPS settings: want a JSON object: %w", err)
	}
	if _, ok := raw["identifier"]; !ok {
		if res, ok := raw["result"]; ok {
			var inner map[string]json.RawMessage
			if json.Unmarshal(res, &inner) == nil && inner != nil {
				raw = inner
			}
		}
	}
	if _, ok := raw["identifier"]; !ok {
		return TrueNASImport{}, errors.New(`NAS UPS settings: no "identifier" key; want the output of the NAS's ups.config call`)
	}
	s := storedDefaults()
	if err := applyNAS(raw, &s); err != nil {
		return TrueNASImport{}, fmt.Errorf("NAS UPS settings: %w", err)
	}
	s.Normalize()

	imp := TrueNASImport{}
	switch {
	case s.Mode == ModePrimary && s.MonPwd == WellKnownPassword:
		s.MonPwd = GeneratePassword()
		imp.MonPwdReplaced = true
		imp.Notes = append(imp.Notes, "The NAS used its well-known monitor password; Nutmeg generated a new one and keeps it in the keyring.")
	case s.Mode == ModePrimary && s.MonPwd == "":
		s.MonPwd = GeneratePassword()
		imp.MonPwdReplaced = true
		imp.Notes = append(imp.Notes, "The NAS's settings had no monitor password; Nutmeg generated one and keeps it in the keyring.")
	case s.Mode == ModeSecondary && s.MonPwd == WellKnownPassword:
		imp.Notes = append(imp.Notes, fmt.Sprintf("The server %s uses the well-known password \"fixmepass\": anyone on its network can log in with it and shut its machines down. Change it there, then here.", s.RemoteHost))
	}
	s.RemotePwd = GeneratePassword()
	if s.Mode == ModePrimary && s.RMonitor {
		imp.Notes = append(imp.Notes, fmt.Sprintf("Remote Monitor is on: other machines now log in as %q with a generated password (secondary rights only), not with the monitor user's credentials.", s.RemoteUser))
	}
	imp.Settings = s
	return imp, nil
}

// applyNAS sets the NAS-shaped keys present in raw onto s, checking each
// key's type. Every wrongly typed key is reported.
func applyNAS(raw map[string]json.RawMessage, s *Settings) error {
	var errs []error
	for key, kind := range nasKeys {
		v, ok := raw[key]
		if !ok || bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			continue // absent or null: keep the default
		}
		if err := setNAS(s, key, kind, v); err != nil {
			if slices.Contains(secretKeys, key) {
				// The message could quote the value; a password never shows.
				err = errors.New("want a string")
			}
			errs = append(errs, fmt.Errorf("key %q: %w", key, err))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	// Map order is random; sort so the report is stable.
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return errors.Join(errs...)
}

func setNAS(s *Settings, key string, kind nasKind, v json.RawMessage) error {
	var (
		str string
		n   int
		b   bool
		l   []string
	)
	var x any
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	if err := dec.Decode(&x); err != nil {
		return err
	}
	switch kind {
	case nasString:
		var ok bool
		if str, ok = x.(string); !ok {
			return fmt.Errorf("want a string, got %s", describe(x))
		}
	case nasInt:
		var err error
		if n, err = jsonInt(v); err != nil {
			return err
		}
	case nasBool:
		var ok bool
		if b, ok = x.(bool); !ok {
			return fmt.Errorf("want true or false, got %s", describe(x))
		}
	case nasList:
		switch t := x.(type) {
		case string: // the database's form: addresses joined with ';'
			l = strings.Split(t, ";")
		case []any:
			for i, e := range t {
				a, ok := e.(string)
				if !ok {
					return fmt.Errorf("item %d: want a string, got %s", i, describe(e))
				}
				l = append(l, a)
			}
		default:
			return fmt.Errorf("want a list of addresses, got %s", describe(x))
		}
	}
	switch key {
	case "identifier":
		s.Identifier = str
	case "mode":
		s.Mode = str
	case "driver":
		s.Driver = str
	case "port":
		s.Port = str
	case "remotehost":
		s.RemoteHost = str
	case "remoteport":
		s.RemotePort = n
	case "monuser":
		s.MonUser = str
	case "monpwd":
		s.MonPwd = str
	case "extrausers":
		s.ExtraUsers = str
	case "rmonitor":
		s.RMonitor = b
	case "shutdown":
		s.Shutdown = str
	case "shutdowntimer":
		s.ShutdownTimer = n
	case "shutdowncmd":
		s.ShutdownCmd = str
	case "powerdown":
		s.PowerDown = b
	case "emailnotify":
		s.EmailNotify = b
	case "toemail":
		s.ToEmail = l
	case "subject":
		s.Subject = str
	case "nocommwarntime":
		s.NoCommWarnTime = n
	case "hostsync":
		s.HostSync = n
	case "description":
		s.Description = str
	case "options":
		s.Options = str
	case "optionsupsd":
		s.OptionsUPSD = str
	}
	return nil
}
