// Package secret keeps Nutmeg's passwords (the monitor password, the remote
// monitor password and the SMTP password) out of files and argv: in the OS
// keyring (Secret Service over D-Bus, through go-keyring), in the environment
// for automation, on stdin for --password-stdin, or, for the system-mode
// service that runs with no one logged in, in a root-only 0600 file.
//
// Errors never carry a secret's value, only its key.
package secret

import (
	"errors"
	"fmt"
	"strings"
	"sync"
)

// Keys of the secrets. In the keyring they are the "user" of service Service.
const (
	MonitorPassword = "monitor-password"
	RemotePassword  = "remote-monitor-password"
	SMTPPassword    = "smtp-password"
	// ExtraUsers is the extrausers text (upsd.users sections with their
	// passwords): kept here, not in the settings file.
	ExtraUsers = "extra-users"
)

// Service is the keyring service name under which every secret is stored.
const Service = "nutmeg"

// Store holds secrets by key. Get of a missing key returns an error that
// matches ErrNotFound; Delete of a missing key too.
type Store interface {
	Get(key string) (string, error)
	Set(key, value string) error
	Delete(key string) error
}

// The errors a Store reports, to be matched with errors.Is. The keyring store
// wraps them with the operation and the key, and the underlying cause.
var (
	ErrNotFound    = errors.New("no such secret")
	ErrUnavailable = errors.New("no keyring service is reachable: is gnome-keyring or KWallet running in this session?")
	ErrLocked      = errors.New("the keyring is locked (or its unlock prompt was dismissed): unlock it and try again")
	ErrTimeout     = errors.New("the keyring did not answer in time (is an unlock prompt waiting?)")
)

// Describe names a key for people ("the monitor password"), for messages.
func Describe(key string) string {
	switch key {
	case MonitorPassword:
		return "the monitor password"
	case RemotePassword:
		return "the remote monitor password"
	case SMTPPassword:
		return "the SMTP password"
	case ExtraUsers:
		return "the extra upsd users"
	}
	return "secret " + key
}

// scrub removes a secret's value from a message that came from elsewhere
// (D-Bus errors, file errors) so that no error of this package can leak it.
func scrub(msg, value string) string {
	if value == "" {
		return msg
	}
	return strings.ReplaceAll(msg, value, "***")
}

// Memory is a Store in memory, for tests of other packages and for one-shot
// commands. The zero value is ready to use.
type Memory struct {
	mu sync.Mutex
	m  map[string]string
}

// Get returns the value of key, or an error matching ErrNotFound.
func (m *Memory) Get(key string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.m[key]
	if !ok {
		return "", fmt.Errorf("get %s: %w", key, ErrNotFound)
	}
	return v, nil
}

// Set stores value under key.
func (m *Memory) Set(key, value string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = map[string]string{}
	}
	m.m[key] = value
	return nil
}

// Delete removes key, or returns an error matching ErrNotFound.
func (m *Memory) Delete(key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.m[key]; !ok {
		return fmt.Errorf("delete %s: %w", key, ErrNotFound)
	}
	delete(m.m, key)
	return nil
}
