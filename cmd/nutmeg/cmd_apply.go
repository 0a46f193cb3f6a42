package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/secret"
	"github.com/nutmeg-ups/nutmeg/nut/service"
	"github.com/nutmeg-ups/nutmeg/packaging"
)

func init() {
	register(&command{name: "apply", args: "[--settings F] [--state DIR] [--system [--force]] [--root DIR] [--password-stdin | --secrets-stdin]",
		summary: "install the NUT files and (re)start NUT", run: runApply})
}

func runApply(flags *flag.FlagSet, args []string, e *env) error {
	fs := flags
	settings := fs.String("settings", "", "settings `FILE` (default: the user's settings file)")
	state := stateDirFlag(fs)
	system := fs.Bool("system", false, "write the system's NUT config (/etc/nut, root:nut 0640) and restart the platform's NUT units; needs root")
	root := fs.String("root", "", "write the system-mode files under `DIR`/etc/nut and start nothing")
	stdin := fs.Bool("password-stdin", false, "read the monitor password from the first line of stdin")
	secretsStdin := fs.Bool("secrets-stdin", false, "read the secrets from stdin as NAME=VALUE lines (NUTMEG_MONITOR_PASSWORD, NUTMEG_REMOTE_MONITOR_PASSWORD, NUTMEG_SMTP_PASSWORD): the wizard's way through pkexec, which clears the environment")
	force := fs.Bool("force", false, "with --system: replace hand-written files in /etc/nut (they are kept in /etc/nut/.nutmeg-previous)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *system && *root != "" {
		return badInputf("give --system or --root, not both")
	}
	s, path, err := loadSettings(*settings)
	if err != nil {
		return err
	}
	if *stdin && *secretsStdin {
		return badInputf("give --password-stdin or --secrets-stdin, not both")
	}
	ro := secret.ResolveOptions{Store: secret.Keyring(5 * time.Second)}
	if *stdin {
		ro.Stdin = e.stdin
	}
	var vars map[string]string
	if *secretsStdin {
		vars, err = readSecretVars(e.stdin)
		if err != nil {
			return badInputf("--secrets-stdin: %v", err)
		}
		ro.Getenv = func(name string) string {
			if v, ok := vars[name]; ok {
				return v
			}
			return os.Getenv(name)
		}
		if *system {
			ro.Store = nil // root has no keyring: what stdin lacks is missing
		}
	}
	if s.MonPwd, err = secret.Resolve(secret.MonitorPassword, ro); err != nil {
		return err
	}
	ro.Stdin = nil // one secret from stdin at most
	if err := resolveExtraUsers(&s, ro, vars, *system); err != nil {
		// Optional: NUT runs without them rather than not at all.
		fmt.Fprintf(e.stderr, "nutmeg apply: upsd.users without the extra users: %v\n", err)
	}
	if s.RMonitor {
		if s.RemotePwd, err = secret.Resolve(secret.RemotePassword, ro); err != nil {
			return err
		}
	}
	if err := s.Validate(); err != nil {
		return badInputf("%s: %v", path, err)
	}

	switch {
	case *root != "":
		dir, files, err := service.ApplyRoot(s, *root)
		if err != nil {
			return err
		}
		for _, f := range files {
			fmt.Fprintf(e.stdout, "wrote %s\n", filepath.Join(dir, f.Name))
		}
		fmt.Fprintf(e.stdout, "previous files kept in %s\n", filepath.Join(dir, ".nutmeg-previous"))
		return nil
	case *system:
		return applySystem(e, s, path, *force, ro)
	}

	dir, err := resolveStateDir(*state, false)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	res, err := service.Apply(ctx, s, path, dir, service.ApplyOptions{})
	if err != nil {
		return err
	}
	switch res.Via {
	case "service":
		fmt.Fprintf(e.stdout, "applied: the running service restarted NUT on the new files in %s\n", res.Dir)
	default:
		fmt.Fprintf(e.stdout, "applied: files installed in %s and proven (NUT started, read the status, stopped again)\n", res.Dir)
		fmt.Fprintf(e.stdout, "start the service to keep NUT running: nutmeg service --settings %s --state %s\n", path, dir)
	}
	fmt.Fprintf(e.stdout, "ups.status: %s\n", res.Status)
	return nil
}

