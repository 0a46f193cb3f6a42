package localsock

import (
	"bufio"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/nutmeg-ups/nutmeg/nut/testdir"
)

// A client that connects to the port without the token (or with a wrong
// one) is never handed to the server and is disconnected; a right client
// after it still gets through.
func TestTokenRequired(t *testing.T) {
	path := filepath.Join(testdir.New(t), "x.sock")
	ln, err := Listen(path, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b))
	if len(f) != 3 || f[0] != magic || len(f[2]) != 64 {
		t.Fatalf("connection file holds %d fields", len(f))
	}
	if !strings.HasPrefix(f[1], "127.0.0.1:") {
		t.Fatalf("listens on %s, not loopback", f[1])
	}
	accepted := make(chan net.Conn, 3)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	for _, first := range []string{"wrong-token\n", strings.Repeat("0", 64) + "\n", `{"type":"request"}` + "\n"} {
		c, err := net.Dial("tcp", f[1])
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte(first))
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := bufio.NewReader(c).ReadString('\n'); err == nil {
			t.Errorf("client sending %q got a line", first)
		}
		c.Close()
	}
	select {
	case <-accepted:
		t.Fatal("a client without the token was accepted")
	case <-time.After(200 * time.Millisecond):
	}
	c, err := net.Dial("tcp", f[1])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte(f[2] + "\n"))
	select {
	case s := <-accepted:
		s.Close()
	case <-time.After(10 * time.Second):
		t.Fatal("the client with the token was not accepted")
	}
}

// The token file's ACL: this user and SYSTEM only, so another user cannot
// take the token and steer this user's service; with mode letting others
// in (the all-users service), the interactive users may read it too, so
// their trays can follow the service that protects their PC. Checked on
// the descriptor as Windows parses it: Wine 8 neither keeps a file's
// descriptor nor enforces it, so who is refused is not tested here.
func TestTokenFileACL(t *testing.T) {
	tu, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		t.Fatal(err)
	}
	me := tu.User.Sid.String()
	for _, tc := range []struct {
		mode os.FileMode
		want map[string]windows.ACCESS_MASK // SID → access
	}{
		{0o600, map[string]windows.ACCESS_MASK{me: fileAllAccess, "S-1-5-18": fileAllAccess}},
		{0o660, map[string]windows.ACCESS_MASK{me: fileAllAccess, "S-1-5-18": fileAllAccess}},
		{0o666, map[string]windows.ACCESS_MASK{me: fileAllAccess, "S-1-5-18": fileAllAccess,
			"S-1-5-4": windows.FILE_GENERIC_READ}}, // S-1-5-4: INTERACTIVE
	} {
		sddl, err := tokenSDDL(tc.mode&0o006 != 0)
		if err != nil {
			t.Fatal(err)
		}
		sd, err := windows.SecurityDescriptorFromString(sddl)
		if err != nil {
			t.Fatalf("mode %o: %s: %v", tc.mode, sddl, err)
		}
		if ctl, _, err := sd.Control(); err != nil || ctl&windows.SE_DACL_PROTECTED == 0 {
			t.Errorf("mode %o: %s: the DACL is not protected from inheritance (%v)", tc.mode, sddl, err)
		}
		dacl, _, err := sd.DACL()
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]windows.ACCESS_MASK{}
		for i := uint32(0); i < uint32(dacl.AceCount); i++ {
			var ace *windows.ACCESS_ALLOWED_ACE
			if err := windows.GetAce(dacl, i, &ace); err != nil {
				t.Fatal(err)
			}
			if ace.Header.AceType != windows.ACCESS_ALLOWED_ACE_TYPE {
				t.Errorf("mode %o: ACE %d is of type %d", tc.mode, i, ace.Header.AceType)
			}
			sid := (*windows.SID)(unsafe.Pointer(&ace.SidStart))
			got[sid.String()] = ace.Mask
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("mode %o: %s grants %v, want %v", tc.mode, sddl, got, tc.want)
		}
	}
}

// fileAllAccess is FILE_ALL_ACCESS (winnt.h), which x/sys/windows does not
// name: what SDDL's "FA" grants.
const fileAllAccess = windows.STANDARD_RIGHTS_REQUIRED | windows.SYNCHRONIZE | 0x1ff
