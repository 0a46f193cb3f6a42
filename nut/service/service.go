// Package service is Nutmeg's service side (docs/architecture.md: "Processes", "Shutdown"): in user mode
// it runs NUT's driver, upsd and upsmon as supervised child processes on
// files rendered from the settings into a private state directory; it
// watches upsd, turns status changes into events (log, history, email),
// owns the shutdown countdown that ends in `upsmon -c fsd`, and serves the
// local API (nut/api) on a Unix socket.
//
// State directory layout:
//
//	etc/            NUT_CONFPATH: the rendered files (0600), .nutmeg-previous/
//	run/            NUT_STATEPATH (0700): driver sockets, killpower, the
//	                daemons' output (*.log), nut-pids.json (for Adopt), the
//	                shutdown command's wrapper and its result
//	nutmeg.sock     the API socket (0660)
//	events.jsonl    the event log (+ .1 when rotated)
//	history.jsonl   one sample a minute, 7 days
//	shutdown.json   last known flags and the countdown, for a restart
package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/conf"
	"github.com/nutmeg-ups/nutmeg/nut/monitor"
	"github.com/nutmeg-ups/nutmeg/nut/notify"
	"github.com/nutmeg-ups/nutmeg/nut/paths"
	"github.com/nutmeg-ups/nutmeg/nut/secret"
)

// SocketGroup owns the system service's socket (mode 0660): the package
// creates it, and its members' trays follow the system service.
const SocketGroup = "nutmeg"

// AdminUser is the upsd user that the service adds to its own upsd.users
// (user mode, primary) for instant commands from the tray ("command"
// requests). Its password is generated at each start of the service and
// lives only in memory and in the private 0600 upsd.users.
const AdminUser = "nutmeg-service"

// Config is how the service runs.
type Config struct {
	// Settings, validated, with their secrets (MonPwd; RemotePwd with
	// rmonitor; SMTP.Password when mail needs one).
	Settings nut.Settings
	// SettingsPath is re-read by a "reload" request that names no file.
	SettingsPath string
	// Secrets fills the secrets of reloaded settings; nil keeps the current
	// ones.
	Secrets secret.Store
	// StateDir holds everything (see the package comment).
	StateDir string
	// System: the platform's service manager runs NUT (nut-driver@,
	// nut-server, nut-monitor); the service only watches upsd, and FSD goes
	// to the system upsmon. No files are written; "reload" and "command"
	// are refused.
	System bool
	// Native: no NUT on this machine (Windows, macOS): a secondary whose
	// upsmon duties nut/monitor does in this process (native.go).
	Native bool
	// Bin is NUT's binaries; "" means /lib/nut.
	Bin string
	// Systemctl is the service manager's command in system mode; nil means
	// "systemctl" (tests use a stand-in).
	Systemctl []string
	// Listen overrides upsd's LISTEN addresses (tests: 127.0.0.1 only).
	Listen []string
	// Mail overrides the mail queue built from the settings (tests).
	Mail Mailer
	// SocketMode is the local API's permission (WatcherConfig.SocketMode;
	// 0 means 0660). On Windows, where the API is a token file, mode bits
	// for others let the interactive users read it (the all-users service).
	SocketMode os.FileMode
	Log        *slog.Logger

	Poll time.Duration // upsd poll interval; 0 means 1 s
	// FlapWindow replaces the 30 s within which a power failure resumes the
	// countdown that a return of power cancelled (the demo's scaled day).
	FlapWindow time.Duration
	RestartMin time.Duration // first wait before restarting NUT; 0 means 1 s
	RestartMax time.Duration // 0 means 30 s
	// WatchEvery is how often the watched UPSes are read; 0 means
	// DefaultWatchEvery.
	WatchEvery time.Duration
	// RetryEvery is the pause between tries of a failed shutdown
	// (WatcherConfig.RetryEvery; 0 means 30 s).
	RetryEvery time.Duration
}

// DefaultStateDir is where the service keeps its state: /var/lib/nutmeg
// for the system service, else $XDG_STATE_HOME/nutmeg or
// ~/.local/state/nutmeg (where the tray looks for the socket).
func DefaultStateDir(system bool) (string, error) {
	return paths.State(system)
}

