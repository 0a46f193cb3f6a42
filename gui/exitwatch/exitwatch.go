// Package exitwatch ends a windows process that outlives its window.
//
// A status window whose process goes on after the window closed is worse
// than a crash: it keeps the single-instance socket, so the next "Open
// status" only brings forward a window that is no longer there. Once the
// window is gone, Arm gives the rest of the exit a few seconds; past them it
// ends the process.
//
// One such hang is Fyne 2.7.1's own (seen under Wine about once in 40
// closes): as its main loop ends it queues the app's stopped hook, drains
// the calls waiting for the main thread, and marks the queue drained; the
// hook's call can reach the queue between the drain and the mark, and then
// nothing ever runs it, so Run waits for it forever. Nothing of Nutmeg's is
// left to do then (the hook saves Fyne's preferences, which Nutmeg does not
// use): the process ends with status 0 and one line on stderr. Any other
// hang writes every goroutine's stack to stderr, the trace that says where
// the exit hung, and ends with status Status.
package exitwatch

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"
)

// Status is the exit status of a process that Watch ended.
const Status = 3

// Grace is how long the exit may take once the window is gone; Fyne's own
// teardown takes well under a second.
const Grace = 5 * time.Second

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
			st := stacks()
			if FyneStall(st) {
				fmt.Fprintf(w.Stderr, "nutmeg: %s %v ago, and Fyne's shutdown stalled (its stopped hook missed the end of its main loop); ending the process\n",
					why, grace)
				exit(0)
				return
			}
			fmt.Fprintf(w.Stderr, "nutmeg: %s %v ago, but the process has not ended; ending it. Its goroutines:\n%s\n",
				why, grace, st)
			exit(Status)
		})
	})
}

// FyneStall reports whether stacks (every goroutine's) show Fyne 2.7.1's
// shutdown race: Run waiting for the lifecycle queue, whose runner waits
// for a main loop that has ended.
func FyneStall(stacks []byte) bool {
	s := string(stacks)
	return strings.Contains(s, "fyne.io/fyne/v2/internal/app.(*Lifecycle).WaitForEvents") &&
		strings.Contains(s, "fyne.io/fyne/v2/internal/app.(*Lifecycle).RunEventQueue") &&
		strings.Contains(s, "fyne.io/fyne/v2/internal/driver/glfw.runOnMainWithWait")
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
