package packaging

import (
	"bufio"
	"bytes"
	"debug/elf"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/nutmeg-ups/nutmeg/nut/conf"
	"github.com/nutmeg-ups/nutmeg/nut/testneed"
)

func TestDesktopEntryValidates(t *testing.T) {
	tool := testneed.Tool(t, "desktop-file-validate")
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
	if exe != ApplySystemHelper {
		t.Errorf("exec.path %q, want %s: the action must admit nothing but apply --system", exe, ApplySystemHelper)
	}
	// and that helper runs apply --system, whatever arguments it gets
	helper, err := os.ReadFile("libexec/" + filepath.Base(ApplySystemHelper))
	if err != nil {
		t.Fatal(err)
	}
	var execs []string
	for _, l := range strings.Split(string(helper), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "exec ") {
			execs = append(execs, strings.TrimSpace(l))
		}
	}
	if len(execs) != 1 || execs[0] != `exec /usr/bin/nutmeg apply --system "$@"` {
		t.Errorf("helper execs %q, want only nutmeg apply --system", execs)
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
	tool := testneed.Tool(t, "systemd-analyze")
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

// The .deb, built by nfpm from the real binaries, holds every file in place,
// depends on the packages of every library the binaries link, carries the
// maintainer scripts, and lintian finds no error in it.
func TestDebPackageBuilds(t *testing.T) {
	testneed.Tool(t, "dpkg-deb")
	lintian := testneed.Tool(t, "lintian")
	dir := t.TempDir()
	// As make build builds them: nutmeg without Fyne, nutmeg-gui (the same
	// command with the windows, which nutmeg execs), nutmeg-tray.
	for _, b := range []struct{ name, pkg, tags string }{
		{"nutmeg", "../cmd/nutmeg", "nogui"}, {"nutmeg-gui", "../cmd/nutmeg", "no_emoji"}, {"nutmeg-tray", "../cmd/nutmeg-tray", ""},
	} {
		if out, err := exec.Command("go", "build", "-tags", b.tags, "-o", filepath.Join(dir, b.name), b.pkg).CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", b.name, err, out)
		}
	}
	cmd := exec.Command("bash", "deb/build.sh", dir, filepath.Join(dir, "out"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("build.sh: %v\n%s", err, stderr.String())
	}
	deb := strings.TrimSpace(string(out))
	list, err := exec.Command("dpkg-deb", "-c", deb).Output()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"./usr/bin/nutmeg", "./usr/bin/nutmeg-gui", "./usr/bin/nutmeg-tray", "./usr/libexec/nutmeg/nutmeg-apply-system",
		"./usr/share/applications/io.github.nutmeg_ups.nutmeg.desktop",
		"./usr/share/metainfo/io.github.nutmeg_ups.nutmeg.metainfo.xml",
		"./usr/share/icons/hicolor/scalable/apps/io.github.nutmeg_ups.nutmeg.svg",
		"./usr/share/polkit-1/actions/io.github.nutmeg_ups.nutmeg.policy",
		"./lib/udev/rules.d/63-nutmeg-ups.rules", "./lib/systemd/system/nutmeg.service",
		"./usr/share/man/man1/nutmeg.1.gz", "./usr/share/doc/nutmeg/copyright"}
	for _, n := range []int{16, 22, 24, 32, 48, 64, 128, 256, 512} {
		want = append(want, fmt.Sprintf("./usr/share/icons/hicolor/%dx%d/apps/io.github.nutmeg_ups.nutmeg.png", n, n))
	}
	for _, f := range want {
		if !strings.Contains(string(list), f+"\n") {
			t.Errorf("package lacks %s", f)
		}
	}
	for _, exe := range []string{"./usr/bin/nutmeg\n", "./usr/bin/nutmeg-gui\n", "./usr/bin/nutmeg-tray\n", "./usr/libexec/nutmeg/nutmeg-apply-system\n"} {
		if !regexp.MustCompile(`-rwxr-xr-x root/root +\d+ \S+ \S+ ` + regexp.QuoteMeta(exe)).Match(list) {
			t.Errorf("%s not installed root-owned and executable", strings.TrimSpace(exe))
		}
	}
	if regexp.MustCompile(`(?m)^d..-`).Match(list) {
		t.Error("a directory in the package is not searchable (drw-)")
	}

	// Depends names NUT and the package of every library the binaries link.
	depends, err := exec.Command("dpkg-deb", "-f", deb, "Depends").Output()
	if err != nil {
		t.Fatal(err)
	}
	deps := map[string]bool{}
	for _, d := range strings.Split(string(depends), ",") {
		deps[strings.Fields(d)[0]] = true
	}
	for _, p := range []string{"nut-server", "nut-client", "libusb-1.0-0"} {
		if !deps[p] {
			t.Errorf("Depends %q lacks %s", depends, p)
		}
	}
	for _, name := range []string{"nutmeg", "nutmeg-gui", "nutmeg-tray"} {
		for _, lib := range neededLibs(t, filepath.Join(dir, name)) {
			pkg := packageOfLib(t, lib)
			if pkg != "" && !deps[pkg] {
				t.Errorf("%s links %s (package %s), which Depends %q lacks", name, lib, pkg, depends)
			}
		}
	}
	ctrl, err := exec.Command("dpkg-deb", "-I", deb).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"postinst", "prerm", "postrm"} {
		if !strings.Contains(string(ctrl), " "+s+" ") {
			t.Errorf("control archive lacks %s", s)
		}
	}

	lout, _ := exec.Command(lintian, "--tag-display-limit", "0", deb).CombinedOutput()
	for _, l := range strings.Split(string(lout), "\n") {
		if strings.HasPrefix(l, "E: ") {
			t.Errorf("lintian: %s", l)
		}
	}
	t.Logf("lintian:\n%s", lout)
}

