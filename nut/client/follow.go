package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
)

// FollowError says in plain words why a secondary cannot follow a UPS on a
// NUT server: what the user sees in `nutmeg apply`, `nutmeg join` and the
// wizard. Err is the protocol or network error behind it.
type FollowError struct {
	Reason string // "unreachable", "unknown-ups", "denied", "no-data"
	Text   string
	Err    error
}

func (e *FollowError) Error() string { return e.Text }
func (e *FollowError) Unwrap() error { return e.Err }

// CheckFollow proves what a secondary's upsmon needs from the server at
// addr: it answers, it serves ups with data, and user/password log in to
// it with monitoring rights (ProveLogin). It returns ups's status. Every
// failure is a *FollowError naming the server, the UPS or the user, never
// the password.
func CheckFollow(ctx context.Context, addr, ups, user, password string, o Options) (Status, error) {
	hp, err := NormalizeAddr(addr)
	if err != nil {
		return Status{}, err
	}
	c, err := Dial(ctx, hp, o)
	if err != nil {
		return Status{}, unreachable(hp, err, o)
	}
	defer c.Close()
	st, err := c.Poll(ups)
	switch {
	case IsUnknownUPS(err):
		return Status{}, unknownUPS(hp, ups, c, err)
	case IsCommLost(err):
		return Status{}, &FollowError{Reason: "no-data", Err: err,
			Text: fmt.Sprintf("the NUT server at %s serves %q but has no data from it: its driver has lost the UPS or is not running there", hp, ups)}
	case err != nil:
		return Status{}, fmt.Errorf("read the status of %q on the NUT server at %s: %w", ups, hp, err)
	}
	if err := c.Login(user, password); err != nil {
		return Status{}, denied(hp, ups, user, err)
	}
	if err := c.ProveLogin(ups); err != nil {
		return Status{}, denied(hp, ups, user, err)
	}
	return st, nil
}

func unreachable(hp string, err error, o Options) error {
	why := "it does not answer"
	var dns *net.DNSError
	switch {
	case errors.As(err, &dns):
		host, _, _ := net.SplitHostPort(hp)
		why = fmt.Sprintf("the name %q is not known on this network", host)
	case errors.Is(err, syscall.ECONNREFUSED):
		why = "nothing listens on that port (NUT is not running there, or it listens on its own machine only: turn Remote Monitor on there)"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		why = "no machine answers at that address (no route to host)"
	case errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		why = fmt.Sprintf("no answer within %s (a wrong address, a machine that is off, or a firewall that drops the port)", o.timeout())
	}
	return &FollowError{Reason: "unreachable", Err: err,
		Text: fmt.Sprintf("cannot reach a NUT server at %s: %s", hp, why)}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func unknownUPS(hp, ups string, c *Conn, err error) error {
	text := fmt.Sprintf("the NUT server at %s has no UPS named %q", hp, ups)
	if list, lerr := c.ListUPS(); lerr == nil {
		names := make([]string, 0, len(list))
		for _, u := range list {
			names = append(names, fmt.Sprintf("%q", u.Name))
		}
		if len(names) == 0 {
			text += "; it serves no UPS at all"
		} else {
			text += "; it serves " + strings.Join(names, ", ")
		}
	}
	return &FollowError{Reason: "unknown-ups", Err: err, Text: text}
}

func denied(hp, ups, user string, err error) error {
	if !IsAccessDenied(err) {
		return fmt.Errorf("log in to the NUT server at %s as %q: %w", hp, user, err)
	}
	return &FollowError{Reason: "denied", Err: err,
		Text: fmt.Sprintf("the NUT server at %s refused the user %q for %q: wrong user name or password, or the user has no upsmon rights there "+
			"(a Nutmeg primary shows the user and password for other machines under Remote Monitor)", hp, user, ups)}
}
