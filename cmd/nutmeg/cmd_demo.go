package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/nutmeg-ups/nutmeg/gui/autostart"
	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/demo"
)

func init() {
	register(&command{name: "demo", args: "[--scale F] [--no-gui] [--keep]",
		summary: "the desktop app on a simulated UPS with a scripted power failure", run: runDemo})
}

func runDemo(fs *flag.FlagSet, args []string, e *env) error {
	scale := fs.Float64("scale", 1, "time `FACTOR` of the script (0.5 plays the day twice as fast)")
	noGUI := fs.Bool("no-gui", false, "no tray and no window: print the events and stop after the shutdown")
	keep := fs.Bool("keep", false, "keep the demo's state directory (logs, NUT files) afterwards")
	verbose := fs.Bool("v", false, "log what the service does")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *scale <= 0 || *scale > 100 {
		return badInputf("--scale: want a factor above 0 and at most 100, got %v", *scale)
	}
	// The script, the event printer and the GUI watcher all write: one
	// lock for both streams keeps lines whole.
	var outMu sync.Mutex
	e = &env{stdin: e.stdin, stdout: &lockedWriter{mu: &outMu, w: e.stdout}, stderr: &lockedWriter{mu: &outMu, w: e.stderr}}
	dir, err := os.MkdirTemp("", "nutmeg-demo-")
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if *keep {
		defer fmt.Fprintf(e.stdout, "The demo's files are kept in %s\n", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	logPath := filepath.Join(dir, demo.ShutdownLog)
	fmt.Fprintf(e.stdout, `Nutmeg demo: a simulated UPS (NUT's dummy-ups) run by the Nutmeg service in %s.
The script plays a day in about %s: mains power, a power failure with the shutdown
countdown, power back, a second failure and low battery. The "shutdown" only writes a
line to %s: nothing here can power this computer off.
`, dir, demo.Scaled(demo.Script()[len(demo.Script())-1].At, *scale).Round(time.Second), logPath)

	logOut := io.Discard
	if *verbose {
		logOut = e.stderr
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var gui guiChildren
	cfg := demo.Config{Dir: dir, Scale: *scale, Log: slog.New(slog.NewTextHandler(logOut, nil)),
		OnStep: func(s demo.Step) { fmt.Fprintf(e.stdout, "[%s] %s\n", s.Clock, s.Note) },
		Ready: func() {
			fmt.Fprintln(e.stdout, "The service is up.")
			if !*noGUI {
				gui.start(e, dir, cancel)
			}
		}}
	done := make(chan error, 1)
	go func() { done <- demo.Run(ctx, cfg) }()
	printed := make(chan struct{})
	go func() { printEvents(ctx, api.SocketPath(dir), e.stdout, logPath, *noGUI, cancel); close(printed) }()

	if !*noGUI {
		fmt.Fprintln(e.stdout, "Quit the tray (or press Ctrl-C) to end the demo.")
	}
	err = <-done
	cancel()
	<-printed
	gui.stop()
	if b, rerr := os.ReadFile(logPath); rerr == nil {
		fmt.Fprintf(e.stdout, "%s:\n%s", logPath, b)
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "The demo has ended; no NUT process is left running.")
	return nil
}

// printEvents prints the service's events as they come. With noGUI it ends
// the demo a few seconds after the "shutdown" wrote its line.
func printEvents(ctx context.Context, sock string, out io.Writer, logPath string, noGUI bool, end func()) {
	var c *api.Client
	for c == nil {
		var err error
		if c, err = api.Dial(ctx, sock); err != nil {
			select {
			case <-ctx.Done():
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	for m := range c.Messages() {
		if m.Type != "event" || m.Event == nil {
			continue
		}
		fmt.Fprintf(out, "        event %s: %s\n", m.Event.Name, m.Event.Message)
		if m.Event.Name == "SHUTDOWN" && noGUI {
			go func() {
				// upsmon runs SHUTDOWNCMD a moment after the FSD.
				for range 100 {
					if b, err := os.ReadFile(logPath); err == nil && len(b) > 0 {
						break
					}
					time.Sleep(100 * time.Millisecond)
				}
				time.Sleep(time.Second)
				end()
			}()
		}
	}
}

// guiChildren are the tray and the window of the demo, as child processes
// that follow the demo's socket (and whose own children, the tray's "Open
// status", inherit the environment that points them there).
type guiChildren struct {
	mu    sync.Mutex
	procs []*exec.Cmd
	wg    sync.WaitGroup
}

func (g *guiChildren) start(e *env, dir string, end func()) {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(e.stderr, "nutmeg demo: cannot start the tray and window: %v\n", err)
		return
	}
	// The tray makes the login entry follow the settings' autostart: the
	// demo's settings say what the user's entry already is, so the demo
	// never adds or removes it.
	setPath := filepath.Join(dir, demo.SettingsFile)
	if s, err := nut.Load(setPath); err == nil {
		s.Autostart = autostart.Enabled()
		if err := nut.Save(setPath, s); err != nil {
			fmt.Fprintf(e.stderr, "nutmeg demo: %v\n", err)
		}
	}
	env := append(os.Environ(), envSocket+"="+api.SocketPath(dir), envSettings+"="+filepath.Join(dir, demo.SettingsFile), envDemo+"=1")
	tray := g.run(e, exe, env, "tray", "--state", dir, "--settings", filepath.Join(dir, demo.SettingsFile))
	g.run(e, exe, env, "window", "--state", dir, "--settings", filepath.Join(dir, demo.SettingsFile))
	if tray != nil {
		// Quitting the demo's tray ends the demo. A tray that ends at once
		// (another Nutmeg tray is running) does not.
		started := time.Now()
		go func() {
			tray.Wait()
			if time.Since(started) > 3*time.Second {
				end()
			} else {
				fmt.Fprintln(e.stderr, "nutmeg demo: the demo's tray did not stay (is another Nutmeg tray running?); the window shows the demo, Ctrl-C ends it")
			}
		}()
	}
}

func (g *guiChildren) run(e *env, exe string, env []string, args ...string) *exited {
	cmd := exec.Command(exe, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = e.stderr, e.stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(e.stderr, "nutmeg demo: start %s: %v\n", args[0], err)
		return nil
	}
	x := &exited{done: make(chan struct{})}
	g.mu.Lock()
	g.procs = append(g.procs, cmd)
	g.mu.Unlock()
	g.wg.Go(func() {
		cmd.Wait()
		close(x.done)
	})
	return x
}

type exited struct{ done chan struct{} }

func (x *exited) Wait() { <-x.done }

// stop ends the tray and the window (SIGTERM, each by its pid) and waits
// for them.
func (g *guiChildren) stop() {
	g.mu.Lock()
	for _, c := range g.procs {
		c.Process.Signal(syscall.SIGTERM)
	}
	g.mu.Unlock()
	waited := make(chan struct{})
	go func() { g.wg.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(5 * time.Second):
		g.mu.Lock()
		for _, c := range g.procs {
			c.Process.Kill()
		}
		g.mu.Unlock()
		<-waited
	}
}

// lockedWriter serialises writes from several goroutines.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
