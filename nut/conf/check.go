package conf

import (
	"github.com/nutmeg-ups/nutmeg/nut"
)

// The free-text fields' names (their JSON keys); nut.CheckText holds their
// rules, which Settings.Validate applies.
const (
	FieldExtraUsers  = nut.FieldExtraUsers
	FieldOptions     = nut.FieldOptions
	FieldOptionsUPSD = nut.FieldOptionsUPSD
)

// CheckText checks a free-text field with NUT's tokenizer and the rules of
// the file it goes into (nut.CheckText).
func CheckText(field, text string) error { return nut.CheckText(field, text) }

// userSections returns the user names that text defines, in order.
func userSections(lines []Line) []string {
	var names []string
	for _, l := range lines {
		if name, ok := l.Section(); ok {
			names = append(names, name)
		}
	}
	return names
}
