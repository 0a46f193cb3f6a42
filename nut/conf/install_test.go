package conf

import (
	"errors"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// dirFiles returns name → content of the regular files directly in dir.
func dirFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(b)
	}
	return out
}

func filesMap(fs Files) map[string]string {
	m := map[string]string{}
	for _, f := range fs {
		m[f.Name] = f.Content
	}
	return m
}

func render(t *testing.T, c combo) Files {
	t.Helper()
	fs, err := Render(c.settings(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

func TestInstallBackupRestore(t *testing.T) {
	dir := t.TempDir()
	// A stranger's file in the dir is never touched.
	if err := os.WriteFile(filepath.Join(dir, "upssched.conf"), []byte("stranger\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	primary := render(t, combo{primary: true, rmonitor: true})
	secondary := render(t, combo{batt: true})

	// First install: nothing before, so the previous set is empty.
	if err := Install(dir, primary, User); err != nil {
		t.Fatal(err)
	}
	got := dirFiles(t, dir)
	want := filesMap(primary)
	want["upssched.conf"] = "stranger\n"
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("after install: %v", keys(got))
	}
	for _, f := range primary {
		st, err := os.Stat(filepath.Join(dir, f.Name))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", f.Name, st.Mode().Perm())
		}
	}
	if prev := dirFiles(t, filepath.Join(dir, PreviousDir)); len(prev) != 0 {
		t.Fatalf("previous set after first install: %v", keys(prev))
	}
	if names, err := PreviousNames(dir); err != nil || len(names) != 0 {
		t.Fatalf("PreviousNames after first install = %v, %v", names, err)
	}
	if ok, err := Managed(dir); !ok || err != nil {
		t.Fatalf("Managed after install = %v, %v", ok, err)
	}

	// Switch to secondary: the primary-only files go, the copy keeps them.
	if err := Install(dir, secondary, User); err != nil {
		t.Fatal(err)
	}
	want = filesMap(secondary)
	want["upssched.conf"] = "stranger\n"
	if got := dirFiles(t, dir); !reflect.DeepEqual(got, want) {
		t.Fatalf("after second install: %v", keys(got))
	}
	if prev := dirFiles(t, filepath.Join(dir, PreviousDir)); !reflect.DeepEqual(prev, filesMap(primary)) {
		t.Fatalf("previous set = %v, want the primary set", keys(prev))
	}
	if names, err := PreviousNames(dir); err != nil || !reflect.DeepEqual(names, primary.Names()) {
		t.Fatalf("PreviousNames = %v, %v; want %v", names, err, primary.Names())
	}
	for _, e := range mustReadDir(t, dir) {
		if strings.Contains(e, ".nutmeg-") && e != PreviousDir {
			t.Errorf("leftover temp %s", e)
		}
	}

	// Restore brings the primary set back in one call, and is idempotent.
	for i := 0; i < 2; i++ {
		if err := Restore(dir); err != nil {
			t.Fatal(err)
		}
		want = filesMap(primary)
		want["upssched.conf"] = "stranger\n"
		if got := dirFiles(t, dir); !reflect.DeepEqual(got, want) {
			t.Fatalf("after restore %d: %v", i, keys(got))
		}
	}
	st, _ := os.Stat(filepath.Join(dir, UPSDUsers))
	if st.Mode().Perm() != 0o600 {
		t.Errorf("restored upsd.users mode %v", st.Mode().Perm())
	}
}

func TestRestoreToNothing(t *testing.T) {
	dir := t.TempDir()
	if err := Restore(dir); err == nil {
		t.Fatal("Restore without a previous set succeeded")
	}
	if _, err := PreviousNames(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("PreviousNames before any Install: %v", err)
	}
	if err := Install(dir, render(t, combo{primary: true}), User); err != nil {
		t.Fatal(err)
	}
	if err := Restore(dir); err != nil {
		t.Fatal(err)
	}
	if got := dirFiles(t, dir); len(got) != 0 {
		t.Fatalf("restoring the empty previous set left %v", keys(got))
	}
}

// Bad settings or a bad file set write nothing and leave the files and the
// previous set as they were.
func TestInstallBadInputWritesNothing(t *testing.T) {
	dir := t.TempDir()
	first := render(t, combo{primary: true})
	if err := Install(dir, first, User); err != nil {
		t.Fatal(err)
	}
	if err := Install(dir, render(t, combo{primary: true, rmonitor: true}), User); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)

	bad := combo{primary: true, rmonitor: true}.settings()
	bad.RemotePwd = "" // never a default
	fs, err := Render(bad, Options{})
	if err == nil || fs != nil {
		t.Fatalf("Render of bad settings = %v, %v", fs.Names(), err)
	}
	for _, set := range []Files{
		nil,
		{{Name: "../evil", Content: Marker}},
		{{Name: "hosts", Content: Marker}},
		{{Name: UPSConf, Content: "[ups]\n"}}, // not Nutmeg's
		{{Name: UPSConf, Content: Marker}, {Name: UPSConf, Content: Marker}},
	} {
		if err := Install(dir, set, User); err == nil {
			t.Fatalf("Install(%v) succeeded", set.Names())
		}
	}
	if after := snapshot(t, dir); !reflect.DeepEqual(before, after) {
		t.Fatalf("a refused install changed the dir:\n%v\n%v", keys(before), keys(after))
	}

	// A failure while keeping the previous set (a directory where a managed
	// file should be) leaves everything as it was, temp files included.
	bogus := filepath.Join(dir, NutConf)
	os.Remove(bogus)
	if err := os.Mkdir(bogus, 0o700); err != nil {
		t.Fatal(err)
	}
	before = snapshot(t, dir)
	if err := Install(dir, first, User); err == nil {
		t.Fatal("Install succeeded with a directory in place of nut.conf")
	}
	if after := snapshot(t, dir); !reflect.DeepEqual(before, after) {
		t.Fatalf("a failed install changed the dir:\n%v\n%v", keys(before), keys(after))
	}
	for _, e := range mustReadDir(t, dir) {
		if strings.Contains(e, ".nutmeg-") && e != PreviousDir {
			t.Errorf("leftover temp %s", e)
		}
	}

	// A write failure (read-only dir) also leaves everything as it was.
	if os.Geteuid() != 0 {
		if err := os.Chmod(dir, 0o500); err != nil {
			t.Fatal(err)
		}
		err := Install(dir, first, User)
		os.Chmod(dir, 0o700)
		if err == nil {
			t.Fatal("Install into a read-only dir succeeded")
		}
		if after := snapshot(t, dir); !reflect.DeepEqual(before, after) {
			t.Fatal("a failed install changed the dir")
		}
	}
}

// snapshot is every file under dir (relative path → content).
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestInstallSystemMode(t *testing.T) {
	dir := t.TempDir()
	if err := Install(dir, render(t, combo{primary: true}), System); err != nil {
		t.Fatal(err)
	}
	wantGid := -1
	if os.Geteuid() == 0 {
		g, err := user.LookupGroup("nut")
		switch {
		case err == nil:
			wantGid, _ = strconv.Atoi(g.Gid)
		case os.Getenv("CI") == "true":
			// NUT's packages create the group; under CI the check must run.
			t.Fatalf("group nut: %v (install nut-server)", err)
		}
	}
	for _, name := range []string{NutConf, UPSConf, UPSDConf, UPSDUsers, UPSMonConf} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o640 {
			t.Errorf("%s mode %v, want 0640", name, st.Mode().Perm())
		}
		sys := st.Sys().(*syscall.Stat_t)
		if wantGid >= 0 && (int(sys.Gid) != wantGid || sys.Uid != 0) {
			t.Errorf("%s owned %d:%d, want root:nut (0:%d)", name, sys.Uid, sys.Gid, wantGid)
		}
	}
	if wantGid < 0 {
		t.Log("not root or no group nut: ownership not checked")
	}
	// The copy keeps the group, and Restore gives it back.
	if err := Install(dir, render(t, combo{}), System); err != nil {
		t.Fatal(err)
	}
	if err := Restore(dir); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(filepath.Join(dir, UPSDUsers))
	if sys := st.Sys().(*syscall.Stat_t); wantGid >= 0 && int(sys.Gid) != wantGid {
		t.Errorf("restored upsd.users group %d, want %d", sys.Gid, wantGid)
	}
	if st.Mode().Perm() != 0o640 {
		t.Errorf("restored mode %v", st.Mode().Perm())
	}
}

func TestManagedDetectsHandEdits(t *testing.T) {
	dir := t.TempDir()
	if err := Install(dir, render(t, combo{primary: true}), User); err != nil {
		t.Fatal(err)
	}
	if hw, _ := HandWritten(dir); len(hw) != 0 {
		t.Fatalf("HandWritten = %v after Install", hw)
	}
	// Someone replaced upsd.users by hand (the marker is gone).
	os.WriteFile(filepath.Join(dir, UPSDUsers), []byte("[me]\npassword = x\nupsmon primary\n"), 0o600)
	hw, err := HandWritten(dir)
	if err != nil || !reflect.DeepEqual(hw, []string{UPSDUsers}) {
		t.Fatalf("HandWritten = %v, %v", hw, err)
	}
	if ok, _ := Managed(dir); ok {
		t.Fatal("Managed = true with a hand-written upsd.users")
	}
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func mustReadDir(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}
