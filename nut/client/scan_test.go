package client

import (
	"net"
	"testing"
)

func ipnet(s string) net.Addr {
	ip, n, err := net.ParseCIDR(s)
	if err != nil {
		panic(err)
	}
	n.IP = ip
	return n
}

func TestScanTargets(t *testing.T) {
	for _, c := range []struct {
		name        string
		addrs       []net.Addr
		n           int
		first, last string
	}{
		{"a /24", []net.Addr{ipnet("192.168.1.77/24")}, 254, "192.168.1.1", "192.168.1.254"},
		{"a /16 is clamped to the /24 around this machine", []net.Addr{ipnet("10.20.30.40/16")}, 254, "10.20.30.1", "10.20.30.254"},
		{"a /8 too", []net.Addr{ipnet("10.1.2.3/8")}, 254, "10.1.2.1", "10.1.2.254"},
		{"a /28 stays a /28", []net.Addr{ipnet("172.16.5.20/28")}, 14, "172.16.5.17", "172.16.5.30"},
		{"a /31 has two hosts", []net.Addr{ipnet("172.16.9.0/31")}, 2, "172.16.9.0", "172.16.9.1"},
		{"a /32 only itself", []net.Addr{ipnet("172.16.9.9/32")}, 1, "172.16.9.9", "172.16.9.9"},
		{"loopback and IPv6 are left out", []net.Addr{ipnet("127.0.0.1/8"), ipnet("::1/128"), ipnet("fd00::5/64")}, 0, "", ""},
		{"two addresses in one subnet count once", []net.Addr{ipnet("192.168.1.77/24"), ipnet("192.168.1.78/24"), &net.IPAddr{IP: net.ParseIP("8.8.8.8")}}, 254, "192.168.1.1", "192.168.1.254"},
		{"two subnets", []net.Addr{ipnet("192.168.1.77/24"), ipnet("192.168.2.5/25")}, 254 + 126, "192.168.1.1", "192.168.2.126"},
	} {
		got := ScanTargets(c.addrs)
		if len(got) != c.n {
			t.Errorf("%s: %d targets, want %d", c.name, len(got), c.n)
			continue
		}
		if c.n > 0 && (got[0].String() != c.first || got[len(got)-1].String() != c.last) {
			t.Errorf("%s: %s … %s, want %s … %s", c.name, got[0], got[len(got)-1], c.first, c.last)
		}
	}
}
