package nut

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Watched is one more UPS to show read-only (the settings' "watch" list):
// another machine's, or one more behind this machine's own upsd. Nutmeg
// only reads its status; it never shuts down for it. The password, needed
// only when the server wants a login to read, lives in the keyring under
// Key.
type Watched struct {
	Host     string `json:"host"`
	Port     int    `json:"port"`
	UPS      string `json:"ups"`
	User     string `json:"user,omitempty"`
	Password string `json:"-"` // keyring: secret.WatchPassword(w.Key())
	// Mail sends this UPS's events by mail too, with the settings' mail
	// server, recipients and event choice (emailevents).
	Mail bool `json:"mail,omitempty"`
}

// Addr is host:port (IPv6 in brackets).
func (w Watched) Addr() string {
	return net.JoinHostPort(strings.Trim(w.Host, "[]"), strconv.Itoa(w.Port))
}

// Key names the watched UPS: ups@host:port, unique in the list.
func (w Watched) Key() string { return w.UPS + "@" + w.Addr() }

// String shows the entry with the password masked (also inside %v of a
// Settings).
func (w Watched) String() string {
	return fmt.Sprintf("{Host:%s Port:%d UPS:%s User:%s Password:%s Mail:%t}", w.Host, w.Port, w.UPS, w.User, maskSet(w.Password), w.Mail)
}

// GoString is String for %#v.
func (w Watched) GoString() string { return "nut.Watched" + w.String() }

// normalizeWatch trims the entries and gives a missing port NUT's 3493.
func normalizeWatch(ws []Watched) {
	for i := range ws {
		w := &ws[i]
		w.Host, w.UPS, w.User = strings.TrimSpace(w.Host), strings.TrimSpace(w.UPS), strings.TrimSpace(w.User)
		if w.Port == 0 {
			w.Port = DefaultRemotePort
		}
	}
}

// watch checks the list: a host, a port, a UPS name NUT accepts, an
// optional user and password as upsd reads them, no entry twice, and not
// the UPS this machine follows itself.
func (c *checker) watch(s Settings) {
	seen := map[string]int{}
	for i, w := range s.Watch {
		f := func(k string) string { return fmt.Sprintf("watch[%d].%s", i, k) }
		switch {
		case w.Host == "":
			c.add(f("host"), "is required: the NUT server that has the UPS", "")
		case !validHost(w.Host):
			c.bad(f("host"), "must be a host name or an IP address", w.Host)
		}
		if w.Port < 1 || w.Port > 65535 {
			c.bad(f("port"), "must be a port number from 1 to 65535", strconv.Itoa(w.Port))
		}
		if w.UPS == "" {
			c.add(f("ups"), "is required: the UPS's name on that server", "")
		} else {
			for _, r := range w.UPS {
				if !(isASCIIAlnum(r) || strings.ContainsRune(".,-_", r)) {
					c.bad(f("ups"), `may contain only ASCII letters, digits and "." "," "-" "_"`, w.UPS)
					break
				}
			}
		}
		c.nutWord(f("user"), "user name", w.User, false, false)
		c.nutWord(f("password"), "password", w.Password, true, false)
		if w.Password != "" && w.User == "" {
			c.add(f("user"), "is required with a password", "")
		}
		if j, dup := seen[w.Key()]; dup {
			c.bad(f("ups"), fmt.Sprintf("is already watched (watch[%d])", j), w.Key())
		}
		seen[w.Key()] = i
		if s.Mode == ModeSecondary && w.Host == s.RemoteHost && w.Port == s.RemotePort && w.UPS == s.Identifier {
			c.bad(f("ups"), "is the UPS this machine follows already", w.Key())
		}
	}
}
