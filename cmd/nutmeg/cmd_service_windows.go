package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"time"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/mgr"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/atomicfile"
	"github.com/nutmeg-ups/nutmeg/nut/paths"
	"github.com/nutmeg-ups/nutmeg/nut/secret"
	"github.com/nutmeg-ups/nutmeg/nut/service"
)

// scmName is the Windows service's name (sc query Nutmeg).
const scmName = "Nutmeg"

// allUsers are the all-users service's files, under %ProgramData%\Nutmeg:
// the settings an administrator copied there, the state (event log, local
// API) and, in a directory only SYSTEM and Administrators may open, the
// passwords (no one is logged in to unlock a Credential Manager).
type allUsers struct{ dir string }

func allUsersPaths() (allUsers, error) {
	d, err := paths.State(true)
	return allUsers{dir: d}, err
}

func (a allUsers) settings() string { return filepath.Join(a.dir, "settings.json") }
func (a allUsers) private() string  { return filepath.Join(a.dir, "private") }
func (a allUsers) secrets() string  { return filepath.Join(a.private(), "secrets.json") }
func (a allUsers) log() string      { return filepath.Join(a.dir, "service.log") }

// privateSDDL: protected (nothing inherited from %ProgramData%, where
// Users may read), full access for SYSTEM and Administrators only, passed
// on to the files inside.
const privateSDDL = "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"

func (a allUsers) makePrivate() error {
	if err := os.MkdirAll(a.private(), 0o700); err != nil {
		return fmt.Errorf("all-users secrets directory: %w", err)
	}
	sd, err := windows.SecurityDescriptorFromString(privateSDDL)
	if err != nil {
		return fmt.Errorf("all-users secrets directory: %w", err)
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		return fmt.Errorf("all-users secrets directory: %w", err)
	}
	err = windows.SetNamedSecurityInfo(a.private(), windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, dacl, nil)
	if err != nil {
		return fmt.Errorf("all-users secrets directory %s: restrict to SYSTEM and Administrators: %w", a.private(), err)
	}
	return nil
}

func (a allUsers) store() secret.Store { return secret.WithEnv(secret.File(a.secrets()), nil) }

// runServiceInstall: `nutmeg service install [--settings F]` copies the
// settings (this user's by default) and their passwords to %ProgramData%,
// registers the Windows service (automatic start, as LocalSystem) and
// starts it; without settings it only registers it. `nutmeg service
// uninstall` stops and removes it. Both need an administrator.
func runServiceInstall(fs *flag.FlagSet, what string, args []string, e *env) error {
	fs.Init("nutmeg service "+what, flag.ContinueOnError)
	var settings *string
	if what == "install" {
		settings = fs.String("settings", "", "settings `FILE` to protect this PC with (default: this user's, if any)")
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	m, err := mgr.Connect()
	if err != nil {
		return fmt.Errorf("the Service Control Manager (run as administrator): %w", err)
	}
	defer m.Disconnect()
	if what == "uninstall" {
		return uninstallService(m, e)
	}
	a, err := allUsersPaths()
	if err != nil {
		return err
	}
	have, err := copyAllUsersSettings(a, *settings, e)
	if err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("this program's path: %w", err)
	}
	s, err := m.OpenService(scmName)
	if err == nil {
		// Already registered (a reinstall): point it at this program.
		// ChangeServiceConfig only: mgr's UpdateConfig also sets the
		// delayed start, a level that Wine refuses.
		cerr := windows.ChangeServiceConfig(s.Handle, windows.SERVICE_NO_CHANGE, mgr.StartAutomatic, windows.SERVICE_NO_CHANGE,
			windows.StringToUTF16Ptr(fmt.Sprintf("%q service --scm", exe)), nil, nil, nil, nil, nil, nil)
		if cerr != nil {
			s.Close()
			return fmt.Errorf("update the %s service: %w", scmName, cerr)
		}
	} else {
		s, err = m.CreateService(scmName, exe, mgr.Config{
			DisplayName: "Nutmeg UPS monitor",
			Description: "Shuts this PC down cleanly when its UPS runs out, also with nobody logged in.",
			StartType:   mgr.StartAutomatic,
		}, "service", "--scm")
		if err != nil {
			return fmt.Errorf("register the %s service: %w", scmName, err)
		}
		// Started again if it ever dies: a PC unprotected until the next boot
		// is what this service exists to prevent.
		if err := s.SetRecoveryActions([]mgr.RecoveryAction{{Type: mgr.ServiceRestart, Delay: 5 * time.Second}}, 86400); err != nil {
			fmt.Fprintf(e.stderr, "nutmeg service install: no restart on failure (%v)\n", err)
		}
	}
	defer s.Close()
	if !have {
		fmt.Fprintf(e.stdout, "registered the %s service; it starts once settings are installed: set Nutmeg up, then run `nutmeg service install` again as administrator\n", scmName)
		return nil
	}
	if st, err := s.Query(); err == nil && st.State != svc.Stopped {
		if err := stopService(s); err != nil {
			return err
		}
	}
	if err := s.Start(); err != nil {
		return fmt.Errorf("start the %s service: %w", scmName, err)
	}
	fmt.Fprintf(e.stdout, "the %s service runs for all users with %s (log: %s)\n", scmName, a.settings(), a.log())
	return nil
}

