package main

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/nutmeg-ups/nutmeg/nut/filelock"
)

// The binaries this package's tests run are built once per test process:
// linking the Fyne binary takes about 6 s of CPU, and a dozen tests each
// built their own. The shards of one run (.ci/own-run-nut.sh) share one
// directory, NUTMEG_TEST_BUILDS, where the first shard to need a binary
// builds it under a file lock and the others take it.
var builds struct {
	mu  sync.Mutex
	dir string
	own bool              // dir is this process's: removed at the end
	bin map[string]string // "pkg|tags" → path
}

// goBuild returns pkg (relative to this package) built with tags, once per
// test process or run. The file is shared: placeBinary puts it where a test
// needs it, never change it in place.
func goBuild(t testing.TB, pkg, tags string) string {
	t.Helper()
	builds.mu.Lock()
	defer builds.mu.Unlock()
	key := pkg + "|" + tags
	if p, ok := builds.bin[key]; ok {
		return p
	}
	if builds.dir == "" {
		dir := os.Getenv("NUTMEG_TEST_BUILDS")
		if dir == "" {
			d, err := os.MkdirTemp("", "nutmeg-test-builds-")
			if err != nil {
				t.Fatal(err)
			}
			dir, builds.own = d, true
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
	sum := sha256.Sum256([]byte(key))
	out := filepath.Join(builds.dir, hex.EncodeToString(sum[:6]), name)
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	lock, err := os.OpenFile(out+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := filelock.Lock(lock); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(out); err != nil {
		args := []string{"build"}
		if tags != "" {
			args = append(args, "-tags", tags)
		}
		args = append(args, "-o", out+".part", pkg)
		if b, err := exec.Command("go", args...).CombinedOutput(); err != nil {
			t.Fatalf("go %v: %v\n%s", args, err, b)
		}
		if err := os.Rename(out+".part", out); err != nil {
			t.Fatal(err)
		}
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
	if builds.own {
		os.RemoveAll(builds.dir)
	}
	os.Exit(code)
}
