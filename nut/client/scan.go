package client

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strconv"
	"sync"
	"time"
)

// Bounds of a server scan (issue 13): a /24 at most around each of this
// machine's IPv4 addresses, 64 connections at once, 300 ms per connection.
const (
	ScanMaxPrefix   = 24
	ScanParallel    = 64
	ScanDialTimeout = 300 * time.Millisecond
	// scanTalkTimeout bounds each command on a server that answered (its
	// LIST UPS and one LIST VAR per UPS); typed names get it for the dial
	// too, as a name may take a DNS lookup.
	scanTalkTimeout = 3 * time.Second
)

// ScanOptions say where to look for NUT servers. Nothing is contacted that
// the options do not name: the scan runs only when a user asks for it.
type ScanOptions struct {
	// Port is upsd's port on every address (0: 3493).
	Port int
	// Hosts are names or addresses the user typed (HOST or HOST:PORT).
	Hosts []string
	// Subnets scans this machine's own IPv4 subnets (see ScanTargets).
	Subnets bool
	// Addrs lists this machine's addresses (nil: net.InterfaceAddrs).
	Addrs func() ([]net.Addr, error)
	// Dialer makes every connection (nil: net.Dialer); tests record the
	// destinations through it.
	Dialer DialFunc
}

// FoundServer is a NUT server that answered, or a typed host that did not
// (Err set).
type FoundServer struct {
	Addr  string     `json:"addr"`  // host:port as dialled
	Typed bool       `json:"typed"` // named by the user, not found by the scan
	UPS   []FoundUPS `json:"ups"`
	Err   string     `json:"error,omitempty"`
}

// FoundUPS is one UPS of LIST UPS with its state in words.
type FoundUPS struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Status      string `json:"status"` // Status.Summary, or why it could not be read
	Raw         string `json:"raw"`    // ups.status as upsd gave it
}

// ScanTargets are the addresses a subnet scan contacts: for each IPv4
// address of this machine (loopback left out), every host address of its
// subnet, the prefix clamped to /24 at most (a /16 network scans only the
// /24 around this machine). IPv6 is not scanned: its subnets are too large
// to walk. The result is sorted and without duplicates.
func ScanTargets(addrs []net.Addr) []netip.Addr {
	seen := map[netip.Addr]bool{}
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		ip, ok := netip.AddrFromSlice(ipn.IP)
		if !ok {
			continue
		}
		ip = ip.Unmap()
		if !ip.Is4() || ip.IsLoopback() || ip.IsUnspecified() {
			continue
		}
		bits, _ := ipn.Mask.Size()
		if bits < ScanMaxPrefix {
			bits = ScanMaxPrefix
		}
		pfx := netip.PrefixFrom(ip, bits).Masked()
		first, last := pfx.Addr(), lastAddr(pfx)
		if bits <= 30 { // skip the network and broadcast addresses
			first, last = first.Next(), last.Prev()
		}
		for x := first; x.IsValid() && x.Compare(last) <= 0; x = x.Next() {
			seen[x] = true
		}
	}
	out := make([]netip.Addr, 0, len(seen))
	for a := range seen {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Less(out[j]) })
	return out
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().As4()
	host := 32 - p.Bits()
	for i := 3; i >= 0 && host > 0; i-- {
		n := min(host, 8)
		b[i] |= byte(1<<n - 1)
		host -= n
	}
	return netip.AddrFrom4(b)
}

// Scan looks for NUT servers: the typed hosts first, then (with Subnets)
// every address of ScanTargets, at most ScanParallel connections at once,
// each dial bounded by ScanDialTimeout. A server that answers is asked
// LIST UPS and each UPS's status. Typed hosts are always in the result
// (with Err when they did not answer); scanned addresses only when a NUT
// server answered there. ctx ends the scan early with what was found.
func Scan(ctx context.Context, o ScanOptions) ([]FoundServer, error) {
	port := o.Port
	if port == 0 {
		port = DefaultPort
	}
	if port < 1 || port > 65535 {
		return nil, fmt.Errorf("port %d: must be 1-65535", port)
	}
	dial := o.Dialer
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	type job struct {
		addr  string
		typed bool
	}
	var jobs []job
	done := map[string]bool{}
	for _, h := range o.Hosts {
		hp, err := NormalizeAddr(h)
		if err != nil {
			return nil, fmt.Errorf("server %q: %w", h, err)
		}
		if _, p, _ := net.SplitHostPort(hp); p == strconv.Itoa(DefaultPort) && !hasPort(h) {
			hp = net.JoinHostPort(hostOf(hp), strconv.Itoa(port))
		}
		if !done[hp] {
			done[hp] = true
			jobs = append(jobs, job{hp, true})
		}
	}
	if o.Subnets {
		addrs := o.Addrs
		if addrs == nil {
			addrs = net.InterfaceAddrs
		}
		list, err := addrs()
		if err != nil {
			return nil, fmt.Errorf("list this machine's addresses: %w", err)
		}
		for _, a := range ScanTargets(list) {
			hp := net.JoinHostPort(a.String(), strconv.Itoa(port))
			if !done[hp] {
				done[hp] = true
				jobs = append(jobs, job{hp, false})
			}
		}
	}

	results := make([]*FoundServer, len(jobs))
	sem := make(chan struct{}, ScanParallel)
	var wg sync.WaitGroup
	for i, j := range jobs {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			timeout := ScanDialTimeout
			if j.typed {
				timeout = scanTalkTimeout
			}
			results[i] = probeServer(ctx, dial, j.addr, j.typed, timeout)
		}()
	}
	wg.Wait()
	var out []FoundServer
	for _, r := range results {
		if r != nil {
			out = append(out, *r)
		}
	}
	return out, ctx.Err()
}

func hasPort(h string) bool {
	_, _, err := net.SplitHostPort(h)
	return err == nil
}

func hostOf(hp string) string {
	h, _, _ := net.SplitHostPort(hp)
	return h
}

// probeServer dials addr and, when upsd answers, lists its UPSes with their
// status. nil: nothing (or not NUT) answered at a scanned address.
func probeServer(ctx context.Context, dial DialFunc, addr string, typed bool, timeout time.Duration) *FoundServer {
	fail := func(err error) *FoundServer {
		if !typed {
			return nil
		}
		return &FoundServer{Addr: addr, Typed: true, Err: err.Error()}
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	nc, err := dial(dctx, "tcp", addr)
	cancel()
	if err != nil {
		return fail(unreachable(addr, err, Options{Timeout: timeout}))
	}
	c := &Conn{addr: addr, nc: nc, r: bufio.NewReaderSize(newAckReader(nc), 4096), timeout: scanTalkTimeout}
	defer c.Close()
	list, err := c.ListUPS()
	if err != nil {
		// Something listens there, but it does not speak NUT's protocol.
		return fail(fmt.Errorf("%s answers, but not as a NUT server: %w", addr, err))
	}
	srv := &FoundServer{Addr: addr, Typed: typed}
	for _, u := range list {
		fu := FoundUPS{Name: u.Name, Description: u.Description}
		st, err := c.Poll(u.Name)
		switch {
		case err == nil:
			fu.Status, fu.Raw = st.Summary(), st.Vars["ups.status"]
		case IsCommLost(err):
			fu.Status = "no data from the UPS (its driver has lost it)"
		default:
			fu.Status = "status unreadable: " + err.Error()
		}
		srv.UPS = append(srv.UPS, fu)
	}
	return srv
}
