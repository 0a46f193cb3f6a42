package main

import (
	"flag"
	"fmt"

	"github.com/nutmeg-ups/nutmeg"
)

// The command table of design.md §3. Commands whose issue has not landed say
// so and exit 1; each moves to its own file when it is built.
func init() {
	register(&command{name: "tray", summary: "the tray icon (starts the wizard on first run)", run: notBuilt("the tray")})
	register(&command{name: "window", summary: "the status window", run: notBuilt("the status window")})
	register(&command{name: "wizard", summary: "open the setup wizard", run: notBuilt("the setup wizard")})
	register(&command{name: "probe", args: "[--json] [--port PATH]... [--no-serial] [--timeout D] [--verify]",
		summary: "devices found and ranked driver suggestions", run: notBuilt("probe")})
	register(&command{name: "render", args: "--settings F --out DIR",
		summary: "write the NUT files for a settings file into DIR", run: notBuilt("render")})
	register(&command{name: "import", args: "--from DIR | --truenas FILE",
		summary: "read an existing NUT config (or a NAS's UPS settings) and print settings JSON", run: notBuilt("import")})
	register(&command{name: "apply", args: "[--settings F] [--system] [--root DIR]",
		summary: "install the NUT files and (re)start NUT", run: notBuilt("apply")})
	register(&command{name: "service", args: "[--settings F] [--state DIR]",
		summary: "the service side in the foreground", run: notBuilt("service")})
	register(&command{name: "status", args: "[--json] [--server HOST[:PORT]] [--ups NAME]",
		summary: "the UPS's status", run: notBuilt("status")})
	register(&command{name: "events", args: "[--json] [--follow]",
		summary: "the event log", run: notBuilt("events")})
	register(&command{name: "test-email", summary: "send a test message with the saved mail settings", run: notBuilt("test-email")})
	register(&command{name: "demo", summary: "the desktop app on a simulated UPS with a scripted power failure", run: notBuilt("demo")})
	register(&command{name: "screenshots", args: "--out DIR",
		summary: "render every wizard page, the status window and the tray icons to PNG", run: notBuilt("screenshots")})
	register(&command{name: "version", summary: "print the version", run: runVersion})
}

func runVersion(fs *flag.FlagSet, args []string, e *env) error {
	if err := parse(fs, args); err != nil {
		return err
	}
	_, err := fmt.Fprintln(e.stdout, nutmeg.VersionString())
	return err
}
