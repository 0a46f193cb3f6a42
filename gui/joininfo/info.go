// Package joininfo shows, on a primary with Remote Monitor, what another
// machine needs to follow its UPS as a secondary: this machine's
// addresses, the port, the UPS name, the user for other machines and its
// password (hidden until "Show"), and the one-line `nutmeg join` command.
// The wizard's Review and the status window's Settings tab both use it.
package joininfo

import (
	"net"
	"net/netip"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/nutmeg-ups/nutmeg/nut"
)

// Info is what a secondary needs. Password is asked only when the user
// clicks Show or Copy: it comes from the keyring.
type Info struct {
	Hosts    []string // addresses (IPv4 first), then the host name
	Port     int
	UPS      string
	User     string
	Password func() (string, error)
}

// FromSettings is the Info of a primary with Remote Monitor on; ok is false
// for anything else (a secondary, or Remote Monitor off: nobody can follow).
func FromSettings(s nut.Settings, hosts []string, password func() (string, error)) (Info, bool) {
	if s.Mode != nut.ModePrimary || !s.RMonitor {
		return Info{}, false
	}
	return Info{Hosts: hosts, Port: s.RemotePort, UPS: s.Identifier, User: s.RemoteUser, Password: password}, true
}

// Target is HOST:PORT/UPS for `nutmeg join` (an IPv6 host in brackets).
func (i Info) Target(host string) string {
	return net.JoinHostPort(host, strconv.Itoa(i.Port)) + "/" + i.UPS
}

// JoinCommand is the line to run on the other machine; it reads the
// password from stdin (paste it, then Enter), never from the line.
func (i Info) JoinCommand(host string) string {
	cmd := "nutmeg join --password-stdin"
	if i.User != "" && i.User != nut.DefaultRemoteUser {
		cmd += " --user " + i.User
	}
	return cmd + " " + i.Target(host)
}

// LocalHosts lists this machine's addresses that another machine could
// reach: IPv4 first, then global IPv6 (loopback and link-local left out),
// then the host name.
func LocalHosts() []string {
	var v4, v6 []string
	addrs, _ := net.InterfaceAddrs()
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
		if ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsUnspecified() {
			continue
		}
		if ip.Is4() {
			v4 = append(v4, ip.String())
		} else {
			v6 = append(v6, ip.String())
		}
	}
	sort.Strings(v4)
	sort.Strings(v6)
	out := append(v4, v6...)
	if h, err := os.Hostname(); err == nil && h != "" && !strings.ContainsAny(h, " /") {
		out = append(out, h)
	}
	return out
}
