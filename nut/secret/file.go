package secret

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// DefaultFile is where the system-mode service keeps its secrets: the
// service runs with no one logged in, so there is no keyring to ask.
const DefaultFile = "/etc/nutmeg/secrets"

// ReadFile reads a secrets file: a JSON object of key → value. It refuses a
// file that group or others may access (any of the 0077 bits), one owned by
// another user than the caller, and a symlink, so that a secret never comes
// from a file that someone else could have read or planted.
func ReadFile(path string) (map[string]string, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|oNoFollow, 0)
	if err != nil {
		return nil, fmt.Errorf("read secrets: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read secrets: %w", err)
	}
	if err := checkPerm(path, fi); err != nil {
		return nil, err
	}
	m := map[string]string{}
	if err := json.NewDecoder(f).Decode(&m); err != nil {
		// json's messages quote at most a character or a type, never a value,
		// but say only where, to be safe.
		return nil, fmt.Errorf("read secrets %s: not a JSON object of strings", path)
	}
	return m, nil
}

func checkPerm(path string, fi fs.FileInfo) error {
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("read secrets %s: not a regular file", path)
	}
	return checkOwner(path, fi)
}

// WriteFile replaces the secrets file atomically (temp file 0600 in the same
// directory, fsync, rename, fsync of the directory). The directory is created
// (0755) if needed; the file itself is always 0600.
func WriteFile(path string, m map[string]string) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("write secrets: %w", err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write secrets: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".secrets-*")
	if err != nil {
		return fmt.Errorf("write secrets: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("write secrets: %w", err)
	}
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("write secrets: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write secrets: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write secrets: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write secrets: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// File returns a Store backed by a secrets file (ReadFile/WriteFile), for the
// system-mode service. A missing file holds no secrets.
func File(path string) Store { return &fileStore{path: path} }

type fileStore struct {
	mu   sync.Mutex
	path string
}

func (s *fileStore) load() (map[string]string, error) {
	m, err := ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}, nil
	}
	return m, err
}

func (s *fileStore) Get(key string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.load()
	if err != nil {
		return "", err
	}
	v, ok := m[key]
	if !ok {
		return "", fmt.Errorf("get %s from %s: %w", key, s.path, ErrNotFound)
	}
	return v, nil
}

func (s *fileStore) Set(key, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.load()
	if err != nil {
		return err
	}
	m[key] = value
	return WriteFile(s.path, m)
}

func (s *fileStore) Delete(key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.load()
	if err != nil {
		return err
	}
	if _, ok := m[key]; !ok {
		return fmt.Errorf("delete %s from %s: %w", key, s.path, ErrNotFound)
	}
	delete(m, key)
	return WriteFile(s.path, m)
}
