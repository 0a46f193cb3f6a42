package main

import (
	"flag"
	"fmt"

	"github.com/nutmeg-ups/nutmeg"
)

// The command table of design.md §3. Commands whose issue has not landed say
// so and exit 1. A built command lives in its own file cmd_<name>.go and
// registers itself there; Go runs that file's init before this one (files
// init in name order), so stub leaves it alone.
func init() {
	stub(&command{name: "tray", summary: "the tray icon (starts the wizard on first run)", run: notBuilt("the tray")})
	stub(&command{name: "window", summary: "the status window", run: notBuilt("the status window")})
	stub(&command{name: "wizard", summary: "open the setup wizard", run: notBuilt("the setup wizard")})
	stub(&command{name: "probe", args: "[--json] [--port PATH]... [--no-serial] [--timeout D] [--verify]",
		summary: "devices found and ranked driver suggestions", run: notBuilt("probe")})
	stub(&command{name: "render", args: "--settings F --out DIR",
		summary: "write the NUT files for a settings file into DIR", run: notBuilt("render")})
	stub(&command{name: "import", args: "--from DIR | --truenas FILE",
		summary: "read an existing NUT config (or a NAS's UPS settings) and print settings JSON", run: notBuilt("import")})
	stub(&command{name: "apply", args: "[--settings F] [--system] [--root DIR]",
		summary: "install the NUT files and (re)start NUT", run: notBuilt("apply")})
	stub(&command{name: "service", args: "[--settings F] [--state DIR]",
		summary: "the service side in the foreground", run: notBuilt("service")})
	stub(&command{name: "status", args: "[--json] [--server HOST[:PORT]] [--ups NAME]",
		summary: "the UPS's status", run: notBuilt("status")})
	stub(&command{name: "events", args: "[--json] [--follow]",
		summary: "the event log", run: notBuilt("events")})
	stub(&command{name: "test-email", summary: "send a test message with the saved mail settings", run: notBuilt("test-email")})
	stub(&command{name: "demo", summary: "the desktop app on a simulated UPS with a scripted power failure", run: notBuilt("demo")})
	stub(&command{name: "screenshots", args: "--out DIR",
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

// stub registers a not-yet-built command unless a real one is registered.
func stub(c *command) {
	if _, ok := commands[c.name]; !ok {
		register(c)
	}
}