// Paths of a state directory.
func EtcDir(state string) string { return filepath.Join(state, "etc") }
func RunDir(state string) string { return filepath.Join(state, "run") }

// Service is a running service side.
type Service struct {
	cfg   Config
	log   *slog.Logger
	sup   *Supervisor
	mon   *monitor.Monitor // Native: does upsmon's job (native.go)
	w     *Watcher
	queue *notify.Queue
	admin string
	// unchanged: the files on disk were already these settings' files, so
	// a NUT set still running on them can be adopted.
	unchanged bool

	mu sync.Mutex
	s  nut.Settings
}

// Addr is where upsd serves the settings' UPS: the local upsd in primary
// mode, the remote host in secondary mode.
func Addr(s nut.Settings) string {
	host := "127.0.0.1"
	if s.Mode == nut.ModeSecondary {
		host = s.RemoteHost
	}
	return net.JoinHostPort(strings.Trim(host, "[]"), strconv.Itoa(s.RemotePort))
}

// ShutdownWrapper is the path of the shutdown command's wrapper in a state
// directory (see WriteShutdownWrapper), and ShutdownResult its record.
func ShutdownWrapper(state string) string { return filepath.Join(RunDir(state), ShutdownWrapperName) }
func ShutdownResult(state string) string  { return filepath.Join(RunDir(state), ShutdownResultName) }

// Render makes the files for s as the service runs them: conf.Render with
// the user-mode options (SHUTDOWNCMD runs the wrapper that reports how the
// shutdown command ended), plus the service's admin user in upsd.users.
func Render(s nut.Settings, stateDir string, listen []string, adminPass string) (conf.Files, error) {
	o := conf.Options{StateDir: RunDir(stateDir), Listen: listen, ShutdownCmd: shellQuote(ShutdownWrapper(stateDir))}
	if os.Geteuid() == 0 {
		o.RunAsUser = "root" // upsmon could not read the 0600 files as nut
	}
	files, err := conf.Render(s, o)
	if err != nil {
		return nil, err
	}
	if adminPass == "" {
		return files, nil
	}
	for i, f := range files {
		if f.Name != conf.UPSDUsers {
			continue
		}
		section := fmt.Sprintf("\n# Nutmeg's service: instant commands from the tray (password generated at each start)\n[%s]\n\tpassword = \"%s\"\n\tinstcmds = ALL\n", AdminUser, adminPass)
		// Before the extra users, so that importing the file gives them back as typed.
		if k := strings.Index(f.Content, "\n"+conf.ExtraUsersMark); k >= 0 {
			f.Content = f.Content[:k] + section + f.Content[k:]
		} else {
			f.Content += section
		}
		files[i] = f
	}
	return files, nil
}

// adminPasswordIn finds the admin user's password in an installed
// upsd.users: a restarted service keeps it, so that its files stay the same
// and the running NUT set can be adopted.
func adminPasswordIn(etc string) string {
	b, err := os.ReadFile(filepath.Join(etc, conf.UPSDUsers))
	if err != nil {
		return ""
	}
	_, rest, ok := strings.Cut(string(b), "\n["+AdminUser+"]\n\tpassword = \"")
	if !ok {
		return ""
	}
	pass, _, ok := strings.Cut(rest, "\"")
	if !ok || len(pass) != 32 || strings.Trim(pass, "0123456789abcdef") != "" {
		return ""
	}
	return pass
}

// sameFiles reports whether dir already holds exactly files.
func sameFiles(dir string, files conf.Files) bool {
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f.Name))
		if err != nil || string(b) != f.Content {
			return false
		}
	}
	return true
}

func newAdminPassword() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b) // plain hex: nothing for upsd's tokenizer to trip on
}

