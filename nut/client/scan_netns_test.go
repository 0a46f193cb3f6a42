//go:build linux

package client

import (
	"context"
	"net"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
)

// TestScanFindsServerInOtherNamespace: a NUT server with two UPSes in one
// network namespace, the scan in another, joined by a veth pair in
// 10.231.3.0/24. The scan finds the server with both UPSes and their
// states, and every address it contacts is in that subnet, on the chosen
// port, never more than ScanParallel at once.
func TestScanFindsServerInOtherNamespace(t *testing.T) {
	if testing.Short() {
		t.Skip("runs NUT in network namespaces")
	}
	nutlab.RequireNetns(t)
	nsS, nsC := nutlab.NewNetns(t), nutlab.NewNetns(t)
	ipS, _ := nutlab.Link(t, nsS, nsC, "10.231.3")
	subnet := netip.MustParsePrefix("10.231.3.0/24")

	lab := nutlab.New(t)
	t.Cleanup(nsS.KillAll)
	lab.WriteFile("ups.conf", "[ups]\n\tdriver = dummy-ups\n\tport = ups.dev\n\tdesc = \"rack\"\n[spare]\n\tdriver = dummy-ups\n\tport = spare.dev\n\tdesc = \"desk\"\n")
	lab.WriteFile("upsd.conf", "LISTEN 0.0.0.0 3493\n")
	lab.WriteFile("upsd.users", "")
	lab.WriteDev("ups.dev", onBattery)
	lab.WriteDev("spare.dev", map[string]string{"ups.status": "OL", "battery.charge": "100"})
	root := []string{}
	if nutlab.IsRoot() {
		root = []string{"-u", "root"}
	}
	var out lockedBuf
	start := func(bin string, args ...string) {
		cmd := nsS.Command(filepath.Join(nutlab.Bin, bin), append(args, root...)...)
		cmd.Env = lab.Env()
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go cmd.Wait()
	}
	start("dummy-ups", "-a", "ups", "-F")
	start("dummy-ups", "-a", "spare", "-F")
	for _, u := range []string{"ups", "spare"} {
		lab.WaitDriverSocket("dummy-ups", u)
	}
	start("upsd", "-F")
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := Dial(context.Background(), "127.0.0.1:3493", Options{Timeout: time.Second, Dialer: nsS.Dial})
		if err == nil {
			_, e1 := c.Poll("ups")
			_, e2 := c.Poll("spare")
			c.Close()
			if e1 == nil && e2 == nil {
				break
			}
			err = e1
		}
		if time.Now().After(deadline) {
			t.Fatalf("upsd not ready in %s: %v\n%s", nsS.Name, err, out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}

	var mu sync.Mutex
	var dialled []string
	inFlight, maxInFlight := 0, 0
	record := func(ctx context.Context, network, addr string) (net.Conn, error) {
		mu.Lock()
		dialled = append(dialled, addr)
		inFlight++
		maxInFlight = max(maxInFlight, inFlight)
		mu.Unlock()
		defer func() { mu.Lock(); inFlight--; mu.Unlock() }()
		return nsC.Dial(ctx, network, addr)
	}
	var addrs []net.Addr
	if err := nsC.Do(func() (err error) { addrs, err = net.InterfaceAddrs(); return err }); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	found, err := Scan(context.Background(), ScanOptions{
		Port: 3493, Subnets: true, Hosts: []string{"10.231.3.77"},
		Addrs:  func() ([]net.Addr, error) { return addrs, nil },
		Dialer: record,
	})
	took := time.Since(began)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("scan of %d addresses took %v, at most %d connections at once; found %+v", len(dialled), took.Round(time.Millisecond), maxInFlight, found)

	if len(found) != 2 {
		t.Fatalf("found %d servers, want the typed host and the server: %+v", len(found), found)
	}
	typed, srv := found[0], found[1]
	if !typed.Typed || typed.Addr != "10.231.3.77:3493" || typed.Err == "" {
		t.Errorf("the typed host without a server: %+v", typed)
	}
	if srv.Typed || srv.Addr != ipS+":3493" || len(srv.UPS) != 2 {
		t.Fatalf("the server: %+v", srv)
	}
	want := map[string]string{"ups": "On battery · 64% · 11 min left", "spare": "On line power · 100%"}
	for _, u := range srv.UPS {
		if w, ok := want[u.Name]; !ok || u.Status[:min(len(u.Status), len(w))] != w {
			t.Errorf("UPS %q: status %q, want %q", u.Name, u.Status, want[u.Name])
		}
	}

	if len(dialled) != 254 {
		t.Errorf("%d addresses contacted, want the 254 hosts of the /24", len(dialled))
	}
	for _, a := range dialled {
		ap, err := netip.ParseAddrPort(a)
		if err != nil || !subnet.Contains(ap.Addr()) || ap.Port() != 3493 {
			t.Errorf("contacted %s, outside %s port 3493", a, subnet)
		}
	}
	if maxInFlight > ScanParallel || maxInFlight < 2 {
		t.Errorf("%d connections at once, want 2..%d", maxInFlight, ScanParallel)
	}
}

type lockedBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuf) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }
