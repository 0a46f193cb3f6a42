package main

// The windows (status window, wizard, screenshots) need Fyne, which costs a
// process about twice the memory even with no window open and prints Fyne's
// log lines. So Nutmeg ships two builds of this package:
//
//   - nutmeg (go build -tags nogui): every command except the windows, no
//     Fyne linked; `nutmeg window|wizard|screenshots` execs nutmeg-gui from
//     the same directory (or $PATH) with the same arguments;
//   - nutmeg-gui (go build -tags no_emoji: no Fyne emoji font, see the
//     Makefile): every command, the windows included.
//
// gui_linked.go and gui_exec.go are the two halves; the commands' names and
// synopses live here once.

func init() {
	register(&command{name: "window", args: "[--state DIR | --socket PATH] [--settings F]",
		summary: "the status window", run: guiCommand("window")})
	register(&command{name: "wizard", args: "[--settings F] [--state DIR]",
		summary: "open the setup wizard", run: guiCommand("wizard")})
	register(&command{name: "screenshots", args: "--out DIR",
		summary: "render every wizard page, the status window and the tray icons to PNG", run: guiCommand("screenshots")})
}

// guiName is the build of nutmeg that links Fyne, installed beside nutmeg.
const guiName = "nutmeg-gui"

// Environment defaults for the window's flags. The demo sets them for the
// tray it starts, so that the tray's "Open status" (`nutmeg window`, no
// flags) opens the demo's window and not the real one.
const (
	envSocket   = "NUTMEG_SOCKET"
	envSettings = "NUTMEG_SETTINGS"
	envDemo     = "NUTMEG_DEMO" // "1": settings are fixed, "Change…" is off
)
