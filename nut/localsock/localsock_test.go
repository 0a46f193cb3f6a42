package localsock

import (
	"bufio"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/testdir"
)

// A client that dials through the package reaches the listener, and what
// it writes after connecting arrives intact (the Windows token line is not
// part of the stream).
func TestRoundTrip(t *testing.T) {
	path := filepath.Join(testdir.New(t), "x.sock")
	ln, err := Listen(path, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- "accept: " + err.Error()
			return
		}
		defer c.Close()
		line, _ := bufio.NewReader(c).ReadString('\n')
		got <- line
		c.Write([]byte("pong\n"))
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := Dial(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("ping\n")); err != nil {
		t.Fatal(err)
	}
	select {
	case l := <-got:
		if l != "ping\n" {
			t.Fatalf("server read %q, want ping", l)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("server got nothing")
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if l, err := bufio.NewReader(c).ReadString('\n'); err != nil || l != "pong\n" {
		t.Fatalf("client read %q, %v", l, err)
	}
}

// After Close nobody answers at path.
func TestClosed(t *testing.T) {
	path := filepath.Join(testdir.New(t), "x.sock")
	ln, err := Listen(path, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if c, err := Dial(ctx, path); err == nil {
		c.Close()
		t.Fatal("dial after Close succeeded")
	}
}
