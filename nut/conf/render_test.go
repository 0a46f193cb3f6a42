package conf

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/nutquote"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// combo is one mode combination of the golden and daemon tests.
type combo struct {
	primary, rmonitor, batt, powerdown bool
}

func (c combo) String() string {
	parts := []string{"secondary", "local", "lowbatt", "nopowerdown"}
	if c.primary {
		parts[0] = "primary"
	}
	if c.rmonitor {
		parts[1] = "rmonitor"
	}
	if c.batt {
		parts[2] = "batt"
	}
	if c.powerdown {
		parts[3] = "powerdown"
	}
	return strings.Join(parts, "-")
}

func allCombos() []combo {
	var cs []combo
	for _, p := range []bool{true, false} {
		for _, r := range []bool{false, true} {
			for _, b := range []bool{false, true} {
				for _, pd := range []bool{false, true} {
					cs = append(cs, combo{p, r, b, pd})
				}
			}
		}
	}
	return cs
}

// settings builds literal settings for a combination (not nut.Defaults, so
// the goldens do not move when the defaults do). The passwords hold the
// characters that need escaping.
func (c combo) settings() nut.Settings {
	s := nut.Settings{
		Version:        nut.SettingsVersion,
		Identifier:     "ups",
		Mode:           nut.ModeSecondary,
		RemotePort:     3493,
		RemoteHost:     "nas.example.lan",
		MonUser:        "upsmon",
		MonPwd:         `Mon"pw'$;!#[x]`,
		RemoteUser:     "upsmon-remote",
		Shutdown:       nut.ShutdownLowBatt,
		ShutdownTimer:  30,
		HostSync:       15,
		NoCommWarnTime: 300,
	}
	if c.primary {
		s.Mode = nut.ModePrimary
		s.RemoteHost = ""
		s.Driver = "usbhid-ups"
		s.Port = "auto"
		s.Description = `Office "rack" UPS #1`
		s.DriverOptions = map[string]string{"vendorid": "051d", "productid": "0002", "serial": "3B1234 X", "ignorelb": ""}
		s.Options = "pollinterval = 2\noverride.battery.charge.low = 30"
		s.OptionsUPSD = "MAXAGE 20"
		s.ExtraUsers = "[admin]\n\tpassword = \"adm\\\"in\"\n\tactions = SET\n\tinstcmds = ALL"
	}
	if c.rmonitor {
		s.RMonitor = true
		s.RemotePwd = `Rem\ote=pw`
	}
	if c.batt {
		s.Shutdown = nut.ShutdownBatt
		s.ShutdownTimer = 45
	}
	s.PowerDown = c.powerdown
	return s
}

// maskedArgs is parsed directives with every password value masked, for
// failure messages.
func maskedArgs(lines [][]string) [][]string {
	out := make([][]string, len(lines))
	for i, l := range lines {
		out[i], _ = maskWords(l)
	}
	return out
}

var goldenOptions = Options{NotifyCmd: "/usr/bin/nutmeg notify-hook"}

