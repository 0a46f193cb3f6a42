package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
	"github.com/nutmeg-ups/nutmeg/nut/service"
)

// The service as an ordinary user (nobody), when the tests run as root:
// upsmon cannot write /run/nut/upsmon.pid then, and the service finds its
// monitoring child in /proc. (Run as an ordinary user, the other service
// tests cover this path already.)
func TestServiceAsOrdinaryUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the other tests already run the service as an ordinary user")
	}
	if testing.Short() {
		t.Skip("runs NUT")
	}
	nutlab.Require(t)
	const uid, gid = 65534, 65534 // nobody, nogroup
	dir, err := os.MkdirTemp("", "nmu")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o755)
	bin := filepath.Join(dir, "nutmeg")
	placeBinary(t, goBuild(t, ".", ""), bin)
	state := filepath.Join(dir, "state")
	etc := service.EtcDir(state)
	os.MkdirAll(etc, 0o700)
	lab := nutlab.New(t)
	lab.Etc = etc
	lab.WriteDev("ups.dev", map[string]string{"ups.status": "OL", "battery.charge": "70"})
	s := nut.Defaults()
	s.Driver, s.Port, s.RemotePort = "dummy-ups", "ups.dev", nutlab.FreePort(t)
	s.ShutdownCmd = "/bin/sh -c 'date +%s > " + filepath.Join(state, "marker") + "'"
	settings := filepath.Join(dir, "settings.json")
	if err := nut.Save(settings, s); err != nil {
		t.Fatal(err)
	}
	filepath.Walk(dir, func(p string, _ os.FileInfo, _ error) error { return os.Lchown(p, uid, gid) })

	lock := nutlab.LockUpsmon(t)
	defer lock.Close()
	cmd := exec.Command(bin, "service", "--settings", settings, "--state", state)
	cmd.Env = append(os.Environ(), "HOME="+dir, "NUTMEG_MONITOR_PASSWORD="+s.MonPwd)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: gid}}
	var logs syncBuf
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		cmd.Process.Kill()
		// NUT's processes outlive a killed service by design: a failed
		// test must not leave them (and upsmon's pid file) behind.
		for _, p := range nutPids(t, etc) {
			syscall.Kill(-p, syscall.SIGKILL)
			syscall.Kill(p, syscall.SIGKILL)
		}
	}()

	var c *api.Client
	for deadline := time.Now().Add(30 * time.Second); c == nil; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no socket:\n%s", logs.String())
		}
		c, _ = api.Dial(context.Background(), api.SocketPath(state))
	}
	defer c.Close()
	fsd := make(chan struct{})
	connected := make(chan struct{}, 1)
	go func() {
		for m := range c.Messages() {
			if m.Type == "state" && m.State.Connected {
				select {
				case connected <- struct{}{}:
				default:
				}
			}
			if m.Type == "event" && m.Event.Name == "FSD" {
				close(fsd)
			}
		}
	}()
	select {
	case <-connected:
	case <-time.After(30 * time.Second):
		t.Fatalf("not connected:\n%s", logs.String())
	}
	pids := nutPids(t, etc)
	for _, p := range pids {
		st, _ := os.Stat("/proc/" + itoa(p))
		if st.Sys().(*syscall.Stat_t).Uid != uid {
			t.Errorf("NUT pid %d does not run as nobody", p)
		}
	}
	rep, err := c.Do(t.Context(), api.Request{Op: "shutdown-now", Confirm: "shutdown-now"})
	if err != nil || !rep.OK {
		t.Fatalf("shutdown-now: %+v %v", rep, err)
	}
	select {
	case <-fsd: // upsmon (as nobody) took the FSD and set it on upsd
	case <-time.After(10 * time.Second):
		t.Fatalf("no FSD:\n%s", logs.String())
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if _, err := os.Stat(filepath.Join(state, "marker")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("SHUTDOWNCMD did not run")
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, logs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no exit on SIGTERM")
	}
	for _, p := range pids {
		if alive(p) {
			t.Errorf("pid %d left running", p)
		}
	}
	if strings.Contains(logs.String(), s.MonPwd) {
		t.Error("password in the log")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
