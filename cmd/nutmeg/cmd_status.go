package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/client"
)

func init() {
	register(&command{name: "status", args: "[--json] [--server HOST[:PORT]] [--ups NAME]",
		summary: "the UPS's status", run: runStatus})
}

// errNoService is what `status` says without --server until it can read the
// service's socket.
var errNoService = errors.New("the Nutmeg service is not running (or not reachable); use --server HOST[:PORT] to read a NUT server directly")

func runStatus(fs *flag.FlagSet, args []string, e *env) error {
	asJSON := fs.Bool("json", false, "print the status as JSON")
	server := fs.String("server", "", "read upsd at HOST[:PORT] (port 3493 by default) instead of the service")
	ups := fs.String("ups", "", "the UPS's name on the server (default: the server's only UPS)")
	timeout := fs.Duration("timeout", 5*time.Second, "bound for connecting and for each request")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *server == "" {
		return errNoService
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