// applySystem writes /etc/nut for the platform's NUT units and restarts
// them. It needs root; from the desktop it runs through pkexec (packaging's
// polkit action).
func applySystem(e *env, s nut.Settings, path string, force bool, ro secret.ResolveOptions) error {
	if os.Geteuid() != 0 {
		abs, _ := filepath.Abs(path)
		return fmt.Errorf("--system writes /etc/nut and restarts nut-driver@%s, nut-server and nut-monitor: it needs root.\n"+
			"Run it as: pkexec %s --settings %s --password-stdin\n"+
			"(pkexec clears the environment and there is no keyring as root: give the monitor password on stdin)",
			s.Identifier, packaging.ApplySystemHelper, abs)
	}
	if s.EmailNotify && s.SMTP.Username != "" {
		var err error
		if s.SMTP.Password, err = secret.Resolve(secret.SMTPPassword, ro); err != nil {
			return fmt.Errorf("the system service needs the SMTP password to send mail: %w", err)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	res, err := service.ApplySystem(ctx, s, service.SystemOptions{Force: force})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "applied: %s written, NUT's units restarted, ups.status: %s\n", res.Dir, res.Status)
	fmt.Fprintf(e.stdout, "the watcher %s is enabled and running: it comes back at boot, with nobody logged in\n", service.WatcherUnit)
	return nil
}

// resolveExtraUsers fills the extra users (kept with the secrets): from
// --secrets-stdin when it names them (empty there means none), else the
// environment or the keyring. As root without a keyring (pkexec, no
// --secrets-stdin) the system setup keeps the ones it has.
func resolveExtraUsers(s *nut.Settings, ro secret.ResolveOptions, vars map[string]string, system bool) error {
	name := secret.EnvVar(secret.ExtraUsers)
	if v, ok := vars[name]; ok {
		s.ExtraUsers = v
		return nil
	}
	if s.ExtraUsers != "" { // a version-1 settings file still had them
		return nil
	}
	v, err := secret.Resolve(secret.ExtraUsers, ro)
	switch {
	case err == nil:
		s.ExtraUsers = v
	case errors.Is(err, secret.ErrNotFound) && ro.Store != nil:
		// none stored
	case system:
		if old, rerr := secret.ReadFile(secret.DefaultFile); rerr == nil {
			s.ExtraUsers = old[secret.ExtraUsers]
		}
	default:
		return fmt.Errorf("%w (%s can give them)", err, name)
	}
	return nil
}

// readSecretVars reads NAME=VALUE lines until EOF, accepting only the
// secrets' variable names; the values never reach argv or the environment.
// A value in double quotes is a Go-quoted string: the extra users' text
// spans lines.
func readSecretVars(r io.Reader) (map[string]string, error) {
	known := map[string]bool{}
	for _, k := range []string{secret.MonitorPassword, secret.RemotePassword, secret.SMTPPassword, secret.ExtraUsers} {
		known[secret.EnvVar(k)] = true
	}
	vars := map[string]string{}
	sc := bufio.NewScanner(io.LimitReader(r, 64<<10))
	for sc.Scan() {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if line == "" {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		if !ok || !known[name] {
			return nil, fmt.Errorf("a line is not NAME=VALUE with a known secret's name (%s)", strings.Join(slices.Sorted(maps.Keys(known)), ", "))
		}
		if strings.HasPrefix(value, `"`) {
			uq, err := strconv.Unquote(value)
			if err != nil {
				return nil, fmt.Errorf("%s: a quoted value that does not end: %v", name, err)
			}
			value = uq
		}
		vars[name] = value
	}
	return vars, sc.Err()
}
