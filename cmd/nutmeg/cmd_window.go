//go:build !nogui

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/nutmeg-ups/nutmeg"
	"github.com/nutmeg-ups/nutmeg/assets"
	"github.com/nutmeg-ups/nutmeg/gui/autostart"
	"github.com/nutmeg-ups/nutmeg/gui/exitwatch"
	"github.com/nutmeg-ups/nutmeg/gui/idle"
	"github.com/nutmeg-ups/nutmeg/gui/tray"
	"github.com/nutmeg-ups/nutmeg/gui/window"
	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/secret"
	"github.com/nutmeg-ups/nutmeg/wizard"
	"github.com/nutmeg-ups/nutmeg/wizard/flow"
)

// windowSocket picks the service socket: --socket, --state, $NUTMEG_SOCKET,
// else the tray's choice among the user service's and the system service's
// sockets (tray.PickSocket).
func windowSocket(socket, state string) (string, error) {
	switch {
	case socket != "" && state != "":
		return "", badInputf("give --socket or --state, not both")
	case socket != "":
		return socket, nil
	case state != "":
		return api.SocketPath(state), nil
	case os.Getenv(envSocket) != "":
		return os.Getenv(envSocket), nil
	}
	return tray.PickSocket(tray.SocketCandidates()), nil
}

func runWindow(fs *flag.FlagSet, args []string, e *env) error {
	state := fs.String("state", "", "the service's state `DIR` (its socket is DIR/"+api.SocketName+")")
	socket := fs.String("socket", "", "the service's API socket `PATH`")
	settings := fs.String("settings", "", "the settings `FILE` shown in the summary (default: the user's)")
	if err := parse(fs, args); err != nil {
		return err
	}
	sock, err := windowSocket(*socket, *state)
	if err != nil {
		return err
	}
	setPath := *settings
	if setPath == "" {
		setPath = os.Getenv(envSettings)
	}
	if setPath == "" {
		if setPath, err = nut.DefaultPath(); err != nil {
			return err
		}
	}

	inst, err := window.Claim(window.InstancePath(sock))
	if errors.Is(err, window.ErrRunning) {
		fmt.Fprintln(e.stderr, "nutmeg: the status window is already open; brought it forward")
		return nil
	}
	if err != nil {
		return err
	}
	defer inst.Close()

	a := app.NewWithID(nutmeg.App.ID)
	a.SetIcon(fyne.NewStaticResource("nutmeg.png", assets.Icon))
	a.Settings().SetTheme(wizard.Theme()) // WCAG AA text colours
	cfg := window.Config{
		Settings: func() (nut.Settings, error) {
			s, err := nut.Load(setPath)
			if err == nil && len(s.Watch) > 0 {
				// logins of watched UPSes; without one, the UPS is read anonymously
				_ = secret.LoadWatch(secret.Keyring(5*time.Second), &s)
			}
			return s, err
		},
		ReadWatched: window.ReadWatched,
		// shown in Settings on "Show" (Remote Monitor's user for other machines)
		RemotePassword: func() (string, error) {
			return secret.Resolve(secret.RemotePassword, secret.ResolveOptions{Store: secret.Keyring(5 * time.Second)})
		},
	}
	if refused(sock) {
		cfg.Unlinked = &window.JoinGroupHeadline
	}
	feed := &window.Feed{Socket: sock}
	cfg.Backend = feed
	// Everything that changes the window from another goroutine comes
	// through the idle loop, which lets Fyne's 60 Hz loop sleep in between.
	loop := idle.NewGLFW(idle.Config{Busy: idle.Busy(a)})
	cfg.Post = loop.Post
	var w *window.Window
	var ow *openWizard
	if os.Getenv(envDemo) != "1" {
		ow = &openWizard{a: a, post: loop.Post, settings: setPath, state: *state}
		cfg.StartWizard = func() error { return ow.open(w) }
	}
	w = window.New(a, cfg)
	if ow != nil {
		// Closing the status window must not end the wizard it opened.
		ow.guard = window.GuardClose(w.Window(), ow.working)
	}
	exit := &exitwatch.Watch{Stderr: e.stderr}
	w.Window().SetOnClosed(func() { // the first window: closing it quits
		loop.Stop()
		exit.Arm("the status window closed")
	})
	go inst.Serve(func() {
		loop.Post(func() {
			if ow != nil {
				ow.guard.Shown()
			}
			w.Window().Show()
			w.Window().RequestFocus()
		})
	})
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		loop.Post(func() {
			loop.Stop()
			a.Quit()
		})
	}()
	w.Follow(ctx, feed)
	go loop.Run(ctx.Done())
	w.Window().ShowAndRun()
	exit.Arm("the status window's app quit")
	return nil
}

// openWizard runs the setup wizard ("Change…") in the window's own Fyne
// app, so that one process holds both windows (docs/architecture.md, Processes: one windows
// process at a time) and the summary is read again when the wizard closes.
type openWizard struct {
	a               fyne.App
	post            func(func()) // to the UI goroutine (the idle loop's Post)
	settings, state string
	cur             *wizard.Wizard // the open wizard, if any (UI goroutine only)
	busy            bool
	guard           *window.CloseGuard // the status window's close waits for the wizard
}

// working reports whether a wizard is open or opening.
func (o *openWizard) working() bool { return o.busy || o.cur != nil && !o.cur.Closed() }

// open is called on the UI goroutine. Reading the saved settings asks the
// keyring, which may take seconds: that happens off the UI goroutine.
func (o *openWizard) open(w *window.Window) error {
	if o.cur != nil && !o.cur.Closed() {
		o.cur.Window().RequestFocus()
		return nil
	}
	if o.busy {
		return nil
	}
	o.busy = true
	go func() {
		state, err := resolveStateDir(o.state, false)
		var d wizard.Deps
		if err == nil {
			d, err = wizardDeps(o.settings, state)
		}
		var f *flow.Flow
		if err == nil {
			f, err = wizard.Start(d)
		}
		o.post(func() {
			o.busy = false
			if err != nil {
				w.ShowError(fmt.Errorf("the setup wizard cannot open: %w", err))
				o.guard.Release() // a close asked for meanwhile
				return
			}
			wz := wizard.New(o.a, d, f)
			wz.OnClosed = func(applied bool) {
				if applied {
					if exe, err := os.Executable(); err == nil {
						if err := autostart.Set(wz.Flow().Settings.Autostart, exe); err != nil {
							w.ShowError(fmt.Errorf("start at login: %w", err))
						}
					}
				}
				w.LoadSettings()
				o.guard.Release()
			}
			o.cur = wz
			wz.Window().Show()
		})
	}()
	return nil
}

// refused reports whether the socket exists and refuses this user (the
// system service's socket, to a user outside the group nutmeg).
func refused(sock string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	c, err := api.Dial(ctx, sock)
	if err == nil {
		c.Close()
	}
	return errors.Is(err, fs.ErrPermission)
}
