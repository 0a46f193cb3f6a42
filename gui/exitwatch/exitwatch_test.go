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

// The stacks of a real stall of Fyne 2.7.1's shutdown (nutmeg.exe window
// under Wine, taken by this package) are recognised; those of another
// hang are not.
func TestFyneStall(t *testing.T) {
	real, err := os.ReadFile("testdata/fyne-2.7.1-stall.txt")
	if err != nil {
		t.Fatal(err)
	}
	if !FyneStall(real) {
		t.Error("the stall in testdata/fyne-2.7.1-stall.txt is not recognised")
	}
	if own := stacks(); FyneStall(own) {
		t.Errorf("this test's own goroutines are taken for Fyne's stall:\n%s", own)
	}
	// The same process with Fyne's loop still running: not the stall.
	running := bytes.Replace(real, []byte("runOnMainWithWait"), []byte("runGL"), -1)
	if FyneStall(running) {
		t.Error("stacks without a call waiting for the main loop are taken for Fyne's stall")
	}
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
