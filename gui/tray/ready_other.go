//go:build !windows

package tray

// readyTimeout is 0 off Windows: fyne.io/systray calls onReady before it
// talks to D-Bus, so it is always ready; a missing StatusNotifierItem host
// is nohost.go's business.
const readyTimeout = 0

func loopThread() uint32 { return 0 }

func endLoop(uint32) {}
