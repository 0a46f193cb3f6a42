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
	"strings"
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

// ClearStale removes the pid file when the process it names is gone or a
// zombie, and reports whether it did. A live process's file is left alone.
func ClearStale(path string) (bool, error) {
	pid, err := Read(path)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		// Unreadable to us (an ordinary user and /run/nut): upsmon running
		// as us cannot read it either, so it cannot block that upsmon.
		return false, nil
	}
	if err == nil && Running(pid) {
		return false, nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("remove stale %s: %w", path, err)
	}
	return true, nil
}

// stat is /proc/PID/stat's fields after the parenthesised command name
// (which may hold spaces): state, ppid, pgrp, ...; nil when pid is gone.
func stat(pid int) []string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(s[i+1:])
}

// ParentOf is pid's parent (0 when pid is gone).
func ParentOf(pid int) int {
	f := stat(pid)
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(f[1])
	return n
}

// ChildOf is a child process of pid (0 when it has none).
func ChildOf(pid int) int {
	for _, p := range allPids() {
		if ParentOf(p) == pid {
			return p
		}
	}
	return 0
}

// WithEnv lists the live processes whose environment holds the entry
// NAME=VALUE exactly: how a service finds the NUT processes that run on its
// own private config (NUT_CONFPATH).
func WithEnv(entry string) []int {
	var out []int
	for _, p := range allPids() {
		if HasEnv(p, entry) && Running(p) {
			out = append(out, p)
		}
	}
	return out
}

// HasEnv reports whether pid runs with the environment entry NAME=VALUE.
func HasEnv(pid int, entry string) bool {
	env, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil {
		return false
	}
	for _, kv := range bytes.Split(env, []byte{0}) {
		if string(kv) == entry {
			return true
		}
	}
	return false
}

func allPids() []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range ents {
		if p, err := strconv.Atoi(e.Name()); err == nil {
			pids = append(pids, p)
		}
	}
	return pids
}
