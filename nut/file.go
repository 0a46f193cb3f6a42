package nut

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/nutmeg-ups/nutmeg/nut/paths"
)

// SystemPath is the settings file of system mode (the service runs as root).
const SystemPath = "/etc/nutmeg/settings.json"

// DefaultPath is the user's settings file: settings.json in paths.Config
// (on Linux ~/.config/nutmeg/settings.json, on Windows
// %APPDATA%\Nutmeg\settings.json).
func DefaultPath() (string, error) {
	dir, err := paths.Config()
	if err != nil {
		return "", fmt.Errorf("settings path: %w", err)
	}
	return filepath.Join(dir, "settings.json"), nil
}

// ErrNewerVersion is wrapped by Load and Decode when the file was written by
// a newer Nutmeg than this one.
var ErrNewerVersion = errors.New("settings file is newer than this Nutmeg")

// secretKeys are keys that carry secrets: the NAS's API and version-0 files
// may hold them, a current settings file never does.
var secretKeys = []string{"monpwd", "remotepwd", "extrausers"}

// Load reads a settings file, migrating older versions forward, and
// normalizes it. A missing file gives an error wrapping fs.ErrNotExist.
// Secrets are not in the file (the caller gets them from the keyring),
// except that a version-0 file may carry "monpwd": Load returns it in
// MonPwd, and the caller should move it into the keyring and Save, which
// drops it from the file.
func Load(path string) (Settings, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Settings{}, fmt.Errorf("read settings: %w", err)
	}
	s, err := Decode(data)
	if err != nil {
		return Settings{}, fmt.Errorf("settings file %s: %w", path, err)
	}
	return s, nil
}

// Decode parses settings JSON of any known version (see Load). Keys missing
// from the file take their default values.
//
// Version 0 is the format from before the file carried a "version" key: it
// used the NAS's spellings (mode "master"/"slave" in either case, shutdown
// "BATT"/"LOWBATT", the NAS's driver strings, toemail as a list or a
// ';'-separated string, null for nocommwarntime and shutdowncmd) and could
// carry monpwd. Its other keys are those of version 1.
func Decode(data []byte) (Settings, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return Settings{}, fmt.Errorf("not a settings object: %w", err)
	}
	if raw == nil {
		return Settings{}, errors.New("not a settings object: null")
	}
	version := 0
	if v, ok := raw["version"]; ok {
		n, err := jsonInt(v)
		if err != nil {
			return Settings{}, fmt.Errorf(`key "version": %w`, err)
		}
		version = n
	}
	s := storedDefaults()
	switch {
	case version < 0:
		return Settings{}, fmt.Errorf("settings version %d is not valid", version)
	case version == 0:
		if err := decodeV0(raw, &s); err != nil {
			return Settings{}, fmt.Errorf("migrate version 0: %w", err)
		}
	case version == 1:
		// Version 1 kept extrausers in the file: take it into memory; the
		// caller stores it with the secrets and the next Save drops it.
		if v, ok := raw["extrausers"]; ok {
			if err := json.Unmarshal(v, &s.ExtraUsers); err != nil {
				return Settings{}, fmt.Errorf(`key "extrausers": %w`, err)
			}
			delete(raw, "extrausers")
			var err error
			if data, err = json.Marshal(raw); err != nil {
				return Settings{}, err
			}
		}
		if err := decodeV1(data, raw, &s); err != nil {
			return Settings{}, err
		}
	case version == SettingsVersion:
		if err := decodeV1(data, raw, &s); err != nil {
			return Settings{}, err
		}
	default:
		return Settings{}, fmt.Errorf("%w: it is version %d, this Nutmeg reads up to version %d; update Nutmeg", ErrNewerVersion, version, SettingsVersion)
	}
	s.Version = SettingsVersion
	s.Normalize()
	return s, nil
}

// decodeV1 reads versions 1 and 2 strictly: an unknown key is a typo
// that would otherwise be silently ignored.
func decodeV1(data []byte, raw map[string]json.RawMessage, s *Settings) error {
	for _, k := range secretKeys {
		if _, ok := raw[k]; ok {
			if k == "extrausers" {
				return fmt.Errorf("key %q: the extra users hold passwords, so they are not kept in the settings file; remove the key and enter them in Nutmeg's settings (they go into the keyring)", k)
			}
			return fmt.Errorf("key %q: passwords are not kept in the settings file; remove it and store the password with Nutmeg (it goes into the keyring)", k)
		}
	}
	if smtp, ok := raw["smtp"]; ok {
		var m map[string]json.RawMessage
		if json.Unmarshal(smtp, &m) == nil {
			if _, ok := m["password"]; ok {
				return errors.New(`key "smtp.password": passwords are not kept in the settings file; remove it and store the password with Nutmeg (it goes into the keyring)`)
			}
		}
	}
	if w, ok := raw["watch"]; ok {
		var list []map[string]json.RawMessage
		if json.Unmarshal(w, &list) == nil {
			for i, m := range list {
				if _, ok := m["password"]; ok {
					return fmt.Errorf(`key "watch[%d].password": passwords are not kept in the settings file; remove it and store the password with Nutmeg (it goes into the keyring)`, i)
				}
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(s); err != nil {
		return fmt.Errorf("decode settings version %d: %w", SettingsVersion, err)
	}
	return nil
}

// decodeV0 migrates a version-0 file: the NAS-shaped keys through the NAS
// decoder, the rest as version 1 (leniently, as that format was not fixed).
func decodeV0(raw map[string]json.RawMessage, s *Settings) error {
	rest := map[string]json.RawMessage{}
	for k, v := range raw {
		if _, nas := nasKeys[k]; !nas && k != "version" {
			rest[k] = v
		}
	}
	if len(rest) > 0 {
		b, err := json.Marshal(rest)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, s); err != nil {
			return err
		}
	}
	if v, ok := raw["remotepwd"]; ok {
		if err := json.Unmarshal(v, &s.RemotePwd); err != nil {
			return fmt.Errorf(`key "remotepwd": %w`, err)
		}
	}
	return applyNAS(raw, s)
}

// Save writes s to path atomically (a temp file in the same directory,
// fsync, rename), mode 0600, creating the directory (0700) if needed. It
// writes what it is given (callers validate; see SaveValid) but never a
// secret: those fields are not serialised.
func Save(path string, s Settings) error {
	s.Version = SettingsVersion
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encode settings: %w", err)
	}
	data = append(data, '\n')
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	ok = true
	// Make the rename itself durable; a failure here leaves a good file.
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// SaveValid validates s (secrets included) and saves it only if it is
// valid; on a validation error nothing is written and the error is
// ValidationErrors.
func SaveValid(path string, s Settings) error {
	if err := s.Validate(); err != nil {
		return err
	}
	return Save(path, s)
}

// jsonInt reads a JSON integer.
func jsonInt(v json.RawMessage) (int, error) {
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return 0, err
	}
	n, ok := x.(json.Number)
	if !ok {
		return 0, fmt.Errorf("want a whole number, got %s", describe(x))
	}
	i, err := strconv.Atoi(n.String())
	if err != nil {
		return 0, fmt.Errorf("want a whole number, got %s", n)
	}
	return i, nil
}

// describe names a decoded JSON value's type for error messages.
func describe(x any) string {
	switch v := x.(type) {
	case nil:
		return "null"
	case string:
		return "a string " + strconv.Quote(v)
	case bool:
		return "a boolean " + strconv.FormatBool(v)
	case json.Number:
		return "the number " + v.String()
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", x)
}