// New prepares the state directory, renders and installs NUT's files, and
// opens the log, history and socket. Nothing runs until Run.
func New(cfg Config) (*Service, error) {
	log := cfg.Log
	if log == nil {
		log = slog.Default()
	}
	s := cfg.Settings
	verr := s.Validate()
	if cfg.System {
		verr = s.ValidateStored() // NUT's files are not ours: no monitor password needed
	}
	if err := verr; err != nil {
		return nil, fmt.Errorf("settings: %w", err)
	}
	if cfg.StateDir == "" {
		return nil, errors.New("no state directory")
	}
	for _, d := range []string{cfg.StateDir, RunDir(cfg.StateDir)} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("state directory: %w", err)
		}
	}
	svc := &Service{cfg: cfg, log: log, s: s}
	mail := cfg.Mail
	if mail == nil {
		svc.queue = notify.NewQueue(mailerFor(s, log), notify.QueueConfig{Log: log})
		mail = svc.queue
	}
	if cfg.System {
		// Members of the group nutmeg reach the socket (0660) through the
		// directory, root:nutmeg 0750 as the unit's StateDirectoryMode makes
		// it; without the group only root can follow the service.
		if g, err := user.LookupGroup(SocketGroup); err == nil {
			gid, _ := strconv.Atoi(g.Gid)
			if err := os.Chown(cfg.StateDir, -1, gid); err != nil {
				return nil, fmt.Errorf("state directory: %w", err)
			}
			if err := os.Chmod(cfg.StateDir, 0o750); err != nil {
				return nil, fmt.Errorf("state directory: %w", err)
			}
		}
		var err error
		wc := svc.watcherConfig(s, mail)
		bin := cfg.Bin
		if bin == "" {
			bin = "/lib/nut"
		}
		wc.FSD = func(ctx context.Context) error {
			pid := systemUpsmon()
			if pid == 0 {
				return fmt.Errorf("the system's upsmon is not running (no upsmon's pid in %s)", UpsmonPidFile)
			}
			return UpsmonFSD(ctx, bin, CleanEnv(os.Environ()), pid)
		}
		wc.Nudge = wc.FSD
		wc.Final, wc.Reload = nil, nil
		systemctl := cfg.Systemctl
		if systemctl == nil {
			systemctl = []string{"systemctl"}
		}
		wc.ShutdownResult = filepath.Join(cfg.StateDir, ShutdownResultName)
		wc.RetryShutdown, wc.PowerBack = SystemRetryShutdown(systemctl, bin), SystemPowerBack(systemctl)
		// Users in this group may read the status and postpone from their tray.
		wc.SocketGroup = SocketGroup
		if svc.w, err = NewWatcher(wc); err != nil {
			return nil, err
		}
		return svc, nil
	}
	if cfg.Native {
		if err := svc.newNative(s, mail); err != nil {
			return nil, err
		}
		return svc, nil
	}
	etc := EtcDir(cfg.StateDir)
	if s.Mode != nut.ModeSecondary {
		if svc.admin = adminPasswordIn(etc); svc.admin == "" {
			svc.admin = newAdminPassword()
		}
	}
	if _, err := WriteShutdownWrapper(ShutdownWrapper(cfg.StateDir), ShutdownResult(cfg.StateDir), s.UserShutdownCmd()); err != nil {
		return nil, err
	}
	files, err := Render(s, cfg.StateDir, cfg.Listen, svc.admin)
	if err != nil {
		return nil, fmt.Errorf("render NUT's files: %w", err)
	}
	if svc.unchanged = sameFiles(etc, files); !svc.unchanged {
		if err := conf.Install(etc, files, conf.User); err != nil {
			return nil, fmt.Errorf("install NUT's files: %w", err)
		}
	}
	svc.sup = &Supervisor{Bin: cfg.Bin, Etc: etc, Run: RunDir(cfg.StateDir), Root: os.Geteuid() == 0,
		Log: log, MinBackoff: cfg.RestartMin, MaxBackoff: cfg.RestartMax}
	svc.sup.Reconfigure(s.Identifier, driverOf(s), Addr(s))
	wc := svc.watcherConfig(s, mail)
	if svc.w, err = NewWatcher(wc); err != nil {
		return nil, err
	}
	return svc, nil
}

func driverOf(s nut.Settings) string {
	if s.Mode == nut.ModeSecondary {
		return ""
	}
	return s.Driver
}

