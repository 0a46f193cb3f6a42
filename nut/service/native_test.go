package service

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/client"
	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
)

// The native service (no NUT on this machine: Windows, macOS) follows a
// real upsd as a secondary through nut/monitor: it logs in (the primary
// waits for it), and FSD set by the primary runs the shutdown command
// after FINALDELAY. The same path runs under Wine in packaging/windows.
func TestNativeSecondaryFSD(t *testing.T) {
	lab := nutlab.New(t)
	lab.WriteFile("nut.conf", "MODE=netserver\n")
	lab.WriteFile("ups.conf", "[ups]\n\tdriver = dummy-ups\n\tport = ups.dev\n")
	lab.WriteFile("upsd.conf", fmt.Sprintf("LISTEN 127.0.0.1 %d\n", lab.Port))
	lab.WriteFile("upsd.users", "[sec]\n\tpassword = Sec-Pw1\n\tupsmon secondary\n[prim]\n\tpassword = Prim-Pw2\n\tupsmon primary\n")
	lab.WriteDev("ups.dev", dev("OL"))
	lab.StartDriver("dummy-ups", "ups")
	lab.WaitDriverSocket("dummy-ups", "ups")
	lab.StartUpsd()
	lab.WaitReady("ups", 15*time.Second)

	state := shortDir(t)
	marker := filepath.Join(state, "marker")
	s := nut.Defaults()
	s.Mode, s.Identifier, s.RemoteHost, s.RemotePort = nut.ModeSecondary, "ups", "127.0.0.1", lab.Port
	s.MonUser, s.MonPwd = "sec", "Sec-Pw1"
	s.Shutdown = "lowbatt"
	s.ShutdownCmd = fmt.Sprintf("date +%%s.%%N >> %s", marker)
	svc, err := New(Config{Settings: s, StateDir: state, Native: true, Log: slog.Default()})
	if err != nil {
		t.Fatal(err)
	}
	if svc.Supervisor() != nil {
		t.Fatal("a native service must not supervise NUT")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	defer func() { cancel(); <-done }()
	lab.WaitLogins("ups", 1, 20*time.Second)
	time.Sleep(1500 * time.Millisecond)

	c, err := client.Dial(ctx, lab.Addr(), client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("prim", "Prim-Pw2"); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	if err := c.FSD("ups"); err != nil {
		t.Fatal(err)
	}
	for time.Since(t0) < 7*time.Second {
		if b, err := os.ReadFile(marker); err == nil && len(b) > 0 {
			if d := time.Since(t0); d < 4*time.Second {
				t.Fatalf("shut down %v after FSD, before FINALDELAY (5 s)", d)
			}
			t.Logf("FSD → shutdown command after %v", time.Since(t0).Round(time.Millisecond))
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("no shutdown within FINALDELAY + 2 s of FSD")
}

// Primary mode needs NUT: a native service refuses it, saying so.
func TestNativeRefusesPrimary(t *testing.T) {
	s := nut.Defaults()
	s.Identifier, s.Driver, s.Port = "ups", "dummy-ups", "ups.dev"
	_, err := New(Config{Settings: s, StateDir: shortDir(t), Native: true})
	if err == nil {
		t.Fatal("primary mode accepted without NUT")
	}
	t.Log(err)
}