func TestRenderGolden(t *testing.T) {
	for _, c := range allCombos() {
		t.Run(c.String(), func(t *testing.T) {
			files, err := Render(c.settings(), goldenOptions)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{NutConf, UPSMonConf}
			if c.primary {
				want = []string{NutConf, UPSConf, UPSDConf, UPSDUsers, UPSMonConf}
			}
			if !reflect.DeepEqual(files.Names(), want) {
				t.Fatalf("files %v, want %v", files.Names(), want)
			}
			dir := filepath.Join("testdata", "golden", c.String())
			if *update {
				os.RemoveAll(dir)
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			for _, f := range files {
				path := filepath.Join(dir, f.Name)
				if *update {
					if err := os.WriteFile(path, []byte(f.Content), 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				b, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./nut/conf -run Golden -update)", err)
				}
				if string(b) != f.Content {
					t.Errorf("%s differs from %s:\n--- got\n%s--- want\n%s", f.Name, path, f.Masked(), File{Name: f.Name, Content: string(b), Secret: f.Secret}.Masked())
				}
				if !strings.HasPrefix(f.Content, Marker) {
					t.Errorf("%s lacks the marker", f.Name)
				}
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != len(files) {
				t.Errorf("%s holds %d files, Render gave %d", dir, len(entries), len(files))
			}
		})
	}
}

func TestRenderDetails(t *testing.T) {
	base := combo{primary: true, rmonitor: true, batt: true, powerdown: true}
	files, err := Render(base.settings(), Options{RunAsUser: "root", StateDir: "/tmp/state", Listen: []string{"127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	mon, _ := files.Get(UPSMonConf)
	upsd, _ := files.Get(UPSDConf)
	for _, want := range []string{
		"RUN_AS_USER \"root\"\n",
		"POWERDOWNFLAG \"/tmp/state/killpower\"\n",
		"NOTIFYFLAG ONBATT SYSLOG\n",
		"SHUTDOWNCMD \"" + nut.DefaultShutdownCmd() + "\"\n",
		"FINALDELAY 0\n",
		"MONITOR \"ups@127.0.0.1:3493\" 1 \"upsmon\" \"Mon\\\"pw'$;!\\#[x]\" primary\n",
	} {
		if !strings.Contains(mon.Content, want) {
			t.Errorf("upsmon.conf lacks %q:\n%s", MaskSecrets(want), mon.Masked())
		}
	}
	if strings.Contains(mon.Content, "NOTIFYCMD") {
		t.Errorf("NOTIFYCMD without Options.NotifyCmd:\n%s", mon.Masked())
	}
	if !strings.Contains(upsd.Content, "LISTEN \"127.0.0.1\" 3493\n") || strings.Contains(upsd.Content, "0.0.0.0") {
		t.Errorf("Options.Listen not used:\n%s", upsd.Content)
	}
	if !mon.Secret {
		t.Error("upsmon.conf not marked secret")
	}

	sec := combo{batt: true}.settings()
	sec.RemoteHost = "fd00::2"
	files, err = Render(sec, Options{})
	if err != nil {
		t.Fatal(err)
	}
	mon, _ = files.Get(UPSMonConf)
	if !strings.Contains(mon.Content, `MONITOR "ups@[fd00::2]:3493" 1 "upsmon"`) {
		t.Errorf("IPv6 remote host not in brackets:\n%s", mon.Masked())
	}
}

func TestRenderRefuses(t *testing.T) {
	p := combo{primary: true, rmonitor: true}.settings()
	cases := []struct {
		name  string
		edit  func(*nut.Settings)
		opts  Options
		field string
	}{
		{"rmonitor without remote password", func(s *nut.Settings) { s.RemotePwd = "" }, Options{}, "remotepwd"},
		{"rmonitor without remote user", func(s *nut.Settings) { s.RemoteUser = "" }, Options{}, "remoteuser"},
		{"remote user is the monitor user", func(s *nut.Settings) { s.RemoteUser = s.MonUser }, Options{}, "remoteuser"},
		{"newline in password", func(s *nut.Settings) { s.MonPwd = "a\nMONITOR x" }, Options{}, "monpwd"},
		{"newline in description", func(s *nut.Settings) { s.Description = "a\n[evil]" }, Options{}, "description"},
		{"non-ascii description", func(s *nut.Settings) { s.Description = "Büro" }, Options{}, "description"},
		{"CR in shutdown command", func(s *nut.Settings) { s.ShutdownCmd = "/bin/true\rx" }, Options{}, "shutdowncmd"},
		{"bad identifier", func(s *nut.Settings) { s.Identifier = "a]b" }, Options{}, "identifier"},
		{"empty identifier", func(s *nut.Settings) { s.Identifier = "" }, Options{}, "identifier"},
		{"bad driver option key", func(s *nut.Settings) { s.DriverOptions = map[string]string{"[x]": "1"} }, Options{}, "driver_options"},
		{"driver in driver options", func(s *nut.Settings) { s.DriverOptions = map[string]string{"driver": "x"} }, Options{}, "driver_options"},
		{"newline in driver option", func(s *nut.Settings) { s.DriverOptions = map[string]string{"serial": "1\n[x]"} }, Options{}, "driver_options"},
		{"options duplicate driver option", func(s *nut.Settings) { s.Options = "serial = 2" }, Options{}, "options"},
		{"options section", func(s *nut.Settings) { s.Options = "[other]\ndriver = x" }, Options{}, "options"},
		{"extra user shadows monitor user", func(s *nut.Settings) { s.ExtraUsers = "[upsmon]\nactions = SET" }, Options{}, "extrausers"},
		{"extra user shadows remote user", func(s *nut.Settings) { s.ExtraUsers = "[upsmon-remote]\nupsmon primary" }, Options{}, "extrausers"},
		{"extra users without header", func(s *nut.Settings) { s.ExtraUsers = "actions = FSD" }, Options{}, "extrausers"},
		{"bad port", func(s *nut.Settings) { s.RemotePort = 0 }, Options{}, "remoteport"},
		{"no driver", func(s *nut.Settings) { s.Driver = "" }, Options{}, "driver"},
		{"no password", func(s *nut.Settings) { s.MonPwd = "" }, Options{}, "monpwd"},
		{"bad mode", func(s *nut.Settings) { s.Mode = "both" }, Options{}, "mode"},
		{"bad shutdown", func(s *nut.Settings) { s.Shutdown = "never" }, Options{}, "shutdown"},
		{"relative notify command", func(*nut.Settings) {}, Options{NotifyCmd: "nutmeg notify-hook"}, "NotifyCmd"},
		{"secondary without host", func(s *nut.Settings) { s.Mode = nut.ModeSecondary; s.RemoteHost = "" }, Options{}, "remotehost"},
		{"secondary with odd host", func(s *nut.Settings) { s.Mode = nut.ModeSecondary; s.RemoteHost = "a@b" }, Options{}, "remotehost"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := p
			s.DriverOptions = map[string]string{"serial": "1"}
			c.edit(&s)
			files, err := Render(s, c.opts)
			if err == nil {
				t.Fatalf("Render accepted it: %v", files.Names())
			}
			if !strings.Contains(err.Error(), c.field) {
				t.Fatalf("error %q does not name %s", err, c.field)
			}
		})
	}
}

func TestCheckText(t *testing.T) {
	cases := []struct {
		field, text string
		err         string // "" = accepted
	}{
		{FieldExtraUsers, "", ""},
		{FieldExtraUsers, "[admin]\n\tpassword = \"x\\\"y\"\n\tactions = SET FSD\n\tinstcmds = ALL\n[mon2]\npassword=abc\nupsmon secondary\n", ""},
		{FieldExtraUsers, "# only a comment\n", ""},
		{FieldExtraUsers, "actions = FSD\n[a]\n", "must start with a [user]"},
		{FieldExtraUsers, "[a]\npassword = x\n[a]\nactions = FSD\n", "defined twice"},
		{FieldExtraUsers, "[a]\npasword = x\n", "does not know"},
		{FieldExtraUsers, "[a]\nupsmon boss\n", "primary or secondary"},
		{FieldExtraUsers, "[a]\npassword = \"x#y\"\n", "unescaped #"},
		{FieldExtraUsers, "[]\n", "empty user name"},
		{FieldExtraUsers, "[a]\npassword\n", "expected"},
		{FieldOptions, "pollinterval = 2\nignorelb\noverride.battery.charge.low=30\n", ""},
		{FieldOptions, "[evil]\ndriver = x\n", "another section"},
		{FieldOptions, "\"[evil]\"\n", "another section"},
		{FieldOptions, "driver = x\n", "driver field"},
		{FieldOptions, "DESC = x\n", "description field"},
		{FieldOptions, "a b c\n", "expected"},
		{FieldOptions, "x = \"unterminated\n", "newline inside quotes"},
		{FieldOptions, "x = 1 \\", "backslash at the end"},
		{FieldOptionsUPSD, "MAXAGE 20\nLISTEN 192.0.2.1 3493\n", ""},
		{FieldOptionsUPSD, "[x]\n", "no sections"},
		{FieldOptionsUPSD, "MAXAGE \"Bü\"\n", "not printable ASCII"},
		{"description", "x", "not a free-text field"},
	}
	for _, c := range cases {
		err := CheckText(c.field, c.text)
		switch {
		case c.err == "" && err != nil:
			t.Errorf("CheckText(%s, %q) = %v, want nil", c.field, c.text, err)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("CheckText(%s, %q) = %v, want an error with %q", c.field, c.text, err, c.err)
		case c.err != "" && !strings.HasPrefix(err.Error(), c.field):
			t.Errorf("CheckText(%s, ...) error %q does not start with the field", c.field, err)
		}
	}
}

// TestRoundTrip: Render, write, ImportDir, Render again gives the same
// bytes, for every combination (and a few variants).
func TestRoundTrip(t *testing.T) {
	type variant struct {
		name string
		s    nut.Settings
	}
	var vs []variant
	for _, c := range allCombos() {
		vs = append(vs, variant{c.String(), c.settings()})
	}
	bare := combo{primary: true}.settings()
	bare.Options, bare.OptionsUPSD, bare.ExtraUsers, bare.Description, bare.DriverOptions = "", "", "", "", nil
	bare.ShutdownCmd = "/bin/sh -c 'echo \"down\" >> /tmp/x'"
	vs = append(vs, variant{"bare primary", bare})
	v6 := combo{batt: true}.settings()
	v6.RemoteHost, v6.RemotePort = "fd00::2", 13493
	vs = append(vs, variant{"secondary ipv6", v6})
	for _, v := range vs {
		t.Run(v.name, func(t *testing.T) {
			first, err := Render(v.s, goldenOptions)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if err := Install(dir, first, User); err != nil {
				t.Fatal(err)
			}
			imported, err := ImportDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			second, err := Render(imported, goldenOptions)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(first, second) {
				for i := range first {
					if i < len(second) && first[i] != second[i] {
						t.Errorf("%s changed:\n--- first\n%s--- second\n%s", first[i].Name, first[i].Masked(), second[i].Masked())
					}
				}
				t.Fatalf("second render differs: %v vs %v", first.Names(), second.Names())
			}
			if imported.MonPwd != v.s.MonPwd || (v.s.RMonitor && v.s.Mode == nut.ModePrimary && imported.RemotePwd != v.s.RemotePwd) {
				t.Error("passwords not imported")
			}
		})
	}
}

// TestImportHandWritten reads a typical hand-written primary config.
func TestImportHandWritten(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(NutConf, "# stock comment\nMODE=\"netserver\"\n")
	write(UPSConf, "maxretry = 3\n[other]\n\tdriver = dummy-ups\n\tport = x.dev\n[myups]\n\tdriver = usbhid-ups\n\tport = auto\n\tdesc = \"Rack UPS\"\n\tvendorid = 0764\n\tpollinterval = 3\n\tignorelb\n")
	write(UPSDConf, "LISTEN 0.0.0.0 3494\nMAXAGE 25\n")
	write(UPSDUsers, "[monuser]\n\tpassword = sec\\\"ret\n\tupsmon master\n[admin]\n\tpassword = \"a b\"\n\tactions = SET\n")
	write(UPSMonConf, "MONITOR myups@localhost:3494 1 monuser sec\\\"ret master\nSHUTDOWNCMD \"/sbin/poweroff\"\nHOSTSYNC 20\nNOCOMMWARNTIME 600\nPOWERDOWNFLAG /etc/killpower\n")
	hw, err := HandWritten(dir)
	if err != nil || len(hw) != 5 {
		t.Fatalf("HandWritten = %v, %v; want all five", hw, err)
	}
	if ok, _ := Managed(dir); ok {
		t.Fatal("Managed says a hand-written dir is Nutmeg's")
	}
	s, err := ImportDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"Identifier": "myups", "Mode": nut.ModePrimary, "Driver": "usbhid-ups", "Port": "auto",
		"Description": "Rack UPS", "RemotePort": 3494, "RMonitor": true, "MonUser": "monuser",
		"MonPwd": `sec"ret`, "ShutdownCmd": "/sbin/poweroff", "HostSync": 20, "NoCommWarnTime": 600,
		"PowerDown": true, "Shutdown": nut.ShutdownLowBatt, "Options": "pollinterval = 3\nignorelb",
		"OptionsUPSD": "MAXAGE 25", "ExtraUsers": "[admin]\n\tpassword = \"a b\"\n\tactions = SET",
	}
	got := reflect.ValueOf(s)
	for k, v := range want {
		if g := got.FieldByName(k).Interface(); !reflect.DeepEqual(g, v) {
			t.Errorf("%s = %#v, want %#v", k, g, v)
		}
	}
	if !reflect.DeepEqual(s.DriverOptions, map[string]string{"vendorid": "0764"}) {
		t.Errorf("DriverOptions = %v", s.DriverOptions)
	}
	// What was imported renders (with a remote password, which import
	// cannot invent).
	s.RemotePwd = "generated"
	if _, err := Render(s, Options{}); err != nil {
		t.Fatalf("imported settings do not render: %v", err)
	}

	// A stock Debian dir: comments only and MODE=none is not hand-written.
	stock := t.TempDir()
	os.WriteFile(filepath.Join(stock, NutConf), []byte("# comment\nMODE=none\n"), 0o600)
	os.WriteFile(filepath.Join(stock, UPSConf), []byte("# nothing\n# [x]\n"), 0o600)
	if hw, err := HandWritten(stock); err != nil || len(hw) != 0 {
		t.Fatalf("stock dir: HandWritten = %v, %v", hw, err)
	}
	if _, err := ImportDir(stock); err == nil {
		t.Fatal("ImportDir of a stock dir found a setup")
	}
}

// expectedLines is the directive list a file must parse to for s: what
// each value was, and nothing else. The fuzz test compares it with what the
// tokenizer reads back from the rendered file.
func expectedLines(t *testing.T, s nut.Settings, o Options, name string) [][]string {
	t.Helper()
	parse := func(text string) [][]string {
		lines, err := Parse(text)
		if err != nil {
			t.Fatalf("free text rendered though it does not parse: %v", err)
		}
		var out [][]string
		for _, l := range lines {
			out = append(out, l.Args)
		}
		return out
	}
	primary := s.Mode != nut.ModeSecondary
	var want [][]string
	switch name {
	case NutConf:
		mode := "netclient"
		if primary {
			mode = "netserver"
		}
		want = append(want, []string{"MODE", "=", mode})
	case UPSConf:
		want = append(want, []string{"[" + s.Identifier + "]"}, []string{"driver", "=", s.Driver}, []string{"port", "=", s.Port})
		if s.Description != "" {
			want = append(want, []string{"desc", "=", s.Description})
		}
		keys := make([]string, 0, len(s.DriverOptions))
		for k := range s.DriverOptions {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if v := s.DriverOptions[k]; v == "" {
				want = append(want, []string{k})
			} else {
				want = append(want, []string{k, "=", v})
			}
		}
		want = append(want, parse(s.Options)...)
	case UPSDConf:
		for _, a := range o.listenOr(s.RMonitor) {
			want = append(want, []string{"LISTEN", a, fmt.Sprint(s.RemotePort)})
		}
		want = append(want, parse(s.OptionsUPSD)...)
	case UPSDUsers:
		want = append(want, []string{"[" + s.MonUser + "]"}, []string{"password", "=", s.MonPwd}, []string{"upsmon", "primary"})
		if s.RMonitor {
			want = append(want, []string{"[" + s.RemoteUser + "]"}, []string{"password", "=", s.RemotePwd}, []string{"upsmon", "secondary"})
		}
		want = append(want, parse(s.ExtraUsers)...)
	case UPSMonConf:
		host, role := "127.0.0.1", "primary"
		if !primary {
			host, role = monitorHost(s.RemoteHost), "secondary"
		}
		want = append(want, []string{"MONITOR", fmt.Sprintf("%s@%s:%d", s.Identifier, host, s.RemotePort), "1", s.MonUser, s.MonPwd, role})
		want = append(want, []string{"MINSUPPLIES", "1"}, []string{"SHUTDOWNCMD", s.EffectiveShutdownCmd()})
		if o.RunAsUser != "" {
			want = append(want, []string{"RUN_AS_USER", o.RunAsUser})
		}
		want = append(want, []string{"POLLFREQ", "5"}, []string{"POLLFREQALERT", "2"}, []string{"DEADTIME", "15"},
			[]string{"HOSTSYNC", fmt.Sprint(s.HostSync)}, []string{"NOCOMMWARNTIME", fmt.Sprint(s.NoCommWarnTime)},
			[]string{"FINALDELAY", "0"})
		if s.PowerDown && primary {
			flag := o.PowerDownFlag
			if flag == "" {
				flag = DefaultPowerDownFlag
			}
			want = append(want, []string{"POWERDOWNFLAG", flag})
		}
		flags := "SYSLOG"
		if o.NotifyCmd != "" {
			want = append(want, []string{"NOTIFYCMD", o.NotifyCmd})
			flags = "SYSLOG+EXEC"
		}
		for _, ev := range NotifyEvents {
			want = append(want, []string{"NOTIFYFLAG", ev, flags})
		}
	default:
		t.Fatalf("unexpected file %s", name)
	}
	return want
}

func (o Options) listenOr(rmonitor bool) []string {
	return renderer{s: nut.Settings{RMonitor: rmonitor}, o: o}.listen()
}

// FuzzRenderNoInjection: whatever the values, every rendered file parses
// (with NUT's tokenizer) to exactly the directives the settings call for,
// each value intact: no value adds a line, a section or a directive.
func FuzzRenderNoInjection(f *testing.F) {
	type seed struct {
		primary, rmon                                     bool
		id, user, pwd, ruser, rpwd, host, desc, drv, port string
		cmd, okey, oval, opts, upsd, extra, notify, flag  string
	}
	ok := seed{true, true, "ups", "upsmon", `p"w#\=`, "remote", "r p", "nas", `d "x" #1`, "usbhid-ups", "auto",
		"/sbin/shutdown -h +0", "serial", `S\N"#`, "pollinterval = 2", "MAXAGE 20", "[a]\npassword = b", "/usr/bin/nutmeg notify-hook", "/etc/killpower"}
	seeds := []seed{ok}
	for _, inj := range []string{"\n[evil]\n", "x\"\nMONITOR a", "\\\n[evil]", "\"#[evil]", "x\r\nLISTEN 0.0.0.0", "]\n[", "a\x00b", "é", "\\", "\""} {
		for i := 0; i < 12; i++ {
			s := ok
			fields := []*string{&s.id, &s.user, &s.pwd, &s.ruser, &s.rpwd, &s.host, &s.desc, &s.drv, &s.port, &s.cmd, &s.okey, &s.oval}
			*fields[i] = *fields[i] + inj
			seeds = append(seeds, s)
		}
		s := ok
		s.opts, s.upsd, s.extra, s.notify, s.flag = inj, "MAXAGE 1"+inj, "[b]"+inj, "/x"+inj, "/f"+inj
		seeds = append(seeds, s)
		s.primary = false
		seeds = append(seeds, s)
	}
	for _, s := range seeds {
		f.Add(s.primary, s.rmon, s.id, s.user, s.pwd, s.ruser, s.rpwd, s.host, s.desc, s.drv, s.port, s.cmd, s.okey, s.oval, s.opts, s.upsd, s.extra, s.notify, s.flag)
	}
	f.Fuzz(func(t *testing.T, primary, rmon bool, id, user, pwd, ruser, rpwd, host, desc, drv, port, cmd, okey, oval, opts, upsd, extra, notify, flag string) {
		s := nut.Settings{
			Identifier: id, Mode: nut.ModePrimary, RemotePort: 3493, RemoteHost: host, MonUser: user, MonPwd: pwd,
			RMonitor: rmon, RemoteUser: ruser, RemotePwd: rpwd, Driver: drv, Port: port, Description: desc,
			ShutdownCmd: cmd, DriverOptions: map[string]string{okey: oval}, Options: opts, OptionsUPSD: upsd,
			ExtraUsers: extra, Shutdown: nut.ShutdownBatt, ShutdownTimer: 30, HostSync: 15, NoCommWarnTime: 300, PowerDown: true,
		}
		if !primary {
			s.Mode = nut.ModeSecondary
		}
		o := Options{NotifyCmd: notify, PowerDownFlag: flag, RunAsUser: ruser}
		files, err := Render(s, o)
		if err != nil {
			return // refusing is always safe
		}
		for _, file := range files {
			lines, err := Parse(file.Content)
			if err != nil {
				t.Fatalf("%s does not parse: %v\n%s", file.Name, err, file.Masked())
			}
			var got [][]string
			for _, l := range lines {
				got = append(got, l.Args)
			}
			if want := expectedLines(t, s, o, file.Name); !reflect.DeepEqual(got, want) {
				t.Fatalf("%s reads as\n%q\nwant\n%q\nfile:\n%s", file.Name, maskedArgs(got), maskedArgs(want), file.Masked())
			}
		}
	})
}

// TestMaskSecrets: no password of the golden settings survives Masked, in
// any file; files without passwords are shown as they are.
func TestMaskSecrets(t *testing.T) {
	s := combo{primary: true, rmonitor: true}.settings()
	files, err := Render(s, goldenOptions)
	if err != nil {
		t.Fatal(err)
	}
	pws := []string{s.MonPwd, s.RemotePwd, `adm"in`}
	for _, f := range files {
		out := f.Masked()
		for i, pw := range pws {
			if strings.Contains(out, pw) || strings.Contains(out, nutquote.Escape(pw)) {
				t.Errorf("%s: password %d survives Masked", f.Name, i)
			}
		}
		if f.Secret != strings.Contains(out, SecretMask) {
			t.Errorf("%s (secret %v): masked %v", f.Name, f.Secret, strings.Contains(out, SecretMask))
		}
		if !f.Secret && out != f.Content {
			t.Errorf("%s holds no password but Masked changed it", f.Name)
		}
	}
	for _, c := range []struct{ in, want string }{
		{"MONITOR ups@h 1 u \"p\\#\" primary\n", "MONITOR ups@h 1 u ******** primary\n"},
		{"\tpassword=sec\n", "\tpassword = ********\n"},
		{"[u]\n\tPASSWORD = \"a b\"  \n", "[u]\n\tPASSWORD = ********\n"},
		{"password = \"a#b\"\nupsmon primary\n", "# (line not shown)\n# (line not shown)\n"},
		{"password = \\\nsecret\nupsmon primary\n", "# (line not shown)\n# (line not shown)\nupsmon primary\n"},
		{"no newline: password x", "no newline: password x"},
	} {
		if got := MaskSecrets(c.in); got != c.want {
			t.Errorf("MaskSecrets(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
