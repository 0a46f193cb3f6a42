//go:build unix

package hw

import (
	"os"
	"os/user"
	"strconv"
	"syscall"
	"testing"
)

// The driver's state dir during a probe is private: never world-writable,
// and owned by nut when the driver drops to it.
func TestVerifyDirIsPrivate(t *testing.T) {
	dir, err := verifyDir()
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	st, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		t.Errorf("verify dir mode %v: others or the group may write it", st.Mode().Perm())
	}
	owner := int(st.Sys().(*syscall.Stat_t).Uid)
	want := os.Geteuid()
	if want == 0 {
		if u, err := user.Lookup("nut"); err == nil {
			want, _ = strconv.Atoi(u.Uid)
		}
	}
	if owner != want {
		t.Errorf("verify dir owned by %d, want %d", owner, want)
	}
}
