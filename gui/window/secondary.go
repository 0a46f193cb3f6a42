package window

import "github.com/nutmeg-ups/nutmeg/gui/joininfo"

// showJoin fills the Settings tab's "Other machines on this UPS": on a
// primary with Remote Monitor, what a secondary needs (gui/joininfo); the
// password comes from Config.RemotePassword when the user asks for it.
func (w *Window) showJoin() {
	if w.join == nil {
		return
	}
	if w.settings == nil {
		w.join.Set(joininfo.Info{}, false)
		return
	}
	hosts := joininfo.LocalHosts
	if w.cfg.Addresses != nil {
		hosts = w.cfg.Addresses
	}
	var list []string
	if w.settings.RMonitor {
		list = hosts()
	}
	w.join.Set(joininfo.FromSettings(*w.settings, list, w.cfg.RemotePassword))
}
