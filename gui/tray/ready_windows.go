package tray

import (
	"time"

	"golang.org/x/sys/windows"
)

// readyTimeout bounds the wait for fyne.io/systray's onReady. On Windows
// systray makes its hidden window and adds the notification icon before its
// message loop starts, and calls onReady at once when both worked; when
// Shell_NotifyIcon fails (the shell's notification area is not up yet at
// login, or there is none) it logs "unable to init instance" and runs its
// loop anyway, with no icon and no way to quit.
const readyTimeout = 5 * time.Second

// loopThread is the thread that will run systray's message loop: the
// caller's, which systray locked to the main thread in its init.
func loopThread() uint32 { return windows.GetCurrentThreadId() }

var postThreadMessage = windows.NewLazySystemDLL("user32.dll").NewProc("PostThreadMessageW")

// endLoop makes systray's GetMessage loop on thread tid return (WM_QUIT),
// so that systray.Run returns although its window never worked.
func endLoop(tid uint32) {
	const wmQuit = 0x0012
	postThreadMessage.Call(uintptr(tid), wmQuit, 0, 0)
}
