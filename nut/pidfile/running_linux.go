package pidfile

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Running reports whether pid is a live (not zombie) process.
func Running(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	f := stat(pid)
	return len(f) > 0 && f[0] != "Z" && f[0] != "X"
}

// Named reports whether pid's command name (/proc/PID/comm, at most 15
// bytes) is name; true when that cannot be read, as for a process that
// just ended (Running tells that), and for name "" (any name).
func Named(pid int, name string) bool {
	if name == "" {
		return true
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	if err != nil {
		return true
	}
	if len(name) > 15 {
		name = name[:15]
	}
	return strings.TrimSuffix(string(b), "\n") == name
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
