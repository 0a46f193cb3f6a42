package client

import (
	"errors"
	"fmt"
	"strings"

	"github.com/nutmeg-ups/nutmeg/nut/nutquote"
)

// ProtocolError is an "ERR <CODE>" answer from upsd. The connection is still
// usable after one: upsd answered, it just said no.
type ProtocolError struct {
	Code    string // ACCESS-DENIED, DATA-STALE, UNKNOWN-UPS, ...
	Extra   string // anything upsd added after the code
	Command string // the command's first words (never a password)
}

func (e *ProtocolError) Error() string {
	msg := errorText[e.Code]
	if msg == "" {
		msg = "upsd error"
	}
	s := fmt.Sprintf("%s: upsd says %s (%s)", e.Command, e.Code, msg)
	if e.Extra != "" {
		s += ": " + e.Extra
	}
	return s
}

// The codes of NUT's network protocol (docs/net-protocol.txt), in words a user
// can act on.
var errorText = map[string]string{
	"ACCESS-DENIED":          "this user or host is not allowed to do that",
	"UNKNOWN-UPS":            "no UPS of that name on this server",
	"VAR-NOT-SUPPORTED":      "the UPS does not have that variable",
	"CMD-NOT-SUPPORTED":      "the UPS does not support that command",
	"INVALID-ARGUMENT":       "invalid argument",
	"INSTCMD-FAILED":         "the driver did not take the command",
	"SET-FAILED":             "the driver did not take the new value",
	"READONLY":               "the variable is read-only",
	"TOO-LONG":               "the value is too long",
	"FEATURE-NOT-SUPPORTED":  "the server does not support that feature",
	"FEATURE-NOT-CONFIGURED": "the server is not configured for that feature",
	"ALREADY-SSL-MODE":       "TLS is already on",
	"DRIVER-NOT-CONNECTED":   "the UPS driver is not running or not connected to upsd",
	"DATA-STALE":             "the driver has lost contact with the UPS (data stale)",
	"ALREADY-LOGGED-IN":      "already logged in",
	"INVALID-PASSWORD":       "invalid password",
	"ALREADY-SET-PASSWORD":   "password already sent",
	"INVALID-USERNAME":       "invalid user name",
	"ALREADY-SET-USERNAME":   "user name already sent",
	"USERNAME-REQUIRED":      "log in first (no user name)",
	"PASSWORD-REQUIRED":      "log in first (no password)",
	"UNKNOWN-COMMAND":        "the server does not know that command",
	"INVALID-VALUE":          "invalid value",
}

func codeIs(err error, codes ...string) bool {
	var pe *ProtocolError
	if !errors.As(err, &pe) {
		return false
	}
	for _, c := range codes {
		if pe.Code == c {
			return true
		}
	}
	return false
}

// IsStale reports upsd's DATA-STALE: the driver runs but has lost the UPS.
func IsStale(err error) bool { return codeIs(err, "DATA-STALE") }

// IsDriverNotConnected reports DRIVER-NOT-CONNECTED: no driver behind upsd.
func IsDriverNotConnected(err error) bool { return codeIs(err, "DRIVER-NOT-CONNECTED") }

// IsUnknownUPS reports UNKNOWN-UPS.
func IsUnknownUPS(err error) bool { return codeIs(err, "UNKNOWN-UPS") }

// IsAccessDenied reports ACCESS-DENIED and the login errors that mean the
// same to a user (wrong or missing credentials).
func IsAccessDenied(err error) bool {
	return codeIs(err, "ACCESS-DENIED", "INVALID-PASSWORD", "INVALID-USERNAME", "USERNAME-REQUIRED", "PASSWORD-REQUIRED")
}

// IsCommLost reports the errors that mean "upsd is there but has no fresh
// data for the UPS" (NUT's COMMBAD), as opposed to a failed connection.
// ErrNoDataYet counts too.
func IsCommLost(err error) bool {
	return errors.Is(err, ErrNoDataYet) || codeIs(err, "DATA-STALE", "DRIVER-NOT-CONNECTED")
}

// parseErr turns an "ERR CODE [extra]" line into a *ProtocolError, or nil.
func parseErr(line, command string) error {
	rest, ok := strings.CutPrefix(line, "ERR ")
	if !ok {
		return nil
	}
	code, extra, _ := strings.Cut(rest, " ")
	return &ProtocolError{Code: code, Extra: strings.TrimSpace(extra), Command: command}
}

// splitWords splits one line of upsd's answer into words with NUT's quoting
// rules (common/parseconf.c): words are separated by spaces or tabs, a
// double-quoted word may contain spaces, and a backslash makes the next
// character literal (upsd escapes `"` and `\` so). An empty "" is an empty
// word. An unterminated quote is an error: the line is not what upsd sends.
func splitWords(line string) ([]string, error) {
	words := make([]string, 0, 4)
	var b strings.Builder
	inWord, quoted, escaped := false, false, false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case escaped:
			b.WriteByte(c)
			escaped = false
		case c == '\\':
			escaped, inWord = true, true
		case quoted:
			if c == '"' {
				quoted = false
			} else {
				b.WriteByte(c)
			}
		case c == '"':
			quoted, inWord = true, true
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, b.String())
				b.Reset()
				inWord = false
			}
		default:
			b.WriteByte(c)
			inWord = true
		}
	}
	if quoted || escaped {
		return nil, fmt.Errorf("unterminated quote or escape in %q", line)
	}
	if inWord {
		words = append(words, b.String())
	}
	return words, nil
}

// quote makes s one word for upsd: bare when it is a plain token, otherwise
// quoted and escaped by nutquote (the rule nut/conf writes upsd.users with).
// upsd tokenizes commands with its config parser, which rejects an
// unescaped # even inside quotes ("Unbalanced word due to unescaped # in
// quotes") and then stops answering the connection: measured on 2.8.0, as
// is that a quoted password with space, #, =, \, " or ' logs in.
func quote(s string) string {
	plain := s != ""
	for i := 0; i < len(s) && plain; i++ {
		c := s[i]
		plain = c > ' ' && c < 0x7f && c != '"' && c != '\\' && c != '#' && c != '=' && c != '\''
	}
	if plain {
		return s
	}
	return nutquote.Quote(s)
}

// parseVarList reads the lines of a LIST VAR answer (without BEGIN/END) into
// a map. Each line is `VAR <ups> <name> "<value>"`.
func parseVarList(ups string, lines []string) (map[string]string, error) {
	vars := make(map[string]string, len(lines))
	prefix := "VAR " + ups + " "
	for _, l := range lines {
		// Fast path for the usual line (no escapes): slice, don't copy.
		if rest, ok := strings.CutPrefix(l, prefix); ok {
			name, val, ok := strings.Cut(rest, " ")
			if ok && name != "" && len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' &&
				!strings.ContainsAny(name, "\\\"") && !strings.ContainsAny(val[1:len(val)-1], "\\\"") {
				vars[name] = val[1 : len(val)-1]
				continue
			}
		}
		w, err := splitWords(l)
		if err != nil {
			return nil, err
		}
		if len(w) != 4 || w[0] != "VAR" || w[1] != ups {
			return nil, fmt.Errorf("unexpected line in LIST VAR %s: %q", ups, l)
		}
		vars[w[2]] = w[3]
	}
	return vars, nil
}
