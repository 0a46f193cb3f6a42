package conf

import "os"

// ownerGid: Windows has no file groups; the copy inherits the directory's
// ACL, as the original did.
func ownerGid(os.FileInfo) int { return -1 }
