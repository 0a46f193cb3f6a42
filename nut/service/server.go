package service

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"

	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/localsock"
)

// Server is the local API (nut/api): a Unix socket speaking JSON lines. Each
// client gets the current state on connect, then every broadcast message in
// order, and a reply per request. A client that does not keep up (its queue
// of clientQueue messages is full) is disconnected rather than slowing the
// watcher; it can reconnect and gets the state afresh.
type Server struct {
	ln     net.Listener
	path   string
	state  func() api.State
	handle func(context.Context, api.Request) api.Reply

	mu      sync.Mutex
	clients map[*apiConn]struct{}
	closed  bool
	shut    chan struct{} // closed once Close has removed the socket
	wg      sync.WaitGroup
}

const clientQueue = 256

type apiConn struct {
	c    net.Conn
	out  chan api.Message
	once sync.Once
}

func (a *apiConn) close() { a.once.Do(func() { close(a.out); a.c.Close() }) }

// Listen creates the socket at path with mode (0660: the owner and its
// group may connect), replacing a stale one. state gives the current state
// for a new client; handle answers requests (it may block: each client's
// requests run in that client's goroutine).
func Listen(path string, mode os.FileMode, state func() api.State, handle func(context.Context, api.Request) api.Reply) (*Server, error) {
	if c, err := localsock.Dial(context.Background(), path); err == nil {
		c.Close()
		return nil, fmt.Errorf("socket %s: another service is already listening", path)
	}
	ln, err := localsock.Listen(path, mode)
	if err != nil {
		return nil, err
	}
	return &Server{ln: ln, path: path, state: state, handle: handle, clients: map[*apiConn]struct{}{}, shut: make(chan struct{})}, nil
}

// Serve accepts clients until ctx ends or Close, then disconnects them all.
// It returns only after Close has removed the socket, so a service started
// again in the same state dir right after keeps its new socket.
func (s *Server) Serve(ctx context.Context) error {
	go func() { <-ctx.Done(); s.Close() }()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				<-s.shut
				s.wg.Wait()
				return nil
			}
			return fmt.Errorf("accept: %w", err)
		}
		a := &apiConn{c: c, out: make(chan api.Message, clientQueue)}
		st := s.state()
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			continue
		}
		s.clients[a] = struct{}{}
		a.out <- api.Message{Type: "state", State: &st} // first, before any broadcast
		s.wg.Add(2)
		s.mu.Unlock()
		go s.writer(a)
		go s.reader(ctx, a)
	}
}

func (s *Server) writer(a *apiConn) {
	defer s.wg.Done()
	w := bufio.NewWriter(a.c)
	enc := json.NewEncoder(w)
	for m := range a.out {
		if err := enc.Encode(m); err != nil {
			break
		}
		if len(a.out) == 0 {
			if err := w.Flush(); err != nil {
				break
			}
		}
	}
	s.drop(a)
}

func (s *Server) reader(ctx context.Context, a *apiConn) {
	defer s.wg.Done()
	defer s.drop(a)
	sc := bufio.NewScanner(a.c)
	sc.Buffer(make([]byte, 4096), 64<<10)
	for sc.Scan() {
		var req api.Request
		var rep api.Reply
		if err := json.Unmarshal(sc.Bytes(), &req); err != nil {
			rep = api.Reply{OK: false, Reason: "not a JSON request: " + err.Error()}
		} else {
			rep = s.handle(ctx, req)
			rep.ID = req.ID
		}
		if !s.send(a, api.Message{Type: "reply", Reply: &rep}) {
			return
		}
	}
}

func (s *Server) send(a *apiConn, m api.Message) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.clients[a]; !ok {
		return false
	}
	select {
	case a.out <- m:
		return true
	default:
		delete(s.clients, a)
		a.close()
		return false
	}
}

func (s *Server) drop(a *apiConn) {
	s.mu.Lock()
	delete(s.clients, a)
	s.mu.Unlock()
	a.close()
}

// Broadcast queues m for every client.
func (s *Server) Broadcast(m api.Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for a := range s.clients {
		select {
		case a.out <- m:
		default: // too slow: let it reconnect
			delete(s.clients, a)
			a.close()
		}
	}
}

// Clients is the number of connected clients.
func (s *Server) Clients() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.clients)
}

// Close stops listening, disconnects every client and removes the socket.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	for a := range s.clients {
		delete(s.clients, a)
		a.close()
	}
	s.mu.Unlock()
	err := s.ln.Close()
	_ = os.Remove(s.path)
	close(s.shut)
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}
