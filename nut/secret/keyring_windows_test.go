package secret

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"
)

// On Windows go-keyring stores in the Credential Manager (wincred) of the
// user running the test: under Wine that is the test's own WINEPREFIX.
func winKey(t *testing.T, st Store, name string) string {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	key := "test-" + hex.EncodeToString(b) + "-" + name
	t.Cleanup(func() { _ = st.Delete(key) })
	return key
}

func TestCredentialManagerRoundTrip(t *testing.T) {
	st := Keyring(20 * time.Second)
	var ascii strings.Builder
	for c := byte(0x20); c <= 0x7e; c++ {
		ascii.WriteByte(c)
	}
	for _, tc := range []struct{ name, value string }{
		{"simple", "hunter2-ABC"},
		{"printable-ascii", ascii.String()},
		{"unicode", "pässwörd – 密码 🔑 Ωμέγα"},
		{"spaces", "  leading and trailing  "},
		{"long", strings.Repeat("0123456789abcdef", 150)}, // 2400 bytes: under wincred's 2560
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := winKey(t, st, tc.name)
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
			if err := st.Set(key, tc.value+"2"); err != nil {
				t.Fatalf("overwrite: %v", err)
			}
			if got, _ := st.Get(key); got != tc.value+"2" {
				t.Fatalf("after overwrite: len %d", len(got))
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

// A secret longer than the Credential Manager holds is refused, never cut.
func TestCredentialManagerTooLong(t *testing.T) {
	st := Keyring(20 * time.Second)
	key := winKey(t, st, "toolong")
	value := strings.Repeat("x", 4000)
	err := st.Set(key, value)
	if err == nil {
		got, _ := st.Get(key)
		t.Fatalf("a 4000-byte secret was accepted (read back %d bytes)", len(got))
	}
	if strings.Contains(err.Error(), value[:50]) {
		t.Fatal("the error quotes the secret")
	}
}

func TestCredentialManagerLoadSave(t *testing.T) {
	kr := Keyring(20 * time.Second)
	st := prefixedWin{kr, winKey(t, kr, "") + "-"}
	for _, k := range []string{MonitorPassword, RemotePassword, SMTPPassword} {
		t.Cleanup(func() { _ = st.Delete(k) })
	}
	checkLoadSave(t, st)
}

type prefixedWin struct {
	Store
	p string
}

func (s prefixedWin) Get(k string) (string, error) { return s.Store.Get(s.p + k) }
func (s prefixedWin) Set(k, v string) error        { return s.Store.Set(s.p+k, v) }
func (s prefixedWin) Delete(k string) error        { return s.Store.Delete(s.p + k) }

// The uninstaller's "remove my settings" empties the Credential Manager of
// Nutmeg's entries (wincred's CredEnumerate under Wine).
func TestCredentialManagerForgetAll(t *testing.T) { checkForget(t) }
