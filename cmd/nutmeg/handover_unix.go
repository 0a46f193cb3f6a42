//go:build unix

package main

import (
	"os"
	"syscall"
)

// handOver replaces this process with path (argv[0] first in argv).
func handOver(path string, argv []string) error {
	return syscall.Exec(path, argv, os.Environ())
}
