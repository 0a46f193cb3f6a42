package windows

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/client"
	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
)

// winePrefix is a WINEPREFIX of the test's own (made in about 20 s): the
// Windows service it registers, its services.exe and its Credential
// Manager end with it, and no uninstaller of another test can see its
// processes (a wineserver serves one prefix).
type winePrefix struct {
	t   *testing.T
	dir string
}

func newPrefix(t *testing.T) *winePrefix {
	p := &winePrefix{t: t, dir: filepath.Join(t.TempDir(), "wine")}
	wineserver(t) // skip or fail now, not in the cleanup
	t.Cleanup(func() { p.server(context.Background(), "-k") })
	return p
}

// server runs the prefix's wineserver with flag: -k ends it and all it
// runs, -w waits until it has ended.
func (p *winePrefix) server(ctx context.Context, flag string) {
	ws := exec.CommandContext(ctx, wineserver(p.t), flag)
	ws.Env = append(os.Environ(), "WINEPREFIX="+p.dir)
	_ = ws.Run()
}

// run runs a Windows program in the prefix, with env added, and returns
// its output.
func (p *winePrefix) run(ctx context.Context, env []string, args ...string) (string, error) {
	cmd := p.cmd(ctx, env, args...)
	return output(p.t, cmd)
}

func (p *winePrefix) cmd(ctx context.Context, env []string, args ...string) *exec.Cmd {
	cmd := wine(p.t, ctx, args...)
	cmd.Env = append(append(os.Environ(), "NUTMEG_WINEPREFIX="+p.dir), env...)
	return cmd
}

