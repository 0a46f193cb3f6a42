package api

import (
	"testing"
	"time"
)

// One full stop after the reason, whether or not the command's stderr
// ended its line with one ("Interactive authentication required." is
// systemctl's).
func TestShutdownFailedText(t *testing.T) {
	for _, tc := range []struct {
		why  string
		want string
	}{
		{"the shutdown command failed (exit status 1): Interactive authentication required.",
			"Shutdown failed: the shutdown command failed (exit status 1): Interactive authentication required. Trying again every 30s while the UPS is critical."},
		{"the shutdown command failed (exit status 3): permission denied",
			"Shutdown failed: the shutdown command failed (exit status 3): permission denied. Trying again every 30s while the UPS is critical."},
	} {
		if got := ShutdownFailedText(tc.why, 30*time.Second); got != tc.want {
			t.Errorf("got  %q\nwant %q", got, tc.want)
		}
	}
}
