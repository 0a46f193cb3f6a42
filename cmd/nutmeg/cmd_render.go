package main

import (
	"errors"
	"flag"
	"fmt"
	iofs "io/fs"
	"path/filepath"
	"strings"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/conf"
	"github.com/nutmeg-ups/nutmeg/nut/secret"
)

func init() {
	register(&command{name: "render", args: "--settings F --out DIR [--password-stdin] [--force]",
		summary: "write the NUT files for a settings file into DIR", run: runRender})
}

// runRender writes the NUT files for a settings file into a directory (user
// mode permissions, previous files kept in DIR/.nutmeg-previous). The
// monitor password comes from --password-stdin, NUTMEG_MONITOR_PASSWORD or
// the keyring; the remote monitor password (Remote Monitor on) from
// NUTMEG_REMOTE_MONITOR_PASSWORD or the keyring.
func runRender(fs *flag.FlagSet, args []string, e *env) error {
	settings := fs.String("settings", "", "settings `FILE` (JSON)")
	out := fs.String("out", "", "write the NUT files into `DIR`")
	stdin := fs.Bool("password-stdin", false, "read the monitor password from the first line of stdin")
	force := fs.Bool("force", false, "replace NUT files in DIR that Nutmeg did not write")
	notify := fs.String("notify-cmd", "", "absolute `COMMAND` upsmon runs for each event (default: syslog only)")
	runAs := fs.String("run-as-user", "", "upsmon's RUN_AS_USER (\"root\" when NUT runs as root on private files)")
	stateDir := fs.String("state-dir", "", "NUT's state `DIR` (the power-down flag goes there)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *settings == "" {
		return badInputf("--settings: required")
	}
	if *out == "" {
		return badInputf("--out: required")
	}
	s, _, err := loadSettings(*settings)
	if err != nil {
		return err
	}
	ro := secret.ResolveOptions{Store: secret.Keyring(5 * time.Second)}
	if *stdin {
		ro.Stdin = e.stdin
	}
	if pw, err := secret.Resolve(secret.MonitorPassword, ro); err == nil {
		s.MonPwd = pw
	} else if *stdin {
		return badInputf("monpwd: %v", err)
	} else if s.MonPwd == "" {
		return missingSecret("monpwd", err)
	}
	ro.Stdin = nil // one secret from stdin at most
	if err := secret.LoadExtraUsers(ro.Store, &s); err != nil {
		// A preview: say what is missing and render the rest.
		fmt.Fprintf(e.stderr, "nutmeg render: upsd.users without the extra users (%v; NUTMEG_EXTRA_USERS can give them)\n", err)
	}
	if s.RMonitor && s.Mode == nut.ModePrimary {
		if s.RemotePwd, err = secret.Resolve(secret.RemotePassword, ro); err != nil {
			return missingSecret("remotepwd", err)
		}
	}
	if err := s.Validate(); err != nil {
		return badInputf("%s: %v", *settings, err)
	}
	files, err := conf.Render(s, conf.Options{NotifyCmd: *notify, RunAsUser: *runAs, StateDir: *stateDir})
	if err != nil {
		return badInputf("%v", err)
	}
	if !*force {
		hw, err := conf.HandWritten(*out)
		if err != nil && !errors.Is(err, iofs.ErrNotExist) {
			return err
		}
		if len(hw) > 0 {
			return badInputf("--out: %s holds NUT files that Nutmeg did not write (%s); import them with `nutmeg import --from %s`, or replace them with --force",
				*out, strings.Join(hw, ", "), *out)
		}
	}
	if err := conf.Install(*out, files, conf.User); err != nil {
		return err
	}
	for _, f := range files {
		fmt.Fprintf(e.stdout, "wrote %s\n", filepath.Join(*out, f.Name))
	}
	return nil
}

// missingSecret is bad input when no source had the secret (exit 2), and a
// runtime failure when the keyring itself failed.
func missingSecret(field string, err error) error {
	if errors.Is(err, secret.ErrNotFound) {
		return badInputf("%s: %v", field, err)
	}
	return fmt.Errorf("%s: %w", field, err)
}
