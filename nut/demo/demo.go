// Package demo is `nutmeg demo` without its GUI: the real service side
// (nut/service: dummy-ups, upsd and upsmon in user mode) on a simulated UPS
// in a throw-away state directory, and a script that plays a day through
// the UPS's .dev file: mains power, a power failure with the shutdown
// countdown, power back (countdown cancelled), a second failure, low
// battery, and the shutdown. The shutdown is NUT's own (FSD, upsmon,
// SHUTDOWNCMD), except that SHUTDOWNCMD only appends a line to
// ShutdownLog in the state directory: the demo can never power anything off.
package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/service"
)

// Files in the demo's state directory (besides the service's own).
const (
	DevFile      = "demo.dev"      // in etc/: the simulated UPS's data
	ShutdownLog  = "shutdown.log"  // SHUTDOWNCMD appends here
	SettingsFile = "settings.json" // the demo's settings, for the window's summary
)

// Identifier is the simulated UPS's name.
const Identifier = "demo"

// ShutdownTimer is the countdown of the demo's "on battery" policy, in
// seconds at scale 1.
const ShutdownTimer = 60

// Step is one moment of the scripted day.
type Step struct {
	At    time.Duration     // since the start of the script, at scale 1
	Clock string            // the time of the simulated day: "12:15"
	Note  string            // what happens, in words
	Vars  map[string]string // the UPS's variables from then on
}

// Script is the scripted day. Steps are at least 15 s apart at scale 1, so
// that a scaled run still gives dummy-ups (which sees a changed file by its
// mtime, in whole seconds) and the service's one-second poll time to see
// each one.
func Script() []Step {
	ups := func(status string, charge, runtime, load, in float64) map[string]string {
		m := map[string]string{
			"ups.status": status, "ups.mfr": "Nutmeg", "ups.model": "Simulated UPS (demo)",
			"device.mfr": "Nutmeg", "device.model": "Simulated UPS (demo)", "ups.serial": "DEMO-0001",
			"battery.charge": num(charge), "battery.runtime": num(runtime), "ups.load": num(load),
			"input.voltage": num(in), "output.voltage": "230", "input.frequency": "50", "output.frequency": "50",
			"battery.voltage": num(10.5 + 3.0*charge/100), "ups.temperature": "27", "ups.beeper.status": "enabled",
		}
		if in == 0 {
			m["input.frequency"] = "0"
		}
		return m
	}
	return []Step{
		{0, "08:00", "Mains power, battery full.", ups("OL", 100, 2400, 23, 231)},
		{20 * time.Second, "10:30", "The office is busy: the load rises.", ups("OL", 100, 1500, 41, 229)},
		{40 * time.Second, "12:15", "Power failure: the UPS runs on battery and the shutdown countdown starts.", ups("OB DISCHRG", 96, 1380, 41, 0)},
		{55 * time.Second, "12:15", "Still on battery: the charge drops.", ups("OB DISCHRG", 88, 1250, 41, 0)},
		{70 * time.Second, "12:16", "Power is back before the countdown ends: the shutdown is cancelled.", ups("OL CHRG", 87, 1240, 40, 228)},
		{90 * time.Second, "13:30", "The battery recharges.", ups("OL CHRG", 94, 1400, 35, 230)},
		{110 * time.Second, "15:00", "Battery full again.", ups("OL", 100, 1600, 33, 230)},
		{130 * time.Second, "18:40", "A second power failure, with a heavy load.", ups("OB DISCHRG", 97, 700, 78, 0)},
		{145 * time.Second, "18:40", "The charge falls fast.", ups("OB DISCHRG", 55, 360, 78, 0)},
		{160 * time.Second, "18:41", "Low battery: the computer shuts down at once, countdown or not.", ups("OB DISCHRG LB", 18, 80, 78, 0)},
	}
}

