//go:build !windows

package paths

import "errors"

func programData() (string, error) { return "", errors.New("no %ProgramData% outside Windows") }
