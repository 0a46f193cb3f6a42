package paths

import "golang.org/x/sys/windows"

// programData is the all-users application data folder (C:\ProgramData).
func programData() (string, error) {
	return windows.KnownFolderPath(windows.FOLDERID_ProgramData, 0)
}
