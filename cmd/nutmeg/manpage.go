package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// manPage renders nutmeg(1) from the command table: each command's usage
// line and summary, and the flags it defines (collected by running it with
// -help, which every command parses before doing anything). The file in
// packaging/man/nutmeg.1 is this output; TestManPageIsCurrent keeps it so
// (`go generate ./cmd/nutmeg` rewrites it).
func manPage() []byte {
	var b bytes.Buffer
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w(".\\\" Generated from the command table of cmd/nutmeg by `go generate ./cmd/nutmeg`; do not edit.\n")
	w(".TH NUTMEG 1 \"\" \"Nutmeg\" \"User Commands\"\n")
	w(".SH NAME\nnutmeg \\- make a UPS protect this computer, on top of Network UPS Tools\n")
	w(".SH SYNOPSIS\n.B nutmeg\n[\\fIcommand\\fR] [\\fIflags\\fR]\n")
	w(".SH DESCRIPTION\n")
	w("Nutmeg sets up and runs Network UPS Tools (NUT) so that a UPS shuts the computer down cleanly.\n")
	w("Without a command it starts the tray icon (and the setup wizard on the first run).\n")
	w("Every capability is also reachable from the command line, with \\fB\\-\\-json\\fR where the output is data.\n")
	w(".SH COMMANDS\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c := commands[n]
		w(".SS \"nutmeg %s\"\n", roff(strings.TrimSpace(displayName(c)+" "+c.args)))
		w("%s.\n", roff(upperFirst(c.summary)))
		if n == "tray" {
			w("This is what \\fBnutmeg\\fR runs without a command.\n")
		}
		for _, f := range commandFlags(c) {
			name, usage := flag.UnquoteUsage(f)
			w(".TP\n.B %s", roff(dashes(f.Name)+f.Name))
			if name != "" {
				w(" \\fI%s\\fR", roff(name))
			}
			w("\n%s", roff(usage))
			if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "[]" {
				w(" (default: %s)", roff(f.DefValue))
			}
			w("\n")
		}
	}
	w(".SH SECRETS\n")
	w("Passwords never go on the command line. They come from the keyring, from\n")
	w(".B NUTMEG_MONITOR_PASSWORD\nand\n.BR NUTMEG_SMTP_PASSWORD ,\nor from standard input with \\fB\\-\\-password\\-stdin\\fR.\n")
	w(".SH SYSTEM MODE\n")
	w("\\fBnutmeg apply \\-\\-system\\fR writes /etc/nut for NUT's own units, /etc/nutmeg/settings.json and a root-only\n")
	w("secrets file, and enables \\fBnutmeg.service\\fR. From the desktop it runs as\n")
	w("\\fBpkexec /usr/libexec/nutmeg/nutmeg\\-apply\\-system\\fR, the only program the polkit action admits.\n")
	w("Members of the group \\fBnutmeg\\fR may read the system service's socket in /var/lib/nutmeg.\n")
	w(".SH EXIT STATUS\n0 ok, 1 runtime failure, 2 bad input (the message names the field and the rule).\n")
	w(".SH FILES\n")
	w(".TP\n~/.config/nutmeg/settings.json\nthe user's settings (no secrets)\n")
	w(".TP\n/etc/nutmeg/settings.json, /etc/nutmeg/secrets\nthe system service's settings and secrets\n")
	w(".TP\n/etc/nut/.nutmeg\\-previous, /etc/nut/.nutmeg\\-original\nthe NUT files before the last and before the first system apply\n")
	w(".SH SEE ALSO\n.BR upsmon (8),\n.BR upsd (8),\n.BR ups.conf (5),\n.BR pkexec (1)\n")
	return b.Bytes()
}

// commandFlags runs c with -help on a silent flag set and returns the
// flags it defined, sorted by name.
func commandFlags(c *command) []*flag.Flag {
	fs := flag.NewFlagSet("nutmeg "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	env := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}
	if err := c.run(fs, []string{"-help"}, env); !errors.Is(err, flag.ErrHelp) {
		panic(fmt.Sprintf("nutmeg %s -help: %v (every command must parse its flags first)", c.name, err))
	}
	var out []*flag.Flag
	fs.VisitAll(func(f *flag.Flag) { out = append(out, f) })
	return out
}

// roff escapes text for a man page: backslashes, hyphens (so they stay
// hyphens) and a leading dot or quote.
func roff(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}

// dashes is how the README writes a flag: -n, --settings.
func dashes(name string) string {
	if len(name) == 1 {
		return "-"
	}
	return "--"
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
