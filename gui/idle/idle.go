// Package idle lets a Fyne window sleep while nothing changes.
//
// Fyne 2.7.1's GLFW driver wakes its main loop 60 times a second to poll
// for events and look for windows to redraw, whether anything changed or
// not (internal/driver/glfw/loop.go, a fixed ticker), and nothing in its API
// slows that ticker. A window with one label costs 2% of a core for that
// alone (`make bench`, BenchmarkFyneFloor).
//
// A Loop puts the driver's main loop to sleep from the outside: it queues a
// function on that loop which blocks in GLFW's own wait for events
// (glfwWaitEventsTimeout). While it blocks, the ticker's ticks are dropped,
// so the loop sleeps until the user does something (X or Win32 events: the
// pointer, a key, an expose), the app posts a change through Loop.Post, or
// Longest passes. After every wake the main loop runs as Fyne made it for a
// while (Settle after a post, Quiet after input), so that what changed is
// drawn and hover effects and tap animations play. While Busy says so (a
// second window such as the wizard, which animates progress bars, or a
// focused text field, whose cursor blinks) it does not sleep at all.
package idle

import (
	"sync"
	"sync/atomic"
	"time"
)

// Config tunes a Loop; zero fields take the defaults.
type Config struct {
	// Longest is the longest sleep (default 1 s). A change posted with
	// fyne.Do rather than Post waits at most this long to be drawn.
	Longest time.Duration
	// Settle is how long the loop runs normally after a Post woke it
	// (default 50 ms, three of the driver's frames: what it changed is drawn
	// in the first).
	Settle time.Duration
	// Quiet is how long the loop runs normally after user input, and
	// between two looks at Busy (default 1 s).
	Quiet time.Duration
	// Busy is asked on the UI goroutine before each sleep; true keeps the
	// loop awake. nil: never busy.
	Busy func() bool
}

const (
	defaultLongest = time.Second
	defaultSettle  = 50 * time.Millisecond
	defaultQuiet   = time.Second
	// frame is one tick of the driver's loop (1/60 s), rounded up: after a
	// sleep that ended by itself the loop runs this long before the next,
	// so that anything fyne.Do dirtied in the meantime is drawn.
	frame = 20 * time.Millisecond
)

// Edges are what a Loop needs from the toolkit; GLFW gives the real ones
// (NewGLFW), tests give fakes.
type Edges struct {
	// Wait blocks the UI thread until an event arrives, WakeUp is called,
	// or d passes. It runs on the UI goroutine only.
	Wait func(d time.Duration)
	// WakeUp ends a Wait from any goroutine; when no Wait runs, it makes
	// the next one return at once.
	WakeUp func()
	// Post runs f on the UI goroutine (fyne.Do).
	Post func(f func())
}

// Loop is one app's sleeper. Post is safe from any goroutine; Run runs in a
// goroutine of its own; Stop runs on the UI goroutine.
type Loop struct {
	cfg Config
	e   Edges

	posted atomic.Uint64 // Posts so far: a sleep does not start after a Post it has not seen

	mu   sync.RWMutex // WakeUp holds it for reading, Stop and start for writing
	live bool         // the toolkit runs (between the first sleep and Stop)
	done bool         // Stop was called

	// the clock, replaced in tests
	after func(time.Duration) <-chan time.Time
	now   func() time.Time
}

// New makes a Loop over edges e.
func New(cfg Config, e Edges) *Loop {
	if cfg.Longest <= 0 {
		cfg.Longest = defaultLongest
	}
	if cfg.Settle <= 0 {
		cfg.Settle = defaultSettle
	}
	if cfg.Quiet <= 0 {
		cfg.Quiet = defaultQuiet
	}
	return &Loop{cfg: cfg, e: e, after: time.After, now: time.Now}
}

// Post runs f on the UI goroutine and wakes the loop, so that f runs now
// and what it changes is drawn in the next frame.
func (l *Loop) Post(f func()) {
	// f is queued before it is counted: a turn that saw the count is
	// queued behind f, and a turn queued in front of f either sees the
	// count when it runs, or is waiting when WakeUp comes (the driver polls
	// no events in between, the turn holds its loop), so that the empty
	// event cannot go to the driver's poll and leave the turn asleep.
	l.e.Post(f)
	l.posted.Add(1)
	l.wake()
}

// wake ends the current sleep. Before the toolkit runs and after Stop it
// does nothing: GLFW refuses calls outside glfwInit…glfwTerminate (and its
// Go binding panics on the error).
func (l *Loop) wake() {
	if gone := l.wakeLive(); gone {
		l.Stop()
	}
}

// wakeLive calls WakeUp if the toolkit runs, and reports whether it turned
// out to be gone (the app quit without Stop).
func (l *Loop) wakeLive() (gone bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if !l.live {
		return false
	}
	defer func() { gone = recover() != nil }()
	l.e.WakeUp()
	return false
}

// Stop ends the sleeping for good, on the UI goroutine, before the app
// quits (the status window's OnClosed, the signal handler's quit): after
// it, Post only posts and no sleep starts.
func (l *Loop) Stop() {
	l.mu.Lock()
	l.live, l.done = false, true
	l.mu.Unlock()
}

// outcome is how one turn of the sleeper ended.
type outcome int

const (
	slept   outcome = iota // Longest passed with nothing to do
	posted                 // a Post came (before or during the sleep)
	input                  // the toolkit had events: the user, the window system
	busy                   // Busy said so; no sleep
	stopped                // Stop was called, or the toolkit is gone
)

// Run puts the UI loop to sleep whenever it may, until Stop or until done
// is closed. Call it in a goroutine of its own once the app is set up; the
// first sleep starts when the toolkit runs its loop.
func (l *Loop) Run(done <-chan struct{}) {
	awake := l.cfg.Settle
	for {
		select {
		case <-done:
			return
		case <-l.after(awake):
		}
		res := make(chan outcome, 1)
		seen := l.posted.Load()
		l.e.Post(func() { res <- l.turn(seen) })
		var o outcome
		select {
		case <-done:
			return
		case o = <-res:
		}
		switch o {
		case stopped:
			return
		case slept:
			awake = frame
		case posted:
			awake = l.cfg.Settle
		case input, busy:
			awake = l.cfg.Quiet
		}
	}
}

// turn is one sleep, on the UI goroutine. seen is the number of Posts the
// sleeper had seen when it queued this turn: one more means a change is
// queued behind it, to be drawn now.
func (l *Loop) turn(seen uint64) (o outcome) {
	l.mu.Lock()
	if l.done {
		l.mu.Unlock()
		return stopped
	}
	l.live = true // the toolkit runs: this is its loop
	l.mu.Unlock()
	if l.cfg.Busy != nil && l.cfg.Busy() {
		return busy
	}
	if l.posted.Load() != seen {
		return posted
	}
	// A Post from here on calls WakeUp, which ends the wait (or, before it
	// starts, makes it return at once): no change waits behind a sleep.
	defer func() {
		// After the app quit without Stop, Fyne runs queued functions on
		// the caller's goroutine and GLFW is gone: its binding panics.
		if r := recover(); r != nil {
			o = stopped
			l.Stop()
		}
	}()
	start := l.now()
	l.e.Wait(l.cfg.Longest)
	switch took := l.now().Sub(start); {
	case l.posted.Load() != seen:
		return posted
	case took < l.cfg.Longest-frame:
		return input
	default:
		return slept
	}
}
