package tray

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"os/exec"
	"sync/atomic"
	"time"

	"fyne.io/systray"

	"github.com/nutmeg-ups/nutmeg/gui/icon"
	"github.com/nutmeg-ups/nutmeg/nut/api"
)

// Config says where the tray's figures come from and what it starts.
type Config struct {
	// Socket is the local service's API socket. When set, the tray follows
	// the service's pushes (and keeps trying while the service is down).
	Socket string
	// Server and UPS name a NUT server to poll directly when there is no
	// local service (Socket empty). UPS "" means the server's only UPS.
	Server, UPS  string
	PollInterval time.Duration // remote mode; 0 means 2 s

	// Exe is the nutmeg binary started for "Open status" (`Exe window`) and
	// "Settings…" (`Exe wizard`); "" means os.Executable().
	Exe string
	// NoSettings hides "Settings…" (the demo's tray follows a throw-away
	// service whose settings are not the user's).
	NoSettings bool
	// OpenAtStart is a window to open once the tray is up ("wizard" on the
	// first run); "" opens none.
	OpenAtStart string
	// Notifier shows desktop notifications; nil shows none.
	Notifier Notifier
	// IconSize is the edge of the tray pixmap; 0 means 32.
	IconSize int
	// CheckHost makes the tray look for a StatusNotifierItem host at start
	// and open the status window when there is none (nohost.go); HintFile
	// remembers that the user was told how to get the icon ("" tells at
	// every start).
	CheckHost bool
	HintFile  string
	// Logf reports problems that the tray survives; nil means log.Printf.
	Logf func(format string, a ...any)
	// Ready, when set, is called once systray is ready (on Windows: once
	// the icon is in the notification area).
	Ready func()
}

// ConfirmWindow is how long the "Click again to shut down now" item waits
// for its second click.
const ConfirmWindow = 10 * time.Second

// Run shows the tray until "Quit" is clicked or ctx ends. fyne.io/systray
// keeps process-wide state and cannot start twice in one process, so Run
// may be called once per process.
func Run(ctx context.Context, cfg Config) error {
	if cfg.Logf == nil {
		cfg.Logf = log.Printf
	}
	if cfg.IconSize == 0 {
		cfg.IconSize = 32
	}
	if cfg.Exe == "" {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("tray: find own executable: %w", err)
		}
		cfg.Exe = exe
	}
	var src source
	switch {
	case cfg.Socket != "":
		src = &serviceSource{f: api.Follower{Socket: cfg.Socket}}
	case cfg.Server != "":
		src = &remoteSource{addr: cfg.Server, ups: cfg.UPS, interval: cfg.PollInterval, logf: cfg.Logf}
	default:
		return fmt.Errorf("tray: neither a service socket nor a NUT server to follow")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	l := &loop{cfg: cfg, src: src, snap: Snapshot{Service: src.service()}, seen: map[string]bool{},
		notes: make(chan Note, 32)}
	done := make(chan struct{})
	// Whichever comes first, systray's onReady or the end of readyTimeout,
	// decides: a tray without its icon ends its loop and says so.
	const (
		waiting int32 = iota
		ready
		noIcon
		stopped // ctx ended first
	)
	var decided atomic.Int32
	if readyTimeout > 0 {
		tid := loopThread()
		go func() {
			why := noIcon
			select {
			case <-time.After(readyTimeout):
			case <-ctx.Done():
				why = stopped
			}
			if decided.CompareAndSwap(waiting, why) {
				endLoop(tid)
			}
		}()
	}
	systrayRun(func() {
		if !decided.CompareAndSwap(waiting, ready) {
			return
		}
		systray.SetTitle("Nutmeg")
		l.menu = buildMenu(cfg.NoSettings)
		if cfg.Ready != nil {
			cfg.Ready()
		}
		go func() {
			defer close(done)
			l.run(ctx)
		}()
		go func() {
			<-ctx.Done()
			systray.Quit()
		}()
	}, cancel)
	cancel()
	switch decided.Load() {
	case noIcon:
		return ErrNoIcon
	case stopped:
		return nil
	}
	<-done
	return nil
}

// ErrNoIcon says that the tray's icon could not be made: fyne.io/systray
// did not get ready within readyTimeout (Windows: Shell_NotifyIcon failed).
var ErrNoIcon = errors.New("the tray icon could not be added to the notification area")

