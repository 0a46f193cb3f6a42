// Package pidfile deals with NUT's pid files, in particular upsmon's, which
// NUT 2.8.0 keeps at a fixed path (/run/nut/upsmon.pid). upsmon refuses to
// start while the pid in that file answers kill(pid, 0) — and a zombie does.
// Where PID 1 is slow to reap orphans (containers), the dead child of a
// stopped upsmon lingers as a zombie and blocks the next start.
package pidfile

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
)

// Upsmon is where NUT 2.8.0 (Debian) keeps upsmon's pid file.
const Upsmon = "/run/nut/upsmon.pid"

// Read returns the pid in the file.
func Read(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	pid, err := strconv.Atoi(string(bytes.TrimSpace(b)))
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("pid file %s: bad content %q", path, bytes.TrimSpace(b))
	}
	return pid, nil
}

// Alive reports whether pid is a live process called name (Running and
// Named; any name for "").
func Alive(pid int, name string) bool {
	return Running(pid) && Named(pid, name)
}

// ClearStale removes the pid file when the process it names is gone, a
// zombie, or (where the system tells, Linux) not called name: the kernel
// gave the pid of an upsmon that exited without removing its file (as
// after its shutdown command) to another program, which upsmon's kill(pid,
// 0) would take for itself and `upsmon -c fsd` would signal. It reports
// whether it removed the file; a live process of that name keeps it (of
// any name, for name "").
func ClearStale(path, name string) (bool, error) {
	pid, err := Read(path)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		// Unreadable to us (an ordinary user and /run/nut): upsmon running
		// as us cannot read it either, so it cannot block that upsmon.
		return false, nil
	}
	if err == nil && Alive(pid, name) {
		return false, nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("remove stale %s: %w", path, err)
	}
	return true, nil
}
