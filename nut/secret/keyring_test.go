//go:build !windows

package secret

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	dbus "github.com/godbus/dbus/v5"

	"github.com/nutmeg-ups/nutmeg/nut/testneed"
)

// requireDesktop: the real-keyring tests run inside .ci/with-desktop.sh
// (private session bus, unlocked gnome-keyring, NUTMEG_TEST_DESKTOP=1). They
// never run against a developer's own keyring: that could pop up unlock
// prompts and would write into it.
func requireDesktop(t *testing.T) {
	t.Helper()
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" || os.Getenv("NUTMEG_TEST_DESKTOP") != "1" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true: run under .ci/with-desktop.sh (needs a session bus with gnome-keyring)")
		}
		t.Skip("no private test desktop: run under .ci/with-desktop.sh")
	}
}

// testKey returns a key unique to this run, so parallel test processes
// sharing the keyring never collide, and removes it afterwards.
func testKey(t *testing.T, st Store, name string) string {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	key := "test-" + hex.EncodeToString(b) + "-" + name
	t.Cleanup(func() { _ = st.Delete(key) })
	return key
}

func printableASCII() string {
	var b strings.Builder
	for c := byte(0x20); c <= 0x7e; c++ {
		b.WriteByte(c)
	}
	return b.String()
}

func TestKeyringRoundTrip(t *testing.T) {
	requireDesktop(t)
	st := Keyring(10 * time.Second)
	for _, tc := range []struct{ name, value string }{
		{"simple", "hunter2-ABC"},
		{"printable-ascii", printableASCII()},
		{"unicode", "pässwörd – 密码 🔑 Ωμέγα"},
		{"spaces", "  leading and trailing  "},
		{"long", strings.Repeat("0123456789abcdef", 256)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := testKey(t, st, tc.name)
			if err := st.Set(key, tc.value); err != nil {
				t.Fatalf("set: %v", err)
			}
			got, err := st.Get(key)
			if err != nil {
				t.Fatalf("get: %v", err)
			}
			if got != tc.value {
				t.Fatalf("get returned a different value (len %d, want len %d)", len(got), len(tc.value))
			}
			if err := st.Delete(key); err != nil {
				t.Fatalf("delete: %v", err)
			}
			if _, err := st.Get(key); !errors.Is(err, ErrNotFound) {
				t.Fatalf("get after delete: want ErrNotFound, got %v", err)
			}
		})
	}
}

func TestKeyringOverwrite(t *testing.T) {
	requireDesktop(t)
	st := Keyring(10 * time.Second)
	key := testKey(t, st, "overwrite")
	for _, v := range []string{"first-value", "second-value", "x"} {
		if err := st.Set(key, v); err != nil {
			t.Fatalf("set: %v", err)
		}
		got, err := st.Get(key)
		if err != nil {
			t.Fatalf("get: %v", err)
		}
		if got != v {
			t.Fatalf("after overwrite got the wrong value (len %d, want len %d)", len(got), len(v))
		}
	}
}

func TestKeyringNotFound(t *testing.T) {
	requireDesktop(t)
	st := Keyring(10 * time.Second)
	key := testKey(t, st, "missing")
	if _, err := st.Get(key); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get: want ErrNotFound, got %v", err)
	}
	if err := st.Delete(key); !errors.Is(err, ErrNotFound) {
		t.Fatalf("delete: want ErrNotFound, got %v", err)
	}
}

// prefixed keeps Load/Save on the real keyring off the real key names, which
// other packages' tests in the same session may use.
type prefixed struct {
	Store
	p string
}

func (s prefixed) Get(k string) (string, error) { return s.Store.Get(s.p + k) }
func (s prefixed) Set(k, v string) error        { return s.Store.Set(s.p+k, v) }
func (s prefixed) Delete(k string) error        { return s.Store.Delete(s.p + k) }

func TestKeyringLoadSave(t *testing.T) {
	requireDesktop(t)
	kr := Keyring(10 * time.Second)
	st := prefixed{kr, testKey(t, kr, "") + "-"}
	for _, k := range []string{MonitorPassword, RemotePassword, SMTPPassword} {
		t.Cleanup(func() { _ = st.Delete(k) })
	}
	checkLoadSave(t, st)
}

// TestKeyringNoBus: the session bus address points at nothing, or there is
// no address at all → ErrUnavailable with the clear message, quickly.
func TestKeyringNoBus(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  []string
	}{
		{"nonexistent-socket", []string{"DBUS_SESSION_BUS_ADDRESS=unix:path=" + filepath.Join(t.TempDir(), "no-such-bus")}},
		{"no-address", nil},
		{"autolaunch", []string{"DBUS_SESSION_BUS_ADDRESS=autolaunch:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const secretValue = "S3cret-in-no-bus-test"
			for _, r := range runChildCalls(t, "get,set,delete", MonitorPassword, secretValue, 5*time.Second, 30*time.Second, tc.env...) {
				if r.Kind != "unavailable" {
					t.Fatalf("%s: want unavailable, got %s: %s", r.Op, r.Kind, r.Msg)
				}
				if !strings.Contains(r.Msg, ErrUnavailable.Error()) {
					t.Fatalf("%s: message %q lacks %q", r.Op, r.Msg, ErrUnavailable.Error())
				}
				if strings.Contains(r.Msg, secretValue) {
					t.Fatalf("%s: the secret leaked into the error message", r.Op)
				}
			}
		})
	}
}

