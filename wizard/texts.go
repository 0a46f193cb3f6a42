package wizard

// texts holds every word the wizard's pages show, in one place, so that a
// translation is one more value of this type. Sentences built from the
// settings (the shutdown sentence, the review summary) come from
// wizard/flow's words.go.
type texts struct {
	Title                            string
	PageTitles                       map[string]string // by flow.Page.String()
	Back, Next, Apply, Cancel, Close string

	// Find
	FindIntro, Probing, Rescan, FoundDevices, NoDevices, ProbeProblems, ChooseUPS, ProbeFailed string

	// Driver
	DriverIntro, DriverLabel, DriverSearch, DriverSearchHint, PortLabel, HostLabel, PortHint string
	DriverOptionsLabel, DriverOptionsHint, TestDriver, Testing, TestOK, TestFailed           string
	ServerIntro, ServerHost, ServerHostHint, ServerPort                                      string
	Installed, NotInstalled                                                                  string

	// Access
	AccessIntro, Identifier, IdentifierSecondary, Description, Mode, ModePrimary, ModeSecondary string
	MonUser, MonUserSecondary, MonPwd, MonPwdSecondary, KeptPlaceholder, Copy, Regenerate       string
	ExtraUsers, ExtraUsersHint, RMonitor, RMonitorStatement, RemoteUser, RemotePwd, Credentials string
	ThisComputer, NoApplier                                                                     string

	// Shutdown
	ShutdownIntro, ShutdownWhen, WhenBatt, WhenLowBatt, Timer, RuntimeLow, RuntimeLowHint, Command, CommandHint, PowerDown string
	PostponeAllowed, PostponeStep, PostponeMax                                                                             string

	// Notify
	EmailNotify, ToEmail, ToEmailHint, Subject, SubjectHint, EmailEvents, SMTPHost, SMTPPort, SMTPTLS string
	SMTPUser, SMTPPassword, SMTPFrom, SendTest, Sending, TestSent                                     string

	// Advanced
	AdvancedIntro, ListenPort, NoCommWarn, HostSync, Options, OptionsHint, OptionsUPSD, OptionsUPSDHint, Autostart string

	// Review
	ReviewIntro, Customize, Files, NoChange, HiddenProblems string
	Changes                                                 map[string]string

	// Apply
	Steps                                                    map[string]string
	Applying, Applied, ApplyFailed, Restored, StatusNow, Fix string
	CopyCommand, FixIt, Fixing, Fixed                        string
	Seconds                                                  string
	NotAuthorized, UserModeFallback                          string
}

// T is the wizard's language.
var T = english

