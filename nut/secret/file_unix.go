//go:build unix

package secret

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

const oNoFollow = syscall.O_NOFOLLOW

// checkOwner refuses a file that group or others may access or that another
// user owns.
func checkOwner(path string, fi fs.FileInfo) error {
	if p := fi.Mode().Perm(); p&0o077 != 0 {
		return fmt.Errorf("read secrets %s: refusing a file that group or others can access (mode %04o; run chmod 600 %s)", path, p, path)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("read secrets %s: owned by uid %d, not by this user (uid %d)", path, st.Uid, os.Geteuid())
	}
	return nil
}
