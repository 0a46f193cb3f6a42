package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/secret"
	"github.com/nutmeg-ups/nutmeg/nut/service"
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
	if *secretsStdin {
		vars, err := readSecretVars(e.stdin)
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
			"Run it as: pkexec nutmeg apply --system --settings %s\n"+
			"(the monitor password comes from NUTMEG_MONITOR_PASSWORD or --password-stdin under pkexec; there is no keyring as root)",
			s.Identifier, abs)
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
	if err := enableSystemService(ctx); err != nil {
		return fmt.Errorf("enable nutmeg.service: %w", err)
	}
	fmt.Fprintln(e.stdout, "nutmeg.service enabled and (re)started: it watches the UPS with nobody logged in")
	return nil
}

// enableSystemService enables nutmeg.service (the package's unit) and
// restarts it, so that a running watcher reads the new settings.
func enableSystemService(ctx context.Context) error {
	for _, args := range [][]string{{"enable", "nutmeg.service"}, {"restart", "nutmeg.service"}} {
		out, err := exec.CommandContext(ctx, "systemctl", args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("systemctl %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
		}
	}
	return nil
}

// readSecretVars reads NAME=VALUE lines until EOF, accepting only the
// secrets' variable names; the values never reach argv or the environment.
func readSecretVars(r io.Reader) (map[string]string, error) {
	known := map[string]bool{}
	for _, k := range []string{secret.MonitorPassword, secret.RemotePassword, secret.SMTPPassword} {
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
		vars[name] = value
	}
	return vars, sc.Err()
}
