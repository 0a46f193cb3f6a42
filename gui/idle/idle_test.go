package idle

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeUI is the toolkit's side of a Loop: one goroutine that runs posted
// functions in order (the UI goroutine), a Wait the test ends by hand, and
// a clock and timers the test moves.
type fakeUI struct {
	t     *testing.T
	queue chan func()

	waiting chan time.Duration // a Wait started (its timeout)
	end     chan waitEnd       // the test ends the Wait
	woken   chan struct{}      // WakeUp, one pending at most (GLFW's empty event)
	wakeUps atomic.Int32

	mu    sync.Mutex
	clock time.Time

	awake chan time.Duration // Run's stays awake, in order
	go_   chan time.Time     // lets Run go on after one
}

// waitEnd is how the test ends a Wait: by input after elapsed, or by its
// timeout (full); a panic stands for GLFW gone.
type waitEnd struct {
	elapsed time.Duration
	full    bool
	panic   bool
}

func newFakeUI(t *testing.T, cfg Config) (*fakeUI, *Loop) {
	u := &fakeUI{t: t, queue: make(chan func(), 100), waiting: make(chan time.Duration),
		end: make(chan waitEnd), woken: make(chan struct{}, 1), clock: time.Unix(1e9, 0),
		awake: make(chan time.Duration, 1), go_: make(chan time.Time)}
	l := New(cfg, Edges{
		Wait: func(d time.Duration) {
			u.waiting <- d
			select {
			case <-u.woken:
				u.advance(time.Millisecond)
			case e := <-u.end:
				if e.panic {
					panic(errors.New("The GLFW library is not initialized"))
				}
				if e.full {
					e.elapsed = d
				}
				u.advance(e.elapsed)
			}
		},
		WakeUp: func() {
			u.wakeUps.Add(1)
			select {
			case u.woken <- struct{}{}:
			default:
			}
		},
		Post: func(f func()) { u.queue <- f },
	})
	l.now = func() time.Time { u.mu.Lock(); defer u.mu.Unlock(); return u.clock }
	l.after = func(d time.Duration) <-chan time.Time { u.awake <- d; return u.go_ }
	done := make(chan struct{})
	go func() {
		for {
			select {
			case f := <-u.queue:
				f()
			case <-done:
				return
			}
		}
	}()
	t.Cleanup(func() { close(done) })
	return u, l
}

func (u *fakeUI) advance(d time.Duration) {
	u.mu.Lock()
	u.clock = u.clock.Add(d)
	u.mu.Unlock()
}

// stayAwake takes Run's next stay-awake and checks its length.
func (u *fakeUI) stayAwake(want time.Duration, why string) {
	u.t.Helper()
	select {
	case d := <-u.awake:
		if d != want {
			u.t.Fatalf("%s: the loop stays awake %v, want %v", why, d, want)
		}
	case <-time.After(10 * time.Second):
		u.t.Fatalf("%s: the loop never went back to the driver", why)
	}
}

// sleep lets Run go on to its next turn and waits for that turn's Wait.
func (u *fakeUI) sleep(why string) time.Duration {
	u.t.Helper()
	u.go_ <- time.Time{}
	select {
	case d := <-u.waiting:
		return d
	case <-time.After(10 * time.Second):
		u.t.Fatalf("%s: the loop did not sleep", why)
		return 0
	}
}

// ends lets Run go on to its next turn and wants it to end there, without
// a sleep.
func (u *fakeUI) ends(ended <-chan struct{}, why string) {
	u.t.Helper()
	u.go_ <- time.Time{}
	select {
	case <-ended:
	case d := <-u.waiting:
		u.t.Fatalf("%s: slept (up to %v)", why, d)
	case <-time.After(10 * time.Second):
		u.t.Fatalf("%s: Run did not end", why)
	}
}

// run starts l.Run and returns a channel closed when it returns.
func run(l *Loop) (stop chan struct{}, ended chan struct{}) {
	stop, ended = make(chan struct{}), make(chan struct{})
	go func() { l.Run(stop); close(ended) }()
	return stop, ended
}

func TestLoopSleepsAndWakes(t *testing.T) {
	u, l := newFakeUI(t, Config{})
	stop, ended := run(l)
	defer func() { close(stop); <-ended }()

	u.stayAwake(defaultSettle, "start")
	if d := u.sleep("first turn"); d != defaultLongest {
		t.Fatalf("sleeps up to %v, want %v", d, defaultLongest)
	}

	// Nothing happens: the next sleep follows after one frame.
	u.end <- waitEnd{full: true}
	u.stayAwake(frame, "after a sleep that ran out")

	// A post during a sleep ends it, runs, and the loop stays up to draw.
	u.sleep("second turn")
	ran := make(chan struct{})
	l.Post(func() { close(ran) })
	select {
	case <-ran:
	case <-time.After(10 * time.Second):
		t.Fatal("a Post during a sleep never ran")
	}
	u.stayAwake(defaultSettle, "after a post")

	// Input (the wait ends early, not by a post): awake for Quiet.
	u.sleep("third turn")
	u.end <- waitEnd{elapsed: 30 * time.Millisecond}
	u.stayAwake(defaultQuiet, "after input")
}

