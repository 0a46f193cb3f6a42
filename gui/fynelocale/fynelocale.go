// Package fynelocale makes Fyne fall back to English quietly when the locale
// is C or POSIX with a codeset (C.UTF-8 is Debian's default on servers and in
// containers). Fyne 2.7 hands "C" to a BCP 47 parser and logs "Fyne error:
// Error parsing user locale C" while its lang package initialises, before
// main runs. Importing this package (blank) from a main package that links
// Fyne sets LANGUAGE=en first: go-locale reads LANGUAGE before LANG for any
// locale other than exactly "C"/"POSIX", and gettext ignores LANGUAGE under
// the C locale, so nothing else changes.
//
// It must not import Fyne, nor anything beyond os and strings: Go
// initialises packages in import-path order among those whose imports are
// ready, and this one becomes ready (with os) before golang.org/x/text, which
// Fyne's lang package waits for.
package fynelocale

import (
	"os"
	"strings"
)

func init() {
	if v, ok := fix(os.Getenv); ok {
		os.Setenv("LANGUAGE", v)
	}
}

// fix returns the LANGUAGE value to set, if the locale needs one.
func fix(getenv func(string) string) (string, bool) {
	if getenv("LANGUAGE") != "" {
		return "", false
	}
	loc := ""
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if loc = getenv(k); loc != "" {
			break
		}
	}
	base, _, _ := strings.Cut(loc, ".")
	base, _, _ = strings.Cut(base, "@")
	if (base == "C" || base == "POSIX") && loc != base {
		return "en", true
	}
	return "", false
}

// Environ returns env with the same fix applied, for starting a process that
// links Fyne from one that does not.
func Environ(env []string) []string {
	get := func(k string) string {
		for i := len(env) - 1; i >= 0; i-- {
			if name, v, ok := strings.Cut(env[i], "="); ok && name == k {
				return v
			}
		}
		return ""
	}
	if v, ok := fix(get); ok {
		return append(env[:len(env):len(env)], "LANGUAGE="+v)
	}
	return env
}
