package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/secret"
	"github.com/nutmeg-ups/nutmeg/nut/service"
)

func init() {
	register(&command{name: "service", args: "[--settings F] [--state DIR] [--system] | install [--settings F] | uninstall",
		summary: "the service side in the foreground", run: runService})
}

// systemSettingsPath is the system service's settings file.
const systemSettingsPath = "/etc/nutmeg/settings.json"

// loadServiceSettings reads the settings file (the user's by default, the
// system's with system) and fills its secrets from the environment
// (NUTMEG_MONITOR_PASSWORD, ...), then the keyring (the root-only secrets
// file for the system service). Problems with the file's content are bad
// input (exit 2).
func loadServiceSettings(path string, system bool) (nut.Settings, string, error) {
	if path == "" && system {
		path = systemSettingsPath
	}
	return loadSettingsWith(path, serviceSecrets(system), system)
}

// loadSettingsWith reads the settings file at path and fills its secrets
// from st. stored: the secrets come from a file that an administrator
// wrote (no one logged in to ask), so a missing one is no error here.
func loadSettingsWith(path string, st secret.Store, system bool) (nut.Settings, string, error) {
	s, path, err := loadSettings(path)
	if err != nil {
		return nut.Settings{}, path, err
	}
	stored := false
	if err := secret.Load(st, &s); err != nil {
		// The system service writes no NUT files: it needs only the SMTP
		// password, and mail without it fails later with a clear log line.
		var missing *secret.MissingError
		if !system || !errors.As(err, &missing) {
			return nut.Settings{}, path, err
		}
		stored = true
	}
	if err := secret.LoadExtraUsers(st, &s); err != nil {
		// Optional: NUT runs without them rather than not at all.
		fmt.Fprintf(os.Stderr, "nutmeg service: upsd.users without the extra users: %v\n", err)
	}
	if err := secret.LoadWatch(serviceSecrets(system), &s); err != nil {
		// Optional too: a stock upsd shows a UPS's status without a login.
		fmt.Fprintf(os.Stderr, "nutmeg service: watched UPSes without their passwords: %v\n", err)
	}
	verr := s.Validate()
	if stored {
		verr = s.ValidateStored()
	}
	if err := verr; err != nil {
		return nut.Settings{}, path, badInputf("%s: %v", path, err)
	}
	return s, path, nil
}

func serviceSecrets(system bool) secret.Store {
	if system {
		return secret.WithEnv(secret.File(secret.DefaultFile), nil)
	}
	return secret.WithEnv(secret.Keyring(5*time.Second), nil)
}

func stateDirFlag(fs *flag.FlagSet) *string {
	return fs.String("state", "", "the service's state `DIR` (default ~/.local/state/nutmeg; /var/lib/nutmeg with --system)")
}

// resolveStateDir is the state dir from --state, made absolute: NUT's
// daemons, which the service starts on files in it, change directory, so
// a relative path would name another place for them.
func resolveStateDir(dir string, system bool) (string, error) {
	if dir != "" {
		return filepath.Abs(dir)
	}
	return service.DefaultStateDir(system)
}

func runService(fs *flag.FlagSet, args []string, e *env) error {
	if len(args) > 0 && (args[0] == "install" || args[0] == "uninstall") {
		return runServiceInstall(fs, args[0], args[1:], e)
	}
	// The service waits on sockets, timers and its children: one P does
	// that as well as two, and each P keeps its own cache of partly used
	// heap spans and its own GC worker (measured idle: 0.35 MiB less RSS).
	// GOMAXPROCS in the environment still wins.
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
	settings := fs.String("settings", "", "settings `FILE` (default: the user's settings file)")
	state := stateDirFlag(fs)
	system := fs.Bool("system", false, "NUT is run by the platform's units; only watch it, count down and serve the API")
	allUsers := fs.Bool("all-users", false, "Windows: the all-users service in the foreground, on the settings, state and passwords in %ProgramData%\\Nutmeg (what the Windows service runs)")
	scm := fs.Bool("scm", false, "Windows: run under the Service Control Manager, for all users (what `nutmeg service install` registers)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *scm {
		return runUnderSCM(e)
	}
	if *allUsers {
		return runAllUsers(e)
	}
	s, path, err := loadServiceSettings(*settings, *system)
	if err != nil {
		return err
	}
	dir, err := resolveStateDir(*state, *system)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(e.stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	svc, err := service.New(service.Config{Settings: s, SettingsPath: path, Secrets: serviceSecrets(*system),
		StateDir: dir, System: *system, Native: nativeMonitor(*system), Log: log})
	if err != nil {
		return err
	}
	log.Info("nutmeg service starting", "ups", s.Identifier, "mode", s.Mode, "shutdown", s.Shutdown, "state", dir, "pid", os.Getpid())
	if err := svc.Run(ctx); err != nil {
		return err
	}
	fmt.Fprintln(e.stderr, "nutmeg service: stopped; no NUT process left running")
	return nil
}

// nativeMonitor: where NUT is not installed (Windows, macOS) the service
// does upsmon's job itself (nut/monitor). NUTMEG_NATIVE_MONITOR=1 asks for
// that on Linux too (tests compare it with NUT's upsmon there).
func nativeMonitor(system bool) bool {
	if system {
		return false
	}
	return runtime.GOOS == "windows" || runtime.GOOS == "darwin" || os.Getenv("NUTMEG_NATIVE_MONITOR") == "1"
}
