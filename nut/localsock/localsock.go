// Package localsock is the transport of Nutmeg's local connections (the
// service's API, the status window's single instance): a Unix socket where
// the OS has them; on Windows, where Wine 8 has no AF_UNIX, a loopback TCP
// port whose address and a random token sit in a file at the socket's
// path, readable by the user only. A Windows client sends the token first;
// a connection without it is closed.
package localsock

import "errors"

// ErrBadToken is what the Windows listener logs for a client that did not
// send the token; such a client is disconnected.
var ErrBadToken = errors.New("local connection refused: wrong or missing token")
