package secret

import (
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/testdir"
)

// checkLoadSave exercises Load and Save on st (the real keyring, or a file).
func checkLoadSave(t *testing.T, st Store) {
	t.Helper()
	in := nut.Settings{MonPwd: "mon-Pw1", RemotePwd: "remote-Pw2", RMonitor: true, EmailNotify: true}
	in.SMTP.Username = "mailer"
	in.SMTP.Password = "smtp-Pw3"

	var out nut.Settings
	out.RMonitor, out.EmailNotify, out.SMTP.Username = true, true, "mailer"
	err := Load(st, &out)
	var me *MissingError
	if !errors.As(err, &me) || !errors.Is(err, ErrNotFound) || len(me.Keys) != 3 {
		t.Fatalf("load from an empty store: want all three missing, got %v", err)
	}
	for _, k := range []string{MonitorPassword, RemotePassword, SMTPPassword} {
		if !strings.Contains(err.Error(), k) {
			t.Errorf("missing error %q does not name %s", err, k)
		}
	}

	if err := Save(st, in); err != nil {
		t.Fatalf("save: %v", err)
	}
	if err := Load(st, &out); err != nil {
		t.Fatalf("load: %v", err)
	}
	if out.MonPwd != in.MonPwd || out.RemotePwd != in.RemotePwd || out.SMTP.Password != in.SMTP.Password {
		t.Fatal("load returned different secrets than saved")
	}

	// Only what the settings need is required.
	if err := st.Delete(RemotePassword); err != nil {
		t.Fatal(err)
	}
	if err := st.Delete(SMTPPassword); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		s       nut.Settings
		missing []string
	}{
		{"plain", nut.Settings{}, nil},
		{"rmonitor", nut.Settings{RMonitor: true}, []string{RemotePassword}},
		{"email-auth", nut.Settings{EmailNotify: true, SMTP: nut.SMTP{Username: "u"}}, []string{SMTPPassword}},
		{"email-noauth", nut.Settings{EmailNotify: true}, nil},
	} {
		err := Load(st, &tc.s)
		if tc.missing == nil {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if !errors.As(err, &me) || strings.Join(me.Keys, ",") != strings.Join(tc.missing, ",") {
			t.Errorf("%s: want missing %v, got %v", tc.name, tc.missing, err)
		}
	}

	// Save leaves secrets alone when the field is empty.
	if err := Save(st, nut.Settings{}); err != nil {
		t.Fatal(err)
	}
	if v, err := st.Get(MonitorPassword); err != nil || v != in.MonPwd {
		t.Fatalf("save of empty fields changed the monitor password (err %v)", err)
	}
}

func TestLoadSaveMemory(t *testing.T) { checkLoadSave(t, &Memory{}) }

func TestLoadSaveFile(t *testing.T) {
	checkLoadSave(t, File(filepath.Join(testdir.New(t), "etc", "nutmeg", "secrets")))
}

func TestResolve(t *testing.T) {
	st := &Memory{}
	if err := st.Set(MonitorPassword, "from-store"); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"NUTMEG_SMTP_PASSWORD": "from-env", "NUTMEG_MONITOR_PASSWORD": ""}
	getenv := func(k string) string { return env[k] }
	for _, tc := range []struct {
		name  string
		key   string
		stdin io.Reader
		store Store
		want  string
		err   error
	}{
		{"stdin-wins", SMTPPassword, strings.NewReader("from-stdin\nrest"), st, "from-stdin", nil},
		{"stdin-crlf", SMTPPassword, strings.NewReader("from-stdin\r\n"), st, "from-stdin", nil},
		{"stdin-no-newline", SMTPPassword, strings.NewReader("x y#z"), st, "x y#z", nil},
		{"stdin-empty", SMTPPassword, strings.NewReader("\n"), st, "", nil},
		{"env-over-store", SMTPPassword, nil, st, "from-env", nil},
		{"empty-env-falls-to-store", MonitorPassword, nil, st, "from-store", nil},
		{"nowhere", RemotePassword, nil, st, "", ErrNotFound},
		{"no-store", RemotePassword, nil, nil, "", ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Resolve(tc.key, ResolveOptions{Stdin: tc.stdin, Getenv: getenv, Store: tc.store})
			if tc.name == "stdin-empty" {
				if err == nil {
					t.Fatal("an empty stdin line was accepted")
				}
				return
			}
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("want %v, got %v", tc.err, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestReadLineConsumesOneLine(t *testing.T) {
	r := strings.NewReader("first\nsecond\n")
	if v, err := ReadLine(r); err != nil || v != "first" {
		t.Fatalf("got %q %v", v, err)
	}
	if v, err := ReadLine(r); err != nil || v != "second" {
		t.Fatalf("second line: got %q %v", v, err)
	}
	if _, err := ReadLine(strings.NewReader(strings.Repeat("a", maxLine+1))); err == nil {
		t.Fatal("an over-long line was accepted")
	}
}

func TestWithEnv(t *testing.T) {
	st := &Memory{}
	_ = st.Set(SMTPPassword, "stored")
	e := WithEnv(st, func(k string) string {
		if k == "NUTMEG_SMTP_PASSWORD" {
			return "env"
		}
		return ""
	})
	if v, _ := e.Get(SMTPPassword); v != "env" {
		t.Fatalf("got %q, want the environment's", v)
	}
	if _, err := e.Get(MonitorPassword); !errors.Is(err, ErrNotFound) {
		t.Fatalf("want ErrNotFound, got %v", err)
	}
	if err := e.Set(MonitorPassword, "m"); err != nil {
		t.Fatal(err)
	}
	if v, _ := st.Get(MonitorPassword); v != "m" {
		t.Fatal("Set did not reach the underlying store")
	}
}

// TestErrorsCarryNoSecret: mapped keyring errors scrub the value even when
// the cause quotes it.
func TestErrorsCarryNoSecret(t *testing.T) {
	const v = "Very$ecret-123"
	for _, cause := range []error{
		errors.New("backend said: " + v),
		errors.New("failed to unlock correct collection '" + v + "'"),
	} {
		err := mapError("set", MonitorPassword, v, cause)
		if strings.Contains(err.Error(), v) {
			t.Fatalf("secret in %q", err)
		}
		if !strings.Contains(err.Error(), MonitorPassword) {
			t.Fatalf("error %q does not name the key", err)
		}
	}
}