// cPath names a file under the prefix's drive_c as Windows programs
// there do (C:\...), not through Z:, as the installer's entries name them.
func (p *winePrefix) cPath(path string) string {
	rel, err := filepath.Rel(p.drive(), path)
	if err != nil || strings.HasPrefix(rel, "..") {
		p.t.Fatalf("%s is not under drive_c", path)
	}
	return `C:\` + strings.ReplaceAll(rel, "/", `\`)
}

func (p *winePrefix) drive(parts ...string) string {
	return filepath.Join(append([]string{p.dir, "drive_c"}, parts...)...)
}

// home is the Wine user's profile directory.
func (p *winePrefix) home(t *testing.T, parts ...string) string {
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	return p.drive(append([]string{"users", u.Username}, parts...)...)
}

// credentials lists the Credential Manager's entries (Wine keeps them in
// the registry, the secret values encrypted).
func (p *winePrefix) credentials(ctx context.Context) string {
	b, _ := p.run(ctx, nil, "reg", "query", `HKCU\Software\Wine\Credential Manager`, "/s")
	return b
}

// waitGone waits until path no longer exists.
func waitGone(path string, within time.Duration) bool {
	for end := time.Now().Add(within); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		if _, err := os.Stat(path); os.IsNotExist(err) {
			return true
		}
	}
	return false
}

func installer(t *testing.T, bin string) string {
	setups, _ := filepath.Glob(filepath.Join(bin, "nutmeg-*-setup.exe"))
	if len(setups) != 1 {
		t.Fatalf("want one installer in %s, found %v", bin, setups)
	}
	return setups[0]
}

// join makes the Wine user follow the lab's UPS the way a user does
// (`nutmeg join`: LOGIN checked, password into the Credential Manager,
// settings into %APPDATA%), then points the shutdown command at a marker.
func join(t *testing.T, ctx context.Context, p *winePrefix, exe string, port int, marker string) string {
	t.Helper()
	b, err := p.run(ctx, []string{"NUTMEG_REMOTE_MONITOR_PASSWORD=" + monPass}, exe, "join", "--user", monUser, fmt.Sprintf("127.0.0.1:%d/ups", port))
	if err != nil || !strings.Contains(b, "joined") {
		t.Fatalf("nutmeg.exe join: %v\n%s", err, b)
	}
	settings := p.home(t, "AppData", "Roaming", "Nutmeg", "settings.json")
	data, err := os.ReadFile(settings)
	if err != nil {
		t.Fatalf("join wrote no settings: %v", err)
	}
	if strings.Contains(string(data), monPass) {
		t.Fatal("the password is in the settings file")
	}
	var s map[string]any
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	s["shutdowncmd"] = `echo down>` + winPath(marker)
	s["shutdown"] = "lowbatt"
	data, _ = json.Marshal(s)
	if err := os.WriteFile(settings, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if c := p.credentials(ctx); !strings.Contains(c, "nutmeg:monitor-password") {
		t.Fatalf("join stored no password in the Credential Manager:\n%s", c)
	}
	return settings
}

// Installed for all users, Nutmeg runs as a Windows service under the
// Service Control Manager: it logs in to upsd with the password copied
// from the user's Credential Manager, stops cleanly through the SCM, and
// runs its shutdown command on FSD; the uninstaller removes the service.
func TestAllUsersServiceUnderWine(t *testing.T) {
	bin := winBin(t)
	t.Parallel() // a prefix of its own: no other test's uninstaller sees it
	setup := installer(t, bin)
	lab := upsdLab(t)
	marker := filepath.Join(lab.Dir, "shutdown.marker")
	p := newPrefix(t)
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()

	start := time.Now()
	if b, err := p.run(ctx, nil, setup, "/S", "/ALLUSERS"); err != nil {
		t.Fatalf("install for all users: %v\n%s", err, b)
	}
	t.Logf("prefix made and silent all-users install in %v", time.Since(start).Round(time.Millisecond))
	inst := p.drive("Program Files", "Nutmeg")
	exe := p.cPath(filepath.Join(inst, "nutmeg.exe"))
	for _, f := range []string{"nutmeg.exe", "nutmeg-tray.exe", "uninstall.exe"} {
		if _, err := os.Stat(filepath.Join(inst, f)); err != nil {
			t.Fatalf("installed in Program Files: %v", err)
		}
	}
	if b, _ := p.run(ctx, nil, "reg", "query", `HKLM\Software\Microsoft\Windows\CurrentVersion\Run`, "/v", "Nutmeg"); !strings.Contains(b, `Program Files\Nutmeg\nutmeg.exe`) {
		t.Errorf("start at login for all users: no HKLM Run value:\n%s", b)
	}
	// Registered, not started: nobody has set Nutmeg up yet.
	if b, err := p.run(ctx, nil, "sc", "query", "Nutmeg"); err != nil || !strings.Contains(b, "STOPPED") {
		t.Fatalf("the installer registered no Nutmeg service (%v):\n%s", err, b)
	}

	join(t, ctx, p, exe, lab.Port, marker)
	// The administrator's `nutmeg service install` copies the settings and
	// the password for all users and starts the service.
	start = time.Now()
	if b, err := p.run(ctx, nil, exe, "service", "install"); err != nil || !strings.Contains(b, "runs for all users") {
		t.Fatalf("nutmeg.exe service install: %v\n%s", err, b)
	}
	lab.WaitLogins("ups", 1, 90*time.Second)
	t.Logf("service install → logged in to upsd under the SCM in %v", time.Since(start).Round(time.Millisecond))
	if b, _ := p.run(ctx, nil, "sc", "query", "Nutmeg"); !strings.Contains(b, "RUNNING") {
		t.Fatalf("sc query Nutmeg:\n%s", b)
	}
	data := p.drive("ProgramData", "Nutmeg")
	logf := filepath.Join(data, "service.log")
	for _, f := range []string{filepath.Join(data, "settings.json"), logf} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), monPass) {
			t.Errorf("%s holds the password", f)
		}
	}

	// Stopped through the SCM: the monitor logs out, the service reports
	// stopped.
	start = time.Now()
	if b, err := p.run(ctx, nil, "net", "stop", "Nutmeg"); err != nil {
		t.Fatalf("net stop Nutmeg: %v\n%s", err, b)
	}
	lab.WaitLogins("ups", 0, 20*time.Second)
	t.Logf("net stop → stopped and logged out in %v", time.Since(start).Round(time.Millisecond))
	if b, _ := p.run(ctx, nil, "sc", "query", "Nutmeg"); !strings.Contains(b, "STOPPED") || !strings.Contains(b, "WIN32_EXIT_CODE    : 0") {
		t.Errorf("after net stop:\n%s", b)
	}
	if b, _ := os.ReadFile(logf); !strings.Contains(string(b), "stopped by the Service Control Manager") ||
		!strings.Contains(string(b), "nutmeg service (all users) stopped") {
		t.Errorf("service.log does not say it stopped cleanly:\n%s", b)
	}

	// Started again by the SCM; FSD on the primary → the shutdown command
	// within FINALDELAY + 2 s.
	if b, err := p.run(ctx, nil, "net", "start", "Nutmeg"); err != nil {
		t.Fatalf("net start Nutmeg: %v\n%s", err, b)
	}
	lab.WaitLogins("ups", 1, 90*time.Second)
	time.Sleep(2 * time.Second) // it has seen the UPS online
	c, err := client.Dial(ctx, lab.Addr(), client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(adminUser, adminPass); err != nil {
		t.Fatal(err)
	}
	if err := c.FSD("ups"); err != nil {
		t.Fatalf("FSD as the primary: %v", err)
	}
	took, ok := waitMarker(marker, finalDelay+2*time.Second)
	if !ok {
		b, _ := os.ReadFile(logf)
		t.Fatalf("the service ran no shutdown command within FINALDELAY + 2 s of FSD\n%s", b)
	}
	if took < finalDelay-time.Second {
		t.Fatalf("shut down %v after FSD, before FINALDELAY (%v)", took, finalDelay)
	}
	t.Logf("FSD → the service's shutdown command after %v (FINALDELAY %v)", took.Round(time.Millisecond), finalDelay)

	// The silent uninstaller stops and removes the service, keeps the settings.
	start = time.Now()
	if err := p.cmd(ctx, nil, filepath.Join(inst, "uninstall.exe"), "/S").Run(); err != nil {
		t.Fatalf("uninstall: %v", err)
	}
	if !waitGone(inst, time.Minute) {
		left, _ := os.ReadDir(inst)
		t.Fatalf("Program Files\\Nutmeg left behind (%d entries)", len(left))
	}
	t.Logf("silent all-users uninstall in %v", time.Since(start).Round(time.Millisecond))
	if b, err := p.run(ctx, nil, "sc", "query", "Nutmeg"); err == nil || strings.Contains(b, "RUNNING") {
		t.Errorf("the Nutmeg service is still registered after the uninstall:\n%s", b)
	}
	if b, _ := p.run(ctx, nil, "reg", "query", `HKLM\Software\Microsoft\Windows\CurrentVersion\Run`, "/v", "Nutmeg"); strings.Contains(b, "nutmeg.exe") {
		t.Errorf("HKLM Run value left behind:\n%s", b)
	}
	if _, err := os.Stat(filepath.Join(data, "settings.json")); err != nil {
		t.Errorf("a silent uninstall keeps the all-users settings: %v", err)
	}
}

// Uninstalled with the settings (/REMOVESETTINGS, the "yes" of the
// question), the passwords Nutmeg stored in the Credential Manager go too;
// the uninstaller ends the Nutmeg programs running from the installation
// and leaves a nutmeg.exe run from elsewhere alone.
func TestUninstallRemovesSettingsUnderWine(t *testing.T) {
	bin := winBin(t)
	t.Parallel()
	setup := installer(t, bin)
	lab := upsdLab(t)
	p := newPrefix(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if b, err := p.run(ctx, nil, setup, "/S"); err != nil {
		t.Fatalf("install: %v\n%s", err, b)
	}
	inst := p.home(t, "AppData", "Local", "Programs", "Nutmeg")
	exe := p.cPath(filepath.Join(inst, "nutmeg.exe"))
	settings := join(t, ctx, p, exe, lab.Port, filepath.Join(lab.Dir, "marker"))

	// Two services: one run from the installation, one from elsewhere.
	other := filepath.Join(t.TempDir(), "elsewhere")
	if err := os.MkdirAll(other, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(bin, "nutmeg.exe"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(other, "nutmeg.exe"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	procs := map[string]*exec.Cmd{}
	outs := map[string]*nutlab.SyncBuffer{}
	for name, exe := range map[string]string{"installed": exe, "elsewhere": winPath(filepath.Join(other, "nutmeg.exe"))} {
		cmd := p.cmd(ctx, nil, exe, "service", "--settings", winPath(settings),
			"--state", winPath(filepath.Join(lab.Dir, "state-"+name)))
		outs[name] = &nutlab.SyncBuffer{}
		cmd.Stdout, cmd.Stderr = outs[name], outs[name]
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		procs[name] = cmd
	}
	serviceLogs := func() string {
		var b strings.Builder
		for name, out := range outs {
			fmt.Fprintf(&b, "--- nutmeg.exe service (%s):\n%s\n", name, out.String())
		}
		return b.String()
	}
	exited := map[string]chan error{}
	for name, cmd := range procs {
		ch := make(chan error, 1)
		go func() { ch <- cmd.Wait() }()
		exited[name] = ch
	}
	t.Cleanup(func() {
		cancel()
		for _, ch := range exited {
			<-ch
		}
	})
	running := func() error {
		for name, ch := range exited {
			select {
			case err := <-ch:
				ch <- err
				return fmt.Errorf("the service run from %s ended: %v", name, err)
			default:
			}
		}
		return nil
	}
	if err := lab.AwaitLogins("ups", 2, 90*time.Second, running); err != nil {
		t.Fatalf("both services logged in? %v\n%s%s", err, serviceLogs(), lab.Logs())
	}

	start := time.Now()
	if err := p.cmd(ctx, nil, filepath.Join(inst, "uninstall.exe"), "/S", "/REMOVESETTINGS").Run(); err != nil {
		t.Fatalf("uninstall: %v", err)
	}
	if !waitGone(inst, time.Minute) {
		left, _ := os.ReadDir(inst)
		var names []string
		for _, e := range left {
			names = append(names, e.Name())
		}
		t.Fatalf("program directory left behind: %v", names)
	}
	if !waitGone(filepath.Dir(settings), 30*time.Second) {
		t.Error("/REMOVESETTINGS kept %APPDATA%\\Nutmeg")
	}
	t.Logf("uninstall with /REMOVESETTINGS in %v", time.Since(start).Round(time.Millisecond))
	select {
	case err := <-exited["installed"]:
		exited["installed"] <- err
	case <-time.After(10 * time.Second):
		t.Error("the service running from the installation was not ended")
	}
	select {
	case err := <-exited["elsewhere"]:
		exited["elsewhere"] <- err
		t.Errorf("the uninstaller ended a nutmeg.exe run from elsewhere (%v)", err)
	default:
	}
	if err := lab.AwaitLogins("ups", 1, 20*time.Second, nil); err != nil { // the other one still follows the UPS
		t.Errorf("after the uninstall: %v\n%s%s", err, serviceLogs(), lab.Logs())
	}
	c := p.credentials(ctx)
	if strings.Contains(c, "nutmeg:") {
		t.Errorf("Nutmeg's passwords are still in the Credential Manager:\n%s", c)
	}
}
