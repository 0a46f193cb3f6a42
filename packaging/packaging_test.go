package packaging

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// needTool skips outside CI when a checking tool is missing; under CI it
// must be there (make test installs it).
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not installed; make test installs it", name)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

func TestDesktopEntryValidates(t *testing.T) {
	tool := needTool(t, "desktop-file-validate")
	out, err := exec.Command(tool, "linux/nutmeg.desktop").CombinedOutput()
	if err != nil || bytes.Contains(out, []byte("error")) {
		t.Fatalf("desktop-file-validate: %v\n%s", err, out)
	}
	for _, want := range []string{"Exec=nutmeg\n", "Exec=nutmeg window\n", "Exec=nutmeg wizard\n"} {
		if !bytes.Contains(DesktopEntry, []byte(want)) {
			t.Errorf("desktop entry lacks %q", want)
		}
	}
}

func TestPolkitPolicyDeclaresTheApplyAction(t *testing.T) {
	var doc struct {
		Actions []struct {
			ID       string `xml:"id,attr"`
			Annotate []struct {
				Key   string `xml:"key,attr"`
				Value string `xml:",chardata"`
			} `xml:"annotate"`
			Defaults struct {
				Active string `xml:"allow_active"`
			} `xml:"defaults"`
		} `xml:"action"`
	}
	if err := xml.Unmarshal(PolkitPolicy, &doc); err != nil {
		t.Fatalf("polkit policy is not well-formed XML: %v", err)
	}
	if len(doc.Actions) != 1 || doc.Actions[0].ID != PolkitAction {
		t.Fatalf("actions %+v, want one %q", doc.Actions, PolkitAction)
	}
	a := doc.Actions[0]
	if !strings.HasPrefix(a.Defaults.Active, "auth_admin") {
		t.Errorf("allow_active %q: writing /etc/nut must need an administrator", a.Defaults.Active)
	}
	exe := ""
	for _, an := range a.Annotate {
		if an.Key == "org.freedesktop.policykit.exec.path" {
			exe = an.Value
		}
	}
	if exe != "/usr/bin/nutmeg" {
		t.Errorf("exec.path %q, want /usr/bin/nutmeg (where the .deb installs it)", exe)
	}
}

// Every vendor the rule opens up must be one that NUT itself lists as a UPS
// maker in its own udev rules: the rule must not hand group nut other devices.
func TestUdevRuleVendorsAreUPSMakersKnownToNUT(t *testing.T) {
	nutRules, err := os.ReadFile("/lib/udev/rules.d/62-nut-usbups.rules")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	known := map[string]bool{}
	for _, m := range regexp.MustCompile(`ATTR\{idVendor\}=="([0-9a-fA-F]{4})"`).FindAllSubmatch(nutRules, -1) {
		known[strings.ToLower(string(m[1]))] = true
	}
	line := regexp.MustCompile(`^ATTR\{idVendor\}=="([0-9a-f]{4})", MODE="664", GROUP="nut"$`)
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(UdevRule))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(l, "ATTR") {
			continue
		}
		m := line.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("rule line not in the expected form: %q", l)
			continue
		}
		if !known[m[1]] {
			t.Errorf("vendor %s is not a UPS maker in NUT's rules", m[1])
		}
		n++
	}
	if n < 5 {
		t.Fatalf("only %d vendor rules", n)
	}
	if !bytes.Contains(UdevRule, []byte(`ACTION=="remove", GOTO="nutmeg_ups_end"`)) ||
		!bytes.Contains(UdevRule, []byte(`LABEL="nutmeg_ups_end"`)) {
		t.Error("rule must skip remove events and end at its label")
	}
}

func TestSystemdUnitVerifies(t *testing.T) {
	tool := needTool(t, "systemd-analyze")
	dir := t.TempDir()
	// verify insists the ExecStart binary exists; point it at one that does.
	unit := strings.ReplaceAll(string(SystemdUnit), "/usr/bin/nutmeg", "/bin/true")
	path := filepath.Join(dir, "nutmeg.service")
	if err := os.WriteFile(path, []byte(unit), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, "verify", "--man=no", path).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	if !strings.Contains(string(SystemdUnit), "ExecStart=/usr/bin/nutmeg service --system") {
		t.Error("unit does not run the service in system mode")
	}
}

// The .deb script, run for real on a stand-in binary, yields a package with
// every file in place and the dependencies on NUT.
func TestDebPackageBuilds(t *testing.T) {
	needTool(t, "dpkg-deb")
	dir := t.TempDir()
	bin := filepath.Join(dir, "nutmeg")
	for _, name := range []string{"nutmeg", "nutmeg-tray"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\necho stand-in\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command("bash", "deb/build.sh", bin, filepath.Join(dir, "out")).Output()
	if err != nil {
		t.Fatalf("build.sh: %v", err)
	}
	deb := strings.TrimSpace(string(out))
	list, err := exec.Command("dpkg-deb", "-c", deb).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"./usr/bin/nutmeg", "./usr/bin/nutmeg-tray", "./usr/share/applications/io.github.nutmeg_ups.nutmeg.desktop",
		"./usr/share/icons/hicolor/512x512/apps/io.github.nutmeg_ups.nutmeg.png",
		"./usr/share/polkit-1/actions/io.github.nutmeg_ups.nutmeg.policy",
		"./lib/udev/rules.d/63-nutmeg-ups.rules", "./lib/systemd/system/nutmeg.service"} {
		if !strings.Contains(string(list), f+"\n") {
			t.Errorf("package lacks %s", f)
		}
	}
	if !strings.Contains(string(list), "-rwxr-xr-x root/root") {
		t.Error("binary not installed root-owned and executable")
	}
	depends, err := exec.Command("dpkg-deb", "-f", deb, "Depends").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(depends), "nut-server") || !strings.Contains(string(depends), "nut-client") {
		t.Errorf("Depends %q lacks NUT", depends)
	}
}
