package service

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/api"
)

func TestServer(t *testing.T) {
	path := filepath.Join(shortDir(t), api.SocketName)
	n := 0
	srv, err := Listen(path, 0o660, func() api.State { n++; return api.State{UPS: fmt.Sprint("ups", n)} },
		func(_ context.Context, r api.Request) api.Reply {
			if r.Op == "ping" {
				return api.Reply{OK: true}
			}
			return api.Reply{Reason: "no"}
		})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx) }()
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o660 || st.Mode()&os.ModeSocket == 0 {
		t.Fatalf("socket %v %v", st, err)
	}
	if _, err := Listen(path, 0o660, nil, nil); err == nil {
		t.Fatal("a second service took over a live socket")
	}

	// A client gets the state first, then broadcasts in order, and replies.
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	read := func() api.Message {
		t.Helper()
		c.SetReadDeadline(time.Now().Add(3 * time.Second))
		line, err := r.ReadBytes('\n')
		if err != nil {
			t.Fatal(err)
		}
		var m api.Message
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		return m
	}
	if m := read(); m.Type != "state" || m.State.UPS == "" {
		t.Fatalf("first message %+v", m)
	}
	for i := range 3 {
		srv.Broadcast(api.Message{Type: "event", Event: &api.Event{Name: fmt.Sprint("E", i)}})
	}
	for i := range 3 {
		if m := read(); m.Type != "event" || m.Event.Name != fmt.Sprint("E", i) {
			t.Fatalf("message %d: %+v", i, m)
		}
	}
	for _, tt := range []struct {
		line   string
		ok     bool
		id     string
		reason bool
	}{
		{`{"id":"a","op":"ping"}`, true, "a", false},
		{`{"id":"b","op":"other"}`, false, "b", true},
		{`not json`, false, "", true},
	} {
		fmt.Fprintln(c, tt.line)
		m := read()
		if m.Type != "reply" || m.Reply.OK != tt.ok || m.Reply.ID != tt.id || (m.Reply.Reason != "") != tt.reason {
			t.Errorf("%s: %+v", tt.line, m.Reply)
		}
	}

	// A client that never reads is dropped; Broadcast never blocks.
	slow, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	for srv.Clients() < 2 {
		time.Sleep(10 * time.Millisecond)
	}
	big := make([]byte, 64<<10)
	for i := range big {
		big[i] = 'x'
	}
	start := time.Now()
	for range 2000 {
		srv.Broadcast(api.Message{Type: "event", Event: &api.Event{Message: string(big)}})
		if srv.Clients() == 0 {
			break
		}
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("broadcast blocked for %v", time.Since(start))
	}
	if srv.Clients() != 0 {
		t.Fatalf("%d clients still attached; the slow one should be dropped", srv.Clients())
	}
	cancel()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("socket left after close: %v", err)
	}
}

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
