package conf

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// Mode says who reads the installed files.
type Mode int

const (
	// User mode: Nutmeg's supervisor runs NUT as the user; files are 0600.
	User Mode = iota
	// System mode: the platform's NUT units read the files as the user nut;
	// files are root:nut 0640 (the group only when running as root and the
	// group nut exists).
	System
)

// PreviousDir is the directory inside the config dir that keeps the set of
// managed files as it was before the last Install.
const PreviousDir = ".nutmeg-previous"

// OriginalDir keeps the set of managed files as it was before Nutmeg's
// first Install into the dir (the stock files of Debian's nut-server, or a
// hand-written setup imported with --force). Later Installs never touch it;
// the package's purge puts it back, so removing Nutmeg leaves /etc/nut as
// it found it.
const OriginalDir = ".nutmeg-original"

func (m Mode) perm() os.FileMode {
	if m == System {
		return 0o640
	}
	return 0o600
}

// Install replaces the managed files in dir with f, atomically per file:
// every new file is written to a temp file and fsynced first (an error there
// leaves dir untouched), then the current managed files are copied to
// dir/.nutmeg-previous (replacing the older copy), then the temp files are
// renamed over the old ones, managed files that f does not hold are removed
// (a secondary needs no ups.conf or upsd.users; the copy keeps them), and
// dir is fsynced. Only ManagedNames are touched. Every file must carry
// Marker, so what Install writes is always recognised as Nutmeg's.
func Install(dir string, f Files, m Mode) error {
	if len(f) == 0 {
		return errors.New("install: no files")
	}
	seen := map[string]bool{}
	for _, file := range f {
		if !isManaged(file.Name) {
			return fmt.Errorf("install: %q is not a file Nutmeg manages", file.Name)
		}
		if seen[file.Name] {
			return fmt.Errorf("install: %s twice", file.Name)
		}
		seen[file.Name] = true
		if !strings.HasPrefix(file.Content, Marker) {
			return fmt.Errorf("install: %s was not rendered by Nutmeg", file.Name)
		}
	}
	dirPerm := os.FileMode(0o700)
	if m == System {
		dirPerm = 0o755
	}
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return fmt.Errorf("install: %w", err)
	}
	gid := -1
	if m == System {
		gid = nutGroup()
	}

	temps := map[string]string{}
	cleanup := func() {
		for _, t := range temps {
			os.Remove(t)
		}
	}
	for _, file := range f {
		t, err := writeTemp(dir, file.Name, []byte(file.Content), m.perm(), gid)
		if err != nil {
			cleanup()
			return fmt.Errorf("install %s: %w", file.Name, err)
		}
		temps[file.Name] = t
	}
	if m == System {
		if err := keepOriginal(dir); err != nil {
			cleanup()
			return fmt.Errorf("install: keep the original files: %w", err)
		}
	}
	if err := backup(dir); err != nil {
		cleanup()
		return fmt.Errorf("install: keep the previous files: %w", err)
	}
	for _, file := range f {
		if err := os.Rename(temps[file.Name], filepath.Join(dir, file.Name)); err != nil {
			cleanup()
			return fmt.Errorf("install %s: %w (Restore puts the previous set back)", file.Name, err)
		}
		delete(temps, file.Name)
	}
	for _, name := range ManagedNames {
		if !seen[name] {
			if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("install: remove %s: %w", name, err)
			}
		}
	}
	return syncDir(dir)
}

// Restore puts back the set of managed files that the last Install
// replaced: files of that set are written back (same mode and owner), and
// managed files that were not part of it are removed.
func Restore(dir string) error {
	prev := filepath.Join(dir, PreviousDir)
	if _, err := os.Stat(prev); err != nil {
		return fmt.Errorf("restore: no previous set in %s: %w", dir, err)
	}
	for _, name := range ManagedNames {
		src := filepath.Join(prev, name)
		dst := filepath.Join(dir, name)
		b, st, err := readWithStat(src)
		if errors.Is(err, fs.ErrNotExist) {
			if err := os.Remove(dst); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("restore: remove %s: %w", name, err)
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("restore %s: %w", name, err)
		}
		t, err := writeTemp(dir, name, b, st.Mode().Perm(), ownerGid(st))
		if err != nil {
			return fmt.Errorf("restore %s: %w", name, err)
		}
		if err := os.Rename(t, dst); err != nil {
			os.Remove(t)
			return fmt.Errorf("restore %s: %w", name, err)
		}
	}
	return syncDir(dir)
}