func num(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

// Scaled is a duration of the script at scale (1 is real time; the tests
// run the day faster).
func Scaled(d time.Duration, scale float64) time.Duration {
	return time.Duration(float64(d) * scale)
}

// Settings are the demo's settings for a state directory and a free upsd
// port: dummy-ups on DevFile, the "on battery" policy with the scaled
// timer, and SHUTDOWNCMD appending to ShutdownLog, never a power-off.
func Settings(dir string, port int, scale float64) (nut.Settings, error) {
	if strings.ContainsAny(dir, "'\"\\ #\n") {
		return nut.Settings{}, fmt.Errorf("demo directory %q: quotes, spaces and # would need escaping in SHUTDOWNCMD", dir)
	}
	s := nut.Defaults()
	s.Identifier = Identifier
	s.Driver, s.Port = "dummy-ups", DevFile
	s.Description = "Nutmeg demo: a simulated UPS"
	s.RemotePort = port
	s.Shutdown = nut.ShutdownBatt
	s.ShutdownTimer = max(1, int(math.Round(ShutdownTimer*scale)))
	s.ShutdownCmd = "/bin/sh -c 'echo $(date +%FT%T) demo: SHUTDOWNCMD ran, a real setup would power the computer off here >> " +
		filepath.Join(dir, ShutdownLog) + "'"
	s.PowerDown = false
	s.HostSync = 0
	s.EmailNotify = false
	s.Autostart = false
	// dummy-ups looks at its file every pollinterval seconds (default 2).
	s.Options = "pollinterval = 1"
	return s, nil
}

// WriteDev writes a dummy-ups data file atomically, its mtime pushed at
// least a second past the previous file's: dummy-ups notices a change by
// the mtime in whole seconds, so two quick writes would be one change.
func WriteDev(path string, vars map[string]string) error {
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("# Nutmeg demo: the simulated UPS, rewritten by the demo's script.\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "%s: %s\n", k, vars[k])
	}
	var prev time.Time
	if st, err := os.Stat(path); err == nil {
		prev = st.ModTime().Truncate(time.Second)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("demo: write %s: %w", tmp, err)
	}
	mt := time.Now().Truncate(time.Second)
	if !prev.IsZero() && !mt.After(prev) {
		mt = prev.Add(time.Second)
	}
	if err := os.Chtimes(tmp, mt, mt); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return nil
}

// Config is one run of the demo.
type Config struct {
	Dir   string  // the state directory (the caller makes and removes it)
	Scale float64 // time scale of the script; 0 means 1
	Log   *slog.Logger
	// OnStep is called as each step is played (from the script's goroutine).
	OnStep func(Step)
	// Ready is called once the service serves the simulated UPS, before
	// the script's first change (from the script's goroutine).
	Ready func()
}

// SocketPath is the demo service's API socket.
func (c Config) SocketPath() string { return api.SocketPath(c.Dir) }

// Run starts the service on the simulated UPS and plays the script; after
// the last step it keeps the service running until ctx ends. It returns
// when everything it started has stopped.
func Run(ctx context.Context, cfg Config) error {
	if cfg.Scale <= 0 {
		cfg.Scale = 1
	}
	log := cfg.Log
	if log == nil {
		log = slog.Default()
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	s, err := Settings(cfg.Dir, port, cfg.Scale)
	if err != nil {
		return err
	}
	etc := service.EtcDir(cfg.Dir)
	if err := os.MkdirAll(etc, 0o700); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	script := Script()
	if err := WriteDev(filepath.Join(etc, DevFile), script[0].Vars); err != nil {
		return err
	}
	if err := nut.Save(filepath.Join(cfg.Dir, SettingsFile), s); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	// The day's two outages are hours apart: at the demo's scale they must
	// stay two outages, not one resumed countdown.
	svc, err := service.New(service.Config{Settings: s, SettingsPath: filepath.Join(cfg.Dir, SettingsFile),
		StateDir: cfg.Dir, Listen: []string{"127.0.0.1"}, Log: log, FlapWindow: Scaled(service.FlapWindow, cfg.Scale)})
	if err != nil {
		return fmt.Errorf("demo: start the service: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	played := make(chan error, 1)
	go func() { played <- play(ctx, cfg, script, etc) }()
	err = svc.Run(ctx)
	cancel()
	if perr := <-played; err == nil && perr != nil && !errors.Is(perr, context.Canceled) {
		err = perr
	}
	return err
}

// play waits for the service to serve the UPS, then writes each step's
// variables at its scaled time.
func play(ctx context.Context, cfg Config, script []Step, etc string) error {
	if err := waitConnected(ctx, cfg.SocketPath()); err != nil {
		return err
	}
	if cfg.Ready != nil {
		cfg.Ready()
	}
	start := time.Now()
	for i, st := range script {
		if i > 0 {
			t := time.NewTimer(time.Until(start.Add(Scaled(st.At, cfg.Scale))))
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
			if err := WriteDev(filepath.Join(etc, DevFile), st.Vars); err != nil {
				return err
			}
		}
		if cfg.OnStep != nil {
			cfg.OnStep(st)
		}
	}
	return nil
}

// waitConnected waits until the service's socket says that upsd serves the
// UPS.
func waitConnected(ctx context.Context, sock string) error {
	for {
		if ok := connectedOnce(ctx, sock); ok {
			return nil
		}
		t := time.NewTimer(200 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

func connectedOnce(ctx context.Context, sock string) bool {
	c, err := api.Dial(ctx, sock)
	if err != nil {
		return false
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	for m := range c.Messages() {
		if m.Type == "state" && m.State != nil && m.State.Connected && m.State.Status != nil {
			return true
		}
	}
	return false
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("demo: find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
