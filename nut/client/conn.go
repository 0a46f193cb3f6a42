package client

// Why this file speaks NUT's protocol itself instead of going through
// github.com/robbiet480/go.nut's Client: go.nut keeps its connection in an
// unexported *net.TCPConn that only its Connect fills, and Connect dials with
// no timeout (an unreachable host hangs for the kernel's SYN timeout, over a
// minute) and no context, so a Client cannot be built around a conn dialled
// here. Its ReadResponse also makes a fresh bufio.Reader per answer (bytes
// read ahead are lost), fixes the deadline at 2 s, and on an "ERR" answer to
// a LIST keeps reading until the deadline because it waits for the END line;
// its errors carry no code to test. The protocol is a handful of line
// commands, so the minimal client below is smaller than working around those.
// go.nut is still used by the tests as an independent reader of the same upsd
// to cross-check what Poll parses.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultPort is upsd's port.
const DefaultPort = 3493

// DefaultTimeout bounds the dial and every round trip when Options.Timeout is 0.
const DefaultTimeout = 5 * time.Second

// maxListLines bounds one LIST answer, so a broken server cannot make us
// buffer without end. Real UPSes report a few hundred variables at most.
const maxListLines = 10000

// Options tune a connection.
type Options struct {
	// Timeout bounds the TCP dial and each command's round trip (write plus
	// the whole answer). A dead peer (say, after the machine slept) fails a
	// command within Timeout instead of hanging. 0 means DefaultTimeout.
	Timeout time.Duration
	// Dialer makes the TCP connection (nil: net.Dialer). Tests dial from
	// inside a network namespace through it, and the server scan records
	// every address it contacts.
	Dialer DialFunc
}

// DialFunc opens a connection, like net.Dialer.DialContext.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

func (o Options) timeout() time.Duration {
	if o.Timeout <= 0 {
		return DefaultTimeout
	}
	return o.Timeout
}

// Conn is one session with upsd. Its methods are safe for concurrent use
// (one command at a time). After an I/O or framing error the Conn is
// broken: every later call fails with that error, and the caller should
// Close it and dial again. A *ProtocolError does not break it.
type Conn struct {
	addr    string
	nc      net.Conn
	r       *bufio.Reader
	timeout time.Duration

	mu     sync.Mutex
	broken error
	sent   int // command lines sent, for tests and diagnostics
}

// NormalizeAddr turns "host", "host:port", "[v6]:port" or a bare IPv6
// address into host:port, with DefaultPort when none is given.
func NormalizeAddr(addr string) (string, error) {
	addr = strings.TrimSpace(addr)
	if addr == "" {
		return "", errors.New("empty server address")
	}
	if host, port, err := net.SplitHostPort(addr); err == nil {
		if host == "" {
			return "", fmt.Errorf("server address %q has no host", addr)
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("server address %q: port must be 1-65535", addr)
		}
		return net.JoinHostPort(host, port), nil
	}
	host := strings.TrimSuffix(strings.TrimPrefix(addr, "["), "]")
	if strings.ContainsAny(host, "[]/ ") {
		return "", fmt.Errorf("server address %q is not HOST[:PORT]", addr)
	}
	return net.JoinHostPort(host, strconv.Itoa(DefaultPort)), nil
}

// Dial connects to upsd at addr (HOST[:PORT], port 3493 by default). ctx and
// opts.Timeout bound the dial; ctx does not govern the session after that.
func Dial(ctx context.Context, addr string, opts Options) (*Conn, error) {
	hp, err := NormalizeAddr(addr)
	if err != nil {
		return nil, err
	}
	dial := opts.Dialer
	if dial == nil {
		d := net.Dialer{}
		dial = d.DialContext
	}
	dctx, cancel := context.WithTimeout(ctx, opts.timeout())
	defer cancel()
	nc, err := dial(dctx, "tcp", hp)
	if err != nil {
		return nil, fmt.Errorf("connect to upsd at %s: %w", hp, err)
	}
	return &Conn{addr: hp, nc: nc, r: bufio.NewReaderSize(newAckReader(nc), 4096), timeout: opts.timeout()}, nil
}

// Addr is the server's host:port.
func (c *Conn) Addr() string { return c.addr }

// Close ends the session. It may be called while another goroutine waits in
// a command, which then fails at once.
func (c *Conn) Close() error { return c.nc.Close() }

// Sent is the number of command lines written on this connection so far.
func (c *Conn) Sent() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sent
}

// validWord rejects names that would not be one plain token on the wire
// (and so could smuggle a second command).
func validWord(what, s string) error {
	if s == "" {
		return fmt.Errorf("empty %s", what)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '"' || c == '\\' || c == '#' {
			return fmt.Errorf("invalid %s %q", what, s)
		}
	}
	return nil
}

