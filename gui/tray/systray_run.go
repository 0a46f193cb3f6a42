package tray

import (
	"runtime"

	"fyne.io/systray"
)

// systrayRun is systray.Run. Without a session bus, fyne.io/systray 1.12.2
// runs without its icon and then panics as it quits (its nativeEnd closes
// the D-Bus connection it never made). That panic, and only a runtime error
// with no bus, is absorbed: such a tray has opened the status window instead
// (nohost.go) and ends cleanly.
func systrayRun(onReady, onExit func()) {
	noBus := sessionBusMissing()
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(runtime.Error); !ok || !noBus {
				panic(r)
			}
		}
	}()
	systray.Run(onReady, onExit)
}
