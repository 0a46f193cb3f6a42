package localsock

import (
	"bufio"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
