package localsock

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// magic starts the file, so a leftover of another kind is never read as ours.
const magic = "nutmeg-tcp"

// Listen listens on a free loopback port and writes "nutmeg-tcp ADDR TOKEN"
// to path, a file that only this user and SYSTEM may read, plus the
// interactive users when mode lets others in (mode&0o006: the all-users
// service, whose users' trays follow it as a Linux system service's group
// does); Windows has no other use for mode. Close removes the file.
func Listen(path string, mode os.FileMode) (net.Listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for %s: %w", path, err)
	}
	var tok [32]byte
	if _, err := rand.Read(tok[:]); err != nil {
		ln.Close()
		return nil, fmt.Errorf("listen for %s: token: %w", path, err)
	}
	l := &listener{Listener: ln, path: path, token: hex.EncodeToString(tok[:])}
	if err := writePrivate(path, magic+" "+ln.Addr().String()+" "+l.token+"\n", mode&0o006 != 0); err != nil {
		ln.Close()
		return nil, fmt.Errorf("listen for %s: %w", path, err)
	}
	return l, nil
}

type listener struct {
	net.Listener
	path  string
	token string
	once  sync.Once
}

// Accept returns the next client that sent the token within 5 s.
func (l *listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if checkToken(c, l.token) {
			return c, nil
		}
		c.Close()
	}
}

func (l *listener) Close() error {
	err := l.Listener.Close()
	l.once.Do(func() { os.Remove(l.path) })
	return err
}

// checkToken reads the first line byte by byte (nothing after it may be
// swallowed) and compares it in constant time.
func checkToken(c net.Conn, token string) bool {
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	defer c.SetReadDeadline(time.Time{})
	var line []byte
	b := make([]byte, 1)
	for len(line) <= len(token) {
		if _, err := c.Read(b); err != nil {
			return false
		}
		if b[0] == '\n' {
			return subtle.ConstantTimeCompare(line, []byte(token)) == 1
		}
		line = append(line, b[0])
	}
	return false
}

// Dial reads the address and token at path, connects and sends the token.
func Dial(ctx context.Context, path string) (net.Conn, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f := strings.Fields(string(b))
	if len(f) != 3 || f[0] != magic {
		return nil, fmt.Errorf("%s: not a Nutmeg connection file", path)
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", f[1])
	if err != nil {
		return nil, err
	}
	if _, err := c.Write([]byte(f[2] + "\n")); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// tokenSDDL is the token file's ACL: protected (nothing inherited), full
// access for this process's user and SYSTEM, read for the interactive
// users (IU: whoever is logged on at the console or over RDP) when asked.
func tokenSDDL(interactive bool) (string, error) {
	tu, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return "", fmt.Errorf("this user: %w", err)
	}
	sddl := "D:P(A;;FA;;;" + tu.User.Sid.String() + ")(A;;FA;;;SY)"
	if interactive {
		sddl += "(A;;FR;;;IU)"
	}
	return sddl, nil
}

// writePrivate replaces path with a file whose ACL admits only this user
// and SYSTEM (no inheritance from the directory), and lets the interactive
// users read it when interactive is set.
func writePrivate(path, content string, interactive bool) error {
	sddl, err := tokenSDDL(interactive)
	if err != nil {
		return err
	}
	sd, err := windows.SecurityDescriptorFromString(sddl)
	if err != nil {
		return fmt.Errorf("security descriptor: %w", err)
	}
	sa := &windows.SecurityAttributes{Length: uint32(unsafe.Sizeof(windows.SecurityAttributes{})), SecurityDescriptor: sd}
	_ = os.Remove(path)
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return err
	}
	h, err := windows.CreateFile(p, windows.GENERIC_WRITE, 0, sa, windows.CREATE_NEW, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	f := os.NewFile(uintptr(h), path)
	_, werr := f.WriteString(content)
	if err := f.Close(); werr == nil {
		werr = err
	}
	return werr
}
