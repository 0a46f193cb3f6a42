package notify

import (
	"strings"
	"time"
)

// DateLayout is how %d and the mail body write a time.
const DateLayout = "2006-01-02 15:04:05 -0700"

// Subject expands the settings' subject template: %d is the date (t, in
// DateLayout), %h the host name, %% a literal %. Any other %x, and a lone %
// at the end, stay as written. Line breaks become spaces, so a template can
// never add a mail header.
func Subject(tmpl string, t time.Time, host string) string {
	var b strings.Builder
	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		if c != '%' || i+1 == len(tmpl) {
			b.WriteByte(c)
			continue
		}
		switch tmpl[i+1] {
		case 'd':
			b.WriteString(t.Format(DateLayout))
		case 'h':
			b.WriteString(host)
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte(c)
			continue
		}
		i++
	}
	return oneLine(b.String())
}

// oneLine turns CR, LF and other line separators into spaces.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '\r', '\n', '\v', '\f', '\u0085', '\u2028', '\u2029':
			return ' '
		}
		return r
	}, s)
}
