package tray

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nutmeg-ups/nutmeg/gui/autostart"
	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/paths"
	"github.com/nutmeg-ups/nutmeg/nut/userunit"
)

// Options are the tray command's flags, shared by `nutmeg` (the default
// command) and the lightweight `nutmeg-tray` binary.
type Options struct {
	State, Socket, Server, UPS string
	// Settings is the settings file ("" means nut.DefaultPath()).
	Settings string
	// Exe is the nutmeg binary that opens the windows; "" finds it.
	Exe string
}

// UsageError is a bad combination of flags (exit status 2).
type UsageError struct{ Msg string }

func (u *UsageError) Error() string { return u.Msg }

func usagef(format string, a ...any) error { return &UsageError{fmt.Sprintf(format, a...)} }

// Flags registers the options on fs.
func (o *Options) Flags(fs *flag.FlagSet) {
	fs.StringVar(&o.State, "state", "", "the service's state `DIR` (its socket is DIR/"+api.SocketName+")")
	fs.StringVar(&o.Socket, "socket", "", "the service's API socket `PATH`")
	fs.StringVar(&o.Server, "server", "", "poll this NUT server directly (no local service), `HOST[:PORT]`")
	fs.StringVar(&o.UPS, "ups", "", "the UPS `NAME` on --server (default: its only UPS)")
	fs.StringVar(&o.Settings, "settings", "", "the settings `FILE` (default: the user's)")
}

// loadSettings reads the settings file; ok is false when there is none
// (first run) or it cannot be read (said on stderr by the caller).
func (o Options) loadSettings() (s nut.Settings, ok bool, err error) {
	path := o.Settings
	if path == "" {
		if path, err = nut.DefaultPath(); err != nil {
			return s, false, err
		}
	}
	s, err = nut.Load(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, false, nil
	}
	return s, err == nil, err
}

// SocketCandidates are where a local service's socket may be, in order: the
// user service's state directory (nut/service.DefaultStateDir), then the
// system service's.
func SocketCandidates() []string {
	var out []string
	for _, system := range []bool{false, true} {
		if d, err := paths.State(system); err == nil {
			out = append(out, api.SocketPath(d))
		}
	}
	return out
}

// PickSocket chooses the service to follow among cands (the user
// service's socket first, then the system service's): the first that
// answers or refuses this user (outside the group: the tray says how to
// join it), else the first that exists (a service restarting), else the
// first. A user service's socket left behind by a dead service thus does
// not hide a running system service.
func PickSocket(cands []string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, c := range cands {
		conn, err := api.Dial(ctx, c)
		if err == nil {
			conn.Close()
			return c
		}
		if errors.Is(err, fs.ErrPermission) {
			return c
		}
	}
	for _, c := range cands {
		if _, err := os.Stat(c); err == nil {
			return c
		}
	}
	return cands[0]
}

// Config turns the options into the tray's configuration, reading the
// settings file for the case where no flag says what to follow.
func (o Options) Config() (Config, error) {
	s, ok, _ := o.loadSettings()
	if !ok {
		return o.config(nil)
	}
	return o.config(&s)
}

// config is Config with the settings given (nil: none saved). Without a
// flag, the tray follows the first service socket that exists; a
// secondary with no local service polls its NUT server directly; otherwise
// it waits for the user service's socket.
func (o Options) config(s *nut.Settings) (Config, error) {
	var cfg Config
	switch {
	case o.Server != "" && (o.Socket != "" || o.State != ""):
		return cfg, usagef("--server polls a NUT server directly: it excludes --socket and --state")
	case o.Socket != "" && o.State != "":
		return cfg, usagef("give --socket or --state, not both")
	case o.UPS != "" && o.Server == "":
		return cfg, usagef("--ups names a UPS on --server")
	case o.Server != "":
		cfg.Server, cfg.UPS = o.Server, o.UPS
	case o.Socket != "":
		cfg.Socket = o.Socket
	case o.State != "":
		cfg.Socket = api.SocketPath(o.State)
	default:
		cands := SocketCandidates()
		cfg.Socket = PickSocket(cands)
		if cfg.Socket == cands[0] {
			if _, err := os.Stat(cands[0]); err != nil {
				cfg.Socket = ""
			}
		}
		switch {
		case cfg.Socket != "":
		case s != nil && s.Mode == nut.ModeSecondary && s.RemoteHost != "":
			cfg.Server = net.JoinHostPort(strings.Trim(s.RemoteHost, "[]"), strconv.Itoa(s.RemotePort))
			cfg.UPS = s.Identifier
		default:
			cfg.Socket = cands[0] // kept trying until the service starts
		}
	}
	cfg.Exe = o.Exe
	return cfg, nil
}

