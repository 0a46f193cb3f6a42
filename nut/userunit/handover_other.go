//go:build !linux

package userunit

import (
	"context"
	"os"
)

// Handover: only Linux has a system mode set up by the wizard.
type Handover struct {
	Manager       Manager
	State, Socket string
}

func (h *Handover) Stop(ctx context.Context) error { return nil }

func (h *Handover) Undo(ctx context.Context, start func(context.Context) error) error {
	os.Remove(SystemMarker(h.State))
	return nil
}
