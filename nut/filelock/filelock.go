// Package filelock takes an exclusive lock on an open file (flock on Unix,
// LockFileEx on Windows). The OS drops it when the process ends, so a crash
// never leaves a stale lock.
package filelock

import "errors"

// ErrLocked means another process holds the lock.
var ErrLocked = errors.New("locked by another process")
