package hw

import "os/exec"

// ownGroup: NUT for Windows' drivers do not fork; the default Cancel (kill
// the process) ends the whole driver.
func ownGroup(*exec.Cmd) {}