// roundTrip sends line and reads the answer: one line, or for LIST the lines
// between BEGIN and END. label names the command in errors (it never holds
// a password).
func (c *Conn) roundTrip(line, label string, list bool) ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.broken != nil {
		return nil, fmt.Errorf("%s: connection already failed: %w", label, c.broken)
	}
	lines, err := c.exchange(line, label, list)
	if err != nil {
		var pe *ProtocolError
		if !errors.As(err, &pe) {
			// The stream's position is unknown now: never read from it again.
			c.broken = err
			_ = c.nc.Close()
		}
		return nil, err
	}
	return lines, nil
}

func (c *Conn) exchange(line, label string, list bool) ([]string, error) {
	if err := c.nc.SetDeadline(time.Now().Add(c.timeout)); err != nil {
		return nil, fmt.Errorf("%s: %w", label, err)
	}
	c.sent++
	if _, err := c.nc.Write([]byte(line + "\n")); err != nil {
		return nil, fmt.Errorf("%s: send to %s: %w", label, c.addr, err)
	}
	first, err := c.readLine(label)
	if err != nil {
		return nil, err
	}
	if err := parseErr(first, label); err != nil {
		return nil, err
	}
	if !list {
		return []string{first}, nil
	}
	// line is "LIST <what>": the answer is BEGIN LIST <what> ... END LIST <what>.
	what := strings.TrimPrefix(line, "LIST ")
	if first != "BEGIN LIST "+what {
		return nil, fmt.Errorf("%s: unexpected answer %q", label, first)
	}
	end := "END LIST " + what
	var lines []string
	for {
		l, err := c.readLine(label)
		if err != nil {
			return nil, err
		}
		if l == end {
			return lines, nil
		}
		if len(lines) >= maxListLines {
			return nil, fmt.Errorf("%s: answer longer than %d lines", label, maxListLines)
		}
		lines = append(lines, l)
	}
}

func (c *Conn) readLine(label string) (string, error) {
	b, err := c.r.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return "", fmt.Errorf("%s: answer line from %s too long", label, c.addr)
		}
		return "", fmt.Errorf("%s: read from %s: %w", label, c.addr, err)
	}
	b = b[:len(b)-1]
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return string(b), nil
}

// command sends a one-line command and returns upsd's one-line answer.
func (c *Conn) command(line, label string) (string, error) {
	ans, err := c.roundTrip(line, label, false)
	if err != nil {
		return "", err
	}
	return ans[0], nil
}

// expectOK sends line and wants an answer starting with "OK".
func (c *Conn) expectOK(line, label string) (string, error) {
	ans, err := c.command(line, label)
	if err != nil {
		return "", err
	}
	if ans != "OK" && !strings.HasPrefix(ans, "OK ") {
		err := fmt.Errorf("%s: unexpected answer %q", label, ans)
		c.mu.Lock()
		c.broken = err
		c.mu.Unlock()
		_ = c.nc.Close()
		return "", err
	}
	return ans, nil
}

// Login sends USERNAME and PASSWORD, needed for instant commands and FSD
// (not for reading). upsd answers OK to any password and checks it only when
// a command uses it, so Login succeeding proves nothing about the password:
// ProveLogin does. The password is quoted for upsd's tokenizer and never
// appears in an error or log. A control character or a non-ASCII byte is
// refused before anything is sent: a line break would end the command, and
// upsd's tokenizer drops the others silently ("addchar: discarding invalid
// character"), so upsd would check a password other than the one given.
func (c *Conn) Login(user, password string) error {
	if user == "" {
		return errors.New("log in: empty user name")
	}
	for _, b := range []byte(user + password) {
		if b < ' ' || b >= 0x7f {
			return errors.New("log in: user name or password holds a control character or non-ASCII byte, which upsd cannot read")
		}
	}
	if _, err := c.expectOK("USERNAME "+quote(user), "USERNAME"); err != nil {
		return fmt.Errorf("log in as %q: %w", user, err)
	}
	if _, err := c.expectOK("PASSWORD "+quote(password), "PASSWORD"); err != nil {
		return fmt.Errorf("log in as %q: %w", user, err)
	}
	return nil
}

// ProveLogin proves that the user and password given to Login are the ones
// upsd.users holds for a monitoring user of ups: it sends LOGIN <ups>, which
// upsd checks against the password (as it does for upsmon), then LOGOUT, and
// closes the connection either way (upsd counts the login in NUMLOGINS only
// until then). A wrong password, or a user without upsmon rights, fails with
// ACCESS-DENIED (IsAccessDenied).
func (c *Conn) ProveLogin(ups string) error {
	defer c.Close()
	if err := validWord("UPS name", ups); err != nil {
		return err
	}
	if _, err := c.expectOK("LOGIN "+ups, "LOGIN "+ups); err != nil {
		return err
	}
	if _, err := c.expectOK("LOGOUT", "LOGOUT"); err != nil {
		return err
	}
	return nil
}

