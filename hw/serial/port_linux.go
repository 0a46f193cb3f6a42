//go:build linux

package serial

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Holders returns "pid (command)" for every other process that has path
// open, by reading /proc/*/fd. Root sees every process; an ordinary user
// sees its own, which is still the common case of a second NUT instance.
// A link that names the path must also lead to the same inode: a container
// has its own /dev/pts, so its getty's /dev/pts/0 is not the host's.
func Holders(path string) []string {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		target = path
	}
	var want unix.Stat_t
	haveWant := unix.Stat(target, &want) == nil
	same := func(fdPath string) bool {
		var st unix.Stat_t
		if !haveWant || unix.Stat(fdPath, &st) != nil {
			return true // cannot tell: the name is taken as the port
		}
		return st.Dev == want.Dev && st.Ino == want.Ino
	}
	self := os.Getpid()
	procs, _ := os.ReadDir("/proc")
	var out []string
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil || pid == self {
			continue
		}
		fds, err := os.ReadDir("/proc/" + p.Name() + "/fd")
		if err != nil {
			continue
		}
		for _, fd := range fds {
			fdPath := "/proc/" + p.Name() + "/fd/" + fd.Name()
			l, err := os.Readlink(fdPath)
			if err == nil && (l == target || l == path) && same(fdPath) {
				comm, _ := os.ReadFile("/proc/" + p.Name() + "/comm")
				out = append(out, fmt.Sprintf("%d (%s)", pid, strings.TrimSpace(string(comm))))
				break
			}
		}
	}
	return out
}

// openPort opens a tty for probing: not as controlling terminal,
// non-blocking (so the Go poller gives read deadlines), refused when
// another process holds it open or locked, then locked by us (flock, as
// NUT's drivers do, and TIOCEXCL) and set to 2400 8N1 raw, the speed of
// both Megatec and APC Smart.
//
// Opening a tty raises DTR and RTS (the kernel does it, for every program
// that opens a port, NUT's drivers included). Smart units ignore the lines;
// a contact-closure UPS whose cable uses one of them as "shut down" could
// act on it while on battery. That risk is the open itself, not the bytes;
// `nutmeg probe --no-serial` avoids it.
func openPort(path string) (*os.File, error) {
	if h := Holders(path); len(h) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrInUse, strings.Join(h, ", "))
	}
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, unix.EBUSY) {
			return nil, fmt.Errorf("%w: open %s: %v", ErrInUse, path, err)
		}
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	fail := func(err error) (*os.File, error) {
		unix.Close(fd)
		return nil, err
	}
	if err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB); err != nil {
		if errors.Is(err, unix.EWOULDBLOCK) {
			return fail(fmt.Errorf("%w: %s is locked", ErrInUse, path))
		}
		return fail(fmt.Errorf("lock %s: %w", path, err))
	}
	// TIOCEXCL keeps others (other than root) out while we probe.
	_ = unix.IoctlSetInt(fd, unix.TIOCEXCL, 0)
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return fail(fmt.Errorf("%s is not a serial port: %w", path, err))
	}
	makeRaw(t)
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, t); err != nil {
		return fail(fmt.Errorf("configure %s: %w", path, err))
	}
	// Drop whatever arrived before we opened: it is not an answer to us.
	_ = unix.IoctlSetInt(fd, unix.TCFLSH, unix.TCIFLUSH)
	return os.NewFile(uintptr(fd), path), nil
}

// makeRaw sets 2400 baud, 8 data bits, no parity, 1 stop bit, no flow
// control, no echo and no character translation.
func makeRaw(t *unix.Termios) {
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON | unix.IXOFF | unix.IXANY
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB | unix.CSTOPB | unix.CRTSCTS | unix.CBAUD
	t.Cflag |= unix.CS8 | unix.CREAD | unix.CLOCAL | unix.B2400
	t.Ispeed, t.Ospeed = unix.B2400, unix.B2400
	t.Cc[unix.VMIN], t.Cc[unix.VTIME] = 1, 0
}
