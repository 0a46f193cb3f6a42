package service

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/nutmeg-ups/nutmeg/nut/api"
)

// A service stopped and started again in the same state dir (a restart of
// nutmeg.service, or a test's second start) must keep the new socket: the
// old server's clean-up may not run after Serve has returned.
func TestServerRestartKeepsTheNewSocket(t *testing.T) {
	path := filepath.Join(shortDir(t), api.SocketName)
	state := func() api.State { return api.State{} }
	handle := func(context.Context, api.Request) api.Reply { return api.Reply{} }
	for i := range 300 {
		srv, err := Listen(path, 0o660, state, handle)
		if err != nil {
			t.Fatalf("start %d: %v", i, err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		served := make(chan error, 1)
		go func() { served <- srv.Serve(ctx) }()
		cancel()
		if err := <-served; err != nil {
			t.Fatalf("serve %d: %v", i, err)
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Fatalf("stop %d: the socket is still there after Serve returned (%v)", i, err)
		}
	}
}
