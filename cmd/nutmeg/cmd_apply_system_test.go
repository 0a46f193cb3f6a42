package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
	"github.com/nutmeg-ups/nutmeg/wizard"
)

// The wizard's system-mode command line (wizard.SystemCommand) runs the
// real `nutmeg apply --system` with the secrets on stdin. pkexec is a
// stand-in that runs it as root (these tests are root) in a private mount
// namespace whose /etc is an overlay, so /etc/nut and /etc/nutmeg are
// written into this test's dir and the machine's stay as they are;
// systemctl is a stand-in that records its calls, and the UPS that the
// restarted units would serve is a nutlab upsd on the settings' port.
func TestWizardSystemCommandAppliesForReal(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("apply --system needs root (make test runs as root)")
	}
	if testing.Short() {
		t.Skip("builds nutmeg and runs NUT")
	}
	nutlab.Require(t)
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Fatal("unshare (util-linux) is missing")
	}
	const pw = "Sys-Pass_from.stdin!"
	dir, err := os.MkdirTemp("", "nms")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "nutmeg")
	placeBinary(t, goBuild(t, ".", ""), bin)

	lab := nutlab.New(t)
	lab.WriteBasic("ups", "ups.dev", "upsmon", pw, filepath.Join(lab.Dir, "marker"))
	lab.WriteDev("ups.dev", map[string]string{"ups.status": "OL", "battery.charge": "88"})
	lab.StartDriver("dummy-ups", "ups")
	lab.StartUpsd()
	lab.WaitReady("ups", 15*time.Second)

	s := nut.Defaults()
	s.Driver, s.Port, s.RemotePort, s.MonUser, s.MonPwd = "dummy-ups", "ups.dev", lab.Port, "upsmon", pw
	settings := filepath.Join(dir, "settings.json")
	if err := nut.Save(settings, s); err != nil {
		t.Fatal(err)
	}

	upper, work, stand := filepath.Join(dir, "upper"), filepath.Join(dir, "work"), filepath.Join(dir, "bin")
	for _, d := range []string{upper, work, stand} {
		os.Mkdir(d, 0o755)
	}
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(stand, name), []byte(text), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// Inside the overlay /etc/nut is this machine's: Debian's stock files
	// (MODE=none) count as "installed, not set up" and are replaced.
	write("pkexec", `#!/bin/sh
printf '%s\n' "$@" > "`+dir+`/pkexec.args"
exec unshare -m sh -c 'mount -t overlay overlay -o lowerdir=/etc,upperdir=`+upper+`,workdir=`+work+` /etc && exec "$@"' pkexec "$@"
`)
	write("systemctl", "#!/bin/sh\necho \"$*\" >> "+dir+"/systemctl.calls\n")

	t.Setenv("PATH", stand+":"+os.Getenv("PATH"))
	argv := wizard.SystemCommand(bin, settings)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin = strings.NewReader("NUTMEG_MONITOR_PASSWORD=" + pw + "\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%q: %v\n%s", argv, err, out)
	}
	for _, want := range []string{"ups.status: OL", "nutmeg.service is enabled and running"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), pw) {
		t.Error("the password is in the output")
	}

	args, _ := os.ReadFile(filepath.Join(dir, "pkexec.args"))
	if strings.Contains(string(args), pw) {
		t.Fatal("the password is in pkexec's argv")
	}
	if !strings.Contains(string(args), "--system") && !strings.Contains(string(args), wizard.SystemHelper) {
		t.Fatalf("pkexec did not run apply --system: %q", args)
	}
	calls, _ := os.ReadFile(filepath.Join(dir, "systemctl.calls"))
	wantCalls := []string{"restart nut-driver-enumerator.service", "restart nut.target", "enable nutmeg.service", "restart nutmeg.service"}
	if got := strings.Split(strings.TrimSpace(string(calls)), "\n"); !slices.Equal(got, wantCalls) {
		t.Errorf("systemctl calls %q, want %q", got, wantCalls)
	}
	// What the privileged side wrote, as the overlay's upper layer holds it.
	secrets := filepath.Join(upper, "nutmeg", "secrets")
	st, err := os.Stat(secrets)
	if err != nil {
		t.Fatalf("no /etc/nutmeg/secrets: %v", err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("secrets mode %v", st.Mode().Perm())
	}
	if b, _ := os.ReadFile(secrets); !strings.Contains(string(b), pw) {
		t.Error("the password from stdin is not in /etc/nutmeg/secrets")
	}
	if b, _ := os.ReadFile(filepath.Join(upper, "nutmeg", "settings.json")); strings.Contains(string(b), pw) || len(b) == 0 {
		t.Errorf("/etc/nutmeg/settings.json missing or holding the password (%d bytes)", len(b))
	}
	if b, _ := os.ReadFile(filepath.Join(upper, "nut", "upsmon.conf")); !strings.Contains(string(b), `MONITOR "`+s.Identifier+"@"+lab.Addr()+`"`) {
		t.Errorf("/etc/nut/upsmon.conf does not monitor %s@%s (%d bytes)", s.Identifier, lab.Addr(), len(b))
	}
}
