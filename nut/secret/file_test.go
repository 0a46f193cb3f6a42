//go:build !windows

package secret

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFileRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "etc", "nutmeg", "secrets")
	in := map[string]string{MonitorPassword: printableASCII(), SMTPPassword: "pässwörd\nwith newline"}
	if err := WriteFile(path, in); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %04o, want 0600", fi.Mode().Perm())
	}
	out, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(in) || out[MonitorPassword] != in[MonitorPassword] || out[SMTPPassword] != in[SMTPPassword] {
		t.Fatal("read back different secrets")
	}
	// Rewriting keeps 0600 and leaves no temp files behind.
	if err := WriteFile(path, map[string]string{RemotePassword: "r"}); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(filepath.Dir(path))
	if len(ents) != 1 {
		t.Fatalf("directory holds %d entries after rewrite", len(ents))
	}
}

func TestReadFileRefuses(t *testing.T) {
	const secretValue = "Sup3r-secret"
	for _, tc := range []struct {
		name  string
		setup func(path string) error
		want  string
	}{
		{"mode-0644", func(p string) error { return os.Chmod(p, 0o644) }, "group or others"},
		{"mode-0640", func(p string) error { return os.Chmod(p, 0o640) }, "group or others"},
		{"mode-0604", func(p string) error { return os.Chmod(p, 0o604) }, "group or others"},
		{"symlink", func(p string) error {
			if err := os.Rename(p, p+".real"); err != nil {
				return err
			}
			return os.Symlink(p+".real", p)
		}, ""},
		{"directory", func(p string) error {
			if err := os.Remove(p); err != nil {
				return err
			}
			return os.Mkdir(p, 0o700)
		}, "regular"},
		{"not-json", func(p string) error { return os.WriteFile(p, []byte(secretValue), 0o600) }, "JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "secrets")
			if err := WriteFile(path, map[string]string{MonitorPassword: secretValue}); err != nil {
				t.Fatal(err)
			}
			if err := tc.setup(path); err != nil {
				t.Fatal(err)
			}
			m, err := ReadFile(path)
			if err == nil {
				t.Fatalf("accepted (%d secrets)", len(m))
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not say %q", err, tc.want)
			}
			if strings.Contains(err.Error(), secretValue) {
				t.Fatal("the secret leaked into the error message")
			}
		})
	}
}

func TestFileStore(t *testing.T) {
	st := File(filepath.Join(t.TempDir(), "secrets"))
	if _, err := st.Get(MonitorPassword); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing file: want ErrNotFound, got %v", err)
	}
	if err := st.Set(MonitorPassword, "a"); err != nil {
		t.Fatal(err)
	}
	if err := st.Set(MonitorPassword, "b"); err != nil {
		t.Fatal(err)
	}
	if v, err := st.Get(MonitorPassword); err != nil || v != "b" {
		t.Fatalf("got %q %v", v, err)
	}
	if err := st.Delete(MonitorPassword); err != nil {
		t.Fatal(err)
	}
	if err := st.Delete(MonitorPassword); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: want ErrNotFound, got %v", err)
	}
	if _, err := ReadFile(filepath.Join(t.TempDir(), "absent")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("absent file: %v", err)
	}
}
