package client

import (
	"testing"
	"time"
)

// LoginUPS keeps the session in upsd's NUMLOGINS (what a primary's
// HOSTSYNC waits on) until Logout; a wrong password is ACCESS-DENIED and
// the session still reads.
func TestLoginUPSAndLogout(t *testing.T) {
	lab := startLab(t, onBattery, "")
	watcher := dial(t, lab.Addr())
	numLogins := func() int {
		t.Helper()
		n, err := watcher.NumLogins("ups")
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	c := dial(t, lab.Addr())
	if err := c.Login("admin", adminPassword); err != nil {
		t.Fatal(err)
	}
	if err := c.LoginUPS("ups"); err != nil {
		t.Fatalf("LOGIN: %v", err)
	}
	if n := numLogins(); n != 1 {
		t.Fatalf("NUMLOGINS %d after LOGIN, want 1", n)
	}
	// The session stays usable and counted.
	time.Sleep(200 * time.Millisecond)
	if _, err := c.Poll("ups"); err != nil {
		t.Fatal(err)
	}
	if n := numLogins(); n != 1 {
		t.Fatalf("NUMLOGINS %d while logged in, want 1", n)
	}
	if err := c.Logout(); err != nil {
		t.Fatalf("LOGOUT: %v", err)
	}
	lab.WaitUntil("NUMLOGINS back to 0", 5*time.Second, func() bool { return numLogins() == 0 })
	if _, err := c.Poll("ups"); err == nil {
		t.Error("the connection still works after Logout; it should be closed")
	}

	bad := dial(t, lab.Addr())
	if err := bad.Login("admin", "wrong"); err != nil {
		t.Fatal(err)
	}
	if err := bad.LoginUPS("ups"); !IsAccessDenied(err) {
		t.Fatalf("LOGIN with a wrong password: %v, want ACCESS-DENIED", err)
	}
	if _, err := bad.Poll("ups"); err != nil {
		t.Errorf("poll after a refused LOGIN: %v", err)
	}
	if n := numLogins(); n != 0 {
		t.Errorf("NUMLOGINS %d after a refused LOGIN", n)
	}
	if err := bad.LoginUPS("ups\nFSD ups"); err == nil {
		t.Error("LoginUPS took a UPS name with a line break")
	}
}
