package flow

import (
	"fmt"
	"strings"

	"github.com/nutmeg-ups/nutmeg/nut"
)

// ShutdownSentence says in words what will happen when the power fails.
func ShutdownSentence(s nut.Settings) string {
	var b strings.Builder
	switch {
	case s.Mode == nut.ModeSecondary && s.Shutdown == nut.ShutdownBatt:
		fmt.Fprintf(&b, "When the power fails, this computer shuts down after %s on battery, at once when the battery runs low, or when the UPS server at %s tells it to.",
			Duration(s.ShutdownTimer), s.RemoteHost)
	case s.Mode == nut.ModeSecondary:
		fmt.Fprintf(&b, "When the power fails, this computer keeps running on battery and shuts down when the battery runs low or when the UPS server at %s tells it to.", s.RemoteHost)
	case s.Shutdown == nut.ShutdownBatt && s.ShutdownTimer == 0:
		b.WriteString("When the power fails, this computer shuts down at once.")
	case s.Shutdown == nut.ShutdownBatt:
		fmt.Fprintf(&b, "When the power fails, this computer shuts down after %s on battery, or at once when the battery runs low.", Duration(s.ShutdownTimer))
	default:
		b.WriteString("When the power fails, this computer keeps running on battery and shuts down when the battery runs low.")
	}
	if s.RuntimeLow > 0 {
		fmt.Fprintf(&b, " It also shuts down at once when the UPS says less than %s of battery is left.", Duration(s.RuntimeLow))
	}
	if s.Mode == nut.ModePrimary && s.RMonitor {
		fmt.Fprintf(&b, " Other computers on this UPS shut down first; this one waits up to %s for them.", Duration(s.HostSync))
	}
	if s.Mode == nut.ModePrimary && s.PowerDown {
		b.WriteString(" Then the UPS switches its outlets off, and back on when the power returns.")
	}
	if s.Shutdown == nut.ShutdownBatt && s.Postpone.Allowed && s.Postpone.Max > 0 {
		fmt.Fprintf(&b, " From the tray you can postpone the shutdown by %s, up to %s.", Duration(s.Postpone.Step), times(s.Postpone.Max))
	}
	return b.String()
}

func times(n int) string {
	if n == 1 {
		return "once"
	}
	return fmt.Sprintf("%d times", n)
}

// Duration writes seconds the way people say them: "30 seconds", "5 minutes",
// "1 minute 30 seconds".
func Duration(sec int) string {
	plural := func(n int, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	switch {
	case sec < 60:
		return plural(sec, "second")
	case sec%3600 == 0:
		return plural(sec/3600, "hour")
	case sec < 3600 && sec%60 == 0:
		return plural(sec/60, "minute")
	case sec < 3600:
		return plural(sec/60, "minute") + " " + plural(sec%60, "second")
	}
	return plural(sec/3600, "hour") + " " + Duration(sec%3600)
}

// Summary is the Review page's account of the settings, one line a topic.
// Secrets are never included.
func Summary(f *Flow) []string {
	s := f.Settings
	out := []string{RunSentence(f.Run)}
	switch s.Mode {
	case nut.ModeSecondary:
		out = append(out, fmt.Sprintf("Follow the UPS %q on the NUT server %s:%d as a secondary.", s.Identifier, s.RemoteHost, s.RemotePort))
	default:
		ups := s.Description
		if ups == "" {
			ups = "the UPS"
		}
		out = append(out, fmt.Sprintf("Drive %s with NUT's %s driver on port %s, named %q.", ups, s.Driver, s.Port, s.Identifier))
		if s.RMonitor {
			out = append(out, fmt.Sprintf("Let other computers follow this UPS over the network on port %d, logging in as %q.", s.RemotePort, s.RemoteUser))
		} else {
			out = append(out, "Only this computer can see the UPS (NUT listens on this machine only).")
		}
	}
	pw := "a new password"
	switch {
	case s.MonPwd == "" && f.StoredPassword:
		pw = "the password already in the keyring"
	case s.Mode == nut.ModeSecondary:
		pw = "the server's password"
	}
	out = append(out, fmt.Sprintf("Monitor as %q with %s, kept in the system keyring.", s.MonUser, pw))
	out = append(out, ShutdownSentence(s))
	if s.EmailNotify {
		out = append(out, fmt.Sprintf("Email %s through %s when: %s.", strings.Join(s.ToEmail, ", "), s.SMTP.Host, strings.Join(s.EmailEvents, ", ")))
	} else {
		out = append(out, "No email.")
	}
	return out
}

// RunSentence says plainly how the setup runs and what that means.
func RunSentence(m RunMode) string {
	if m == RunSystem {
		return "Set up for this computer: NUT and Nutmeg run as system services that start with the computer, " +
			"so the UPS is watched and the computer shut down even when nobody is logged in. " +
			"Apply asks once for the administrator's password."
	}
	return "Set up only while you are logged in: NUT and Nutmeg run as your own programs, " +
		"so at the login screen, or after a restart until you log in, nothing watches the UPS and nothing shuts this computer down."
}
