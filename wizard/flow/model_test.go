package flow

import (
	"errors"
	"strings"
	"testing"

	"github.com/nutmeg-ups/nutmeg/hw"
	"github.com/nutmeg-ups/nutmeg/nut"
)

func TestSetTextAndNumbers(t *testing.T) {
	tests := []struct {
		field, text string
		check       func(nut.Settings) bool
		problem     string // "" when the text is fine
	}{
		{"shutdowntimer", "45", func(s nut.Settings) bool { return s.ShutdownTimer == 45 }, ""},
		{"shutdowntimer", " 60 ", func(s nut.Settings) bool { return s.ShutdownTimer == 60 }, ""},
		{"shutdowntimer", "soon", func(s nut.Settings) bool { return s.ShutdownTimer == 30 }, "whole number of seconds"},
		{"smtp.port", "x", func(s nut.Settings) bool { return s.SMTP.Port == nut.DefaultSMTPPort }, "port number"},
		{"remoteport", "3494", func(s nut.Settings) bool { return s.RemotePort == 3494 }, ""},
		{"toemail", "a@example.com, b@example.com;c@example.com\nd@example.com", func(s nut.Settings) bool {
			return strings.Join(s.ToEmail, " ") == "a@example.com b@example.com c@example.com d@example.com"
		}, ""},
		{"driver_options", "vendorid = 051d\nproductid=0002\npollonly", func(s nut.Settings) bool {
			o := s.DriverOptions
			return len(o) == 3 && o["vendorid"] == "051d" && o["productid"] == "0002" && o["pollonly"] == ""
		}, ""},
		{"driver_options", "vendor id = 051d", func(s nut.Settings) bool { return s.DriverOptions == nil }, "name = value"},
		{"mode", "slave", func(s nut.Settings) bool { return s.Mode == nut.ModeSecondary }, ""},
		{"mode", "MASTER", func(s nut.Settings) bool { return s.Mode == nut.ModePrimary }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.field+"="+tc.text, func(t *testing.T) {
			f := New()
			f.ChooseDevice(Choice{Driver: "usbhid-ups", Port: "auto"})
			f.SetText(tc.field, tc.text)
			if !tc.check(f.Settings) {
				t.Fatalf("settings after %q: %+v", tc.text, f.Settings)
			}
			fe, bad := f.FieldProblem(tc.field)
			if (tc.problem != "") != bad || !strings.Contains(fe.Rule, tc.problem) {
				t.Fatalf("problem %v %q, want %q", bad, fe.Rule, tc.problem)
			}
			if bad && f.Text(tc.field) != tc.text {
				t.Fatalf("the typed text is lost: %q", f.Text(tc.field))
			}
			if bad && f.CanApply() {
				t.Fatal("Apply allowed with a number that does not parse")
			}
		})
	}
}

func TestOptionsText(t *testing.T) {
	m := map[string]string{"vendorid": "051d", "pollonly": "", "productid": "0002"}
	txt := OptionsText(m)
	if txt != "pollonly\nproductid = 0002\nvendorid = 051d" {
		t.Fatalf("%q", txt)
	}
	back, bad := ParseOptions(txt)
	if bad != "" || len(back) != 3 || back["vendorid"] != "051d" || back["pollonly"] != "" {
		t.Fatalf("round trip %v %q", back, bad)
	}
}

func report() hw.Report {
	return hw.Report{
		Devices: []hw.Device{
			{ID: "usb:001:004", Kind: "usb", VendorID: "051d", ProductID: "0002", Manufacturer: "American Power Conversion", Product: "Back-UPS ES 700 FW:811.z3", UPS: true},
			{ID: "usb:001:005", Kind: "usb", VendorID: "0665", ProductID: "5161", UPS: true},
			{ID: "usb:001:001", Kind: "usb", VendorID: "1d6b", ProductID: "0002", Note: "not a UPS: hub"},
		},
		Suggestions: []hw.Suggestion{
			{Device: "usb:001:004", Driver: "usbhid-ups", Port: "auto", Options: map[string]string{"vendorid": "051d"}, Confidence: hw.High, Reason: "NUT lists 051d:0002.", Ready: true},
			{Device: "usb:001:005", Driver: "nutdrv_qx", Port: "auto", Confidence: hw.Medium, Reason: "A generic ID.", Ready: true},
			{Device: "usb:001:005", Driver: "blazer_usb", Port: "auto", Confidence: hw.Low, Reason: "An alternative.", Ready: false, Install: "apt install nut-extra"},
		},
	}
}

