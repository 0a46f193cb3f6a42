package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/nutmeg-ups/nutmeg/gui/tray"
	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/client"
)

func init() {
	register(&command{name: "status", args: "[--json] [--server HOST[:PORT]] [--ups NAME] [--socket PATH]",
		summary: "the UPS's status", run: runStatus})
}

// errNoService is what `status` says when no service socket answers.
var errNoService = errors.New("the Nutmeg service is not running (or not reachable); start it with `nutmeg service`, or use --server HOST[:PORT] to read a NUT server directly")

func runStatus(fs *flag.FlagSet, args []string, e *env) error {
	asJSON := fs.Bool("json", false, "print the status as JSON")
	server := fs.String("server", "", "read upsd at HOST[:PORT] (port 3493 by default) instead of the service")
	ups := fs.String("ups", "", "the UPS's name on the server (default: the server's only UPS)")
	timeout := fs.Duration("timeout", 5*time.Second, "bound for connecting and for each request")
	socket := fs.String("socket", "", "the service's socket (default: the user's service, then the system's)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *server == "" {
		return statusFromService(e, *socket, *asJSON, *timeout)
	}
	if _, err := client.NormalizeAddr(*server); err != nil {
		return badInputf("--server: %v", err)
	}
	if *timeout <= 0 {
		return badInputf("--timeout: must be positive")
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	c, err := client.Dial(ctx, *server, client.Options{Timeout: *timeout})
	if err != nil {
		return err
	}
	defer c.Close()
	name := *ups
	if name == "" {
		name, err = c.OnlyUPS()
		var several *client.SeveralUPSError
		if errors.As(err, &several) {
			return badInputf("--ups: %v", err)
		}
		if err != nil {
			return err
		}
	}
	st, err := c.Poll(name)
	if err != nil {
		if client.IsUnknownUPS(err) {
			return badInputf("--ups: no UPS named %q on %s", name, c.Addr())
		}
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	_, err = fmt.Fprint(e.stdout, formatStatus(st, c.Addr()))
	return err
}

// formatStatus is the readable report: the summary line, the status in
// words, then every figure the UPS reports.
func formatStatus(st client.Status, addr string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s@%s: %s\n", st.UPS, addr, st.Summary())
	fmt.Fprintf(&b, "  %-17s %s\n", "Status:", strings.Join(st.Describe(), ", "))
	for _, f := range st.Figures() {
		fmt.Fprintf(&b, "  %-17s %s\n", f.Label+":", f.Text)
	}
	return b.String()
}

// statusFromService reads the first state the service pushes on its socket.
func statusFromService(e *env, socket string, asJSON bool, timeout time.Duration) error {
	cands := tray.SocketCandidates()
	if socket != "" {
		cands = []string{socket}
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var c *api.Client
	var err error
	for _, p := range cands {
		if c, err = api.Dial(ctx, p); err == nil {
			break
		}
	}
	if c == nil {
		return fmt.Errorf("%w (%v)", errNoService, err)
	}
	defer c.Close()
	for {
		select {
		case <-ctx.Done():
			return fmt.Errorf("the service did not send its state within %v", timeout)
		case <-c.Done():
			return fmt.Errorf("the service closed the connection: %v", c.Err())
		case m := <-c.Messages():
			if m.Type != "state" || m.State == nil {
				continue
			}
			if asJSON {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(m.State)
			}
			_, err := fmt.Fprint(e.stdout, formatServiceState(*m.State, time.Now()))
			return err
		}
	}
}

// formatServiceState is the readable report of the service's state: the
// connection, the countdown when one runs, then the UPS's figures.
func formatServiceState(st api.State, now time.Time) string {
	var b strings.Builder
	switch {
	case st.Status == nil:
		fmt.Fprintf(&b, "%s (via the Nutmeg service, %s): no data from the UPS yet\n", st.UPS, st.Mode)
	case !st.Connected:
		fmt.Fprintf(&b, "%s (via the Nutmeg service, %s): UPS not reachable; last known: %s\n", st.UPS, st.Mode, st.Status.Summary())
	default:
		fmt.Fprintf(&b, "%s (via the Nutmeg service, %s): %s\n", st.UPS, st.Mode, st.Status.Summary())
	}
	if cd := st.Countdown; cd != nil {
		left := cd.ShutdownAt.Sub(now).Round(time.Second)
		if left < 0 {
			left = 0
		}
		fmt.Fprintf(&b, "  %-17s in %v (at %s), after %s\n", "Shutdown:", left, cd.ShutdownAt.Format("15:04:05"), cd.Reason)
	}
	if st.Status != nil {
		fmt.Fprintf(&b, "  %-17s %s\n", "Status:", strings.Join(st.Status.Describe(), ", "))
		for _, f := range st.Status.Figures() {
			fmt.Fprintf(&b, "  %-17s %s\n", f.Label+":", f.Text)
		}
	}
	if len(st.Watched) > 0 {
		b.WriteString("Other UPSes (watched, read-only):\n")
		for _, x := range st.Watched {
			switch {
			case !x.Connected && x.Err != "":
				fmt.Fprintf(&b, "  %s: cannot be read: %s\n", x.Key, x.Err)
			case x.Status == nil:
				fmt.Fprintf(&b, "  %s: not read yet\n", x.Key)
			default:
				fmt.Fprintf(&b, "  %s: %s\n", x.Key, x.Status.Summary())
			}
		}
	}
	return b.String()
}