// TestKeyringBusWithoutSecretService: a live session bus on which nobody owns
// org.freedesktop.secrets (and nothing can be activated) → ErrUnavailable.
func TestKeyringBusWithoutSecretService(t *testing.T) {
	addr := privateBus(t)
	for _, r := range runChildCalls(t, "get,set,delete", MonitorPassword, "S3cret-no-service", 5*time.Second, 30*time.Second,
		"DBUS_SESSION_BUS_ADDRESS="+addr) {
		if r.Kind != "unavailable" || !strings.Contains(r.Msg, ErrUnavailable.Error()) {
			t.Fatalf("%s: want unavailable with the clear message, got %s: %s", r.Op, r.Kind, r.Msg)
		}
		if strings.Contains(r.Msg, "S3cret-no-service") {
			t.Fatalf("%s: the secret leaked into the error message", r.Op)
		}
	}
}

// silentSecrets owns org.freedesktop.secrets and never answers: each method
// blocks until the test ends.
type silentSecrets struct{ done chan struct{} }

func (s silentSecrets) Get(iface, prop string) (dbus.Variant, *dbus.Error) {
	<-s.done
	return dbus.MakeVariant(""), nil
}

func (s silentSecrets) OpenSession(alg string, in dbus.Variant) (dbus.Variant, dbus.ObjectPath, *dbus.Error) {
	<-s.done
	return dbus.MakeVariant(""), "/", nil
}

func (s silentSecrets) Unlock(objs []dbus.ObjectPath) ([]dbus.ObjectPath, dbus.ObjectPath, *dbus.Error) {
	<-s.done
	return nil, "/", nil
}

func TestKeyringTimeout(t *testing.T) {
	addr := privateBus(t)
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := silentSecrets{done: make(chan struct{})}
	t.Cleanup(func() { close(srv.done); conn.Close() })
	const path = "/org/freedesktop/secrets"
	if err := conn.Export(srv, path, "org.freedesktop.DBus.Properties"); err != nil {
		t.Fatal(err)
	}
	if err := conn.Export(srv, path, "org.freedesktop.Secret.Service"); err != nil {
		t.Fatal(err)
	}
	reply, err := conn.RequestName("org.freedesktop.secrets", dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("request name: %v %v", reply, err)
	}
	const timeout = 700 * time.Millisecond
	const secretValue = "S3cret-in-timeout-test"
	for _, r := range runChildCalls(t, "get,set,delete", MonitorPassword, secretValue, timeout, 20*time.Second, "DBUS_SESSION_BUS_ADDRESS="+addr) {
		if r.Kind != "timeout" {
			t.Fatalf("%s: want timeout, got %s: %s", r.Op, r.Kind, r.Msg)
		}
		if r.Elapsed < timeout {
			t.Fatalf("%s: returned ErrTimeout after %v, before the %v timeout", r.Op, r.Elapsed, timeout)
		}
		if strings.Contains(r.Msg, secretValue) {
			t.Fatalf("%s: the secret leaked into the error message", r.Op)
		}
	}
}

// TestKeyringLocked runs a real gnome-keyring on a private bus, locks its
// login collection, and asks for a secret: there is no prompter on that bus,
// so the unlock cannot succeed → ErrLocked (never a value, never a hang).
func TestKeyringLocked(t *testing.T) {
	gkd := testneed.Tool(t, "gnome-keyring-daemon")
	addr := privateBus(t)
	home := t.TempDir()
	cmd := exec.Command(gkd, "--foreground", "--unlock", "--components=secrets")
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + home,
		"XDG_DATA_HOME=" + filepath.Join(home, "data"), "XDG_RUNTIME_DIR=" + home,
		"DBUS_SESSION_BUS_ADDRESS=" + addr,
	}
	cmd.Stdin = strings.NewReader("locked-test-keyring")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM); _ = cmd.Wait() })
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	deadline := time.Now().Add(20 * time.Second)
	for {
		var has bool
		if err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, "org.freedesktop.secrets").Store(&has); err == nil && has {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("gnome-keyring-daemon did not take org.freedesktop.secrets")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Store a secret while unlocked (in a child: it must talk to this bus).
	env := "DBUS_SESSION_BUS_ADDRESS=" + addr
	if r := runChildCalls(t, "set,get", "locked-key", "v", 10*time.Second, 30*time.Second, env); r[0].Kind != "ok" || r[1].Value != "v" {
		t.Fatalf("set/get while unlocked: %+v", r)
	}
	svc := conn.Object("org.freedesktop.secrets", "/org/freedesktop/secrets")
	var locked []dbus.ObjectPath
	var prompt dbus.ObjectPath
	if err := svc.Call("org.freedesktop.Secret.Service.Lock", 0,
		[]dbus.ObjectPath{"/org/freedesktop/secrets/collection/login"}).Store(&locked, &prompt); err != nil {
		t.Fatalf("lock: %v", err)
	}
	for _, r := range runChildCalls(t, "get,set", "locked-key", "new", 5*time.Second, 30*time.Second, env) {
		if r.Kind != "locked" {
			t.Fatalf("%s on a locked keyring: want locked, got %s: %s (value len %d)", r.Op, r.Kind, r.Msg, len(r.Value))
		}
	}
}

func TestKeyringForgetAll(t *testing.T) {
	requireDesktop(t)
	checkForget(t)
}
