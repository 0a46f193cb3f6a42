package main

import (
	"os"
	"os/exec"
)

// handOver starts path with argv[1:] as a process of its own (Windows has
// no exec); this process then exits.
func handOver(path string, argv []string) error {
	cmd := exec.Command(path, argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	return cmd.Process.Release()
}
