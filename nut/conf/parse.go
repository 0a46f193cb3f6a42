// Package conf renders NUT's configuration files from Nutmeg's settings,
// reads existing NUT configs back into settings, checks the free-text fields
// with the same tokenizer NUT uses, and installs files atomically with a
// backup of the previous set (docs/architecture.md, NUT files).
package conf

import (
	"fmt"
	"strings"

	"github.com/nutmeg-ups/nutmeg/nut/nutquote"
)

// Line is one logical line of a NUT config file (nutquote.Parse).
type Line = nutquote.Line

// ParseError is a line that NUT would misread.
type ParseError = nutquote.ParseError

// Parse reads text as NUT 2.8's parseconf does (nutquote.Parse).
func Parse(text string) ([]Line, error) { return nutquote.Parse(text) }

// checkValue refuses what cannot be written into a NUT file as typed:
// control characters (a newline would end the directive) and non-ASCII
// (NUT 2.8 drops those bytes).
func checkValue(field, v string) error {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < 0x20 || c == 0x7f {
			return fmt.Errorf("%s: control character 0x%02x is not allowed", field, c)
		}
		if c > 0x7f {
			return fmt.Errorf("%s: only ASCII characters are allowed (NUT 2.8 drops the others)", field)
		}
	}
	return nil
}

// word writes v bare when NUT reads it back unchanged, else quoted with
// nutquote.Quote (so v must have passed checkValue). Used for
// section headers and re-written lines, where bare words read better.
func word(v string) string {
	if v == "" {
		return `""`
	}
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c <= ' ', c >= 0x7f, c == '"', c == '#', c == '\\', c == '=':
			return nutquote.Quote(v)
		}
	}
	return v
}

// formatLine writes parsed words back as one line that parses to the same
// words.
func formatLine(args []string) string {
	ws := make([]string, len(args))
	for i, a := range args {
		if i == 1 && a == "=" && len(args) == 3 {
			ws[i] = "=" // the split "key = value" form
			continue
		}
		ws[i] = word(a)
	}
	return strings.Join(ws, " ")
}
