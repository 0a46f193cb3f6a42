package exitwatch

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// The child's part of TestHungExitIsEnded: the window is gone, and the
// exit hangs in hangInExit.
func TestMain(m *testing.M) {
	if os.Getenv("EXITWATCH_CHILD") == "1" {
		w := &Watch{Stderr: os.Stderr, Grace: 300 * time.Millisecond}
		w.Arm("the window closed")
		w.Arm("the app quit") // a second arm changes nothing
		hangInExit()
	}
	os.Exit(m.Run())
}

func hangInExit() { select {} }

// A process whose exit hangs after its window closed ends Grace later, with
// Status, and its stderr names where it hung.
func TestHungExitIsEnded(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run", "^$")
	cmd.Env = append(os.Environ(), "EXITWATCH_CHILD=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err = cmd.Run()
	took := time.Since(start)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != Status {
		t.Fatalf("the hung process ended with %v, want exit status %d\n%s", err, Status, stderr.String())
	}
	out := stderr.String()
	for _, want := range []string{"the window closed 300ms ago, but the process has not ended", "goroutine ", "exitwatch.hangInExit"} {
		if !strings.Contains(out, want) {
			t.Errorf("stderr lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "the app quit") {
		t.Errorf("the second Arm started a second countdown:\n%s", out)
	}
	t.Logf("ended after %v", took.Round(time.Millisecond))
}

// A process that ends by itself is not touched.
func TestNoExitBeforeGrace(t *testing.T) {
	ended := make(chan int, 1)
	w := &Watch{Stderr: &bytes.Buffer{}, Grace: time.Hour, Exit: func(s int) { ended <- s }}
	w.Arm("the window closed")
	select {
	case s := <-ended:
		t.Fatalf("ended with %d before its grace", s)
	case <-time.After(100 * time.Millisecond):
	}
}