// menu holds the systray items, created once: later states only retitle,
// show and hide them.
type menu struct {
	lines                         [3]*systray.MenuItem
	countdown, postpone, shutdown *systray.MenuItem
	others                        *systray.MenuItem   // submenu of the watched UPSes
	otherLines                    []*systray.MenuItem // its entries, grown as needed
	open, settings, quit          *systray.MenuItem
	clicks                        chan action

	// What D-Bus shows now, so that only changes are sent.
	titles         map[*systray.MenuItem]string
	visible        map[*systray.MenuItem]bool
	title, tooltip string
	iconState      icon.State
	iconSet        bool
}

type action int

const (
	actPostpone action = iota + 1
	actShutdown
	actOpen
	actSettings
	actQuit
)

func buildMenu(noSettings bool) *menu {
	m := &menu{titles: map[*systray.MenuItem]string{}, visible: map[*systray.MenuItem]bool{}, clicks: make(chan action)}
	for i := range m.lines {
		m.lines[i] = systray.AddMenuItem("", "")
		m.lines[i].Disable()
		m.lines[i].Hide()
	}
	m.countdown = systray.AddMenuItem("", "")
	m.countdown.Disable()
	m.countdown.Hide()
	m.postpone = systray.AddMenuItem("", "Put the shutdown off")
	m.postpone.Hide()
	m.shutdown = systray.AddMenuItem(LabelShutdownNow, "Shut this computer down now instead of waiting")
	m.shutdown.Hide()
	m.others = systray.AddMenuItem(LabelOthers, "The other UPSes these settings watch (read-only)")
	m.others.Hide()
	systray.AddSeparator()
	m.open = systray.AddMenuItem(LabelOpenStatus, "The status window")
	m.settings = systray.AddMenuItem(LabelSettings, "The setup wizard")
	if noSettings {
		m.settings.Hide()
	}
	systray.AddSeparator()
	m.quit = systray.AddMenuItem(LabelQuit, "Close the tray icon (the service keeps protecting this computer)")
	for it, a := range map[*systray.MenuItem]action{m.postpone: actPostpone, m.shutdown: actShutdown,
		m.open: actOpen, m.settings: actSettings, m.quit: actQuit} {
		go func() {
			for range it.ClickedCh {
				m.clicks <- a
			}
		}()
	}
	return m
}

// set shows or hides it with the label s ("" hides), touching D-Bus only
// for what changed.
func (m *menu) set(it *systray.MenuItem, s string) {
	if s != "" && m.titles[it] != s {
		it.SetTitle(s)
		m.titles[it] = s
	}
	if show := s != ""; m.visible[it] != show {
		if show {
			it.Show()
		} else {
			it.Hide()
		}
		m.visible[it] = show
	}
}

func (m *menu) show(v View, size int) {
	if !m.iconSet || m.iconState != v.Icon {
		systray.SetIcon(trayPNG(icon.Draw(v.Icon, size)))
		m.iconState, m.iconSet = v.Icon, true
	}
	if v.Title != m.title {
		systray.SetTitle(v.Title)
		m.title = v.Title
	}
	if v.Tooltip != m.tooltip {
		systray.SetTooltip(v.Tooltip)
		m.tooltip = v.Tooltip
	}
	for i, it := range m.lines {
		s := ""
		if i < len(v.Lines) {
			s = v.Lines[i]
		}
		m.set(it, s)
	}
	m.set(m.countdown, v.Countdown)
	m.set(m.postpone, v.Postpone)
	m.set(m.shutdown, v.ShutdownNow)
	m.set(m.others, v.Others)
	for len(m.otherLines) < len(v.OtherLines) {
		it := m.others.AddSubMenuItem("", "")
		it.Disable()
		it.Hide()
		m.otherLines = append(m.otherLines, it)
	}
	for i, it := range m.otherLines {
		s := ""
		if i < len(v.OtherLines) {
			s = v.OtherLines[i]
		}
		m.set(it, s)
	}
}

// loop is the one goroutine that owns the tray's state: updates from the
// source, clicks, and the one-second tick while a countdown runs.
type loop struct {
	cfg  Config
	src  source
	menu *menu
	snap Snapshot

	confirmUntil time.Time
	countdown    time.Time // Started of the countdown last notified
	seen         map[string]bool
	notes        chan Note
}

