package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/nutmeg-ups/nutmeg/hw"
	"github.com/nutmeg-ups/nutmeg/hw/driverdb"
	"github.com/nutmeg-ups/nutmeg/nut"
)

func init() {
	register(&command{name: "probe", args: "[--json] [--port PATH]... [--no-serial] [--timeout D] [--verify]",
		summary: "devices found and ranked driver suggestions", run: runProbe})
}

// portList is a repeatable --port flag.
type portList []string

func (p *portList) String() string     { return strings.Join(*p, ",") }
func (p *portList) Set(v string) error { *p = append(*p, v); return nil }

// probeOutput is the --json document: the hw.Report (shape documented in
// hw/doc.go) plus the verification when asked for.
type probeOutput struct {
	hw.Report
	Verification *hw.Verification `json:"verification,omitempty"`
}

func runProbe(fs *flag.FlagSet, args []string, e *env) error {
	asJSON := fs.Bool("json", false, "print the report as JSON (its shape is documented in go doc github.com/nutmeg-ups/nutmeg/hw)")
	var ports portList
	fs.Var(&ports, "port", "probe only this serial port (repeatable), listed by the system or not")
	noSerial := fs.Bool("no-serial", false, "do not list or probe serial ports (ports named with --port are still probed)")
	timeout := fs.Duration("timeout", hw.DefaultTimeout, "bound for each serial port's probe (ports are probed in parallel)")
	verify := fs.Bool("verify", false, "start the best ready suggestion's driver once (-s probe) and report what it read")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *timeout <= 0 {
		return badInputf("--timeout: must be positive")
	}
	for _, p := range ports {
		if !strings.HasPrefix(p, "/") {
			return badInputf("--port: %q is not an absolute device path", p)
		}
	}
	db, err := driverdb.Load(driverdb.Paths{})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout+30*time.Second)
	defer cancel()
	rep, err := hw.Probe(ctx, hw.Options{DB: db, Ports: ports, NoSerial: *noSerial, Timeout: *timeout})
	if err != nil {
		return err
	}
	out := probeOutput{Report: rep}
	if *verify {
		for _, s := range rep.Suggestions {
			if s.Ready {
				v := hw.Verify(context.Background(), db, s, 30*time.Second)
				out.Verification = &v
				break
			}
		}
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		printProbe(e.stdout, out, *verify)
	}
	if out.Verification != nil && !out.Verification.OK {
		return fmt.Errorf("verification of %s failed: %s", out.Verification.Driver, out.Verification.Error)
	}
	return nil
}

func printProbe(w io.Writer, out probeOutput, verify bool) {
	rep := out.Report
	if rep.DriverKnowledge == "builtin" {
		fmt.Fprintln(w, "NUT is not installed: using Nutmeg's built-in table.")
	}
	fmt.Fprintf(w, "Devices (%d):\n", len(rep.Devices))
	for _, d := range rep.Devices {
		ids := ""
		if d.VendorID != "" {
			ids = d.VendorID + ":" + d.ProductID
		}
		name := strings.TrimSpace(strings.Join(nonEmpty(d.Manufacturer, d.Product, d.Maker, d.Model), " "))
		fmt.Fprintf(w, "  %-22s %-9s %s", d.ID, ids, name)
		if d.Serial != "" {
			fmt.Fprintf(w, " (serial %s)", d.Serial)
		}
		if d.Protocol != "" {
			fmt.Fprintf(w, " [%s]", d.Protocol)
		} else if d.Class != "" {
			fmt.Fprintf(w, " [%s]", d.Class)
		}
		fmt.Fprintln(w)
		if d.NotAccessible != "" {
			fmt.Fprintf(w, "      %s\n", d.NotAccessible)
		}
		if d.Note != "" {
			fmt.Fprintf(w, "      %s\n", d.Note)
		}
	}
	fmt.Fprintln(w)
	if len(rep.Suggestions) == 0 {
		fmt.Fprintln(w, "No UPS found. Name a serial port with --port PATH, or choose the simulated UPS in the wizard.")
	} else {
		fmt.Fprintln(w, "Suggestions (best first):")
	}
	for i, s := range rep.Suggestions {
		fmt.Fprintf(w, "  %d. %s  port=%s%s  [%s]\n", i+1, s.Driver, s.Port, formatOptions(s.Options), s.Confidence)
		fmt.Fprintf(w, "     %s\n", s.Reason)
		if !s.Ready {
			fmt.Fprintf(w, "     not installed: %s\n", s.Install)
		}
	}
	if len(rep.Problems) > 0 {
		fmt.Fprintln(w, "\nProblems:")
		for _, p := range rep.Problems {
			fmt.Fprintf(w, "  - %s\n", p.Message)
			if p.Fix != "" {
				fmt.Fprintf(w, "    fix: %s\n", p.Fix)
			}
		}
	}
	if verify {
		fmt.Fprintln(w)
		v := out.Verification
		switch {
		case v == nil:
			fmt.Fprintln(w, "Verify: no ready suggestion to verify.")
		case v.OK:
			fmt.Fprintf(w, "Verify: %s read ups.status %q (%d values).\n", v.Driver, v.Status, len(v.Vars))
			for _, k := range []string{"device.mfr", "device.model", "battery.charge", "battery.runtime", "ups.load"} {
				if val, ok := v.Vars[k]; ok {
					fmt.Fprintf(w, "  %s: %s\n", k, val)
				}
			}
		default:
			fmt.Fprintf(w, "Verify: %s failed: %s\n  command: %s\n", v.Driver, v.Error, strings.Join(v.Command, " "))
			if v.Output != "" {
				fmt.Fprintf(w, "  driver said:\n    %s\n", strings.ReplaceAll(v.Output, "\n", "\n    "))
			}
		}
	}
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func formatOptions(o map[string]string) string {
	if len(o) == 0 {
		return ""
	}
	return " " + nut.FormatOptions(o, "=", " ")
}
