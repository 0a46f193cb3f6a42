package secret

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	dbus "github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"
)

// Keyring returns the Store of the OS keyring (on Linux the Secret Service:
// gnome-keyring or KWallet) under service "nutmeg", user = key.
//
// Every call is bounded by timeout: go-keyring can block for ever on an unlock
// prompt that nobody answers, or on a service that owns the name but does not
// reply. The call runs in its own goroutine; after the timeout the Store
// returns ErrTimeout and that goroutine is left behind, still waiting on
// D-Bus (go-keyring has no way to cancel). It may even complete later: a Set
// that timed out may still store its value once the prompt is answered.
//
// When no session bus can be found (DBUS_SESSION_BUS_ADDRESS unset and no
// $XDG_RUNTIME_DIR/bus), calls fail at once with ErrUnavailable: godbus would
// otherwise run dbus-launch and start a stray bus (and keyring) of its own.
//
// Nothing ever falls back to plaintext.
func Keyring(timeout time.Duration) Store {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	return keyringStore{timeout: timeout}
}

type keyringStore struct{ timeout time.Duration }

func (k keyringStore) Get(key string) (string, error) {
	return k.call("get", key, "", func() (string, error) { return keyring.Get(Service, key) })
}

func (k keyringStore) Set(key, value string) error {
	_, err := k.call("set", key, value, func() (string, error) { return "", keyring.Set(Service, key, value) })
	return err
}

func (k keyringStore) Delete(key string) error {
	_, err := k.call("delete", key, "", func() (string, error) { return "", keyring.Delete(Service, key) })
	return err
}

// call runs f in a goroutine bounded by the timeout and maps its error.
// value (for Set) is scrubbed from any message.
func (k keyringStore) call(op, key, value string, f func() (string, error)) (string, error) {
	if key == "" {
		return "", fmt.Errorf("keyring %s: empty key", op)
	}
	if usesDBus && !sessionBusLikely() {
		return "", fmt.Errorf("keyring %s %s: %w (no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is unset and there is no $XDG_RUNTIME_DIR/bus)", op, key, ErrUnavailable)
	}
	type result struct {
		v   string
		err error
	}
	done := make(chan result, 1) // buffered: a late answer must not block the lingering goroutine
	go func() {
		defer func() {
			// go-keyring type-asserts D-Bus signal bodies; a malformed
			// signal must not bring the whole process down.
			if r := recover(); r != nil {
				done <- result{err: fmt.Errorf("go-keyring panicked: %v", r)}
			}
		}()
		v, err := f()
		done <- result{v, err}
	}()
	t := time.NewTimer(k.timeout)
	defer t.Stop()
	select {
	case r := <-done:
		if r.err != nil {
			return "", mapError(op, key, value, r.err)
		}
		return r.v, nil
	case <-t.C:
		return "", fmt.Errorf("keyring %s %s: %w (after %v)", op, key, ErrTimeout, k.timeout)
	}
}

// usesDBus: go-keyring talks to the Secret Service over D-Bus except on
// Windows (Credential Manager) and macOS (Keychain).
const usesDBus = runtime.GOOS != "windows" && runtime.GOOS != "darwin"

// sessionBusLikely mirrors godbus's discovery of the session bus minus its
// last resort (dbus-launch autolaunch).
func sessionBusLikely() bool {
	if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && a != "autolaunch:" {
		return true
	}
	dir := os.Getenv("XDG_RUNTIME_DIR")
	if dir == "" {
		dir = fmt.Sprintf("/run/user/%d", os.Getuid())
	}
	for _, name := range []string{"bus", "dbus-session"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return true
		}
	}
	return false
}

// mapError turns go-keyring's and godbus's errors into this package's.
func mapError(op, key, value string, err error) error {
	sentinel := classify(op, err)
	cause := scrub(err.Error(), value)
	if sentinel == nil {
		return fmt.Errorf("keyring %s %s: %s", op, key, cause)
	}
	return fmt.Errorf("keyring %s %s: %w (%s)", op, key, sentinel, cause)
}

func classify(op string, err error) error {
	if errors.Is(err, keyring.ErrNotFound) {
		return ErrNotFound
	}
	var name string
	var de dbus.Error
	var dep *dbus.Error
	switch {
	case errors.As(err, &de):
		name = de.Name
	case errors.As(err, &dep):
		name = dep.Name
	}
	switch {
	case name == "org.freedesktop.DBus.Error.ServiceUnknown",
		name == "org.freedesktop.DBus.Error.NameHasNoOwner",
		name == "org.freedesktop.DBus.Error.NoServer",
		name == "org.freedesktop.DBus.Error.Disconnected",
		name == "org.freedesktop.DBus.Error.UnknownObject",
		strings.HasPrefix(name, "org.freedesktop.DBus.Error.Spawn."):
		return ErrUnavailable
	case name == "org.freedesktop.DBus.Error.NoReply",
		name == "org.freedesktop.DBus.Error.Timeout",
		name == "org.freedesktop.DBus.Error.TimedOut":
		return ErrTimeout
	case name == "org.freedesktop.Secret.Error.IsLocked":
		return ErrLocked
	case name == "org.freedesktop.Secret.Error.NoSuchObject" && op != "set":
		return ErrNotFound
	case name != "":
		return nil
	}
	// go-keyring's own message when Unlock returned without unlocking (the
	// prompt was dismissed: it ignores the "dismissed" flag).
	if strings.HasPrefix(err.Error(), "failed to unlock correct collection") {
		return ErrLocked
	}
	// Connection-level failures: no socket, refused, auth failed, bus gone.
	var ne *net.OpError
	if errors.As(err, &ne) || errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EACCES) || errors.Is(err, dbus.ErrClosed) || errors.Is(err, io.EOF) {
		return ErrUnavailable
	}
	msg := err.Error()
	for _, p := range []string{"dbus: couldn't determine address", "dbus: authentication failed", "dbus: connection closed", "exec: \"dbus-launch\""} {
		if strings.Contains(msg, p) {
			return ErrUnavailable
		}
	}
	return nil
}

// ForgetAll deletes every secret Nutmeg stored in this user's keyring
// (service "nutmeg": the monitor, SMTP, extra users' and watched UPSes'
// passwords), for an uninstall that removes the user's settings. Having
// none is no error.
func ForgetAll(timeout time.Duration) error { return forgetService(Service, timeout) }

func forgetService(service string, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	_, err := keyringStore{timeout}.call("delete-all", service, "", func() (string, error) {
		return "", keyring.DeleteAll(service)
	})
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}
