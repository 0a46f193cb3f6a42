package api

import (
	"testing"
	"time"
)

func TestCountdownText(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		left time.Duration
		want string
	}{{0, "Shutting down now"}, {-time.Second, "Shutting down now"}, {41*time.Second + time.Millisecond, "Shutting down in 0:42"},
		{42 * time.Second, "Shutting down in 0:42"}, {5 * time.Minute, "Shutting down in 5:00"}, {2 * time.Hour, "Shutting down in 2:00:00"}} {
		if got := (&Countdown{ShutdownAt: t0.Add(tc.left)}).Text(t0); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.left, got, tc.want)
		}
	}
	var none *Countdown
	if got := none.Text(t0); got != "" {
		t.Errorf("no countdown: %q", got)
	}
}
