//go:build linux

package tray

import (
	"bufio"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
	"github.com/nutmeg-ups/nutmeg/nut/testneed"
)

const nobody = 65534 // uid nobody, gid nogroup

// openDir is a temp dir that every user may enter.
func openDir(t *testing.T) string {
	d, err := os.MkdirTemp("", "nmg")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	os.Chmod(d, 0o755)
	return d
}

// sharedBus is a session bus that users other than root may join (a
// private session bus admits its owner only), its socket in an open dir
// of the test's (dbus 1.14's tmpdir=/tmp leaves a socket file behind).
func sharedBus(t *testing.T) string {
	bin := testneed.Tool(t, "dbus-daemon")
	dir := openDir(t)
	conf := filepath.Join(dir, "bus.conf")
	os.WriteFile(conf, []byte(`<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=`+dir+`</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`), 0o644)
	cmd := exec.Command(bin, "--config-file="+conf, "--nofork", "--print-address=1")
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(addr)
}

// startTrayAs runs the tray helper as uid:gid (this test binary, copied
// where that user may run it).
func startTrayAs(t *testing.T, bus string, uid, gid uint32, groups []uint32, env ...string) *trayProc {
	t.Helper()
	dir := openDir(t)
	bin := filepath.Join(dir, "tray.test")
	src, err := os.Open(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	dst, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	if err == nil {
		_, err = io.Copy(dst, src)
		dst.Close()
	}
	src.Close()
	if err != nil {
		t.Fatal(err)
	}
	run, races := filepath.Join(dir, "run"), filepath.Join(dir, "races")
	for _, d := range []string{run, races} {
		os.Mkdir(d, 0o700)
		os.Chown(d, int(uid), int(gid))
	}
	cmd := exec.Command(bin, "-test.run=^$")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), helperEnv+"=1", "DBUS_SESSION_BUS_ADDRESS="+bus, "XDG_RUNTIME_DIR="+run, "HOME="+dir,
		// as startTray: race reports go to files that checkRaces reads
		"GORACE=exitcode=0 log_path="+filepath.Join(races, "race"))
	cmd.Env = append(cmd.Env, env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: gid, Groups: groups}}
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &trayProc{cmd: cmd, stdin: in, out: out}
	t.Cleanup(func() {
		p.stop(t)
		checkRaces(t, races)
	})
	return p
}

// A user outside the system service's group (the socket is root's group,
// 0660) reads in the tray's menu how to join it; a user in the group
// follows the service.
func TestTrayOutsideTheGroupSaysJoinIt(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run the tray as another user")
	}
	bus := sharedBus(t)
	c := busConn(t, bus)
	w := startWatcher(t, c)

	// The system service's socket: root:root 0660, nobody may not connect.
	dir := openDir(t)
	sock := api.SocketPath(dir)
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	os.Chmod(sock, 0o660)
	p := startTrayAs(t, bus, nobody, nobody, nil, "NUTMEG_TRAY_TEST_SOCKET="+sock)
	s := waitRegistered(t, c, w, p)
	want := []string{"Join the group nutmeg to see the UPS", JoinGroupCommand}
	waitFor(t, 15*time.Second, func() bool {
		got := s.visibleLabels()
		return len(got) >= 2 && slices.Equal(got[:2], want)
	}, func() string { return "menu " + strings.Join(s.visibleLabels(), " | ") + "\n" + p.out.String() })
	if tip := s.tooltip(); tip != want[0] {
		t.Errorf("tooltip %q, want %q", tip, want[0])
	}
	p.stop(t)
	l.Close()

	// In the group: the real service on a dummy UPS, its socket given to
	// the group (as the system service does with nutmeg), is followed.
	nutlab.Require(t)
	lab := nutlab.New(t)
	lab.WriteBasic("ups", "ups.dev", "upsmon", "labpass", filepath.Join(lab.Dir, "marker"))
	lab.WriteDev("ups.dev", devVars("OL", "90", "1500", "12"))
	lab.StartDriver("dummy-ups", "ups")
	lab.StartUpsd()
	lab.WaitReady("ups", 15*time.Second)
	lw := &labWatcher{lab: lab, state: openDir(t)}
	lw.start(t)
	t.Cleanup(lw.stop)
	sock = api.SocketPath(lw.state)
	waitFor(t, 10*time.Second, func() bool { _, err := os.Stat(sock); return err == nil }, func() string { return "no service socket" })
	os.Chown(sock, 0, 4242)
	os.Chmod(sock, 0o660)
	p = startTrayAs(t, bus, nobody, nobody, []uint32{4242}, "NUTMEG_TRAY_TEST_SOCKET="+sock)
	waitFor(t, 15*time.Second, func() bool { return w.last() != s.dest }, func() string { return "no second registration\n" + p.out.String() })
	s = &sni{t: t, conn: c, dest: w.last()}
	waitFor(t, 15*time.Second, func() bool { return strings.HasPrefix(s.tooltip(), "On mains · 90%") },
		func() string { return "the group member does not see the UPS: " + s.tooltip() + "\n" + p.out.String() })
}
