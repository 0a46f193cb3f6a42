package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/service"
)

func init() {
	register(&command{name: "events", args: "[--json] [--follow] [-n N] [--state DIR]",
		summary: "the event log", run: runEvents})
}

func runEvents(fs *flag.FlagSet, args []string, e *env) error {
	asJSON := fs.Bool("json", false, "one JSON object per line")
	follow := fs.Bool("follow", false, "keep printing new events until interrupted")
	n := fs.Int("n", 0, "only the newest `N` events (0: all)")
	state := stateDirFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if *n < 0 {
		return badInputf("-n: must be 0 or more")
	}
	path, err := eventLogPath(*state)
	if err != nil {
		return err
	}
	evs, err := service.ReadEvents(path, *n)
	if err != nil {
		return err
	}
	for _, ev := range evs {
		if err := printEvent(e.stdout, ev, *asJSON); err != nil {
			return err
		}
	}
	if !*follow {
		return nil
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	var werr error
	err = service.FollowEvents(ctx, path, 250*time.Millisecond, func(ev api.Event) {
		if werr == nil {
			werr = printEvent(e.stdout, ev, *asJSON)
		}
	})
	if werr != nil {
		return werr
	}
	return err
}

// eventLogPath is the given state dir's log, else the user service's, else
// the system service's when only that one exists.
func eventLogPath(state string) (string, error) {
	if state != "" {
		return filepath.Join(state, service.EventLogName), nil
	}
	user, err := service.DefaultStateDir(false)
	if err != nil {
		return "", err
	}
	p := filepath.Join(user, service.EventLogName)
	if _, err := os.Stat(p); err != nil {
		sys, _ := service.DefaultStateDir(true)
		if _, serr := os.Stat(filepath.Join(sys, service.EventLogName)); serr == nil {
			return filepath.Join(sys, service.EventLogName), nil
		}
	}
	return p, nil
}

func printEvent(w io.Writer, ev api.Event, asJSON bool) error {
	if asJSON {
		b, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	_, err := fmt.Fprintf(w, "%s  %-9s  %s\n", ev.Time.Local().Format("2006-01-02 15:04:05"), ev.Name, ev.Message)
	return err
}
