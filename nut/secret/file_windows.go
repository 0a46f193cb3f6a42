package secret

import (
	"fmt"
	"io/fs"

	"golang.org/x/sys/windows"
)

// Windows has no O_NOFOLLOW; os.OpenFile does not follow a symlink to a
// directory, and the owner check below covers a planted file.
const oNoFollow = 0

// checkOwner refuses a file that another account owns. Mode bits mean
// nothing on Windows (the ACL inherited from the user's profile, or the
// all-users service's private directory, keeps others out), so they are
// not checked. SYSTEM and Administrators may own it too: an administrator
// writes the all-users service's file, which LocalSystem reads.
func checkOwner(path string, _ fs.FileInfo) error {
	sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT, windows.OWNER_SECURITY_INFORMATION)
	if err != nil {
		return fmt.Errorf("read secrets %s: owner: %w", path, err)
	}
	owner, _, err := sd.Owner()
	if err != nil {
		return fmt.Errorf("read secrets %s: owner: %w", path, err)
	}
	tu, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return fmt.Errorf("read secrets %s: this user: %w", path, err)
	}
	for _, w := range []windows.WELL_KNOWN_SID_TYPE{windows.WinLocalSystemSid, windows.WinBuiltinAdministratorsSid} {
		if sid, err := windows.CreateWellKnownSid(w); err == nil && owner.Equals(sid) {
			return nil
		}
	}
	if !owner.Equals(tu.User.Sid) {
		return fmt.Errorf("read secrets %s: owned by %s, not by this user (%s)", path, owner, tu.User.Sid)
	}
	return nil
}