// PreviousNames lists the files of the set that the last Install replaced
// (empty when there were none; an error wrapping fs.ErrNotExist when Install
// never ran in dir). Restore brings back exactly these, so a caller can tell
// whether there is an earlier setup to fall back to.
func PreviousNames(dir string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(dir, PreviousDir))
	if err != nil {
		return nil, fmt.Errorf("previous set: %w", err)
	}
	var names []string
	for _, e := range entries {
		if isManaged(e.Name()) && e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// keepOriginal copies the managed files now in dir to OriginalDir, once:
// when it is there already, or when the files now in dir are Nutmeg's own
// (written before OriginalDir existed), it does nothing.
func keepOriginal(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, OriginalDir)); err == nil {
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	for _, name := range ManagedNames {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err == nil && strings.HasPrefix(string(b), Marker) {
			return nil
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return copySet(dir, OriginalDir)
}

// backup copies the managed files now in dir to PreviousDir, replacing the
// older copy only once the new one is complete.
func backup(dir string) error { return copySet(dir, PreviousDir) }

// copySet copies the managed files now in dir (mode and group kept) to
// dir/sub, replacing an older copy only once the new one is complete.
func copySet(dir, sub string) (err error) {
	prev := filepath.Join(dir, sub)
	next, old := prev+".new", prev+".old"
	os.RemoveAll(next)
	os.RemoveAll(old)
	if err := os.Mkdir(next, 0o700); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(next)
		}
	}()
	for _, name := range ManagedNames {
		b, st, err := readWithStat(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		t, err := writeTemp(next, name, b, st.Mode().Perm(), ownerGid(st))
		if err != nil {
			return err
		}
		if err := os.Rename(t, filepath.Join(next, name)); err != nil {
			return err
		}
	}
	if err := syncDir(next); err != nil {
		return err
	}
	if err := os.Rename(prev, old); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.Rename(next, prev); err != nil {
		return err
	}
	os.RemoveAll(old)
	return syncDir(dir)
}

func isManaged(name string) bool {
	for _, n := range ManagedNames {
		if n == name {
			return true
		}
	}
	return false
}

// writeTemp writes b to a new temp file next to name in dir, with perm and,
// when gid >= 0, group gid; fsynced and closed. It returns the temp path.
func writeTemp(dir, name string, b []byte, perm os.FileMode, gid int) (string, error) {
	f, err := os.CreateTemp(dir, "."+name+".nutmeg-*")
	if err != nil {
		return "", err
	}
	t := f.Name()
	fail := func(err error) (string, error) {
		f.Close()
		os.Remove(t)
		return "", err
	}
	if err := f.Chmod(perm); err != nil {
		return fail(err)
	}
	if gid >= 0 {
		if err := f.Chown(0, gid); err != nil {
			return fail(err)
		}
	}
	if _, err := f.Write(b); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(t)
		return "", err
	}
	return t, nil
}

func readWithStat(path string) ([]byte, os.FileInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	b, err := os.ReadFile(path)
	return b, st, err
}

// nutGroup is the gid of the group nut when we are root and it exists, else -1.
func nutGroup() int {
	if os.Geteuid() != 0 {
		return -1
	}
	g, err := user.LookupGroup("nut")
	if err != nil {
		return -1
	}
	gid, err := strconv.Atoi(g.Gid)
	if err != nil {
		return -1
	}
	return gid
}

func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		// Windows cannot flush a directory (FlushFileBuffers on its handle
		// is "Access denied"); NTFS journals the rename itself.
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