func TestFindOptions(t *testing.T) {
	f := New()
	f.SetFound(Found{Report: report()})
	opts := f.Options()
	titles := []string{}
	for _, o := range opts {
		titles = append(titles, o.Title)
	}
	if len(opts) != 5 || opts[len(opts)-1].Source != SourceSimulated || opts[len(opts)-2].Source != SourceSecondary {
		t.Fatalf("options %q", titles)
	}
	if opts[0].Title != "APC Back-UPS ES 700 (USB 051d:0002) — usbhid-ups on auto" {
		t.Fatalf("first option %q", opts[0].Title)
	}
	// the confident, installed suggestion is preselected: the quick path
	if f.Selected != 0 || f.Source != SourceDevice || !f.Quick || f.Settings.DriverOptions["vendorid"] != "051d" {
		t.Fatalf("preselection: %d %v quick %v", f.Selected, f.Source, f.Quick)
	}
	if f.Settings.Description != "APC Back-UPS ES 700" {
		t.Fatalf("description %q", f.Settings.Description)
	}
	// a medium suggestion walks every page; a missing driver cannot be chosen
	if !f.Select(1) || f.Quick || f.Settings.Driver != "nutdrv_qx" {
		t.Fatal("medium suggestion")
	}
	if f.Select(2) || f.Settings.Driver != "nutdrv_qx" || !opts[2].Disabled || !strings.Contains(opts[2].Reason, "apt install nut-extra") {
		t.Fatal("a driver that is not installed was chosen")
	}
	// a rescan keeps a non-device choice
	f.Select(4)
	f.SetFound(Found{Report: report()})
	if f.Source != SourceSimulated || f.Options()[f.Selected].Source != SourceSimulated {
		t.Fatalf("rescan dropped the simulated choice: %v", f.Source)
	}
	// nothing confident and installed: nothing preselected
	g := New()
	r := report()
	r.Suggestions = r.Suggestions[2:]
	g.SetFound(Found{Report: r})
	if g.Source != SourceNone || g.CanNext() {
		t.Fatal("a suggestion that cannot be used was preselected")
	}
}

func TestImportAndBack(t *testing.T) {
	f := New()
	imp := nut.Defaults()
	imp.Identifier, imp.Driver, imp.Port, imp.MonPwd = "office", "blazer_ser", "/dev/ttyS0", "from-the-old-files"
	f.SetFound(Found{Report: report(), ImportDir: "/etc/nut", Import: &imp})
	var idx int
	for i, o := range f.Options() {
		if o.Source == SourceImport {
			idx = i
		}
	}
	ownPwd := f.Settings.MonPwd
	if !f.Select(idx) || f.Settings.Identifier != "office" || f.Settings.MonPwd != "from-the-old-files" || f.Quick {
		t.Fatalf("import: %+v", f.Settings)
	}
	f.Select(0) // back to the probed UPS: the import's settings are gone
	if f.Settings.Identifier != "ups" || f.Settings.MonPwd != ownPwd || f.Settings.Driver != "usbhid-ups" {
		t.Fatalf("after leaving the import: %+v", f.Settings)
	}
}

func TestDiff(t *testing.T) {
	d := Diff("a\nb\nc\n", "a\nc\nd\n")
	if got := DiffText(d); got != " a\n-b\n c\n+d\n" {
		t.Fatalf("%q", got)
	}
	if got := DiffText(Diff("", "x\n")); got != "+x\n" {
		t.Fatalf("%q", got)
	}
}

func TestProgressFinish(t *testing.T) {
	p := NewProgress([]string{StepSave, StepWrite, StepDriver, StepUpsd})
	p.Update(StepSave, StateDone, "")
	p.Update(StepWrite, StateDone, "")
	p.Update(StepDriver, StateRunning, "")
	p.Finish(errors.New("driver exited: libusb1: Could not open any HID devices: insufficient permissions on everything"), true)
	if p.Failed != StepDriver || p.Rows[2].State != StateFailed || p.Rows[3].State != StateSkipped || !p.Restored {
		t.Fatalf("%+v", p)
	}
	if p.Fix == nil || p.Fix.Kind != "usb-permissions" {
		t.Fatalf("no USB fix: %+v", p.Fix)
	}
}

