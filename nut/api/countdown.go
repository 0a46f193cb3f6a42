package api

import (
	"fmt"
	"time"
)

// Text is the countdown as the tray's menu, its notification and the status
// window show it: "Shutting down in 0:42" at now, "Shutting down now" once
// the time is up, "" for no countdown. Partial seconds round up, so the
// label reaches 0:00 only when the time is up.
func (c *Countdown) Text(now time.Time) string {
	if c == nil {
		return ""
	}
	left := c.ShutdownAt.Sub(now)
	if left <= 0 {
		return "Shutting down now"
	}
	s := int((left + time.Second - 1) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("Shutting down in %d:%02d:%02d", s/3600, s%3600/60, s%60)
	}
	return fmt.Sprintf("Shutting down in %d:%02d", s/60, s%60)
}
