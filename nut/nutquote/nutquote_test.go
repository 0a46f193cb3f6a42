package nutquote_test

import (
	"strings"
	"testing"

	"github.com/nutmeg-ups/nutmeg/nut/conf"
	"github.com/nutmeg-ups/nutmeg/nut/nutquote"
)

// Every printable ASCII string, quoted, parses back to itself as one word
// with NUT's tokenizer (conf.Parse, which the daemon tests hold to upsd), and
// never holds a '#' without its backslash.
func TestQuoteParsesBack(t *testing.T) {
	var all strings.Builder
	for c := byte(' '); c < 0x7f; c++ {
		all.WriteByte(c)
	}
	for _, v := range []string{"", "plain", all.String(), `\`, `"`, "#", "=", "[x]", `\"#`, `a b#c=d\e"f'g`, " lead", "trail\\", `\#`} {
		q := nutquote.Quote(v)
		lines, err := conf.Parse("k " + q + "\n")
		if err != nil {
			t.Fatalf("Parse(%q): %v", q, err)
		}
		if len(lines) != 1 || len(lines[0].Args) != 2 || lines[0].Args[1] != v {
			t.Fatalf("%q quoted as %q parses to %v", v, q, lines)
		}
		if strings.Count(q, "#") != strings.Count(q, `\#`) {
			t.Fatalf("%q quoted as %q leaves a # unescaped", v, q)
		}
	}
}

// Escape alone: a bare word with escapes reads back too (section headers).
func TestEscapeBareWord(t *testing.T) {
	for _, v := range []string{`us"er`, `a#b`, `back\slash`, `[x]`} {
		lines, err := conf.Parse(nutquote.Escape(v) + "\n")
		if err != nil {
			t.Fatalf("Parse(%q): %v", nutquote.Escape(v), err)
		}
		if len(lines) != 1 || len(lines[0].Args) != 1 || lines[0].Args[0] != v {
			t.Fatalf("%q escaped as %q parses to %v", v, nutquote.Escape(v), lines)
		}
	}
}
