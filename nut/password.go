package nut

import "crypto/rand"

// PasswordLength is the length of generated passwords: 24 characters from
// 91 give about 156 bits, far beyond guessing over a network.
const PasswordLength = 24

// PasswordChars is the alphabet of generated passwords: printable ASCII
// without space, '#', '\' and '='. Those four break a login with NUT 2.8.0,
// because upsmon sends the password unquoted and upsd tokenizes that line
// (docs/architecture.md, NUT facts). The double and single quotes are kept on purpose: against
// NUT 2.8.0's real upsd and upsmon (TestNUTAcceptsAllowedCharacters) every
// character here logs in when the files escape '"' inside quoted values, and
// dropping them would only weaken the password and hide renderer bugs.
const PasswordChars = "!\"$%&'()*+,-./0123456789:;<>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~"

// GeneratePassword returns a new random password of PasswordLength
// characters drawn uniformly from PasswordChars with crypto/rand.
func GeneratePassword() string {
	n := len(PasswordChars)
	// Rejection sampling: bytes at or above limit would favour the first
	// characters of the alphabet.
	limit := 256 - 256%n
	out := make([]byte, 0, PasswordLength)
	buf := make([]byte, 2*PasswordLength)
	for len(out) < PasswordLength {
		rand.Read(buf) // never fails (Go 1.24+: it crashes the program instead)
		for _, b := range buf {
			if int(b) < limit && len(out) < PasswordLength {
				c := PasswordChars[int(b)%n]
				if len(out) == 0 && c == '"' {
					continue // upsd would read a leading quote as quoting (see Validate)
				}
				out = append(out, c)
			}
		}
	}
	return string(out)
}
