package nut

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// noSecrets is s as it comes back from a file: secrets are not stored.
func noSecrets(s Settings) Settings {
	s.MonPwd, s.RemotePwd, s.SMTP.Password, s.ExtraUsers = "", "", "", ""
	return s
}

func TestSaveLoadRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "dir", "settings.json")
	s := Defaults()
	s.Driver = "usbhid-ups"
	s.DriverOptions = map[string]string{"vendorid": "051d"}
	s.ToEmail = []string{"a@example.com"}
	s.ExtraUsers = "[admin]\n\tpassword = \"x\"\n"
	s.PowerDown = true
	if err := Save(path, s); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, noSecrets(s)) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, noSecrets(s))
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("file mode %v, want 0600", st.Mode().Perm())
	}
	if dst, _ := os.Stat(filepath.Dir(path)); dst.Mode().Perm() != 0o700 {
		t.Fatalf("new directory mode %v, want 0700", dst.Mode().Perm())
	}
}

// The file never holds a secret, whatever the settings carry.
func TestSaveNeverWritesSecrets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "settings.json")
	s := Defaults()
	s.SMTP.Password = "smtp-" + GeneratePassword()
	s.ExtraUsers = "[admin]\n\tpassword = \"extra-" + GeneratePassword() + "\"\n"
	secrets := []string{s.MonPwd, s.RemotePwd, s.SMTP.Password, s.ExtraUsers}
	if err := Save(path, s); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, sec := range secrets {
		if strings.Contains(string(b), sec) {
			t.Errorf("secret %d is in the file", i)
		}
	}
	for _, key := range []string{`"monpwd"`, `"remotepwd"`, `"password"`, `"extrausers"`} {
		if strings.Contains(string(b), key) {
			t.Errorf("file has key %s", key)
		}
	}
	if !strings.Contains(string(b), `"version": 2`) || !strings.Contains(string(b), `"monuser": "upsmon"`) {
		t.Fatalf("file lacks the settings:\n%s", b)
	}
}

// Save replaces the file whole, and a failed save leaves no temp file.
func TestSaveAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "settings.json")
	s := Defaults()
	s.Identifier = "first"
	if err := Save(path, s); err != nil {
		t.Fatal(err)
	}
	s.Identifier = "second"
	if err := Save(path, s); err != nil {
		t.Fatal(err)
	}
	if got, err := Load(path); err != nil || got.Identifier != "second" {
		t.Fatalf("after overwrite: %v %q", err, got.Identifier)
	}
	// The target is a non-empty directory: the rename fails.
	blocked := filepath.Join(dir, "blocked")
	if err := os.MkdirAll(filepath.Join(blocked, "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := Save(blocked, s); err == nil {
		t.Fatal("saved over a directory")
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"blocked", "settings.json"}) {
		t.Fatalf("left behind: %v", names)
	}
}

func TestSaveValid(t *testing.T) {
	withDrivers(t, "usbhid-ups")
	path := filepath.Join(t.TempDir(), "settings.json")
	s := Defaults()
	s.Driver = "usbhid-ups"
	s.MonPwd = "bad=password"
	err := SaveValid(path, s)
	var ve ValidationErrors
	if !errors.As(err, &ve) || len(ve.For("monpwd")) != 1 {
		t.Fatalf("got %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("invalid settings were written: %v", err)
	}
	s.MonPwd = GeneratePassword()
	if err := SaveValid(path, s); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err != nil {
		t.Fatal(err)
	}
}

func TestLoadMissing(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "none.json"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("got %v, want fs.ErrNotExist", err)
	}
}

