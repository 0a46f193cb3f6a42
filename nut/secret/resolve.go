package secret

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/nutmeg-ups/nutmeg/nut"
)

// EnvVar is the environment variable that may carry key for automation
// (design §3): NUTMEG_MONITOR_PASSWORD, NUTMEG_SMTP_PASSWORD,
// NUTMEG_REMOTE_MONITOR_PASSWORD and NUTMEG_EXTRA_USERS. "" for an unknown
// key.
func EnvVar(key string) string {
	switch key {
	case MonitorPassword:
		return "NUTMEG_MONITOR_PASSWORD"
	case RemotePassword:
		return "NUTMEG_REMOTE_MONITOR_PASSWORD"
	case SMTPPassword:
		return "NUTMEG_SMTP_PASSWORD"
	case ExtraUsers:
		return "NUTMEG_EXTRA_USERS"
	}
	return ""
}

// ResolveOptions says where Resolve looks, in this order: Stdin, the
// environment, Store. A nil field is skipped.
type ResolveOptions struct {
	// Stdin, when set (--password-stdin), supplies the secret as its first
	// line; nothing else is consulted. Only one secret can come from stdin.
	Stdin io.Reader
	// Getenv reads the environment; nil means os.Getenv. An empty variable
	// counts as unset.
	Getenv func(string) string
	// Store is the keyring (or a file store in system mode).
	Store Store
}

// Resolve finds the secret key for a command: stdin (if asked), then the
// environment variable EnvVar(key), then the store. It fails with an error
// matching ErrNotFound when no source has it.
func Resolve(key string, o ResolveOptions) (string, error) {
	if o.Stdin != nil {
		v, err := ReadLine(o.Stdin)
		if err != nil {
			return "", fmt.Errorf("%s from stdin: %w", Describe(key), err)
		}
		return v, nil
	}
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	if name := EnvVar(key); name != "" {
		if v := getenv(name); v != "" {
			return v, nil
		}
	}
	if o.Store == nil {
		return "", fmt.Errorf("%s: %w (set %s or use --password-stdin)", Describe(key), ErrNotFound, EnvVar(key))
	}
	return o.Store.Get(key)
}

// maxLine bounds a secret read from stdin.
const maxLine = 4096

// ReadLine reads one line (without its "\n" or "\r\n") byte by byte, so that
// nothing after it is consumed. An empty line is an error.
func ReadLine(r io.Reader) (string, error) {
	var buf []byte
	b := make([]byte, 1)
	for {
		n, err := r.Read(b)
		if n == 1 {
			if b[0] == '\n' {
				break
			}
			buf = append(buf, b[0])
			if len(buf) > maxLine {
				return "", fmt.Errorf("line longer than %d bytes", maxLine)
			}
			continue
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("read: %w", err)
		}
	}
	if len(buf) > 0 && buf[len(buf)-1] == '\r' {
		buf = buf[:len(buf)-1]
	}
	if len(buf) == 0 {
		return "", errors.New("empty line: expected the password on the first line")
	}
	return string(buf), nil
}

// WithEnv returns a Store whose Get prefers the environment variable of a key
// (EnvVar) over st; Set and Delete go to st. getenv nil means os.Getenv.
func WithEnv(st Store, getenv func(string) string) Store {
	if getenv == nil {
		getenv = os.Getenv
	}
	return envStore{st, getenv}
}

type envStore struct {
	Store
	getenv func(string) string
}

func (e envStore) Get(key string) (string, error) {
	return Resolve(key, ResolveOptions{Getenv: e.getenv, Store: e.Store})
}

// MissingError reports the secrets that Load needed and did not find. It
// matches ErrNotFound.
type MissingError struct{ Keys []string }

func (e *MissingError) Error() string {
	s := "missing secrets:"
	for i, k := range e.Keys {
		if i > 0 {
			s += ","
		}
		s += " " + Describe(k) + " (" + k + ")"
	}
	return s + " (not in the keyring; enter them in the settings or set " + envList(e.Keys) + ")"
}

func (e *MissingError) Is(target error) bool { return target == ErrNotFound }

func envList(keys []string) string {
	s := ""
	for i, k := range keys {
		if i > 0 {
			s += " / "
		}
		s += EnvVar(k)
	}
	return s
}

// Load fills the secrets that s needs from st: MonPwd always, RemotePwd when
// RMonitor is on, SMTP.Password when EmailNotify is on and an SMTP username is
// set (a server without authentication needs none). Every missing one is
// named in a *MissingError; any other failure (ErrUnavailable, ErrLocked,
// ErrTimeout) is returned at once.
func Load(st Store, s *nut.Settings) error {
	type want struct {
		key string
		dst *string
	}
	wants := []want{{MonitorPassword, &s.MonPwd}}
	if s.RMonitor {
		wants = append(wants, want{RemotePassword, &s.RemotePwd})
	}
	if s.EmailNotify && s.SMTP.Username != "" {
		wants = append(wants, want{SMTPPassword, &s.SMTP.Password})
	}
	var missing []string
	for _, w := range wants {
		v, err := st.Get(w.key)
		switch {
		case errors.Is(err, ErrNotFound):
			missing = append(missing, w.key)
		case err != nil:
			return fmt.Errorf("load %s: %w", Describe(w.key), err)
		default:
			*w.dst = v
		}
	}
	if len(missing) > 0 {
		return &MissingError{Keys: missing}
	}
	return nil
}

// LoadExtraUsers fills s.ExtraUsers from st; having none is fine. A value
// already in s came from a version-1 settings file and stands until it is
// saved into st. It is not part of Load: the extra users are optional, and
// a keyring that cannot be read must not keep the service (and so the
// shutdown) from running; callers say so and go on without them.
func LoadExtraUsers(st Store, s *nut.Settings) error {
	if s.ExtraUsers != "" || st == nil {
		return nil
	}
	v, err := Resolve(ExtraUsers, ResolveOptions{Store: st})
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return fmt.Errorf("load %s: %w", Describe(ExtraUsers), err)
	default:
		s.ExtraUsers = v
	}
	return nil
}

// Save stores the non-empty secrets of s in st. Empty passwords are left
// alone (not deleted): an empty field means "not entered", not "remove".
// The extra users are different: empty means none, and the stored text goes.
func Save(st Store, s nut.Settings) error {
	if s.ExtraUsers == "" {
		if err := st.Delete(ExtraUsers); err != nil && !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("remove %s: %w", Describe(ExtraUsers), err)
		}
	} else if err := st.Set(ExtraUsers, s.ExtraUsers); err != nil {
		return fmt.Errorf("save %s: %w", Describe(ExtraUsers), err)
	}
	for _, kv := range []struct{ key, value string }{
		{MonitorPassword, s.MonPwd},
		{RemotePassword, s.RemotePwd},
		{SMTPPassword, s.SMTP.Password},
	} {
		if kv.value == "" {
			continue
		}
		if err := st.Set(kv.key, kv.value); err != nil {
			return fmt.Errorf("save %s: %w", Describe(kv.key), err)
		}
	}
	return nil
}
