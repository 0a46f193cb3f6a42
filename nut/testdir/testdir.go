// Package testdir gives tests a temporary directory that is removed with
// plain os.Remove calls. t.TempDir's cleanup uses os.RemoveAll, which since
// Go 1.25 deletes through NtSetInformationFile(FileDispositionInformationEx)
// on Windows; Wine 8 answers that with an error that Go does not take for
// "unsupported" ("unlinkat …: Invalid function"), so every test that used
// t.TempDir failed under Wine after passing. Real Windows is not affected.
package testdir

import (
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// New makes a directory removed (with everything in it) when t ends.
func New(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "nutmeg-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := Remove(dir); err != nil {
			t.Errorf("remove %s: %v", dir, err)
		}
	})
	return dir
}

// Remove deletes dir and everything below it, deepest first.
func Remove(dir string) error {
	var paths []string
	err := filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err == nil {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Sort(sort.Reverse(sort.StringSlice(paths)))
	for _, p := range paths {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}
