package service

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/atomicfile"
)

// ShutdownStateName is the file in the state directory that carries what the
// shutdown depends on across a restart of the service: the UPS's last known
// flags (so a restart during an outage is not a new power failure) and the
// countdown (so it resumes with the deadline the tray showed).
const ShutdownStateName = "shutdown.json"

// ShutdownState is the content of ShutdownStateName.
type ShutdownState struct {
	UPS string `json:"ups"`
	// Flags are the last known ups.status flags; empty before the first poll.
	Flags     []string `json:"flags,omitempty"`
	Countdown *Saved   `json:"countdown,omitempty"`
	// Cancelled is the countdown that a return of power cancelled less than
	// FlapWindow ago.
	Cancelled   *Saved    `json:"cancelled,omitempty"`
	CancelledAt time.Time `json:"cancelled_at,omitzero"`
	// Failed says why the last shutdown did not happen ("" when none
	// failed); it stays until power returns.
	Failed string `json:"failed,omitempty"`
}

// LoadShutdownState reads the state file; a missing one is an empty state.
func LoadShutdownState(dir string) (ShutdownState, error) {
	var st ShutdownState
	b, err := os.ReadFile(filepath.Join(dir, ShutdownStateName))
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("read shutdown state: %w", err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return ShutdownState{}, fmt.Errorf("read shutdown state %s: %w", filepath.Join(dir, ShutdownStateName), err)
	}
	return st, nil
}

// saveShutdownState replaces the state file atomically.
func saveShutdownState(dir string, st ShutdownState) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("encode shutdown state: %w", err)
	}
	return atomicfile.Write(filepath.Join(dir, ShutdownStateName), append(b, '\n'), 0o600)
}

func (a ShutdownState) equal(b ShutdownState) bool {
	return a.UPS == b.UPS && slices.Equal(a.Flags, b.Flags) && savedEqual(a.Countdown, b.Countdown) &&
		savedEqual(a.Cancelled, b.Cancelled) && a.CancelledAt.Equal(b.CancelledAt) && a.Failed == b.Failed
}

func savedEqual(a, b *Saved) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Reason == b.Reason && a.Started.Equal(b.Started) && a.ShutdownAt.Equal(b.ShutdownAt) &&
		a.Postponed == b.Postponed && a.LowBatt == b.LowBatt && a.FSDSent == b.FSDSent
}

func flagList(m map[string]bool) []string {
	var l []string
	for f, on := range m {
		if on {
			l = append(l, f)
		}
	}
	slices.Sort(l)
	return l
}

func flagSet(l []string) map[string]bool {
	m := make(map[string]bool, len(l))
	for _, f := range l {
		m[f] = true
	}
	return m
}
