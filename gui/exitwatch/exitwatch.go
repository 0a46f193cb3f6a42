// Package exitwatch ends a windows process that outlives its window.
//
// A status window whose process goes on after the window closed is worse
// than a crash: it keeps the single-instance socket, so the next "Open
// status" only brings forward a window that is no longer there. Under Wine
// this was seen twice in about 60 closes, untraced. Once the window is gone,
// Arm gives the rest of the exit a few seconds; past them it writes every
// goroutine's stack to stderr (the trace that says where the exit hung) and
// ends the process with status Status.
package exitwatch

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"time"
)

// Status is the exit status of a process that Watch ended.
const Status = 3

// Grace is how long the exit may take once the window is gone; Fyne's own
// teardown takes well under a second.
const Grace = 10 * time.Second

// Watch ends the process if it is still running Grace after Arm.
type Watch struct {
	Stderr io.Writer
	Grace  time.Duration    // 0 means Grace
	Exit   func(status int) // nil means os.Exit

	once sync.Once
}

// Arm starts the countdown to the end, once: later calls do nothing. why
// says what happened ("the window closed").
func (w *Watch) Arm(why string) {
	w.once.Do(func() {
		grace, exit := w.Grace, w.Exit
		if grace == 0 {
			grace = Grace
		}
		if exit == nil {
			exit = os.Exit
		}
		time.AfterFunc(grace, func() {
			fmt.Fprintf(w.Stderr, "nutmeg: %s %v ago, but the process has not ended; ending it. Its goroutines:\n%s\n",
				why, grace, stacks())
			exit(Status)
		})
	})
}

// stacks is every goroutine's stack, as a crash prints them.
func stacks() []byte {
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return buf[:n]
		}
		buf = make([]byte, 2*len(buf))
	}
}