// copyAllUsersSettings copies the settings file at from (this user's when
// empty; none there is no error) and its passwords to a. It reports
// whether a has settings now.
func copyAllUsersSettings(a allUsers, from string, e *env) (bool, error) {
	if from == "" {
		p, err := nut.DefaultPath()
		if err != nil {
			return false, err
		}
		if _, err := os.Stat(p); err != nil {
			_, err := os.Stat(a.settings())
			return err == nil, nil
		}
		from = p
	}
	user := secret.WithEnv(secret.Keyring(5*time.Second), nil)
	s, _, err := loadSettingsWith(from, user, false)
	if err != nil {
		return false, err
	}
	if s.Mode != nut.ModeSecondary {
		return false, badInputf("%s: mode %q needs NUT for Windows, which Nutmeg does not run yet; the all-users service protects a PC whose UPS is on another machine (secondary)", from, s.Mode)
	}
	keys := []string{secret.MonitorPassword, secret.RemotePassword, secret.SMTPPassword, secret.ExtraUsers}
	for _, w := range s.Watch {
		keys = append(keys, secret.WatchPassword(w.Key()))
	}
	vals := map[string]string{}
	for _, k := range keys {
		v, err := user.Get(k)
		switch {
		case errors.Is(err, secret.ErrNotFound):
		case err != nil:
			return false, fmt.Errorf("copy %s: %w", secret.Describe(k), err)
		default:
			vals[k] = v
		}
	}
	if err := a.makePrivate(); err != nil {
		return false, err
	}
	if err := secret.WriteFile(a.secrets(), vals); err != nil {
		return false, err
	}
	data, err := os.ReadFile(from)
	if err != nil {
		return false, fmt.Errorf("read %s: %w", from, err)
	}
	if err := atomicfile.Write(a.settings(), data, 0o644); err != nil {
		return false, fmt.Errorf("all-users settings: %w", err)
	}
	fmt.Fprintf(e.stdout, "copied %s and %d password(s) for all users\n", from, len(vals))
	return true, nil
}

func uninstallService(m *mgr.Mgr, e *env) error {
	s, err := m.OpenService(scmName)
	if err != nil {
		fmt.Fprintf(e.stdout, "no %s service to remove\n", scmName)
		return nil
	}
	defer s.Close()
	if err := stopService(s); err != nil {
		return err
	}
	if err := s.Delete(); err != nil {
		return fmt.Errorf("remove the %s service: %w", scmName, err)
	}
	fmt.Fprintf(e.stdout, "removed the %s service\n", scmName)
	return nil
}

// stopService asks s to stop and waits (30 s at most) until it has.
func stopService(s *mgr.Service) error {
	st, err := s.Query()
	if err != nil {
		return fmt.Errorf("query the %s service: %w", scmName, err)
	}
	if st.State == svc.Stopped {
		return nil
	}
	if st.State != svc.StopPending {
		if st, err = s.Control(svc.Stop); err != nil {
			return fmt.Errorf("stop the %s service: %w", scmName, err)
		}
	}
	for end := time.Now().Add(30 * time.Second); st.State != svc.Stopped; {
		if time.Now().After(end) {
			return fmt.Errorf("the %s service did not stop within 30 s (state %d)", scmName, st.State)
		}
		time.Sleep(300 * time.Millisecond)
		if st, err = s.Query(); err != nil {
			return fmt.Errorf("query the %s service: %w", scmName, err)
		}
	}
	return nil
}