// Keys missing from a file take their defaults.
func TestLoadFillsDefaults(t *testing.T) {
	path := filepath.Join(t.TempDir(), "settings.json")
	if err := os.WriteFile(path, []byte(`{"version": 1, "identifier": "lab", "driver": "dummy-ups"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want := storedDefaults()
	want.Identifier, want.Driver = "lab", "dummy-ups"
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("got %+v\nwant %+v", s, want)
	}
}

// Version 0 (no "version" key, the NAS's spellings, a password in the
// file) migrates to the current version.
func TestLoadMigratesVersion0(t *testing.T) {
	s, err := Load("testdata/settings-v0.json")
	if err != nil {
		t.Fatal(err)
	}
	if s.Version != SettingsVersion || s.Identifier != "office-ups" || s.Mode != ModePrimary || s.Driver != "nutdrv_qx" ||
		s.DriverOptions["vendorid"] != "0665" || s.Shutdown != ShutdownBatt || s.ShutdownTimer != 60 || s.HostSync != 20 ||
		s.NoCommWarnTime != DefaultNoCommWarnTime || s.ShutdownCmd != "" || !s.EmailNotify || s.Subject != "UPS on %h" ||
		s.SMTP != (SMTP{Host: "mail.example.com", Port: 465, TLS: TLSImplicit, Username: "ups", From: "ups@example.com"}) ||
		!s.Postpone.Allowed || !s.Autostart {
		t.Fatalf("migrated %+v", s)
	}
	if !slices.Equal(s.ToEmail, []string{"admin@example.com", "ops@example.com"}) {
		t.Fatalf("toemail %q", s.ToEmail)
	}
	if s.MonPwd != `v0-Password;with"quote` {
		t.Fatal("the version-0 password was not handed to the caller for the keyring")
	}
	// Saved again, it is a version-1 file without the password that loads
	// to the same settings.
	path := filepath.Join(t.TempDir(), "settings.json")
	if err := Save(path, s); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if strings.Contains(string(b), "v0-Password") {
		t.Fatal("password written back")
	}
	again, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again, noSecrets(s)) {
		t.Fatalf("reloaded:\n got %+v\nwant %+v", again, noSecrets(s))
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name, json string
		is         error
		want       string
	}{
		{"newer version", `{"version": 7, "identifier": "ups"}`, ErrNewerVersion, "version 7, this Nutmeg reads up to version 2"},
		{"negative version", `{"version": -1}`, nil, "version -1 is not valid"},
		{"version not a number", `{"version": "1"}`, nil, `key "version": want a whole number`},
		{"unknown key", `{"version": 1, "shutdowntimmer": 30}`, nil, `unknown field "shutdowntimmer"`},
		{"wrong type", `{"version": 1, "remoteport": "3493"}`, nil, "remoteport"},
		{"password in a current file", `{"version": 1, "monpwd": "x"}`, nil, `key "monpwd": passwords are not kept in the settings file`},
		{"smtp password in a current file", `{"version": 1, "smtp": {"password": "x"}}`, nil, `key "smtp.password"`},
		{"version 0 wrong type", `{"identifier": "ups", "hostsync": "15"}`, nil, `migrate version 0: key "hostsync"`},
		{"not an object", `[]`, nil, "not a settings object"},
		{"null", `null`, nil, "not a settings object"},
		{"empty", ``, nil, "not a settings object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "settings.json")
			if err := os.WriteFile(path, []byte(tt.json), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("got %v, want …%s… naming the file", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Fatalf("%v does not wrap %v", err, tt.is)
			}
		})
	}
}

func TestDefaultPath(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("HOME", dir)
	p, err := DefaultPath()
	if err != nil {
		t.Fatal(err)
	}
	base, _ := os.UserConfigDir()
	if p != filepath.Join(base, "nutmeg", "settings.json") || !strings.HasPrefix(p, dir) {
		t.Fatalf("DefaultPath = %q", p)
	}
	if SystemPath != "/etc/nutmeg/settings.json" {
		t.Fatal(SystemPath)
	}
}

// Version 1 kept the extra users in the file: Load takes them into memory
// (the caller moves them to the secrets) and Save drops them; a version-2
// file that carries them is refused with a message that says why.
func TestExtraUsersLeaveTheFile(t *testing.T) {
	dir := t.TempDir()
	v1 := filepath.Join(dir, "v1.json")
	os.WriteFile(v1, []byte(`{"version": 1, "identifier": "ups", "extrausers": "[admin]\n\tpassword = \"s3cret\"\n"}`), 0o600)
	s, err := Load(v1)
	if err != nil {
		t.Fatal(err)
	}
	if s.ExtraUsers != "[admin]\n\tpassword = \"s3cret\"\n" || s.Version != SettingsVersion {
		t.Fatalf("v1 extrausers %q, version %d", s.ExtraUsers, s.Version)
	}
	if err := Save(v1, s); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(v1); strings.Contains(string(b), "s3cret") || strings.Contains(string(b), "extrausers") {
		t.Fatalf("saved file still holds the extra users:\n%s", b)
	}
	v2 := filepath.Join(dir, "v2.json")
	os.WriteFile(v2, []byte(`{"version": 2, "identifier": "ups", "extrausers": "[admin]"}`), 0o600)
	if _, err := Load(v2); err == nil || !strings.Contains(err.Error(), `key "extrausers": the extra users hold passwords`) {
		t.Fatalf("version 2 with extrausers: %v", err)
	}
}
