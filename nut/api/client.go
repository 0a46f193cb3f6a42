package api

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/nutmeg-ups/nutmeg/nut/localsock"
)

// SocketPath is the API socket inside a service state directory.
func SocketPath(stateDir string) string { return filepath.Join(stateDir, SocketName) }

// ErrClosed is returned for requests on a connection that has ended.
var ErrClosed = errors.New("connection to the Nutmeg service closed")

// Client is one connection to the service's socket. It reads the service's
// lines in its own goroutine: "state" and "event" messages go to Messages(),
// a "reply" completes the Do call with the same ID.
type Client struct {
	conn    net.Conn
	msgs    chan Message
	done    chan struct{}
	closing chan struct{}
	once    sync.Once

	wmu sync.Mutex // serialises request lines
	seq atomic.Uint64

	mu      sync.Mutex
	pending map[string]chan Reply
	err     error
}

// Dial connects to the service's socket at path.
func Dial(ctx context.Context, path string) (*Client, error) {
	nc, err := localsock.Dial(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("connect to the Nutmeg service: %w", err)
	}
	c := &Client{conn: nc, msgs: make(chan Message, 16), done: make(chan struct{}), closing: make(chan struct{}), pending: map[string]chan Reply{}}
	go c.read()
	return c, nil
}

// Messages delivers the service's "state" and "event" messages in order. It
// is closed when the connection ends (Err then says why). A reader that
// falls behind holds up the connection, never loses a message.
func (c *Client) Messages() <-chan Message { return c.msgs }

// Done is closed when the connection has ended.
func (c *Client) Done() <-chan struct{} { return c.done }

// Err is why the connection ended (nil while it is up).
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close ends the connection. Messages not yet taken are dropped.
func (c *Client) Close() error {
	c.once.Do(func() { close(c.closing) })
	err := c.conn.Close()
	<-c.done
	return err
}

func (c *Client) read() {
	sc := bufio.NewScanner(c.conn)
	sc.Buffer(make([]byte, 64<<10), 16<<20) // history replies can be large
	var err error
	for sc.Scan() {
		var m Message
		if e := json.Unmarshal(sc.Bytes(), &m); e != nil {
			err = fmt.Errorf("read from the Nutmeg service: bad line: %w", e)
			break
		}
		if m.Type == "reply" && m.Reply != nil {
			c.mu.Lock()
			ch := c.pending[m.Reply.ID]
			delete(c.pending, m.Reply.ID)
			c.mu.Unlock()
			if ch != nil {
				ch <- *m.Reply
			}
			continue
		}
		select {
		case c.msgs <- m:
		case <-c.closing:
		}
	}
	if err == nil {
		err = sc.Err()
	}
	if err == nil || errors.Is(err, net.ErrClosed) {
		err = ErrClosed
	}
	c.conn.Close()
	c.mu.Lock()
	c.err = err
	for id, ch := range c.pending {
		close(ch)
		delete(c.pending, id)
	}
	c.mu.Unlock()
	close(c.msgs)
	close(c.done)
}

// Do sends req (an ID is assigned when empty) and waits for its reply. A
// refused request is a Reply with OK false and a Reason, not an error.
func (c *Client) Do(ctx context.Context, req Request) (Reply, error) {
	if req.ID == "" {
		req.ID = "r" + strconv.FormatUint(c.seq.Add(1), 10)
	}
	line, err := json.Marshal(req)
	if err != nil {
		return Reply{}, fmt.Errorf("encode %s request: %w", req.Op, err)
	}
	ch := make(chan Reply, 1)
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return Reply{}, ErrClosed
	}
	c.pending[req.ID] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pending, req.ID)
		c.mu.Unlock()
	}()

	c.wmu.Lock()
	if dl, ok := ctx.Deadline(); ok {
		c.conn.SetWriteDeadline(dl)
	}
	_, err = c.conn.Write(append(line, '\n'))
	c.wmu.Unlock()
	if err != nil {
		return Reply{}, fmt.Errorf("send %s request: %w", req.Op, err)
	}
	select {
	case r, ok := <-ch:
		if !ok {
			return Reply{}, fmt.Errorf("%s request: %w", req.Op, ErrClosed)
		}
		return r, nil
	case <-ctx.Done():
		return Reply{}, fmt.Errorf("%s request: %w", req.Op, ctx.Err())
	}
}
