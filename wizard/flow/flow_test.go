package flow

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/nutmeg-ups/nutmeg/nut"
)

var apcUSB = Choice{Driver: "usbhid-ups", Port: "auto", Options: map[string]string{"vendorid": "051d", "productid": "0002"},
	Description: "APC Back-UPS ES 700", Confident: true}

// The quick path: a confident suggestion reaches Apply in two clicks (Next,
// Apply) with nothing typed; the third is the Done on the result page.
func TestQuickPathReachesApply(t *testing.T) {
	f := New()
	if f.CanNext() {
		t.Fatal("Next enabled before a UPS was chosen")
	}
	f.ChooseDevice(apcUSB)
	if !f.Next() || f.Page != Review {
		t.Fatalf("Next from Find went to %v, want review; problems %v", f.Page, f.Problems())
	}
	if !f.CanApply() || !f.Next() || f.Page != Apply {
		t.Fatalf("Apply not reachable: page %v, problems %v", f.Page, f.Problems())
	}
	s := f.Settings
	if s.Driver != "usbhid-ups" || s.Port != "auto" || s.DriverOptions["vendorid"] != "051d" || s.Mode != nut.ModePrimary {
		t.Fatalf("settings not taken from the suggestion: %+v", s)
	}
	if len(s.MonPwd) < 20 {
		t.Fatalf("monitor password not generated (%d chars)", len(s.MonPwd))
	}
}

func TestUnconfidentChoiceWalksEveryPage(t *testing.T) {
	f := New()
	f.ChooseDevice(Choice{Driver: "nutdrv_qx", Port: "auto"})
	var seen []Page
	for f.Page != Apply {
		seen = append(seen, f.Page)
		if !f.Next() {
			t.Fatalf("stuck on %v: %v", f.Page, f.Problems())
		}
	}
	want := []Page{Find, Driver, Access, Shutdown, Notify, Advanced, Review}
	if len(seen) != len(want) {
		t.Fatalf("walked %v, want %v", seen, want)
	}
	for i := range want {
		if seen[i] != want[i] {
			t.Fatalf("walked %v, want %v", seen, want)
		}
	}
}

func TestValidationKeepsNextDisabledUntilFixed(t *testing.T) {
	tests := []struct {
		page  Page
		field string
		bad   func(*nut.Settings)
		fix   func(*nut.Settings)
	}{
		{Driver, "port", func(s *nut.Settings) { s.Port = "" }, func(s *nut.Settings) { s.Port = "auto" }},
		{Access, "identifier", func(s *nut.Settings) { s.Identifier = "my ups" }, func(s *nut.Settings) { s.Identifier = "my-ups" }},
		{Access, "monpwd", func(s *nut.Settings) { s.MonPwd = "has=equals" }, func(s *nut.Settings) { s.MonPwd = "fine-Password-123" }},
		{Shutdown, "shutdowntimer", func(s *nut.Settings) { s.ShutdownTimer = -1 }, func(s *nut.Settings) { s.ShutdownTimer = 60 }},
		{Notify, "toemail", func(s *nut.Settings) {
			s.EmailNotify = true
			s.ToEmail = []string{"not an address"}
			s.SMTP.Host = "mail"
			s.SMTP.From = "ups@example.com"
		},
			func(s *nut.Settings) { s.ToEmail = []string{"admin@example.com"} }},
		{Advanced, "hostsync", func(s *nut.Settings) { s.HostSync = -5 }, func(s *nut.Settings) { s.HostSync = 15 }},
	}
	for _, tc := range tests {
		t.Run(tc.field, func(t *testing.T) {
			f := New()
			f.ChooseDevice(apcUSB)
			f.Customize()
			f.Page = tc.page
			tc.bad(&f.Settings)
			if f.CanNext() || f.Next() {
				t.Fatalf("Next allowed with a bad %s", tc.field)
			}
			fe, ok := f.FieldProblem(tc.field)
			if !ok || fe.Rule == "" {
				t.Fatalf("no problem reported for %s: %v", tc.field, f.Problems())
			}
			if f.CanApply() {
				t.Fatal("Apply allowed with a bad field")
			}
			tc.fix(&f.Settings)
			if !f.CanNext() {
				t.Fatalf("Next still disabled after fixing %s: %v", tc.field, f.Problems())
			}
		})
	}
}

