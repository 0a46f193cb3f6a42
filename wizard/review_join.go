package wizard

import (
	"github.com/nutmeg-ups/nutmeg/gui/joininfo"
	"github.com/nutmeg-ups/nutmeg/nut/secret"
)

// showJoin fills the Review's "Other machines on this UPS" (primary with
// Remote Monitor only): this machine's addresses, the port, the UPS, the
// user for other machines, its password (the one typed or generated here,
// or the keyring's when it is kept there), and the `nutmeg join` line.
func (p *reviewPage) showJoin() {
	w := p.w
	f := w.flow
	hosts := joininfo.LocalHosts
	if w.deps.Addresses != nil {
		hosts = w.deps.Addresses
	}
	var list []string
	if f.Settings.RMonitor {
		list = hosts() // only then: it lists the interfaces
	}
	password := func() (string, error) {
		if !f.Kept("remotepwd") {
			return f.Settings.RemotePwd, nil
		}
		if w.deps.Store == nil {
			return "", errNoKeyring
		}
		return w.deps.Store.Get(secret.RemotePassword)
	}
	p.join.Set(joininfo.FromSettings(f.Settings, list, password))
}

type keyringError string

func (e keyringError) Error() string { return string(e) }

const errNoKeyring = keyringError("the password is in the keyring, but no keyring is available")
