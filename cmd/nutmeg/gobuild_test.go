package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
)

// The binaries this package's tests run are built once per test process:
// linking the Fyne binary takes about 6 s of CPU, and a dozen tests each
// built their own.
var builds struct {
	mu  sync.Mutex
	dir string
	bin map[string]string // "pkg|tags" → path
}

// goBuild returns pkg (relative to this package) built with tags, once per
// test process. The file is shared: placeBinary puts it where a test needs
// it, never change it in place.
func goBuild(t testing.TB, pkg, tags string) string {
	t.Helper()
	builds.mu.Lock()
	defer builds.mu.Unlock()
	key := pkg + "|" + tags
	if p, ok := builds.bin[key]; ok {
		return p
	}
	if builds.dir == "" {
		dir, err := os.MkdirTemp("", "nutmeg-test-builds-")
		if err != nil {
			t.Fatal(err)
		}
		// Tests run these binaries as nobody too.
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		builds.dir, builds.bin = dir, map[string]string{}
	}
	name := filepath.Base(pkg)
	if pkg == "." {
		name = "nutmeg"
	}
	out := filepath.Join(builds.dir, strconv.Itoa(len(builds.bin)), name)
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	args := []string{"build"}
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	args = append(args, "-o", out, pkg)
	if b, err := exec.Command("go", args...).CombinedOutput(); err != nil {
		t.Fatalf("go %v: %v\n%s", args, err, b)
	}
	builds.bin[key] = out
	return out
}

// placeBinary puts the shared binary src at dst: a hard link, or a copy
// where dst is on another file system.
func placeBinary(t testing.TB, src, dst string) {
	t.Helper()
	if err := os.Link(src, dst); err == nil {
		return
	}
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if builds.dir != "" {
		os.RemoveAll(builds.dir)
	}
	os.Exit(code)
}
