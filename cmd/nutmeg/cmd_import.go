package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/conf"
)

func init() {
	register(&command{name: "import", args: "--from DIR | --truenas FILE",
		summary: "read an existing NUT config (or a NAS's UPS settings) and print settings JSON", run: runImport})
}

// runImport prints the settings read from a NUT config dir (or a NAS's UPS
// settings JSON) as a settings file would hold them. Passwords are never
// printed: they are json:"-" fields.
func runImport(fs *flag.FlagSet, args []string, e *env) error {
	from := fs.String("from", "", "a NUT config `DIR` (nut.conf, ups.conf, upsd.conf, upsd.users, upsmon.conf)")
	truenas := fs.String("truenas", "", "a NAS's UPS settings JSON `FILE` (its ups.config API reply)")
	show := fs.Bool("show-secrets", false, "also print the extra users' text (it holds their passwords)")
	if err := parse(fs, args); err != nil {
		return err
	}
	var (
		s   nut.Settings
		err error
	)
	switch {
	case (*from == "") == (*truenas == ""):
		return badInputf("give --from DIR or --truenas FILE")
	case *from != "":
		if st, serr := os.Stat(*from); serr != nil || !st.IsDir() {
			return badInputf("--from: %s is not a directory", *from)
		}
		if s, err = conf.ImportDir(*from); err != nil {
			return badInputf("--from: %v", err)
		}
	default:
		data, rerr := os.ReadFile(*truenas)
		if rerr != nil {
			return badInputf("--truenas: %v", rerr)
		}
		if s, err = nut.ImportTrueNAS(data); err != nil {
			return badInputf("--truenas: %v", err)
		}
	}
	// The extra users hold passwords: like the other secrets they are not
	// part of the settings JSON, and shown only when asked for.
	var out any = s
	if s.ExtraUsers != "" {
		if *show {
			out = struct {
				nut.Settings
				ExtraUsers string `json:"extrausers"`
			}{s, s.ExtraUsers}
		} else {
			fmt.Fprintf(e.stderr, "nutmeg import: %d extra upsd user(s) not shown (they hold passwords); --show-secrets prints them\n",
				strings.Count(s.ExtraUsers, "["))
		}
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "%s\n", b)
	return err
}