func mailerFor(s nut.Settings, log *slog.Logger) *notify.Mailer {
	if !s.EmailNotify {
		return nil
	}
	m, err := notify.NewMailer(notify.FromSettings(s, s.SMTP.Password))
	if err != nil {
		log.Warn("email is on but cannot be sent", "err", err)
		return nil
	}
	return m
}

func (svc *Service) watcherConfig(s nut.Settings, mail Mailer) WatcherConfig {
	wc := WatcherConfig{
		UPS: s.Identifier, Addr: Addr(s), Mode: s.Mode, Policy: PolicyFrom(s),
		NoComm:   time.Duration(s.NoCommWarnTime) * time.Second,
		HostSync: time.Duration(s.HostSync) * time.Second,
		Poll:     svc.cfg.Poll,
		StateDir: svc.cfg.StateDir,
		Mail:     mail, Log: svc.log,
		Reload: svc.reload, SettingsPath: svc.cfg.SettingsPath,
		RuntimeLow: time.Duration(s.RuntimeLow) * time.Second,
		Watch:      s.Watch, WatchEvery: svc.cfg.WatchEvery,
		SocketMode: svc.cfg.SocketMode,
		RetryEvery: svc.cfg.RetryEvery,
	}
	wc.Policy.FlapWindow = svc.cfg.FlapWindow
	if svc.sup != nil {
		wc.FSD, wc.Final, wc.Nudge = svc.sup.FSD, svc.sup.Final, svc.sup.FSD
		wc.ShutdownResult = ShutdownResult(svc.cfg.StateDir)
		wc.RetryShutdown, wc.PowerBack = svc.sup.RetryShutdown, svc.sup.PowerBack
	}
	if svc.admin != "" {
		wc.AdminUser, wc.AdminPass = AdminUser, svc.admin
	}
	return wc
}

// Supervisor is the service's NUT supervisor (for tests and diagnostics).
func (svc *Service) Supervisor() *Supervisor { return svc.sup }

// Watcher is the service's watcher.
func (svc *Service) Watcher() *Watcher { return svc.w }