func TestKnownFix(t *testing.T) {
	tests := []struct{ msg, kind string }{
		// NUT 2.8.0's own words (strings of /lib/nut/usbhid-ups)
		{"libusb1: Could not open any HID devices: insufficient permissions on everything", "usb-permissions"},
		{"Can't claim USB device [051d:0002]@0/0: Access denied (insufficient permissions)", "usb-permissions"},
		{"Unable to open /dev/ttyS0: Permission denied", "serial-permissions"},
		{"No matching HID UPS found", ""},
		{"upsd did not serve ups within 30s", ""},
	}
	for _, tc := range tests {
		fx, ok := KnownFix(tc.msg)
		if ok != (tc.kind != "") || fx.Kind != tc.kind {
			t.Errorf("%q: %v %q, want %q", tc.msg, ok, fx.Kind, tc.kind)
		}
		if tc.kind == "usb-permissions" && strings.Contains(tc.msg, "051d") && !strings.Contains(fx.Command, `"051d"`) {
			t.Errorf("the rule does not name the UPS: %s", fx.Command)
		}
	}
}

func TestFilesMaskedWithDiff(t *testing.T) {
	f := New()
	f.ChooseDevice(Choice{Driver: "usbhid-ups", Port: "auto"})
	f.Settings.MonPwd = "Plain-Password-123" // nothing to escape: a leak would show as typed
	dir := t.TempDir()
	views, err := f.Files(confRender, dir)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, v := range views {
		names = append(names, v.Name+":"+v.Change)
		if strings.Contains(v.Text, f.Settings.MonPwd) {
			t.Fatalf("%s shows the password", v.Name)
		}
	}
	if strings.Join(names, " ") != "nut.conf:new ups.conf:new upsd.conf:new upsd.users:new upsmon.conf:new" {
		t.Fatalf("files %v", names)
	}
	// the current files differ only in the timer: one file changed,
	// the password lines compare equal once masked
	writeViews(t, dir, f)
	f.SetText("hostsync", "20")
	f.RegeneratePassword("monpwd")
	views, _ = f.Files(confRender, dir)
	for _, v := range views {
		want := "unchanged"
		if v.Name == "upsmon.conf" {
			want = "changed"
		}
		if v.Change != want {
			t.Errorf("%s: %s, want %s\n%s", v.Name, v.Change, want, DiffText(v.Diff))
		}
	}
}

func TestNoLocalNUT(t *testing.T) {
	for _, tc := range []struct {
		goos     string
		nutFound bool
		want     bool
	}{
		{"windows", false, true},
		{"windows", true, false},
		{"linux", false, false},
		{"linux", true, false},
	} {
		if got := NoLocalNUT(tc.goos, tc.nutFound); got != tc.want {
			t.Errorf("NoLocalNUT(%q, %v) = %v, want %v", tc.goos, tc.nutFound, got, tc.want)
		}
	}
}

// Where the machine cannot run NUT, a first setup starts on "a UPS on
// another machine", even with a recognised USB UPS plugged in; a choice
// already made and a reopened wizard's saved setup stay.
func TestFindDefaultsToSecondaryWithoutNUT(t *testing.T) {
	f := New()
	f.SetFound(Found{Report: report(), NoLocalNUT: true})
	if f.Source != SourceSecondary || f.Settings.Mode != nut.ModeSecondary || f.Options()[f.Selected].Source != SourceSecondary {
		t.Fatalf("without local NUT: source %v, mode %q", f.Source, f.Settings.Mode)
	}
	f.Select(len(f.Options()) - 1) // the demo
	f.SetFound(Found{Report: report(), NoLocalNUT: true})
	if f.Source != SourceSimulated {
		t.Fatalf("a rescan replaced the user's choice: %v", f.Source)
	}
	saved := nut.Defaults()
	saved.Mode, saved.RemoteHost = nut.ModeSecondary, "nas.local"
	g := Reopen(saved, true, false, false)
	g.SetSaved(saved)
	g.SetFound(Found{Report: report(), NoLocalNUT: true})
	if g.Source != SourceSaved {
		t.Fatalf("reopened: source %v", g.Source)
	}
	h := New()
	h.SetFound(Found{Report: report()})
	if h.Source != SourceDevice {
		t.Fatalf("with NUT: source %v, want the recognised UPS", h.Source)
	}
}
