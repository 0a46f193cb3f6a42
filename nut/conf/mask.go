package conf

import "strings"

// SecretMask stands for a password wherever a NUT file is shown or logged.
const SecretMask = "********"

// Masked is the file's content as it may be shown or logged: with every
// password masked (MaskSecrets) when the file holds passwords (Secret).
func (f File) Masked() string {
	if !f.Secret {
		return f.Content
	}
	return MaskSecrets(f.Content)
}

// MaskSecrets replaces the passwords in NUT file text with SecretMask: the
// value of every "password" setting (upsd.users, in any of NUT's spellings)
// and the password word of MONITOR lines (upsmon.conf). Each physical line
// is read with Parse; a line that does not parse on its own, or ends in a
// backslash, is replaced whole, and so is the line after it, since NUT may
// read the two as one. Other lines stay as written.
func MaskSecrets(text string) string {
	lines := strings.SplitAfter(text, "\n")
	hide := false
	for i, line := range lines {
		if line == "" {
			continue // after the last newline
		}
		body := strings.TrimRight(line, "\n")
		parsed, err := Parse(body + "\n")
		joined := strings.HasSuffix(body, `\`) // runs on into the next line
		switch {
		case hide || err != nil || joined || len(parsed) > 1:
			lines[i] = "# (line not shown)" + line[len(body):]
			hide = err != nil || joined
		case len(parsed) == 1:
			if args, ok := maskWords(parsed[0].Args); ok {
				indent := body[:len(body)-len(strings.TrimLeft(body, " \t"))]
				lines[i] = indent + formatLine(args) + line[len(body):]
			}
		}
	}
	return strings.Join(lines, "")
}

// maskWords masks the password in one directive: "password = x" (NUT also
// reads "password=x" so), a first word "password=x" (only with escapes or
// quotes), and MONITOR's fifth word. ok reports a change.
func maskWords(args []string) (out []string, ok bool) {
	out = append([]string(nil), args...)
	switch first := strings.ToLower(args[0]); {
	case first == "password" && len(args) >= 3:
		out[2], ok = SecretMask, true
	case strings.HasPrefix(first, "password="):
		out[0], ok = args[0][:len("password=")]+SecretMask, true
	case first == "monitor" && len(args) >= 5:
		out[4], ok = SecretMask, true
	}
	return out, ok
}
