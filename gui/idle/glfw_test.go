//go:build linux

package idle

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/nutmeg-ups/nutmeg/nut/testneed"
)

// The GLFW test runs a real Fyne app (this test binary again, with
// childEnv set) on the test's X display and talks to it over its stdin and
// stdout. Its loop sleeps up to an hour at a time, so anything that failed
// to wake it would stall the test, not pass slowly.
const childEnv = "NUTMEG_IDLE_TEST_CHILD"

const childTitle = "Nutmeg idle loop test"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(child())
	}
	os.Exit(m.Run())
}

// child shows one window filled by a button and runs the idle loop over
// GLFW. It prints "asleep" as each sleep starts, "tapped" for a click, and
// obeys "post N" (prints "posted N" from the UI goroutine) and "close".
func child() int {
	a := app.NewWithID("io.github.nutmeg_ups.nutmeg.idletest")
	win := a.NewWindow(childTitle)
	win.SetContent(widget.NewButton("Press", func() { fmt.Println("tapped") }))
	win.Resize(fyne.NewSize(400, 300))
	e := GLFWEdges()
	wait := e.Wait
	e.Wait = func(d time.Duration) {
		fmt.Println("asleep")
		wait(d)
	}
	l := New(Config{Longest: time.Hour, Busy: Busy(a)}, e)
	win.SetOnClosed(l.Stop)
	done := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			switch cmd := sc.Text(); {
			case strings.HasPrefix(cmd, "post "):
				n := strings.TrimPrefix(cmd, "post ")
				l.Post(func() { fmt.Println("posted", n) })
			case cmd == "close":
				l.Post(win.Close)
				// Posts go on while the app quits and after: they must
				// neither wake a GLFW that is gone nor stop the exit.
				for {
					select {
					case <-done:
						return
					default:
						l.Post(func() {})
						time.Sleep(2 * time.Millisecond)
					}
				}
			}
		}
	}()
	go l.Run(done)
	win.ShowAndRun()
	close(done)
	time.Sleep(200 * time.Millisecond) // the posting goroutine meets a quit app
	fmt.Println("ended")
	return 0
}

// TestGLFWLoopWakes drives a real window whose loop sleeps: a post wakes
// it at once, a click on the sleeping window is handled, and closing the
// window ends the app cleanly while posts keep coming.
func TestGLFWLoopWakes(t *testing.T) {
	testneed.Display(t)
	xdotool := testneed.Tool(t, "xdotool")

	cmd := exec.Command(os.Args[0], "-test.run", "^$")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{}) // closed once the app ended; then waitErr is its end
	var waitErr error
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		waitErr = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		for range lines {
		}
		<-exited
		if t.Failed() {
			t.Logf("the app's stderr:\n%s", stderr.String())
		}
	})
	expect := func(want, why string) {
		t.Helper()
		deadline := time.After(20 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("%s: the app ended before %q", why, want)
				}
				t.Logf("app: %s", l)
				if l == want {
					return
				}
			case <-deadline:
				t.Fatalf("%s: no %q within 20 s (the loop sleeps up to an hour)", why, want)
			}
		}
	}
	send := func(s string) {
		t.Helper()
		if _, err := fmt.Fprintln(in, s); err != nil {
			t.Fatal(err)
		}
	}

	expect("asleep", "the window came up")
	for i := 1; i <= 3; i++ {
		send(fmt.Sprintf("post %d", i))
		expect(fmt.Sprintf("posted %d", i), "a post to a sleeping loop")
		expect("asleep", "after the post")
	}

	// A click through the X server (XTEST), as a user's.
	id, err := exec.Command(xdotool, "search", "--sync", "--name", childTitle).Output()
	if err != nil {
		t.Fatalf("xdotool search: %v", err)
	}
	win := strings.Fields(string(id))[0]
	if out, err := exec.Command(xdotool, "mousemove", "--window", win, "200", "150", "click", "1").CombinedOutput(); err != nil {
		t.Fatalf("xdotool click: %v: %s", err, out)
	}
	expect("tapped", "a click on the sleeping window")

	send("close")
	expect("ended", "closing the window")
	select {
	case <-exited:
		if waitErr != nil {
			t.Fatalf("the app ended with %v", waitErr)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the app did not exit after closing its window")
	}
	if strings.Contains(stderr.String(), "panic") {
		t.Fatalf("the app panicked:\n%s", stderr.String())
	}
}

// TestBusy: a second window or a focused text field keeps the loop awake;
// a focused button does not (nothing on it animates).
func TestBusy(t *testing.T) {
	a := test.NewTempApp(t)
	for _, w := range a.Driver().AllWindows() {
		w.Close() // the test driver's own first window
	}
	busy := Busy(a)
	main := a.NewWindow("main")
	entry := widget.NewEntry()
	button := widget.NewButton("B", func() {})
	main.SetContent(widget.NewForm(widget.NewFormItem("E", entry), widget.NewFormItem("B", button)))
	main.Show()
	if busy() {
		t.Fatal("busy with one window and nothing focused")
	}
	main.Canvas().Focus(button)
	if busy() {
		t.Fatal("busy with a button focused")
	}
	main.Canvas().Focus(entry)
	if !busy() {
		t.Fatal("not busy with a text field focused (its cursor blinks)")
	}
	main.Canvas().Unfocus()
	second := a.NewWindow("wizard")
	second.Show()
	if !busy() {
		t.Fatal("not busy with a second window open")
	}
	second.Close()
	if busy() {
		t.Fatal("still busy after the second window closed")
	}
}