// The maintainer scripts are valid sh, and postrm's purge restores exactly
// the files Nutmeg manages in /etc/nut.
func TestMaintainerScripts(t *testing.T) {
	for _, name := range []string{"postinst", "prerm", "postrm"} {
		if out, err := exec.Command("sh", "-n", "deb/"+name).CombinedOutput(); err != nil {
			t.Errorf("%s: %v\n%s", name, err, out)
		}
	}
	postrm, err := os.ReadFile("deb/postrm")
	if err != nil {
		t.Fatal(err)
	}
	want := `managed="` + strings.Join(conf.ManagedNames, " ") + `"`
	if !bytes.Contains(postrm, []byte(want)) {
		t.Errorf("postrm does not restore conf.ManagedNames: want the line %s", want)
	}
	for _, s := range []string{conf.OriginalDir, conf.PreviousDir, conf.Marker} {
		if !bytes.Contains(postrm, []byte(s)) {
			t.Errorf("postrm does not mention %q", s)
		}
	}
}

// neededLibs lists the shared libraries a binary links (ELF DT_NEEDED).
func neededLibs(t *testing.T, path string) []string {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	libs, err := f.ImportedLibraries()
	if err != nil {
		t.Fatal(err)
	}
	return libs
}

// packageOfLib is the Debian package that ships lib on this machine, or ""
// when dpkg does not know it.
func packageOfLib(t *testing.T, lib string) string {
	t.Helper()
	out, err := exec.Command("dpkg", "-S", "*/"+lib).Output()
	if err != nil {
		return ""
	}
	pkg, _, _ := strings.Cut(strings.SplitN(string(out), "\n", 2)[0], ":")
	return pkg
}

// The AppStream metainfo validates and names the version being packaged.
func TestMetainfoValidates(t *testing.T) {
	tool := testneed.Tool(t, "appstreamcli")
	path := "linux/io.github.nutmeg_ups.nutmeg.metainfo.xml"
	out, err := exec.Command(tool, "validate", "--no-net", path).CombinedOutput()
	if err != nil {
		t.Fatalf("appstreamcli validate: %v\n%s", err, out)
	}
	toml, err := os.ReadFile("../FyneApp.toml")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^Version *= *"(.*)"`).FindSubmatch(toml)
	meta, _ := os.ReadFile(path)
	if m == nil || !bytes.Contains(meta, []byte(`<release version="`+string(m[1])+`"`)) {
		t.Errorf("metainfo has no <release> for version %s", m[1])
	}
	if !bytes.Contains(meta, []byte("<launchable type=\"desktop-id\">io.github.nutmeg_ups.nutmeg.desktop</launchable>")) {
		t.Error("metainfo does not launch the installed desktop file")
	}
}
