//go:build unix

package conf

import (
	"os"
	"syscall"
)

// ownerGid is the group to give a copy of a file: its own, when we are root
// and it is not root's (otherwise the copy's default group is right).
func ownerGid(st os.FileInfo) int {
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok || os.Geteuid() != 0 || sys.Gid == 0 {
		return -1
	}
	return int(sys.Gid)
}
