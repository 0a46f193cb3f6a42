package icon

import "github.com/nutmeg-ups/nutmeg/nut/api"

// ForState is the glyph for what the service reports: the tray's icon and
// the status window's header. linked is false while the service (or upsd)
// cannot be reached. NUT's flags are matched as a set, never as substrings.
func ForState(linked bool, st api.State) State {
	s := st.Status
	is := State{Level: Unreachable, Charge: -1}
	if s != nil && s.Charge.OK {
		is.Charge = s.Charge.V
	}
	if !linked || !st.Connected || s == nil {
		return is
	}
	switch {
	case s.Has("LB"):
		is.Level = LowBattery
	case s.Has("OB"):
		is.Level = OnBattery
	default:
		is.Level = Normal
	}
	is.Online = s.Has("OL") && !s.Has("OB")
	is.Charging = s.Has("CHRG") && !s.Has("OB")
	return is
}