func (l *loop) run(ctx context.Context) {
	updates := make(chan update)
	go l.src.run(ctx, updates)
	if l.cfg.OpenAtStart != "" {
		l.start(l.cfg.OpenAtStart)
	}
	go l.notifier(ctx)
	if l.cfg.CheckHost {
		go l.checkHost(ctx)
	}

	// The tick runs only while something on screen moves (a countdown, a
	// pending confirmation), so an idle tray never wakes up. It fires just
	// after each whole second before the deadline, when the label changes.
	tick := time.NewTimer(time.Hour)
	tick.Stop()
	defer tick.Stop()
	for {
		l.menu.show(Present(l.snap, time.Now()), l.cfg.IconSize)
		var tickC <-chan time.Time
		if cd := l.snap.State.Countdown; cd != nil || l.snap.Confirming {
			d := time.Second
			if cd != nil {
				if r := time.Until(cd.ShutdownAt) % time.Second; r > 0 {
					d = r + time.Millisecond
				}
			}
			tick.Reset(d)
			tickC = tick.C
		} else {
			tick.Stop()
		}
		select {
		case <-ctx.Done():
			return
		case u := <-updates:
			l.apply(u)
		case a := <-l.menu.clicks:
			l.click(ctx, a)
		case now := <-tickC:
			if l.snap.Confirming && now.After(l.confirmUntil) {
				l.snap.Confirming = false
			}
		}
	}
}

// apply folds one update into the snapshot and queues its notifications,
// each event once: a repeated state push or event line changes nothing.
func (l *loop) apply(u update) {
	l.snap.Linked, l.snap.Denied = u.linked, u.denied
	if u.state != nil {
		l.snap.State = *u.state
	}
	if !u.linked && l.src.service() {
		// The service's countdown is its own: without the service there is
		// nothing truthful to show.
		l.snap.State.Countdown = nil
	}
	if cd := l.snap.State.Countdown; cd != nil && !cd.Started.Equal(l.countdown) {
		l.countdown = cd.Started
		e := api.Event{Time: cd.Started, Name: "COUNTDOWN", UPS: l.snap.State.UPS, Status: l.snap.State.Status}
		title, body := notification(e)
		l.queue(Note{Title: title, Body: body + "\n" + cd.Text(time.Now()), Urgent: true, Group: "shutdown"})
	}
	if l.snap.State.Countdown == nil {
		l.snap.Confirming = false
	}
	if e := u.event; e != nil && notified[e.Name] != "" {
		key := e.Name + "|" + e.UPS + "|" + e.Time.UTC().Format(time.RFC3339Nano)
		if !l.seen[key] {
			if len(l.seen) > 256 {
				clear(l.seen)
			}
			l.seen[key] = true
			title, body := notification(*e)
			n := Note{Title: title, Body: body, Urgent: urgent[e.Name], Group: notified[e.Name], Clears: clears[e.Name]}
			if e.Watched {
				// Another UPS: its notes replace only each other, never
				// this machine's, and none is urgent.
				n.Urgent, n.Group, n.Clears = false, "watched "+e.UPS, nil
			}
			l.queue(n)
		}
	}
}

func (l *loop) queue(n Note) {
	if l.cfg.Notifier == nil {
		return
	}
	select {
	case l.notes <- n:
	default:
		l.cfg.Logf("tray: notification dropped (queue full): %s", n.Title)
	}
}

// notifier shows notifications in order, off the loop, so a slow
// notification server never freezes the menu.
func (l *loop) notifier(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case n := <-l.notes:
			if err := l.cfg.Notifier.Notify(n); err != nil {
				l.cfg.Logf("tray: %v", err)
			}
		}
	}
}

func (l *loop) click(ctx context.Context, a action) {
	switch a {
	case actPostpone:
		go l.request(ctx, api.Request{Op: "postpone"}, "Could not postpone the shutdown")
	case actShutdown:
		if l.snap.State.Countdown == nil {
			return
		}
		if !l.snap.Confirming {
			l.snap.Confirming = true
			l.confirmUntil = time.Now().Add(ConfirmWindow)
			return
		}
		l.snap.Confirming = false
		go l.request(ctx, api.Request{Op: "shutdown-now", Confirm: "shutdown-now"}, "Could not shut down now")
	case actOpen:
		l.start("window")
	case actSettings:
		l.start("wizard")
	case actQuit:
		systray.Quit()
	}
}

// request sends an action to the service; a refusal becomes a notification
// that says why.
func (l *loop) request(ctx context.Context, req api.Request, failed string) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	r, err := l.src.do(ctx, req)
	switch {
	case err != nil:
		l.cfg.Logf("tray: %s: %v", req.Op, err)
		l.queue(Note{Title: failed, Body: err.Error()})
	case !r.OK:
		l.queue(Note{Title: failed, Body: r.Reason})
	}
}

// start runs `nutmeg <what>` (a Fyne window process) and reaps it; that
// process keeps itself to one instance.
func (l *loop) start(what string) {
	cmd := exec.Command(l.cfg.Exe, what)
	if err := cmd.Start(); err != nil {
		l.cfg.Logf("tray: start %s: %v", what, err)
		return
	}
	go cmd.Wait()
}
