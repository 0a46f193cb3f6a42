// Package serial finds serial ports and asks each, with read-only queries
// and a hard timeout, whether a UPS that speaks a known protocol is on it.
package serial

import "errors"

// ErrInUse means another process holds the port; it is not touched.
var ErrInUse = errors.New("port in use by another process")
