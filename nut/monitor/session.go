package monitor

import (
	"context"
	"errors"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/client"
)

// minBackoff is the first wait before reconnecting; it doubles up to
// Config.MaxBackoff.
const minBackoff = 250 * time.Millisecond

// pollResult is one attempt of the session goroutine: a poll, a refused
// poll, or a failed connection.
type pollResult struct {
	time      time.Time
	vars      map[string]string // the poll's variables; nil when it failed
	err       error
	lost      bool  // no connection (dial failed or the session broke)
	connected bool  // a new session came up just before this poll
	loggedIn  bool  // the session holds a LOGIN
	loginErr  error // LOGIN was refused on this session
}

type sessionCmd int

const (
	cmdLogout sessionCmd = iota + 1 // LOGOUT, then go on watching without LOGIN
	cmdLogin                        // log in again (a failed shutdown was abandoned)
)

// session owns the connection to upsd: it dials, logs in, polls every
// Interval and reports each attempt on results. It returns when ctx ends.
func (m *Monitor) session(ctx context.Context, results chan<- pollResult, cmds <-chan sessionCmd) {
	cfg := &m.cfg
	wantLogin := cfg.User != ""
	backoff := minBackoff
	var conn *client.Conn
	var loggedIn bool
	var loginErr error
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	send := func(r pollResult) bool {
		select {
		case results <- r:
			return true
		case <-ctx.Done():
			return false
		}
	}
	// wait sleeps d while serving commands; false when ctx ended.
	wait := func(d time.Duration) bool {
		t := time.NewTimer(d)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return false
			case <-t.C:
				return true
			case c := <-cmds:
				switch c {
				case cmdLogout:
					wantLogin = false
					if conn != nil {
						if loggedIn {
							if err := conn.Logout(); err != nil {
								cfg.Log.Warn("LOGOUT failed", "ups", cfg.UPS, "err", err)
							}
						}
						conn.Close()
						conn, loggedIn = nil, false
					}
					return true // reconnect (without LOGIN) at once
				case cmdLogin:
					wantLogin = cfg.User != ""
					if conn != nil && !loggedIn && wantLogin {
						conn.Close()
						conn = nil
					}
					return true
				}
			}
		}
	}
	for ctx.Err() == nil {
		connected := false
		if conn == nil {
			c, err := client.Dial(ctx, cfg.Addr, client.Options{Timeout: cfg.Timeout})
			if err == nil {
				loggedIn, loginErr = false, nil
				if wantLogin {
					err = m.login(ctx, c)
					switch {
					case err == nil:
						loggedIn = true
					case client.IsAccessDenied(err):
						// upsmon goes on watching on a session whose LOGIN
						// was refused; so does this, and says why.
						loginErr, err = err, nil
					default:
						c.Close()
					}
				}
			}
			if err != nil {
				if !send(pollResult{time: time.Now(), err: err, lost: true}) || !wait(backoff) {
					return
				}
				backoff = min(backoff*2, cfg.MaxBackoff)
				continue
			}
			conn, connected, backoff = c, true, minBackoff
		}
		c := conn // the closure must not see conn change below
		stop := context.AfterFunc(ctx, func() { c.Close() })
		vars, err := conn.Vars(cfg.UPS)
		stop()
		r := pollResult{time: time.Now(), vars: vars, err: err, connected: connected, loggedIn: loggedIn, loginErr: loginErr}
		var pe *client.ProtocolError
		if err != nil && !errors.As(err, &pe) {
			// The session is broken: reconnect after a backoff.
			conn.Close()
			conn, loggedIn = nil, false
			r.lost, r.vars = true, nil
			if !send(r) || !wait(backoff) {
				return
			}
			backoff = min(backoff*2, cfg.MaxBackoff)
			continue
		}
		if !send(r) || !wait(cfg.Interval) {
			return
		}
	}
}

// login is USERNAME, PASSWORD and LOGIN <ups>; the session stays open.
func (m *Monitor) login(ctx context.Context, c *client.Conn) error {
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if err := c.Login(m.cfg.User, m.cfg.Password); err != nil {
		return err
	}
	return c.LoginUPS(m.cfg.UPS)
}