// Main runs the tray as a command: one instance per user (a second start
// says so on stderr and returns nil), desktop notifications on, until Quit
// or SIGINT/SIGTERM.
func Main(o Options, stderr io.Writer) error {
	cfg, err := o.Config()
	if err != nil {
		return err
	}
	cfg.Logf = log.New(stderr, "", log.LstdFlags).Printf
	cfg.Notifier = newNotifier(cfg.Logf) // D-Bus; balloons on Windows
	// The demo's tray must not open the real settings.
	cfg.NoSettings = os.Getenv("NUTMEG_DEMO") == "1"
	// Only Linux trays go through a StatusNotifierItem host that may be
	// missing (GNOME without the AppIndicator extension).
	cfg.CheckHost = runtime.GOOS == "linux"
	if dir, err := os.UserConfigDir(); err == nil {
		cfg.HintFile = filepath.Join(dir, "nutmeg", "no-tray-host-hint")
	}
	lockPath := LockPath(cfg.Socket)
	release, err := lockSoon(lockPath)
	if errors.Is(err, ErrRunning) {
		fmt.Fprintln(stderr, "nutmeg: the tray is already running")
		return nil
	}
	if err != nil {
		return err
	}
	defer release()
	try := tryNumber()
	if cfg.Exe == "" {
		if cfg.Exe, err = os.Executable(); err != nil {
			return fmt.Errorf("tray: find own executable: %w", err)
		}
	}
	s, ok, err := o.loadSettings()
	switch {
	case err != nil:
		cfg.Logf("tray: %v", err)
	case !ok:
		cfg.OpenAtStart = "wizard" // first run: set up first
	default:
		// The login entry follows the saved setting, whoever changed it.
		if autostart.Enabled() != s.Autostart {
			if err := autostart.Set(s.Autostart, cfg.Exe); err != nil {
				cfg.Logf("tray: %v", err)
			}
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	watching := ok && o.Server == "" && o.Socket == "" && o.State == ""
	if watching {
		// At login the tray brings up the user's service: nothing else
		// starts it again after a reboot.
		go o.ensureService(ctx, cfg)
	}
	if runtime.GOOS == "windows" || try > 1 {
		// On Windows ready means the icon is there: worth a line, as a
		// start without it is retried (iconRetry).
		cfg.Ready = func() { cfg.Logf("tray: the icon is in the notification area (start %d)", try) }
	}
	err = Run(ctx, cfg)
	if errors.Is(err, ErrNoIcon) {
		return iconRetry(ctx, iconRetryArgs{try: try, release: release, lock: lockPath, watching: watching, logf: cfg.Logf})
	}
	return err
}

// LightName is the lightweight tray binary, installed beside nutmeg.
const LightName = "nutmeg-tray"

// Sibling is the path of name in the directory of the running binary, if
// such a file is there and executable.
func Sibling(name string) (string, bool) {
	exe, err := os.Executable()
	if err != nil {
		return "", false
	}
	p := filepath.Join(filepath.Dir(exe), name)
	if _, err := exec.LookPath(p); err != nil {
		return "", false
	}
	return p, true
}

// ensureService keeps the user-mode service for the saved settings running.
// Where a systemd user unit runs it (nut/userunit), systemd restarts it and
// the tray only starts the unit when nothing answers. Where a system service
// runs (its socket exists), that is the system's business. Elsewhere the
// tray starts the service itself when none answers and then watches it for
// as long as it runs (Watchdog). The tray keeps following the socket either
// way; a failure only becomes a log line and a notification.
func (o Options) ensureService(ctx context.Context, cfg Config) {
	cands := SocketCandidates()
	user, system := cands[0], cands[len(cands)-1]
	handedOver := func() bool {
		_, err := os.Stat(userunit.SystemMarker(filepath.Dir(user)))
		return err == nil || systemSetUp(system)
	}
	if handedOver() && !api.Answers(ctx, user) {
		return
	}
	path := o.Settings
	if path == "" {
		var err error
		if path, err = nut.DefaultPath(); err != nil {
			cfg.Logf("tray: %v", err)
			return
		}
	}
	failed := func(err error) {
		cfg.Logf("tray: start the Nutmeg service: %v", err)
		if cfg.Notifier != nil {
			_ = cfg.Notifier.Notify(Note{Title: "The Nutmeg service did not start", Body: err.Error(), Urgent: true})
		}
	}
	if m := (userunit.Manager{}); m.Installed() && m.Available(ctx) {
		if !api.Answers(ctx, user) {
			if err := m.Start(ctx); err != nil {
				failed(err)
			}
		}
		return
	}
	start := func(ctx context.Context) error {
		return api.StartService(ctx, cfg.Exe, path, filepath.Dir(user), 45*time.Second)
	}
	if !api.Answers(ctx, user) {
		if err := start(ctx); err != nil {
			failed(err)
		}
	}
	Watchdog{Socket: user, Start: start, Skip: handedOver, Logf: cfg.Logf}.Run(ctx)
}

// SystemSettings is the system service's settings file (nutmeg apply
// --system writes it).
const SystemSettings = "/etc/nutmeg/settings.json"

// systemSetUp reports whether system mode is set up here: its socket or its
// settings exist (the socket may not be there yet at login).
func systemSetUp(socket string) bool {
	for _, p := range []string{socket, SystemSettings} {
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	return false
}