// Poll reads every variable of ups in exactly one round trip (LIST VAR) and
// returns the typed Status. DATA-STALE, DRIVER-NOT-CONNECTED and
// UNKNOWN-UPS come back as *ProtocolError (see IsStale and friends).
func (c *Conn) Poll(ups string) (Status, error) {
	vars, err := c.Vars(ups)
	if err != nil {
		return Status{}, err
	}
	if len(vars) == 1 && vars["ups.status"] == "WAIT" {
		return Status{}, fmt.Errorf("LIST VAR %s: %w", ups, ErrNoDataYet)
	}
	return NewStatus(ups, vars, time.Now()), nil
}

// ErrNoDataYet: upsd knows the UPS but its driver has not delivered its
// first data (after a restart of upsd or the driver). upsd 2.8.0 answers
// LIST VAR then with ups.status "WAIT" and nothing else (measured); Poll
// returns this error instead of a Status without an OL or OB flag that a
// caller could take for a state.
var ErrNoDataYet = errors.New("upsd has no data from the driver yet")

// Vars is LIST VAR ups as a map, values unquoted.
func (c *Conn) Vars(ups string) (map[string]string, error) {
	if err := validWord("UPS name", ups); err != nil {
		return nil, err
	}
	label := "LIST VAR " + ups
	lines, err := c.roundTrip(label, label, true)
	if err != nil {
		return nil, err
	}
	vars, err := parseVarList(ups, lines)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", label, err)
	}
	return vars, nil
}

// UPSInfo is one line of LIST UPS.
type UPSInfo struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// ListUPS lists the UPSes that upsd serves.
func (c *Conn) ListUPS() ([]UPSInfo, error) {
	lines, err := c.roundTrip("LIST UPS", "LIST UPS", true)
	if err != nil {
		return nil, err
	}
	out := make([]UPSInfo, 0, len(lines))
	for _, l := range lines {
		w, err := splitWords(l)
		if err != nil || len(w) != 3 || w[0] != "UPS" {
			return nil, fmt.Errorf("LIST UPS: unexpected line %q", l)
		}
		out = append(out, UPSInfo{Name: w[1], Description: w[2]})
	}
	return out, nil
}

// ListCommands lists the instant commands that ups supports (LIST CMD).
func (c *Conn) ListCommands(ups string) ([]string, error) {
	if err := validWord("UPS name", ups); err != nil {
		return nil, err
	}
	label := "LIST CMD " + ups
	lines, err := c.roundTrip(label, label, true)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		w, err := splitWords(l)
		if err != nil || len(w) != 3 || w[0] != "CMD" || w[1] != ups {
			return nil, fmt.Errorf("%s: unexpected line %q", label, l)
		}
		out = append(out, w[2])
	}
	return out, nil
}

// InstCmd runs an instant command (such as test.battery.start.quick). upsd
// wants a login with "instcmds" rights for it; without, it answers
// ACCESS-DENIED (or USERNAME-REQUIRED), returned as *ProtocolError.
func (c *Conn) InstCmd(ups, cmd string) error {
	if err := validWord("UPS name", ups); err != nil {
		return err
	}
	if err := validWord("command", cmd); err != nil {
		return err
	}
	line := "INSTCMD " + ups + " " + cmd
	_, err := c.expectOK(line, line)
	return err
}

// FSD sets the forced-shutdown flag on ups. It needs a login with upsmon
// primary rights; once set, FSD stays until upsd restarts (design.md §6).
func (c *Conn) FSD(ups string) error {
	if err := validWord("UPS name", ups); err != nil {
		return err
	}
	line := "FSD " + ups
	_, err := c.expectOK(line, line)
	return err
}

// NumLogins is how many clients (upsmon instances) have done LOGIN on ups.
func (c *Conn) NumLogins(ups string) (int, error) {
	if err := validWord("UPS name", ups); err != nil {
		return 0, err
	}
	label := "GET NUMLOGINS " + ups
	ans, err := c.command(label, label)
	if err != nil {
		return 0, err
	}
	w, err := splitWords(ans)
	if err != nil || len(w) != 3 || w[0] != "NUMLOGINS" || w[1] != ups {
		return 0, fmt.Errorf("%s: unexpected answer %q", label, ans)
	}
	n, err := strconv.Atoi(w[2])
	if err != nil {
		return 0, fmt.Errorf("%s: unexpected answer %q", label, ans)
	}
	return n, nil
}

// Version is upsd's VER answer ("Network UPS Tools upsd 2.8.0 - ...").
func (c *Conn) Version() (string, error) {
	return c.command("VER", "VER")
}