var english = texts{
	Title: "Nutmeg setup",
	PageTitles: map[string]string{
		"find": "Find the UPS", "driver": "Driver and port", "access": "Identity and access",
		"shutdown": "Shutdown", "notify": "Notifications", "advanced": "Advanced",
		"review": "Review", "apply": "Apply",
	},
	Back: "Back", Next: "Next", Apply: "Apply", Cancel: "Cancel", Close: "Close",

	FindIntro:     "Nutmeg looked for a UPS on this computer's USB and serial ports. Choose how this computer is protected.",
	Probing:       "Looking for a UPS on USB and serial ports…",
	Rescan:        "Rescan",
	FoundDevices:  "Devices found:",
	NoDevices:     "No UPS was found. Plug it in and rescan, follow a UPS on another machine, or try the simulated one.",
	ProbeProblems: "To look at:",
	ChooseUPS:     "Protect this computer with:",
	ProbeFailed:   "The search failed: ",

	DriverIntro:        "The NUT driver that talks to the UPS, and where the UPS is connected.",
	DriverLabel:        "Driver",
	DriverSearch:       "Search NUT's list of supported devices",
	DriverSearchHint:   "maker, model or driver",
	PortLabel:          "Port",
	HostLabel:          "Host of the UPS",
	PortHint:           `"auto" finds a USB UPS; a serial UPS needs its port, such as /dev/ttyS0`,
	DriverOptionsLabel: "Driver options",
	DriverOptionsHint:  "one name = value per line (written into ups.conf)",
	TestDriver:         "Test this driver",
	Testing:            "Starting the driver once to read the UPS…",
	TestOK:             "The driver reads the UPS: ",
	TestFailed:         "The driver could not read the UPS: ",
	ServerIntro:        "The NUT server that has the UPS: another computer with the UPS cable, or a NAS.",
	ServerHost:         "NUT server",
	ServerHostHint:     "host name or IP address, e.g. nas.local",
	ServerPort:         "Port",
	Installed:          "Installed.",
	NotInstalled:       "Not installed here: ",

	AccessIntro:         "How NUT names the UPS and who may read it.",
	Identifier:          "UPS name",
	IdentifierSecondary: "UPS name on the server",
	Description:         "Description",
	Mode:                "This computer",
	ModePrimary:         "has the UPS cable (primary)",
	ModeSecondary:       "follows a UPS on another machine (secondary)",
	MonUser:             "Monitor user",
	MonUserSecondary:    "User on the server",
	MonPwd:              "Monitor password",
	MonPwdSecondary:     "Password on the server",
	KeptPlaceholder:     "kept in the keyring — type to change it",
	Copy:                "Copy",
	Regenerate:          "New",
	ExtraUsers:          "Extra users (upsd.users)",
	ExtraUsersHint:      "[name] sections: password, actions, instcmds, upsmon",
	RMonitor:            "Remote Monitor: let other computers follow this UPS",
	RMonitorStatement:   "NUT then listens on every network interface of this computer, port %d. Anyone who can reach that port can read the UPS's status; only the user below may log in to follow it, with secondary rights: it can wait for the shutdown, not force one.",
	RemoteUser:          "User for other machines",
	RemotePwd:           "Their password",
	ThisComputer:        "this computer",
	NoApplier:           "this build cannot install NUT's files (no applier)",
	Credentials:         "On each other computer choose \"Use a UPS on another machine\" and enter: server %s, port %d, UPS name %s, user %s and this password.",

	ShutdownIntro:   "What happens when the power fails.",
	ShutdownWhen:    "Shut down when",
	WhenBatt:        "the UPS goes on battery (after a timer)",
	WhenLowBatt:     "the UPS reaches low battery",
	Timer:           "Seconds on battery",
	RuntimeLow:      "Low runtime (seconds)",
	RuntimeLowHint:  "shut down when less battery time is left; 0 = off",
	Command:         "Shutdown command",
	CommandHint:     "empty: %s",
	PowerDown:       "Power the UPS off after this computer has shut down",
	PostponeAllowed: "Allow postponing the shutdown from the tray",
	PostponeStep:    "Postpone by (seconds)",
	PostponeMax:     "Postponements at most",

	EmailNotify:  "Send email about power events",
	ToEmail:      "To",
	ToEmailHint:  "addresses, separated by commas",
	Subject:      "Subject",
	SubjectHint:  "%d is the date, %h the computer's name",
	EmailEvents:  "Events",
	SMTPHost:     "Mail server",
	SMTPPort:     "Port",
	SMTPTLS:      "Security",
	SMTPUser:     "User name",
	SMTPPassword: "Password",
	SMTPFrom:     "From",
	SendTest:     "Send test email",
	Sending:      "Sending…",
	TestSent:     "Sent. Check the inbox.",

	AdvancedIntro:   "Timers and extra lines for NUT's files. Each extra line is checked as NUT will read it.",
	ListenPort:      "NUT server port",
	NoCommWarn:      "No-contact warning (s)",
	HostSync:        "Wait for others (s)",
	Options:         "Extra ups.conf lines",
	OptionsHint:     "name = value, one per line",
	OptionsUPSD:     "Extra upsd.conf lines",
	OptionsUPSDHint: "directives, one per line",
	Autostart:       "Start Nutmeg's tray icon at login",

	ReviewIntro:    "This is what Nutmeg will set up.",
	Customize:      "Change settings…",
	Files:          "The NUT files that will be written (passwords masked):",
	NoChange:       "(no change)",
	HiddenProblems: "Settings to fix first:",
	Changes:        map[string]string{"new": "new", "changed": "changed", "unchanged": "unchanged", "removed": "removed"},

	Steps: map[string]string{
		"write": "Write the NUT files", "driver": "Start the driver", "upsd": "Start the NUT server",
		"upsmon": "Start the monitor", "status": "Read the UPS status", "save": "Save the settings and the keyring",
		"restore":   "Restore the previous setup",
		"authorize": "Ask for the administrator's password", "units": "Restart NUT's system services",
		"service": "Start Nutmeg's system service",
	},
	Applying:    "Setting up NUT…",
	Applied:     "Done: this computer is protected.",
	ApplyFailed: "The setup failed at: ",
	Restored:    "The previous setup was put back; nothing else changed.",
	StatusNow:   "The UPS now: ",
	Fix:         "How to fix it",
	CopyCommand: "Copy the command",
	FixIt:       "Fix it (asks for the administrator's password)",
	Fixing:      "Fixing…",
	Fixed:       "Fixed. Replug the UPS (or log out and in for a group change), then go Back and apply again.",
	Seconds:     "seconds",
	NotAuthorized: "Without the administrator's password Nutmeg cannot set up the system services that protect this computer when nobody is logged in. " +
		"You can set it up to run only while you are logged in instead: then, at the login screen or after a restart until you log in, nothing watches the UPS.",
	UserModeFallback: "Set up only while I am logged in",
}
