//go:build linux

package nutlab

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Netns is a network namespace that a test made (`ip netns add`), deleted
// with everything running in it when the test ends. Machines of a small
// office are played by namespaces joined by veth pairs; their addresses are
// in a private test range and exist only inside the namespaces.
type Netns struct {
	t    testing.TB
	Name string
}

// RequireNetns skips the test unless it runs as root with `ip` installed;
// under CI=true (where `make test` runs as root) a missing piece fails it.
func RequireNetns(t testing.TB) {
	t.Helper()
	Require(t)
	why := ""
	if os.Geteuid() != 0 {
		why = "network namespaces need root"
	} else if _, err := exec.LookPath("ip"); err != nil {
		why = "iproute2's ip is not installed"
	} else if _, err := exec.LookPath("unshare"); err != nil {
		why = "util-linux's unshare is not installed"
	}
	if why == "" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s; CI runs this test as root with iproute2", why)
	}
	t.Skip(why)
}

func run(t testing.TB, args ...string) {
	t.Helper()
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func randomTag() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// NewNetns makes a namespace with a unique name and loopback up. Cleanup
// kills every process left in it and deletes it, even when the test failed.
func NewNetns(t testing.TB) *Netns {
	t.Helper()
	n := &Netns{t: t, Name: "nmtest-" + strconv.Itoa(os.Getpid()%100000) + "-" + randomTag()}
	run(t, "ip", "netns", "add", n.Name)
	t.Cleanup(n.destroy)
	run(t, "ip", "-n", n.Name, "link", "set", "lo", "up")
	return n
}

// destroy kills what still runs in the namespace and deletes it; its veth
// ends go with it.
func (n *Netns) destroy() {
	n.KillAll()
	if out, err := exec.Command("ip", "netns", "del", n.Name).CombinedOutput(); err != nil {
		n.t.Errorf("ip netns del %s: %v\n%s", n.Name, err, out)
	}
}

// KillAll ends every process in the namespace: SIGTERM, then SIGKILL for
// what is still there after 5 s.
func (n *Netns) KillAll() {
	for i, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		pids := n.Pids()
		if len(pids) == 0 {
			break
		}
		for _, p := range pids {
			if p == os.Getpid() {
				continue // never the test itself
			}
			_ = syscall.Kill(p, sig)
		}
		for deadline := time.Now().Add(5 * time.Second); i == 0 && len(n.Pids()) > 0 && time.Now().Before(deadline); {
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// Pids are the processes running in the namespace.
func (n *Netns) Pids() []int {
	out, _ := exec.Command("ip", "netns", "pids", n.Name).Output()
	var pids []int
	for _, f := range strings.Fields(string(out)) {
		if p, err := strconv.Atoi(f); err == nil {
			pids = append(pids, p)
		}
	}
	return pids
}

// Link joins a and b with a veth pair in subnet (three octets, such as
// "10.231.1"): a gets .1/24, b gets .2/24. It returns the two addresses.
func Link(t testing.TB, a, b *Netns, subnet string) (string, string) {
	t.Helper()
	tag := randomTag()
	va, vb := "nmv"+tag+"a", "nmv"+tag+"b"
	run(t, "ip", "link", "add", va, "netns", a.Name, "type", "veth", "peer", "name", vb, "netns", b.Name)
	ipA, ipB := subnet+".1", subnet+".2"
	for _, e := range []struct{ ns, dev, ip string }{{a.Name, va, ipA}, {b.Name, vb, ipB}} {
		run(t, "ip", "-n", e.ns, "addr", "add", e.ip+"/24", "dev", e.dev)
		run(t, "ip", "-n", e.ns, "link", "set", e.dev, "up")
	}
	return ipA, ipB
}

// Command runs name with args inside the namespace and, because upsmon's
// pid file is fixed at /run/nut/upsmon.pid, in a private mount namespace
// with its own tmpfs on /run/nut: two upsmons (one per namespace) can run
// at once, and the host's /run/nut is never touched. `ip netns exec` alone
// does not isolate /run/nut (measured: a file made there shows on the host).
// The chain ip → unshare → sh execs, so the command's pid is the process
// started.
func (n *Netns) Command(name string, args ...string) *exec.Cmd {
	script := `mkdir -p /run/nut && mount -t tmpfs -o mode=0770 nutmeg-test /run/nut && exec "$@"`
	argv := append([]string{"netns", "exec", n.Name, "unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh", name}, args...)
	return exec.Command("ip", argv...)
}

// Do runs fn on an OS thread that has joined the namespace, so sockets
// that fn creates (dials, listens, net.InterfaceAddrs) live in it. The
// thread goes back to the test's own namespace afterwards. It must: Go
// cannot end the main thread, only park it, so a main thread left in the
// namespace would make the whole test process one of its processes, and
// KillAll would end the test itself.
func (n *Netns) Do(fn func() error) error {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		home, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			done <- err
			return
		}
		defer home.Close()
		f, err := os.Open("/run/netns/" + n.Name)
		if err != nil {
			runtime.UnlockOSThread()
			done <- err
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			done <- fmt.Errorf("join network namespace %s: %w", n.Name, err)
			return
		}
		ferr := fn()
		// Back home; if that fails the thread stays locked and ends with
		// this goroutine instead of serving others from inside.
		if err := unix.Setns(int(home.Fd()), unix.CLONE_NEWNET); err == nil {
			runtime.UnlockOSThread()
		}
		done <- ferr
	}()
	return <-done
}

// Dial connects from inside the namespace (a client.Options.Dialer).
func (n *Netns) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var c net.Conn
	err := n.Do(func() error {
		var d net.Dialer
		var err error
		c, err = d.DialContext(ctx, network, addr)
		return err
	})
	return c, err
}