// Run starts NUT, waits until it serves the UPS, then watches and serves
// until ctx ends; then it stops every NUT process it started and removes
// the socket. If NUT does not come up at first, Run returns that error
// (with the daemon's own words); later deaths are restarted with backoff.
func (svc *Service) Run(ctx context.Context) error {
	if svc.mon != nil {
		return svc.runNative(ctx)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if svc.sup == nil { // system mode: NUT is the platform's
		var wg sync.WaitGroup
		if svc.queue != nil {
			wg.Go(func() { svc.queue.Run(ctx) })
		}
		err := svc.w.Run(ctx)
		cancel()
		wg.Wait()
		return err
	}
	// A set that a previous service left running on these very files keeps
	// running: upsmon never stops watching across a restart of the service.
	if !svc.unchanged {
		svc.log.Info("NUT's files changed: starting NUT afresh")
	}
	if !svc.unchanged || !svc.sup.Adopt(ctx) {
		if err := svc.sup.Start(ctx); err != nil {
			svc.w.Close()
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("start NUT: %w", err)
		}
	}
	svc.log.Info("NUT is up", "ups", svc.s.Identifier, "pids", svc.sup.Pids())
	var wg sync.WaitGroup
	if svc.queue != nil {
		wg.Go(func() { svc.queue.Run(ctx) })
	}
	supDone := make(chan struct{})
	go func() { _ = svc.sup.Supervise(ctx); close(supDone) }()
	err := svc.w.Run(ctx)
	cancel()
	<-supDone
	wg.Wait()
	return err
}

// reload is the "reload" request: load the settings file, render and install
// its files (the previous set kept), restart NUT on them and prove it
// serves ups.status; on failure put the previous files back, restart NUT on
// them, and say which step failed. It runs in the watcher's loop.
func (svc *Service) reload(ctx context.Context, path string) (WatcherConfig, error) {
	if path == "" {
		path = svc.cfg.SettingsPath
	}
	if path == "" {
		return WatcherConfig{}, errors.New("reload: no settings file")
	}
	s, err := nut.Load(path)
	if err != nil {
		return WatcherConfig{}, fmt.Errorf("load settings: %w", err)
	}
	svc.mu.Lock()
	old := svc.s
	svc.mu.Unlock()
	if svc.cfg.Secrets != nil {
		if err := secret.Load(secret.WithEnv(svc.cfg.Secrets, nil), &s); err != nil {
			return WatcherConfig{}, fmt.Errorf("secrets: %w", err)
		}
		if err := secret.LoadExtraUsers(secret.WithEnv(svc.cfg.Secrets, nil), &s); err != nil {
			svc.log.Warn("upsd.users without the extra users", "err", err)
		}
		if err := secret.LoadWatch(svc.cfg.Secrets, &s); err != nil {
			svc.log.Warn("watched UPSes without their passwords", "err", err)
		}
	} else {
		s.MonPwd, s.RemotePwd, s.SMTP.Password, s.ExtraUsers = old.MonPwd, old.RemotePwd, old.SMTP.Password, old.ExtraUsers
		keepWatchPasswords(&s, old)
	}
	if err := s.Validate(); err != nil {
		return WatcherConfig{}, fmt.Errorf("settings: %w", err)
	}
	oldAdmin := svc.admin
	if (s.Mode == nut.ModeSecondary) != (svc.admin == "") {
		if s.Mode == nut.ModeSecondary {
			svc.admin = ""
		} else {
			svc.admin = newAdminPassword()
		}
	}
	if _, err := WriteShutdownWrapper(ShutdownWrapper(svc.cfg.StateDir), ShutdownResult(svc.cfg.StateDir), s.UserShutdownCmd()); err != nil {
		return WatcherConfig{}, err
	}
	files, err := Render(s, svc.cfg.StateDir, svc.cfg.Listen, svc.admin)
	if err != nil {
		return WatcherConfig{}, fmt.Errorf("render NUT's files: %w", err)
	}
	etc := EtcDir(svc.cfg.StateDir)
	if err := conf.Install(etc, files, conf.User); err != nil {
		return WatcherConfig{}, fmt.Errorf("install NUT's files: %w", err)
	}
	svc.sup.Reconfigure(s.Identifier, driverOf(s), Addr(s))
	rctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	err = svc.sup.Restart(rctx)
	if err == nil {
		err = pollOnce(rctx, s.Identifier, Addr(s))
	}
	if err != nil {
		svc.log.Warn("new settings failed; restoring the previous NUT files", "err", err)
		failed := fmt.Errorf("start NUT on the new files: %w", err)
		if rerr := conf.Restore(etc); rerr != nil {
			return WatcherConfig{}, fmt.Errorf("%w; and restoring the previous files failed: %v", failed, rerr)
		}
		svc.admin = oldAdmin
		if _, werr := WriteShutdownWrapper(ShutdownWrapper(svc.cfg.StateDir), ShutdownResult(svc.cfg.StateDir), old.UserShutdownCmd()); werr != nil {
			svc.log.Error("shutdown wrapper not restored", "err", werr)
		}
		svc.sup.Reconfigure(old.Identifier, driverOf(old), Addr(old))
		// The restore gets its own time budget: the failed try may have
		// used up the first one, and NUT must come back.
		sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer scancel()
		if rerr := svc.sup.Restart(sctx); rerr != nil {
			return WatcherConfig{}, fmt.Errorf("%w; the previous files were restored but NUT did not start on them either: %v", failed, rerr)
		}
		return WatcherConfig{}, fmt.Errorf("%w (the previous files were restored and NUT runs on them)", failed)
	}
	svc.mu.Lock()
	svc.s = s
	svc.mu.Unlock()
	mail := svc.cfg.Mail
	if mail == nil {
		svc.queue.SetMailer(mailerFor(s, svc.log))
		mail = svc.queue
	}
	svc.log.Info("new settings in effect", "ups", s.Identifier)
	return svc.watcherConfig(s, mail), nil
}

// keepWatchPasswords gives the reloaded watch list the passwords the old
// one had (same entry, same user), when no store is there to read them.
func keepWatchPasswords(s *nut.Settings, old nut.Settings) {
	for i := range s.Watch {
		for _, o := range old.Watch {
			if o.Key() == s.Watch[i].Key() && o.User == s.Watch[i].User {
				s.Watch[i].Password = o.Password
			}
		}
	}
}
