// Package nutmeg holds the application's identity, read from FyneApp.toml so
// that the packaging metadata and the binary never disagree.
package nutmeg

import (
	_ "embed"
	"runtime/debug"
	"strings"
)

//go:embed FyneApp.toml
var fyneApp string

// Meta is the [Details] table of FyneApp.toml.
type Meta struct {
	Name    string
	ID      string
	Version string
	Icon    string
}

// App is the parsed metadata of this build.
var App = parseMeta(fyneApp)

// parseMeta reads the few flat keys of the [Details] table. FyneApp.toml is
// ours and simple, so a TOML library would be weight without benefit.
func parseMeta(text string) Meta {
	var m Meta
	section := ""
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			section = strings.Trim(line, "[]")
			continue
		}
		if section != "Details" {
			continue
		}
		key, val, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		val = strings.Trim(strings.TrimSpace(val), `"`)
		switch strings.TrimSpace(key) {
		case "Name":
			m.Name = val
		case "ID":
			m.ID = val
		case "Version":
			m.Version = val
		case "Icon":
			m.Icon = val
		}
	}
	return m
}

// VersionString is what `nutmeg version` prints: the app version plus the
// VCS revision when the Go toolchain recorded one.
func VersionString() string {
	v := App.Name + " " + App.Version
	if bi, ok := debug.ReadBuildInfo(); ok {
		var rev, dirty string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					dirty = "+dirty"
				}
			}
		}
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if rev != "" {
			v += " (" + rev + dirty + ")"
		}
		v += " " + bi.GoVersion
	}
	return v
}
