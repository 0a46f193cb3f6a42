package window

import "fyne.io/fyne/v2"

// CloseGuard keeps the status window's process running while another
// window of it is at work. The status window is the app's first window, and
// closing it quits the app: closing it while the setup wizard it opened is
// still open would end the wizard too, perhaps in the middle of applying
// the settings. With the guard, that close hides the status window
// instead, and it happens once the wizard is done (Release), unless the
// window was brought forward meanwhile (Shown). Its methods run on the UI
// goroutine.
type CloseGuard struct {
	win     fyne.Window
	busy    func() bool
	pending bool
}

// GuardClose intercepts win's close: while busy says another window is at
// work, the close waits for Release.
func GuardClose(win fyne.Window, busy func() bool) *CloseGuard {
	g := &CloseGuard{win: win, busy: busy}
	win.SetCloseIntercept(g.close)
	return g
}

func (g *CloseGuard) close() {
	if g.busy() {
		g.pending = true
		g.win.Hide()
		return
	}
	g.win.Close()
}

// Release says the other window is done: a close asked for meanwhile
// happens now.
func (g *CloseGuard) Release() {
	if g.pending {
		g.pending = false
		g.win.Close()
	}
}

// Shown says the window was brought forward: a close asked for before is
// off.
func (g *CloseGuard) Shown() { g.pending = false }