// runUnderSCM is `nutmeg service --scm`: the service side for all users,
// run by the Service Control Manager as LocalSystem. It logs to
// %ProgramData%\Nutmeg\service.log (a service has no console).
func runUnderSCM(e *env) error {
	a, err := allUsersPaths()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(a.dir, 0o755); err != nil {
		return fmt.Errorf("all-users state directory: %w", err)
	}
	f, err := os.OpenFile(a.log(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("service log: %w", err)
	}
	defer f.Close()
	h := &scmHandler{a: a, out: f}
	if err := svc.Run(scmName, h); err != nil {
		fmt.Fprintf(f, "nutmeg service --scm: %v\n", err)
		return fmt.Errorf("not started by the Service Control Manager (use `nutmeg service install`): %w", err)
	}
	return h.err
}

// scmChild is set in the environment of the process that the SCM-run
// one starts: it stops when its stdin closes.
const scmChild = "NUTMEG_SCM_CHILD"

// runAllUsers is `nutmeg service --all-users`: the service side on the
// all-users files. Started by `--scm` it stops cleanly (the monitor logs
// out) when that process closes its stdin.
func runAllUsers(e *env) error {
	a, err := allUsersPaths()
	if err != nil {
		return err
	}
	s, path, err := loadSettingsWith(a.settings(), a.store(), false)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(e.stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if os.Getenv(scmChild) == "1" {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop()
		}()
	}
	// SocketMode 0o666: every interactive user may read the API's token
	// file, so the trays of whoever is logged on follow (and may postpone)
	// the service that protects their PC, as the nutmeg group's members do
	// with Linux's system service.
	sv, err := service.New(service.Config{Settings: s, SettingsPath: path, Secrets: a.store(),
		StateDir: a.dir, Native: true, SocketMode: 0o666, Log: log})
	if err != nil {
		return err
	}
	log.Info("nutmeg service starting for all users", "ups", s.Identifier, "mode", s.Mode, "state", a.dir, "pid", os.Getpid())
	if err := sv.Run(ctx); err != nil {
		return err
	}
	log.Info("nutmeg service (all users) stopped")
	return nil
}

type scmHandler struct {
	a   allUsers
	out *os.File
	err error
}

// Execute runs the service side as a child process (`service
// --all-users`) rather than in this one: under Wine, once a process has
// called StartServiceCtrlDispatcher its Go timers stop firing, so the
// monitor's FINALDELAY would never end there. The child has no such
// tie, and the SCM still sees one service: a child that ends is this
// service failing (the recovery actions start it again).
func (h *scmHandler) Execute(_ []string, req <-chan svc.ChangeRequest, changes chan<- svc.Status) (bool, uint32) {
	changes <- svc.Status{State: svc.StartPending}
	fail := func(err error) (bool, uint32) {
		fmt.Fprintf(h.out, "nutmeg service --scm: %v\n", err)
		h.err = err
		return true, 1
	}
	exe, err := os.Executable()
	if err != nil {
		return fail(err)
	}
	cmd := exec.Command(exe, "service", "--all-users")
	cmd.Env = append(os.Environ(), scmChild+"=1")
	cmd.Stdout, cmd.Stderr = h.out, h.out
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return fail(err)
	}
	if err := cmd.Start(); err != nil {
		return fail(fmt.Errorf("start the service process: %w", err))
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	changes <- svc.Status{State: svc.Running, Accepts: svc.AcceptStop | svc.AcceptShutdown}
	for {
		select {
		case err := <-done:
			return fail(fmt.Errorf("the service process ended: %v", err))
		case c := <-req:
			switch c.Cmd {
			case svc.Interrogate:
				changes <- c.CurrentStatus
			case svc.Stop, svc.Shutdown:
				changes <- svc.Status{State: svc.StopPending, WaitHint: 20000}
				stdin.Close()
				select {
				case err := <-done:
					if err != nil {
						fmt.Fprintf(h.out, "nutmeg service --scm: the service process: %v\n", err)
					}
				case <-time.After(20 * time.Second):
					_ = cmd.Process.Kill()
					<-done
				}
				fmt.Fprintln(h.out, "nutmeg service stopped by the Service Control Manager")
				return false, 0
			}
		}
	}
}
