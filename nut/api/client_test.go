package api

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/localsock"
	"github.com/nutmeg-ups/nutmeg/nut/testdir"
)

// peer is the far end of the socket, speaking the protocol of api.go by
// hand so the client's framing is checked against the documented lines.
type peer struct {
	t    *testing.T
	conn net.Conn
	in   *bufio.Scanner
}

func (p *peer) send(line string) {
	p.t.Helper()
	if _, err := p.conn.Write([]byte(line + "\n")); err != nil {
		p.t.Fatal(err)
	}
}

func (p *peer) recv() Request {
	p.t.Helper()
	if !p.in.Scan() {
		p.t.Fatalf("peer: no request: %v", p.in.Err())
	}
	var r Request
	if err := json.Unmarshal(p.in.Bytes(), &r); err != nil {
		p.t.Fatal(err)
	}
	return r
}

func listen(t *testing.T) (string, <-chan *peer) {
	path := SocketPath(testdir.New(t))
	ln, err := localsock.Listen(path, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan *peer, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		t.Cleanup(func() { c.Close() })
		ch <- &peer{t: t, conn: c, in: bufio.NewScanner(c)}
	}()
	return path, ch
}

func TestClientMessagesAndReplies(t *testing.T) {
	path, peers := listen(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := Dial(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p := <-peers

	p.send(`{"type":"state","state":{"ups":"ups","connected":true,"status":{"ups":"ups","flags":{"OB":true},"charge":64,"runtime":null},"countdown":{"shutdown_at":"2026-11-25T12:00:42Z","can_postpone":true,"postpone_step":300}}}`)
	p.send(`{"type":"event","event":{"name":"ONBATT","ups":"ups","message":"On battery"}}`)
	m := <-c.Messages()
	if m.Type != "state" || m.State == nil || !m.State.Status.Has("OB") || m.State.Status.Charge.V != 64 || m.State.Status.Runtime.OK {
		t.Fatalf("state: %+v", m)
	}
	if m.State.Countdown == nil || !m.State.Countdown.CanPostpone || m.State.Countdown.PostponeStep != 300 {
		t.Fatalf("countdown: %+v", m.State.Countdown)
	}
	if m := <-c.Messages(); m.Type != "event" || m.Event.Name != "ONBATT" {
		t.Fatalf("event: %+v", m)
	}

	// Two requests in flight, answered in reverse order, each reaching its caller.
	var wg sync.WaitGroup
	got := make([]Reply, 2)
	errs := make([]error, 2)
	for i, op := range []string{"postpone", "shutdown-now"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = c.Do(ctx, Request{Op: op})
		}()
	}
	r1, r2 := p.recv(), p.recv()
	if r1.ID == "" || r1.ID == r2.ID {
		t.Fatalf("request ids %q %q", r1.ID, r2.ID)
	}
	for _, r := range []Request{r2, r1} {
		ok := r.Op == "postpone"
		reason := ""
		if !ok {
			reason = "not allowed"
		}
		line, _ := json.Marshal(Message{Type: "reply", Reply: &Reply{ID: r.ID, OK: ok, Reason: reason}})
		p.send(string(line))
	}
	wg.Wait()
	for i, want := range []bool{true, false} {
		if errs[i] != nil || got[i].OK != want {
			t.Fatalf("reply %d: %+v %v", i, got[i], errs[i])
		}
	}
	if got[1].Reason != "not allowed" {
		t.Fatalf("reason %q", got[1].Reason)
	}

	// The service goes away: Messages closes, Err says so, Do fails.
	p.conn.Close()
	for range c.Messages() {
	}
	if !errors.Is(c.Err(), ErrClosed) {
		t.Fatalf("err %v", c.Err())
	}
	if _, err := c.Do(ctx, Request{Op: "postpone"}); err == nil {
		t.Fatal("request on a closed connection succeeded")
	}
}

func TestClientCloseWithUnreadMessages(t *testing.T) {
	path, peers := listen(t)
	c, err := Dial(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	p := <-peers
	for i := 0; i < 100; i++ { // more than the channel holds
		p.send(`{"type":"state","state":{"ups":"ups"}}`)
	}
	time.Sleep(50 * time.Millisecond)
	done := make(chan struct{})
	go func() { c.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close hung on a reader that stopped reading")
	}
}

func TestDialMissingSocket(t *testing.T) {
	_, err := Dial(context.Background(), filepath.Join(testdir.New(t), SocketName))
	if err == nil {
		t.Fatal("dialled a socket that does not exist")
	}
}
