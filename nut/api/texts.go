package api

import (
	"fmt"
	"strings"
	"time"
)

// ShutdownFailedText is the SHUTDOWN_FAILED event's message, the same
// whether NUT's upsmon or nut/monitor ran the command: why it failed (its
// error, and its stderr's last line, which often ends in a full stop of its
// own) and how often it is tried again.
func ShutdownFailedText(why string, every time.Duration) string {
	return fmt.Sprintf("Shutdown failed: %s. Trying again every %s while the UPS is critical.", strings.TrimRight(why, "."), every)
}
