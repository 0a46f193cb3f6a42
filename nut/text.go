package nut

import (
	"fmt"
	"strings"

	"github.com/nutmeg-ups/nutmeg/nut/nutquote"
)

// Names of the free-text fields (their JSON keys).
const (
	FieldExtraUsers  = "extrausers"
	FieldOptions     = "options"
	FieldOptionsUPSD = "optionsupsd"
)

// upsd.users settings that upsd 2.8.0 knows (server/user.c); it ignores
// others with a notice, which would hide a typo in a permission.
var userKeys = map[string]bool{"password": true, "actions": true, "instcmds": true, "upsmon": true}

// ownUPSKeys are the ups.conf settings Nutmeg writes from its own fields; a
// second copy in options would make the driver and upsd disagree.
var ownUPSKeys = map[string]string{"driver": "driver", "port": "port", "desc": "description"}

// OwnUPSKey returns the field that sets a ups.conf key Nutmeg writes itself
// (driver, port, desc), for the renderer's check of driver options.
func OwnUPSKey(key string) (field string, ok bool) {
	field, ok = ownUPSKeys[strings.ToLower(key)]
	return field, ok
}

// CheckText checks a free-text field with NUT's tokenizer (Parse) and the
// rules of the file it goes into. Empty text is fine. The rules:
//
//   - extrausers (upsd.users): must start with a "[user]" header, so no line
//     can attach a permission to Nutmeg's own users; user names unique;
//     settings are password, actions, instcmds (as "key = value") or
//     "upsmon primary|secondary|master|slave".
//   - options (lines inside this UPS's ups.conf section): no section headers
//     (a header would start another UPS and move the lines after it); each
//     line "key = value" or a lone flag; not driver, port or desc, which have
//     their own fields.
//   - optionsupsd (upsd.conf directives): no section headers (upsd.conf has
//     none). LISTEN is allowed: it adds a listener beside the ones Nutmeg
//     writes (a duplicate address makes upsd log "not listening on", and the
//     first one still serves).
func CheckText(field, text string) error {
	lines, err := nutquote.Parse(text)
	if err != nil {
		return fmt.Errorf("%s: %w", field, err)
	}
	switch field {
	case FieldExtraUsers:
		return checkUsers(lines)
	case FieldOptions:
		for _, l := range lines {
			if name, ok := l.Section(); ok {
				return fmt.Errorf("%s: line %d: [%s] would start another section; options go into this UPS's section only", field, l.Num, name)
			}
			key, _, _, ok := l.KeyValue()
			if !ok {
				return fmt.Errorf("%s: line %d: expected \"name = value\" or a single flag", field, l.Num)
			}
			if own, ok := ownUPSKeys[strings.ToLower(key)]; ok {
				return fmt.Errorf("%s: line %d: %s is set by the %s field", field, l.Num, key, own)
			}
		}
		return nil
	case FieldOptionsUPSD:
		for _, l := range lines {
			if name, ok := l.Section(); ok {
				return fmt.Errorf("%s: line %d: [%s]: upsd.conf has no sections", field, l.Num, name)
			}
		}
		return nil
	}
	return fmt.Errorf("%s: not a free-text field", field)
}

func checkUsers(lines []nutquote.Line) error {
	seen := map[string]bool{}
	for i, l := range lines {
		if name, ok := l.Section(); ok {
			if name == "" {
				return fmt.Errorf("%s: line %d: empty user name", FieldExtraUsers, l.Num)
			}
			if seen[name] {
				// upsd ignores the second header and adds the lines after it
				// to the user before: a silent grant.
				return fmt.Errorf("%s: line %d: user %s is defined twice", FieldExtraUsers, l.Num, name)
			}
			seen[name] = true
			continue
		}
		if i == 0 {
			return fmt.Errorf("%s: line %d: must start with a [user] header (lines before it would belong to the user above)", FieldExtraUsers, l.Num)
		}
		if strings.EqualFold(l.Args[0], "upsmon") && len(l.Args) == 2 {
			switch strings.ToLower(l.Args[1]) {
			case "primary", "secondary", "master", "slave":
				continue
			}
			return fmt.Errorf("%s: line %d: upsmon takes primary or secondary", FieldExtraUsers, l.Num)
		}
		key, _, hasValue, ok := l.KeyValue()
		if !ok && len(l.Args) > 3 && l.Args[1] == "=" {
			// "actions = SET FSD": NUT applies each value.
			key, hasValue, ok = l.Args[0], true, true
		}
		if !ok || !hasValue {
			return fmt.Errorf("%s: line %d: expected \"name = value\" or \"upsmon primary|secondary\"", FieldExtraUsers, l.Num)
		}
		if !userKeys[strings.ToLower(key)] {
			return fmt.Errorf("%s: line %d: upsd does not know %q (password, actions, instcmds, upsmon)", FieldExtraUsers, l.Num, key)
		}
	}
	return nil
}
