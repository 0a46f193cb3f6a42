//go:build !linux

package pidfile

// Without /proc these know nothing: only the Linux service supervises and
// adopts NUT's processes (elsewhere nut/monitor runs in the service).

// ParentOf is pid's parent (0: unknown here).
func ParentOf(pid int) int { return 0 }

// ChildOf is a child process of pid (0: unknown here).
func ChildOf(pid int) int { return 0 }

// WithEnv lists the processes with an environment entry (none known here).
func WithEnv(entry string) []int { return nil }

// HasEnv reports whether pid has an environment entry (never known here).
func HasEnv(pid int, entry string) bool { return false }

// Named reports whether pid's command name is name: always true here,
// where it cannot be told.
func Named(pid int, name string) bool { return true }
