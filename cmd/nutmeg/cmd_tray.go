package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/nutmeg-ups/nutmeg/gui/tray"
	"github.com/nutmeg-ups/nutmeg/nut/api"
)

func init() {
	register(&command{name: "tray", args: "[--state DIR | --socket PATH | --server HOST[:PORT] [--ups NAME]]",
		summary: "the tray icon (starts the wizard on first run)", run: runTray})
}

// traySocketCandidates are where a local service's socket may be: the user
// service's state directory, then the system service's.
func traySocketCandidates() []string {
	var out []string
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		out = append(out, api.SocketPath(filepath.Join(d, "nutmeg")))
	} else if home, err := os.UserHomeDir(); err == nil {
		out = append(out, api.SocketPath(filepath.Join(home, ".local", "state", "nutmeg")))
	}
	return append(out, api.SocketPath("/var/lib/nutmeg"))
}

func runTray(fs *flag.FlagSet, args []string, e *env) error {
	state := fs.String("state", "", "the service's state `DIR` (its socket is DIR/"+api.SocketName+")")
	socket := fs.String("socket", "", "the service's API socket `PATH`")
	server := fs.String("server", "", "poll this NUT server directly (no local service), `HOST[:PORT]`")
	ups := fs.String("ups", "", "the UPS `NAME` on --server (default: its only UPS)")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg := tray.Config{Notifier: &tray.DBusNotifier{}, Logf: log.New(e.stderr, "", log.LstdFlags).Printf}
	switch {
	case *server != "" && (*socket != "" || *state != ""):
		return badInputf("--server polls a NUT server directly: it excludes --socket and --state")
	case *socket != "" && *state != "":
		return badInputf("give --socket or --state, not both")
	case *server != "":
		cfg.Server, cfg.UPS = *server, *ups
	case *socket != "":
		cfg.Socket = *socket
	case *state != "":
		cfg.Socket = api.SocketPath(*state)
	default:
		cands := traySocketCandidates()
		cfg.Socket = cands[0]
		for _, c := range cands {
			if _, err := os.Stat(c); err == nil {
				cfg.Socket = c
				break
			}
		}
	}

	release, err := tray.Lock(tray.LockPath())
	if errors.Is(err, tray.ErrRunning) {
		fmt.Fprintln(e.stderr, "nutmeg: the tray is already running")
		return nil // a second start exits quietly
	}
	if err != nil {
		return err
	}
	defer release()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return tray.Run(ctx, cfg)
}