func TestLoopNoSleepPastAQueuedPost(t *testing.T) {
	u, l := newFakeUI(t, Config{})
	stop, ended := run(l)
	defer func() { close(stop); <-ended }()
	u.stayAwake(defaultSettle, "start")
	u.sleep("first turn") // the toolkit runs from here
	u.end <- waitEnd{full: true}
	u.stayAwake(frame, "after a sleep that ran out")

	// Hold the UI goroutine, let Run queue its turn, then post behind it:
	// the turn must not sleep in front of the post.
	hold := make(chan struct{})
	u.queue <- func() { <-hold }
	u.go_ <- time.Time{}
	for len(u.queue) == 0 { // Run queued its turn
		time.Sleep(time.Millisecond)
	}
	ran := make(chan struct{})
	l.Post(func() { close(ran) })
	close(hold)
	select {
	case <-ran:
	case d := <-u.waiting:
		t.Fatalf("the loop slept (up to %v) in front of a queued post", d)
	case <-time.After(10 * time.Second):
		t.Fatal("the post never ran")
	}
	u.stayAwake(defaultSettle, "after the queued post")
}

func TestLoopBusyStaysAwake(t *testing.T) {
	var busy atomic.Bool
	busy.Store(true)
	u, l := newFakeUI(t, Config{Busy: busy.Load, Quiet: 700 * time.Millisecond})
	stop, ended := run(l)
	defer func() { close(stop); <-ended }()
	u.stayAwake(defaultSettle, "start")
	for i := 0; i < 3; i++ {
		u.go_ <- time.Time{}
		select {
		case d := <-u.waiting:
			t.Fatalf("slept (up to %v) while busy", d)
		case d := <-u.awake:
			if d != 700*time.Millisecond {
				t.Fatalf("busy: stays awake %v, want Quiet (700ms)", d)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the busy loop went nowhere")
		}
	}
	busy.Store(false)
	u.sleep("no longer busy")
}

func TestLoopWakesOnlyWhileTheToolkitRuns(t *testing.T) {
	u, l := newFakeUI(t, Config{})
	// Before the first turn the toolkit may not run yet: GLFW refuses calls.
	l.Post(func() {})
	if n := u.wakeUps.Load(); n != 0 {
		t.Fatalf("%d WakeUp before the toolkit ran", n)
	}
	stop, ended := run(l)
	defer close(stop)
	u.stayAwake(defaultSettle, "start")
	u.sleep("first turn")
	l.Post(func() {})
	u.stayAwake(defaultSettle, "after a post")
	if n := u.wakeUps.Load(); n != 1 {
		t.Fatalf("%d WakeUps for one post while the toolkit runs, want 1", n)
	}

	// Stop on the UI goroutine (the window's OnClosed): Run ends at its
	// next turn, and posts no longer wake anything.
	stopped := make(chan struct{})
	u.queue <- func() { l.Stop(); close(stopped) }
	<-stopped
	u.ends(ended, "after Stop")
	l.Post(func() {})
	if n := u.wakeUps.Load(); n != 1 {
		t.Fatalf("WakeUp after Stop (%d in all)", n)
	}
}

func TestLoopToolkitGone(t *testing.T) {
	t.Run("wait", func(t *testing.T) {
		u, l := newFakeUI(t, Config{})
		stop, ended := run(l)
		defer close(stop)
		u.stayAwake(defaultSettle, "start")
		u.sleep("first turn")
		u.end <- waitEnd{panic: true}
		select {
		case <-ended:
		case <-time.After(10 * time.Second):
			t.Fatal("Run went on after GLFW was gone")
		}
		l.Post(func() {})
		if n := u.wakeUps.Load(); n != 0 {
			t.Fatalf("%d WakeUps after GLFW was gone", n)
		}
	})
	t.Run("wake", func(t *testing.T) {
		u, l := newFakeUI(t, Config{})
		var calls atomic.Int32
		l.e.WakeUp = func() {
			calls.Add(1)
			panic(errors.New("The GLFW library is not initialized"))
		}
		stop, ended := run(l)
		defer func() { close(stop); <-ended }()
		u.stayAwake(defaultSettle, "start")
		u.sleep("first turn")
		l.Post(func() {}) // panics inside, must not reach the caller
		l.Post(func() {})
		if n := calls.Load(); n != 1 {
			t.Fatalf("WakeUp called %d times; after the first failed the toolkit is gone", n)
		}
		// The sleep in progress ends by its timeout, after the posts.
		u.end <- waitEnd{full: true}
		u.stayAwake(defaultSettle, "after the posts")
		u.ends(ended, "after the toolkit was gone")
	})
}
