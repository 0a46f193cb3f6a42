// Package nutquote writes a value as one word that NUT 2.8's tokenizer
// (common/parseconf.c) reads back unchanged. upsd reads its config files and
// its clients' command lines (USERNAME, PASSWORD) with that same tokenizer,
// so the config renderer (nut/conf), the upsd client (nut/client) and the
// test labs all escape through this one rule instead of each keeping a copy.
package nutquote

import "strings"

// Escape puts a backslash before '\', '"' and '#': the characters that NUT
// 2.8 needs escaped inside double quotes (pconf_encode's set; an unescaped
// '#' inside quotes is a parse error in 2.8.0, "Unbalanced word due to
// unescaped # in quotes"). The backslash escapes them outside quotes too,
// which a bare section header such as [us"er] needs.
func Escape(v string) string {
	if !strings.ContainsAny(v, `\"#`) {
		return v
	}
	var b strings.Builder
	b.Grow(len(v) + 4)
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '\\', '"', '#':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Quote writes v as one double-quoted, escaped NUT word. It does not judge
// the characters: NUT drops control and non-ASCII bytes, and a newline would
// end the line, so callers refuse those first (nut/conf's checkValue, the
// client's Login).
func Quote(v string) string {
	return `"` + Escape(v) + `"`
}
