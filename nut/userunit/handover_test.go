//go:build linux

package userunit

import (
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestMain lets this binary stand in for `nutmeg service`: it listens on
// the socket and ends on SIGTERM.
func TestMain(m *testing.M) {
	if sock := os.Getenv("USERUNIT_FAKE_SERVICE"); sock != "" {
		l, err := net.Listen("unix", sock)
		if err != nil {
			os.Exit(3)
		}
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM)
		<-sig
		l.Close()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func fakeService(t *testing.T, sock string) *exec.Cmd {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "nutmeg")
	src, _ := os.Open(os.Args[0])
	dst, _ := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	io.Copy(dst, src)
	src.Close()
	dst.Close()
	cmd := exec.Command(bin, "service", "--state", filepath.Dir(sock))
	cmd.Env = append(os.Environ(), "USERUNIT_FAKE_SERVICE="+sock)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; ; i++ {
		if c, err := net.Dial("unix", sock); err == nil {
			c.Close()
			return cmd
		}
		if i > 100 {
			t.Fatal("the fake service does not listen")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Without a user unit, the service that answers on the socket (its pid is
// the socket's peer) is stopped with SIGTERM, the marker keeps trays from
// starting it again, and Undo starts it again and drops the marker.
func TestHandoverStopsTheProcess(t *testing.T) {
	state, err := os.MkdirTemp("", "nmh")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(state)
	sock := filepath.Join(state, "nutmeg.sock")
	svc := fakeService(t, sock)
	exited := make(chan error, 1)
	go func() { exited <- svc.Wait() }()
	h := &Handover{Manager: Manager{Systemctl: []string{"false"}}, State: state, Socket: sock}
	if err := h.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("the service did not end cleanly on SIGTERM: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the service still runs after Stop")
	}
	if _, err := os.Stat(SystemMarker(state)); err != nil {
		t.Fatalf("no marker: %v", err)
	}
	started := 0
	if err := h.Undo(context.Background(), func(context.Context) error { started++; return nil }); err != nil || started != 1 {
		t.Fatalf("Undo: %v, started %d times", err, started)
	}
	if _, err := os.Stat(SystemMarker(state)); err == nil {
		t.Fatal("marker left after Undo")
	}
	// Nothing answering: nothing to stop, nothing to start again.
	h = &Handover{Manager: Manager{Systemctl: []string{"false"}}, State: state, Socket: sock}
	if err := h.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	started = 0
	h.Undo(context.Background(), func(context.Context) error { started++; return nil })
	if started != 0 {
		t.Fatal("Undo started a service that was not running")
	}
}

// With the user unit installed, Stop disables and stops it and Undo enables
// and starts it again, through systemctl --user.
func TestHandoverDisablesTheUnit(t *testing.T) {
	dir := t.TempDir()
	calls := filepath.Join(dir, "calls")
	ctl := filepath.Join(dir, "systemctl")
	os.WriteFile(ctl, []byte("#!/bin/sh\necho \"$*\" >> "+calls+"\n"), 0o755)
	units := filepath.Join(dir, "units")
	os.MkdirAll(units, 0o755)
	os.WriteFile(filepath.Join(units, Name), []byte(Text("/usr/bin/nutmeg", "/s", "/st")), 0o644)
	h := &Handover{Manager: Manager{Systemctl: []string{ctl, "--user"}, Dir: units}, State: filepath.Join(dir, "state"), Socket: filepath.Join(dir, "none.sock")}
	if err := h.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := h.Undo(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(calls)
	want := "--user show-environment\n--user disable --now nutmeg.service\n--user enable --now nutmeg.service\n"
	if string(got) != want {
		t.Fatalf("systemctl calls:\n%s\nwant:\n%s", got, want)
	}
}