func TestSecondaryHidesPrimaryFieldsAndRequiresServer(t *testing.T) {
	f := New()
	f.ChooseSecondary()
	for _, field := range []string{"driver", "port", "driver_options", "rmonitor", "powerdown", "options", "optionsupsd", "extrausers"} {
		if f.Visible(field) {
			t.Errorf("%s visible in secondary mode", field)
		}
	}
	if f.Settings.MonPwd != "" || !f.Required("monpwd") {
		t.Fatal("a secondary is offered a generated password instead of asking for the server's")
	}
	f.ChooseSimulated()
	if len(f.Settings.MonPwd) < 20 {
		t.Fatal("back to primary: the generated password is not back")
	}
	f.ChooseSecondary()
	if !f.Visible("remotehost") || !f.Required("remotehost") || f.Required("driver") {
		t.Fatal("secondary must show and require the remote host, and not require a driver")
	}
	f.Next() // to Driver: the server page
	if f.Page != Driver {
		t.Fatalf("page %v", f.Page)
	}
	if f.CanNext() {
		t.Fatal("Next allowed without a remote host")
	}
	if _, ok := f.FieldProblem("remotehost"); !ok {
		t.Fatal("missing remote host not reported")
	}
	f.Settings.RemoteHost = "nas.local"
	f.Settings.MonPwd = "server-Password-1"
	if !f.CanNext() {
		t.Fatalf("Next disabled with a remote host: %v", f.Problems())
	}
}

// Reopened with a password in the keyring: the empty password field means
// "keep it" and is not asked for again.
func TestReopenKeepsStoredPassword(t *testing.T) {
	s := nut.Defaults()
	s.Driver, s.Port = "usbhid-ups", "auto"
	s.MonPwd = ""
	f := Reopen(s, true, false, false)
	if f.Required("monpwd") {
		t.Fatal("stored password asked again")
	}
	if !f.CanApply() {
		t.Fatalf("reopened valid settings cannot be applied: %v", f.Problems())
	}
	f.StoredPassword = false
	if f.CanApply() {
		t.Fatal("no password at all, yet Apply allowed")
	}
}

func TestShutdownSentence(t *testing.T) {
	s := nut.Defaults()
	if got := ShutdownSentence(s); !strings.HasPrefix(got, "When the power fails, this computer shuts down after 30 seconds on battery, or at once when the battery runs low.") {
		t.Fatalf("batt: %q", got)
	}
	s.Shutdown = nut.ShutdownLowBatt
	if got := ShutdownSentence(s); !strings.HasPrefix(got, "When the power fails, this computer keeps running on battery and shuts down when the battery runs low.") {
		t.Fatalf("lowbatt: %q", got)
	}
	s.PowerDown = true
	if got := ShutdownSentence(s); !strings.Contains(got, "UPS switches its outlets off") {
		t.Fatalf("powerdown: %q", got)
	}
}

func TestDuration(t *testing.T) {
	for in, want := range map[int]string{0: "0 seconds", 1: "1 second", 30: "30 seconds", 60: "1 minute", 90: "1 minute 30 seconds",
		300: "5 minutes", 3600: "1 hour", 5400: "1 hour 30 minutes", 86400: "24 hours"} {
		if got := Duration(in); got != want {
			t.Errorf("Duration(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestSummaryNeverShowsSecrets(t *testing.T) {
	f := New()
	f.ChooseDevice(apcUSB)
	f.Settings.RMonitor = true
	f.Settings.RemotePwd = "remote-Secret-999"
	all := strings.Join(Summary(f), "\n")
	if strings.Contains(all, f.Settings.MonPwd) || strings.Contains(all, "remote-Secret-999") {
		t.Fatalf("summary shows a secret: %s", all)
	}
}

// The model is plain Go: no Fyne anywhere in its dependencies.
func TestFlowDoesNotImportFyne(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "fyne.io/") {
		t.Fatal("wizard/flow depends on Fyne")
	}
}

// runtimelow is edited on the Shutdown page, said in the page's sentence,
// and checked by the settings' rule (0 to 3600).
func TestRuntimeLowField(t *testing.T) {
	f := New()
	if f.PageOf("runtimelow") != Shutdown {
		t.Fatalf("runtimelow is on page %v, want Shutdown", f.PageOf("runtimelow"))
	}
	f.SetText("runtimelow", "90")
	if f.Settings.RuntimeLow != 90 {
		t.Fatalf("runtimelow %d after typing 90", f.Settings.RuntimeLow)
	}
	if s := ShutdownSentence(f.Settings); !strings.Contains(s, "less than 1 minute 30 seconds of battery is left") {
		t.Errorf("sentence %q does not say the runtime rule", s)
	}
	f.SetText("runtimelow", "0")
	if s := ShutdownSentence(f.Settings); strings.Contains(s, "battery is left") {
		t.Errorf("sentence %q mentions runtimelow although it is off", s)
	}
	f.Settings.RuntimeLow = 4000
	err := f.Settings.Validate()
	if err == nil || !strings.Contains(err.Error(), "runtimelow") {
		t.Errorf("runtimelow 4000 validated: %v", err)
	}
}
