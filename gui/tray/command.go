package tray

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/nutmeg-ups/nutmeg/nut/api"
)

// Options are the tray command's flags, shared by `nutmeg` (the default
// command) and the lightweight `nutmeg-tray` binary.
type Options struct {
	State, Socket, Server, UPS string
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
}

// SocketCandidates are where a local service's socket may be, in order: the
// user service's state directory (nut/service.DefaultStateDir), then the
// system service's.
func SocketCandidates() []string {
	var out []string
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		out = append(out, api.SocketPath(filepath.Join(d, "nutmeg")))
	} else if home, err := os.UserHomeDir(); err == nil {
		out = append(out, api.SocketPath(filepath.Join(home, ".local", "state", "nutmeg")))
	}
	return append(out, api.SocketPath("/var/lib/nutmeg"))
}

// Config turns the options into the tray's configuration.
func (o Options) Config() (Config, error) {
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
		// The first socket that exists; else the user service's, which the
		// tray keeps trying until the service starts.
		cands := SocketCandidates()
		cfg.Socket = cands[0]
		for _, c := range cands {
			if _, err := os.Stat(c); err == nil {
				cfg.Socket = c
				break
			}
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
	cfg.Notifier = &DBusNotifier{}
	cfg.Logf = log.New(stderr, "", log.LstdFlags).Printf
	release, err := Lock(LockPath())
	if errors.Is(err, ErrRunning) {
		fmt.Fprintln(stderr, "nutmeg: the tray is already running")
		return nil
	}
	if err != nil {
		return err
	}
	defer release()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Run(ctx, cfg)
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
