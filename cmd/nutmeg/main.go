// Command nutmeg is the Nutmeg desktop app and its command line. This package
// only parses flags and wires the other packages together. Built with
// -tags nogui it links no Fyne and execs nutmeg-gui for the windows (gui.go).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"

	"github.com/nutmeg-ups/nutmeg/nut"
)

// command is one subcommand. run gets the arguments after the subcommand's
// name and its own flag set, already named, so --help works uniformly.
type command struct {
	name    string
	args    string // synopsis of the arguments, for the usage line
	summary string
	run     func(fs *flag.FlagSet, args []string, env *env) error
}

// env carries the process's streams so commands can be run from tests.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// commands is the table of docs/architecture.md, Processes; each command registers itself from
// its own file, cmd_<name>.go.
var commands = map[string]*command{}

func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("nutmeg: command " + c.name + " registered twice")
	}
	commands[c.name] = c
}

// badInput is an error caused by what the user gave us: exit status 2.
type badInput struct{ err error }

func (b badInput) Error() string { return b.err.Error() }
func (b badInput) Unwrap() error { return b.err }

func badInputf(format string, a ...any) error { return badInput{fmt.Errorf(format, a...)} }

func main() {
	os.Exit(run(os.Args[1:], &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}))
}

// run executes one command line and returns the exit status: 0 ok, 1 runtime
// failure, 2 bad input.
func run(args []string, e *env) int {
	name := "tray"
	if len(args) > 0 {
		switch args[0] {
		case "-h", "-help", "--help", "help":
			usage(e.stdout)
			return 0
		}
		if _, ok := commands[args[0]]; ok {
			name, args = args[0], args[1:]
		} else if args[0] != "" && args[0][0] != '-' {
			fmt.Fprintf(e.stderr, "nutmeg: unknown command %q\n\n", args[0])
			usage(e.stderr)
			return 2
		}
	}
	c := commands[name]
	fs := flag.NewFlagSet("nutmeg "+c.name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: nutmeg %s %s\n\n%s\n", displayName(c), c.args, c.summary)
		if hasFlags(fs) {
			fmt.Fprintln(fs.Output(), "\nflags:")
			fs.PrintDefaults()
		}
	}
	err := c.run(fs, args, e)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	}
	fmt.Fprintf(e.stderr, "nutmeg %s: %v\n", displayName(c), err)
	var bad badInput
	if errors.As(err, &bad) || isFlagError(err) {
		return 2
	}
	return 1
}

func displayName(c *command) string {
	if c.name == "tray" {
		return ""
	}
	return c.name
}

// isFlagError reports errors from flag parsing, which are bad input.
func isFlagError(err error) bool {
	var fe flagErr
	return errors.As(err, &fe)
}

type flagErr struct{ error }

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Nutmeg keeps a UPS protecting this computer, on top of Network UPS Tools.")
	fmt.Fprintln(w, "\nusage: nutmeg [command] [flags]   (no command: the tray)")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\n`nutmeg COMMAND --help` describes a command's flags.")
}

// parse wraps fs.Parse so that flag errors exit with status 2.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return flagErr{err}
	}
	if fs.NArg() > 0 {
		return badInputf("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// loadSettings reads the settings file at path, or the user's own when path
// is empty, and returns the path it read. A missing or malformed file is bad
// input (exit 2), with a hint for the first case.
func loadSettings(path string) (nut.Settings, string, error) {
	if path == "" {
		p, err := nut.DefaultPath()
		if err != nil {
			return nut.Settings{}, "", err
		}
		path = p
	}
	s, err := nut.Load(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nut.Settings{}, path, badInputf("--settings: %v (set Nutmeg up first with `nutmeg wizard`, or give a settings file)", err)
	case err != nil:
		return nut.Settings{}, path, badInputf("%v", err)
	}
	return s, path, nil
}
