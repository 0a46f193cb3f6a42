package tray

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/nutmeg-ups/nutmeg/nut"
)

func TestOptionsConfig(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir()) // no settings saved
	userSock := filepath.Join(state, "nutmeg", "nutmeg.sock")
	tests := []struct {
		name   string
		o      Options
		socket string
		server string
		bad    bool
	}{
		{"default: the user service's socket", Options{}, userSock, "", false},
		{"state dir", Options{State: "/s"}, "/s/nutmeg.sock", "", false},
		{"socket", Options{Socket: "/x.sock"}, "/x.sock", "", false},
		{"remote", Options{Server: "nas:3493", UPS: "ups"}, "", "nas:3493", false},
		{"remote and socket", Options{Server: "nas", Socket: "/x"}, "", "", true},
		{"remote and state", Options{Server: "nas", State: "/x"}, "", "", true},
		{"socket and state", Options{Socket: "/x", State: "/y"}, "", "", true},
		{"ups without server", Options{UPS: "ups"}, "", "", true},
	}
	for _, tc := range tests {
		cfg, err := tc.o.Config()
		var u *UsageError
		if tc.bad != errors.As(err, &u) {
			t.Errorf("%s: err %v", tc.name, err)
			continue
		}
		if !tc.bad && (cfg.Socket != tc.socket || cfg.Server != tc.server) {
			t.Errorf("%s: socket %q server %q", tc.name, cfg.Socket, cfg.Server)
		}
	}
}

func TestConfigFromSettings(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	secondary := nut.Defaults()
	secondary.Mode, secondary.RemoteHost, secondary.RemotePort, secondary.Identifier = nut.ModeSecondary, "nas.lan", 3500, "rack"
	primary := nut.Defaults()

	cfg, _ := Options{}.config(&secondary)
	if cfg.Server != "nas.lan:3500" || cfg.UPS != "rack" || cfg.Socket != "" {
		t.Errorf("secondary without a local service: %+v", cfg)
	}
	cfg, _ = Options{}.config(&primary)
	if cfg.Socket != filepath.Join(state, "nutmeg", "nutmeg.sock") || cfg.Server != "" {
		t.Errorf("primary: %+v", cfg)
	}
	// A local service (its socket exists) wins over polling.
	sock := filepath.Join(state, "nutmeg", "nutmeg.sock")
	os.MkdirAll(filepath.Dir(sock), 0o700)
	os.WriteFile(sock, nil, 0o600)
	cfg, _ = Options{}.config(&secondary)
	if cfg.Socket != sock || cfg.Server != "" {
		t.Errorf("secondary with a local service: %+v", cfg)
	}
	// Flags win over everything.
	cfg, _ = Options{Server: "other:3493"}.config(&secondary)
	if cfg.Server != "other:3493" || cfg.UPS != "" {
		t.Errorf("--server: %+v", cfg)
	}
}

func TestLockSingleInstance(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tray.lock")
	release, err := Lock(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Lock(path); !errors.Is(err, ErrRunning) {
		t.Fatalf("second lock: %v, want ErrRunning", err)
	}
	release()
	release2, err := Lock(path)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	release2()
	if _, err := Lock(filepath.Join(t.TempDir(), "missing", "x.lock")); err == nil || errors.Is(err, ErrRunning) {
		t.Fatalf("lock in a missing dir: %v", err)
	}
	_ = os.Remove(path)
}
