package window

import (
	"testing"

	"fyne.io/fyne/v2/test"
)

// Closing the status window while the wizard it opened is at work hides it
// and closes it when the wizard is done; brought forward meanwhile, it
// stays; with nothing at work, it closes at once.
func TestCloseGuard(t *testing.T) {
	for _, c := range []struct {
		name      string
		busy      bool
		shown     bool // brought forward before the wizard is done
		closedNow bool // closed by the close itself
		closed    bool // closed once the wizard is done
	}{
		{"nothing at work", false, false, true, true},
		{"wizard open", true, false, false, true},
		{"wizard open, brought forward", true, true, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := test.NewTempApp(t)
			win := a.NewWindow("Nutmeg: UPS status")
			closed := false
			win.SetOnClosed(func() { closed = true })
			win.Show()
			g := GuardClose(win, func() bool { return c.busy })
			g.close() // what the window manager's close button runs
			if closed != c.closedNow {
				t.Fatalf("closed %v right after the close, want %v", closed, c.closedNow)
			}
			if c.shown {
				g.Shown()
			}
			g.Release()
			if closed != c.closed {
				t.Fatalf("closed %v once the wizard was done, want %v", closed, c.closed)
			}
		})
	}
}
