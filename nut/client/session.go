package client

// The two commands that make a client count as a monitoring upsmon: LOGIN
// keeps this connection in upsd's NUMLOGINS for the UPS until LOGOUT or
// until the connection closes, which is what a primary's HOSTSYNC waits
// for. nut/monitor holds such a session for as long as it watches.

// LoginUPS sends LOGIN ups on a connection that has been through Login, and
// keeps the session open (ProveLogin, by contrast, logs out and closes).
// upsd checks the password here: a wrong one, or a user without upsmon
// rights, gives ACCESS-DENIED (IsAccessDenied), after which the connection
// still works for reading.
func (c *Conn) LoginUPS(ups string) error {
	if err := validWord("UPS name", ups); err != nil {
		return err
	}
	_, err := c.expectOK("LOGIN "+ups, "LOGIN "+ups)
	return err
}

// Logout sends LOGOUT (upsd answers "OK Goodbye" and drops the login from
// NUMLOGINS), then closes the connection whatever the answer.
func (c *Conn) Logout() error {
	defer c.Close()
	_, err := c.expectOK("LOGOUT", "LOGOUT")
	return err
}
