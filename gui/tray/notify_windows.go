package tray

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// BalloonNotifier shows a Note as the balloon of the tray's own icon in
// the notification area (Shell_NotifyIcon with NIF_INFO; Windows 10 and
// later show it as a toast). The icon is systray's: its hidden window of
// class SystrayClass in this process, icon ID 100.
type BalloonNotifier struct {
	// Logf, when set, logs each balloon shown (the Wine test reads it).
	Logf func(format string, a ...any)
}

var (
	shell32          = windows.NewLazySystemDLL("shell32.dll")
	pShellNotifyIcon = shell32.NewProc("Shell_NotifyIconW")
)

const (
	nimModify   = 0x1
	nifInfo     = 0x10
	niifInfo    = 0x1
	niifWarning = 0x2
	systrayID   = 100 // fyne.io/systray's uID
)

// notifyIconData is NOTIFYICONDATAW (as in fyne.io/systray).
type notifyIconData struct {
	Size                       uint32
	Wnd                        windows.Handle
	ID, Flags, CallbackMessage uint32
	Icon                       windows.Handle
	Tip                        [128]uint16
	State, StateMask           uint32
	Info                       [256]uint16
	Timeout, Version           uint32
	InfoTitle                  [64]uint16
	InfoFlags                  uint32
	GuidItem                   windows.GUID
	BalloonIcon                windows.Handle
}

func (b *BalloonNotifier) Notify(n Note) error {
	hwnd, err := systrayWindow()
	if err != nil {
		return fmt.Errorf("notification %q: %w", n.Title, err)
	}
	title, info, warning := balloon(n)
	nid := notifyIconData{Wnd: windows.Handle(hwnd), ID: systrayID, Flags: nifInfo, InfoFlags: niifInfo}
	nid.Size = uint32(unsafe.Sizeof(nid))
	if warning {
		nid.InfoFlags = niifWarning
	}
	copy(nid.InfoTitle[:len(nid.InfoTitle)-1], windows.StringToUTF16(title))
	copy(nid.Info[:len(nid.Info)-1], windows.StringToUTF16(info))
	if r, _, err := pShellNotifyIcon.Call(nimModify, uintptr(unsafe.Pointer(&nid))); r == 0 {
		return fmt.Errorf("notification %q: Shell_NotifyIcon: %w", n.Title, err)
	}
	if b.Logf != nil {
		b.Logf("tray: balloon shown: %s", title)
	}
	return nil
}

// systrayWindow finds systray's hidden window among this process's
// top-level windows.
func systrayWindow() (windows.HWND, error) {
	var found windows.HWND
	self := uint32(os.Getpid())
	cb := syscall.NewCallback(func(h windows.HWND, _ uintptr) uintptr {
		var pid uint32
		if _, err := windows.GetWindowThreadProcessId(h, &pid); err != nil || pid != self {
			return 1
		}
		buf := make([]uint16, 64)
		if n, err := windows.GetClassName(h, &buf[0], int32(len(buf))); err == nil && windows.UTF16ToString(buf[:n]) == "SystrayClass" {
			found = h
			return 0 // stop
		}
		return 1
	})
	_ = windows.EnumWindows(cb, nil) // stopping early reports an error
	if found == 0 {
		return 0, errors.New("the tray icon's window is not there (yet)")
	}
	return found, nil
}

func newNotifier(logf func(string, ...any)) Notifier { return &BalloonNotifier{Logf: logf} }
