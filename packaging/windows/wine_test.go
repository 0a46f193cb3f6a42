// Tests of the Windows build (bin/windows, `make windows`) under Wine, run
// from Linux by `make test`: the screenshots, the installer, and
// `nutmeg.exe service` as a secondary against a real upsd (nut/nutlab).
// NUTMEG_WINDOWS_BIN names the directory with the built files; without it
// (or without Wine) the tests skip, except under CI=true, where they fail.
package windows

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/client"
	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
	"github.com/nutmeg-ups/nutmeg/nut/testneed"
)

// winBin is the directory of the Windows build.
func winBin(t *testing.T) string {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("the Wine tests run on Linux")
	}
	d := os.Getenv("NUTMEG_WINDOWS_BIN")
	if d == "" {
		testneed.Need(t, "NUTMEG_WINDOWS_BIN is not set (make test sets it after make windows)")
	}
	d, _ = filepath.Abs(d)
	if _, err := os.Stat(filepath.Join(d, "nutmeg.exe")); err != nil {
		testneed.Need(t, "no Windows build: "+err.Error())
	}
	return d
}

// top is the repository's root.
func top(t *testing.T) string {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(wd, "..", "..")
}

// wineserver is Wine's server program. Debian's wine64 package puts it
// in /usr/lib/wine alone; only the wine package adds it to PATH.
func wineserver(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/lib/wine/wineserver64", "/usr/lib/wine/wineserver"} {
		if st, err := os.Stat(p); err == nil && st.Mode()&0o111 != 0 {
			return p
		}
	}
	p, err := exec.LookPath("wineserver")
	if err != nil {
		testneed.Need(t, "Wine is not installed")
	}
	return p
}

// wine runs a Windows program in Nutmeg's cached test WINEPREFIX.
func wine(t *testing.T, ctx context.Context, args ...string) *exec.Cmd {
	t.Helper()
	wineserver(t)
	cmd := exec.CommandContext(ctx, filepath.Join(top(t), ".ci", "wine-exec.sh"), args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// output runs cmd with its output going to a file, not a pipe: a
// wineserver or Wine service started by cmd inherits its stdio and would
// keep a pipe open (and the test waiting) long after cmd has exited.
func output(t *testing.T, cmd *exec.Cmd) (string, error) {
	t.Helper()
	f, err := os.CreateTemp("", "wine-out-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	cmd.Stdout, cmd.Stderr = f, f
	err = cmd.Run()
	b, _ := os.ReadFile(f.Name())
	return string(b), err
}

// winPath is how a Windows program under Wine names a Unix path (drive Z:).
func winPath(p string) string { return `Z:` + strings.ReplaceAll(p, "/", `\`) }

// wineDiedAtStart says whether a run ended as Wine's own start-up fails
// here now and then: exit status 1, no output, in under a second. Seen in
// make test for the screenshots (50 ms) and the tray (30 ms), and once in
// about 20 runs of the tray tests alone; a program cannot have run that
// soon (Wine takes about 150 ms to start one with its server up). The
// cause is Wine's; the tests try such a start once more, and say so.
func wineDiedAtStart(err error, out string, took time.Duration) bool {
	var ee *exec.ExitError
	return errors.As(err, &ee) && ee.ExitCode() == 1 && out == "" && took < time.Second
}

// startWine starts the command that mk makes, its output going to out
// (read reads it back), and returns a channel that gets its exit. A start
// that wineDiedAtStart is tried once more.
func startWine(t *testing.T, mk func() *exec.Cmd, out io.Writer, read func() string) chan error {
	t.Helper()
	for try := 1; ; try++ {
		cmd := mk()
		cmd.Stdout, cmd.Stderr = out, out
		start := time.Now()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		select {
		case err := <-exited:
			if took := time.Since(start); try == 1 && wineDiedAtStart(err, read(), took) {
				t.Logf("Wine ended in %v with %v and no output; trying once more", took.Round(time.Millisecond), err)
				continue
			}
			exited <- err
			return exited
		case <-time.After(time.Second):
			return exited
		}
	}
}

func TestScreenshotsUnderWine(t *testing.T) {
	bin := winBin(t)
	t.Parallel() // after the timed service tests, beside each other
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	b, err := output(t, wine(t, ctx, filepath.Join(bin, "nutmeg.exe"), "screenshots", "--out", winPath(out)))
	if took := time.Since(start); wineDiedAtStart(err, b, took) {
		t.Logf("Wine ended in %v with %v and no output, before nutmeg.exe can have run; trying once more", took.Round(time.Millisecond), err)
		start = time.Now()
		b, err = output(t, wine(t, ctx, filepath.Join(bin, "nutmeg.exe"), "screenshots", "--out", winPath(out)))
	}
	if err != nil {
		t.Fatalf("nutmeg.exe screenshots: %v\n%s", err, b)
	}
	t.Logf("screenshots under Wine in %v", time.Since(start).Round(time.Millisecond))
	for _, sub := range []string{"wizard", "window", "tray"} {
		files, _ := filepath.Glob(filepath.Join(out, sub, "*.png"))
		more, _ := filepath.Glob(filepath.Join(out, sub, "*", "*.png"))
		files = append(files, more...)
		if len(files) == 0 {
			t.Errorf("no %s pictures\n%s", sub, b)
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(data))
			if err != nil || img.Bounds().Dx() < 16 {
				t.Errorf("%s: not a picture (%v)", f, err)
			}
		}
	}
}

func TestInstallerUnderWine(t *testing.T) {
	bin := winBin(t)
	// Parallel again: it runs in a prefix of its own, and its uninstaller
	// ends only the programs running from the installation directory
	// (TestUninstallRemovesSettingsUnderWine proves that a nutmeg.exe run
	// from elsewhere survives it; taskkill /IM used to end them all).
	t.Parallel()
	setup := installer(t, bin)
	p := newPrefix(t)
	home := p.home(t)
	inst := filepath.Join(home, "AppData", "Local", "Programs", "Nutmeg")
	lnk := filepath.Join(home, "AppData", "Roaming", "Microsoft", "Windows", "Start Menu", "Programs", "Nutmeg.lnk")
	settings := filepath.Join(home, "AppData", "Roaming", "Nutmeg", "settings.json")
	state := filepath.Join(home, "AppData", "Local", "Nutmeg", "events.jsonl")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	runKey := `HKCU\Software\Microsoft\Windows\CurrentVersion\Run`
	query := func() string {
		b, _ := p.run(ctx, nil, "reg", "query", runKey, "/v", "Nutmeg")
		return b
	}

	start := time.Now()
	if b, err := p.run(ctx, nil, setup, "/S"); err != nil {
		t.Fatalf("install: %v\n%s", err, b)
	}
	t.Logf("silent install in %v", time.Since(start).Round(time.Millisecond))
	for _, f := range []string{"nutmeg.exe", "nutmeg-tray.exe", "nutmeg.ico", "uninstall.exe"} {
		if _, err := os.Stat(filepath.Join(inst, f)); err != nil {
			t.Errorf("installed: %v", err)
		}
	}
	if _, err := os.Stat(lnk); err != nil {
		t.Errorf("Start menu entry: %v", err)
	}
	if q := query(); !strings.Contains(q, `Programs\Nutmeg\nutmeg.exe`) {
		t.Errorf("start at login: HKCU Run has no Nutmeg value:\n%s", q)
	}
	// The installed program runs.
	b, err := p.run(ctx, nil, p.cPath(filepath.Join(inst, "nutmeg.exe")), "version")
	if err != nil || !strings.Contains(b, "Nutmeg") {
		t.Errorf("installed nutmeg.exe version: %v\n%s", err, b)
	}

	// The user's settings and the service's state, as a running Nutmeg leaves them.
	for _, f := range []string{settings, state} {
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, []byte("{}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	start = time.Now()
	// The uninstaller copies itself to %TEMP% and runs from there (holding
	// no pipe of ours: output to /dev/null): wait until it is done.
	if err := p.cmd(ctx, nil, filepath.Join(inst, "uninstall.exe"), "/S").Run(); err != nil {
		t.Fatalf("uninstall: %v", err)
	}
	for time.Since(start) < time.Minute {
		if _, err := os.Stat(inst); os.IsNotExist(err) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	// The program directory goes first; wait for the uninstaller to end.
	p.server(ctx, "-w")
	t.Logf("silent uninstall in %v", time.Since(start).Round(time.Millisecond))
	if _, err := os.Stat(inst); !os.IsNotExist(err) {
		left, _ := os.ReadDir(inst)
		t.Errorf("program directory left behind (%d entries)", len(left))
	}
	if _, err := os.Stat(lnk); !os.IsNotExist(err) {
		t.Error("Start menu entry left behind")
	}
	if q := query(); strings.Contains(q, "nutmeg.exe") {
		t.Errorf("HKCU Run value left behind:\n%s", q)
	}
	if _, err := os.Stat(filepath.Dir(state)); !os.IsNotExist(err) {
		t.Error("state directory %LOCALAPPDATA%\\Nutmeg left behind")
	}
	if _, err := os.Stat(settings); err != nil {
		t.Errorf("a silent uninstall must keep the settings: %v", err)
	}
}

const (
	monUser, monPass     = "winmon", "Win-mon-Pw1"
	adminUser, adminPass = "admin", "Admin-Pw2"
)

// upsdLab starts dummy-ups ("ups", on line) and upsd on 127.0.0.1 with
// the users monUser (secondary) and adminUser (primary).
func upsdLab(t *testing.T) *nutlab.Lab {
	lab := nutlab.New(t)
	lab.WriteFile("nut.conf", "MODE=netserver\n")
	lab.WriteFile("ups.conf", "[ups]\n\tdriver = dummy-ups\n\tport = ups.dev\n\tdesc = \"wine\"\n")
	lab.WriteFile("upsd.conf", fmt.Sprintf("LISTEN 127.0.0.1 %d\n", lab.Port))
	lab.WriteFile("upsd.users", fmt.Sprintf("[%s]\n\tpassword = %s\n\tupsmon secondary\n[%s]\n\tpassword = %s\n\tupsmon primary\n",
		monUser, monPass, adminUser, adminPass))
	lab.WriteDev("ups.dev", map[string]string{"ups.status": "OL", "battery.charge": "100", "battery.runtime": "1800"})
	lab.StartDriver("dummy-ups", "ups")
	lab.WaitDriverSocket("dummy-ups", "ups")
	lab.StartUpsd()
	lab.WaitReady("ups", 15*time.Second)
	return lab
}

// serviceLab starts dummy-ups and upsd on 127.0.0.1 and `nutmeg.exe
// service` under Wine as their secondary, and waits until it has logged in.
func serviceLab(t *testing.T, shutdown string, timer int) (lab *nutlab.Lab, marker string, log *nutlab.SyncBuffer) {
	bin := winBin(t)
	lab = upsdLab(t)
	marker = filepath.Join(lab.Dir, "shutdown.marker")

	settings := map[string]any{"version": 1, "identifier": "ups", "mode": "secondary", "remotehost": "127.0.0.1",
		"remoteport": lab.Port, "monuser": monUser, "shutdown": shutdown, "shutdowntimer": timer,
		"shutdowncmd": `echo down>` + winPath(marker), "hostsync": 15, "nocommwarntime": 300, "runtimelow": 0}
	b, _ := json.Marshal(settings)
	sf := filepath.Join(lab.Dir, "settings.json")
	if err := os.WriteFile(sf, b, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	out := &nutlab.SyncBuffer{}
	cmd := wine(t, ctx, filepath.Join(bin, "nutmeg.exe"), "service", "--settings", winPath(sf), "--state", winPath(filepath.Join(lab.Dir, "winstate")))
	cmd.Env = append(os.Environ(), "NUTMEG_MONITOR_PASSWORD="+monPass)
	cmd.Stdout, cmd.Stderr = out, out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("nutmeg.exe service said:\n%s", out.String())
		}
	})
	lab.WaitLogins("ups", 1, 90*time.Second)
	t.Logf("nutmeg.exe service logged in to upsd %v after start", time.Since(start).Round(time.Millisecond))
	// Another Windows process reads the service's state through the local
	// API: loopback TCP and the token file in the state directory.
	sock := winPath(filepath.Join(lab.Dir, "winstate", "nutmeg.sock"))
	var st string
	for i := 0; i < 20; i++ {
		b, err := output(t, wine(t, context.Background(), filepath.Join(bin, "nutmeg.exe"), "status", "--json", "--socket", sock))
		if st = b; err == nil && strings.Contains(st, `"ups.status"`) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if !strings.Contains(st, `"ups.status"`) || !strings.Contains(st, "OL") {
		t.Fatalf("nutmeg.exe status through the service's API:\n%s", st)
	}
	return lab, marker, out
}

// finalDelay is the monitor's FINALDELAY (its default, as upsmon's).
const finalDelay = 5 * time.Second

func waitMarker(path string, within time.Duration) (time.Duration, bool) {
	start := time.Now()
	for time.Since(start) < within {
		if st, err := os.Stat(path); err == nil && st.Size() > 0 {
			return time.Since(start), true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return within, false
}

// awaitShutdown waits for the shutdown command's marker and returns how
// long after from the command started. Nutmeg's part is to start it within
// limit; Wine's is to run cmd.exe, which on a busy machine once took over
// 2 s. So a marker still missing at the limit gets 30 s more when the
// service's log says it started the command in time, and then the time
// returned is that start's.
func awaitShutdown(t *testing.T, marker string, log *nutlab.SyncBuffer, from time.Time, limit time.Duration) (time.Duration, bool) {
	t.Helper()
	if _, ok := waitMarker(marker, limit-time.Since(from)); ok {
		return time.Since(from), true
	}
	started := commandStarted(log.String())
	if started.IsZero() || started.Sub(from) > limit {
		return time.Since(from), false
	}
	if _, ok := waitMarker(marker, 30*time.Second); !ok {
		t.Fatalf("the service started the shutdown command %v after the trigger, but it did not run within 30 s", started.Sub(from))
	}
	t.Logf("the service started the shutdown command %v after the trigger; Wine ran it %v after that",
		started.Sub(from).Round(time.Millisecond), time.Since(started).Round(time.Millisecond))
	return started.Sub(from), true
}

// commandStarted is the time of the service's "running the shutdown
// command" log line, or zero.
func commandStarted(log string) time.Time {
	for _, line := range strings.Split(log, "\n") {
		if !strings.Contains(line, `msg="running the shutdown command"`) {
			continue
		}
		f := strings.Fields(line)
		if len(f) > 0 && strings.HasPrefix(f[0], "time=") {
			if at, err := time.Parse(time.RFC3339Nano, strings.TrimPrefix(f[0], "time=")); err == nil {
				return at
			}
		}
	}
	return time.Time{}
}

// FSD set on the primary: the Windows secondary starts its shutdown command
// within FINALDELAY + 2 s, and the command runs (awaitShutdown).
func TestServiceFSDUnderWine(t *testing.T) {
	lab, marker, log := serviceLab(t, "lowbatt", 30)
	time.Sleep(2 * time.Second) // it has seen the UPS online
	c, err := client.Dial(context.Background(), lab.Addr(), client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(adminUser, adminPass); err != nil {
		t.Fatal(err)
	}
	fsdAt := time.Now()
	if err := c.FSD("ups"); err != nil {
		t.Fatalf("FSD as the primary: %v", err)
	}
	took, ok := awaitShutdown(t, marker, log, fsdAt, finalDelay+2*time.Second)
	if !ok {
		t.Fatalf("no shutdown within FINALDELAY + 2 s (%v) of FSD", finalDelay+2*time.Second)
	}
	if took < finalDelay-time.Second {
		t.Fatalf("shut down %v after FSD, before FINALDELAY (%v)", took, finalDelay)
	}
	t.Logf("FSD → shutdown command after %v (FINALDELAY %v)", took.Round(time.Millisecond), finalDelay)
}

// On battery with a 10 s timer, power back after 3 s: no shutdown, then or
// later.
func TestServicePowerBackUnderWine(t *testing.T) {
	const timer = 10
	lab, marker, _ := serviceLab(t, "batt", timer)
	time.Sleep(2 * time.Second)
	lab.WriteDev("ups.dev", map[string]string{"ups.status": "OB DISCHRG", "battery.charge": "90", "battery.runtime": "1500"})
	lab.WaitVar("ups", "ups.status", func(v string) bool { return strings.HasPrefix(v, "OB") }, 15*time.Second)
	time.Sleep(3 * time.Second)
	lab.WriteDev("ups.dev", map[string]string{"ups.status": "OL CHRG", "battery.charge": "90", "battery.runtime": "1500"})
	lab.WaitVar("ups", "ups.status", func(v string) bool { return strings.HasPrefix(v, "OL") }, 15*time.Second)
	if _, ok := waitMarker(marker, timer*time.Second+finalDelay+2*time.Second); ok {
		t.Fatal("the Windows secondary shut down although the power came back before the timer")
	}
}

// The same without the power coming back: the countdown ends in the
// monitor's forced shutdown, FINALDELAY later the command runs.
func TestServiceCountdownUnderWine(t *testing.T) {
	const timer = 10
	lab, marker, log := serviceLab(t, "batt", timer)
	time.Sleep(2 * time.Second)
	lab.WriteDev("ups.dev", map[string]string{"ups.status": "OB DISCHRG", "battery.charge": "90", "battery.runtime": "1500"})
	lab.WaitVar("ups", "ups.status", func(v string) bool { return strings.HasPrefix(v, "OB") }, 15*time.Second)
	took, ok := awaitShutdown(t, marker, log, time.Now(), timer*time.Second+finalDelay+4*time.Second)
	if !ok {
		t.Fatalf("no shutdown %v after the power failed (timer %d s, FINALDELAY %v)", took, timer, finalDelay)
	}
	t.Logf("on battery → shutdown command after %v (timer %d s + FINALDELAY %v)", took.Round(time.Millisecond), timer, finalDelay)
}

// The tray starts under Wine (its own desktop's system tray), sets its icon
// (an .ico that LoadImage reads: a PNG made it fail), follows its server
// and keeps running.
func TestTrayUnderWine(t *testing.T) {
	bin := winBin(t)
	// Not parallel: beside the other Wine tests it once exited at start
	// under load.
	testneed.Display(t)
	tr := startTray(t, bin, "--server", "127.0.0.1:1")
	tr.waitIcon()
	time.Sleep(3 * time.Second)
	tr.stillRunning()
	if !strings.Contains(tr.log(), "127.0.0.1:1") {
		t.Fatalf("the tray did not follow its server:\n%s", tr.log())
	}
}

// The tray following a NUT server shows the power failure as a balloon of
// its icon (Shell_NotifyIcon NIF_INFO, what Linux sends over D-Bus) and
// keeps running.
func TestTrayBalloonUnderWine(t *testing.T) {
	bin := winBin(t)
	// Not parallel, as TestTrayUnderWine.
	testneed.Display(t)
	lab := upsdLab(t)
	tr := startTray(t, bin, "--server", lab.Addr(), "--ups", "ups")
	tr.waitIcon()
	time.Sleep(2500 * time.Millisecond) // a poll (every 2 s) has read the UPS on line
	start := time.Now()
	lab.WriteDev("ups.dev", map[string]string{"ups.status": "OB DISCHRG", "battery.charge": "90", "battery.runtime": "1500"})
	for !strings.Contains(tr.log(), "tray: balloon shown") {
		if time.Since(start) > 30*time.Second {
			t.Fatalf("no balloon within 30 s of the power failure:\n%s", tr.log())
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("power failure → balloon in %v", time.Since(start).Round(time.Millisecond))
	time.Sleep(3 * time.Second)
	tr.stillRunning()
	if strings.Contains(tr.log(), "Shell_NotifyIcon") {
		t.Fatalf("a balloon failed:\n%s", tr.log())
	}
}

// trayRun is nutmeg-tray.exe running in the shared prefix. A tray without
// its icon starts itself again as a new process (gui/tray/retry.go;
// TestTrayIconRetryUnderWine): the output of all of them goes to one file,
// and the test's end stops them all. Under load here, fyne.io/systray
// sometimes cannot add the icon at the first start ("unable to init
// instance: Call failed.", once in about twelve runs), as on Windows
// before the shell is up.
type trayRun struct {
	t         *testing.T
	bin, path string
	args      []string
}

func startTray(t *testing.T, bin string, args ...string) *trayRun {
	t.Helper()
	r := &trayRun{t: t, bin: bin, path: filepath.Join(t.TempDir(), "tray.log"), args: args}
	// A file, not a pipe: the successors write to it after the first
	// process has ended.
	f, err := os.Create(r.path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	exited := startWine(t, func() *exec.Cmd {
		return wine(t, ctx, append([]string{filepath.Join(bin, "nutmeg-tray.exe")}, args...)...)
	}, f, r.log)
	t.Cleanup(func() {
		cancel()
		<-exited
		f.Close()
		endTrays(t)
	})
	return r
}

func (r *trayRun) log() string {
	b, _ := os.ReadFile(r.path)
	return string(b)
}

// waitIcon waits until one of the tray's processes has its icon, and logs
// the starts without it, if any.
func (r *trayRun) waitIcon() {
	r.t.Helper()
	re := regexp.MustCompile(`the icon is in the notification area \(start (\d+)\)`)
	for start := time.Now(); ; time.Sleep(100 * time.Millisecond) {
		log := r.log()
		if m := re.FindStringSubmatch(log); m != nil {
			if m[1] != "1" {
				r.t.Logf("the tray had no icon at first, and started itself again until it had:\n%s", log)
			}
			return
		}
		if strings.Contains(log, "giving up") || time.Since(start) > time.Minute {
			r.t.Fatalf("no tray icon within %v:\n%s", time.Since(start).Round(time.Second), log)
		}
	}
}

// stillRunning checks that a tray process runs: a second start says so.
func (r *trayRun) stillRunning() {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	second, err := output(r.t, wine(r.t, ctx, append([]string{filepath.Join(r.bin, "nutmeg-tray.exe")}, r.args...)...))
	if err != nil || !strings.Contains(second, "the tray is already running") {
		r.t.Fatalf("no tray running: a second start said %v: %s\nthe tray's output:\n%s", err, second, r.log())
	}
}

// endTrays ends every nutmeg-tray.exe of the shared prefix, the processes a
// tray started in its place too, and waits until they are gone.
func endTrays(t *testing.T) {
	t.Helper()
	prefix := sharedPrefix()
	isTray := func(cmdline []byte) bool { return bytes.Contains(cmdline, []byte("nutmeg-tray.exe")) }
	for start := time.Now(); ; time.Sleep(100 * time.Millisecond) {
		pids := winePids(prefix, isTray)
		if len(pids) == 0 {
			return
		}
		if time.Since(start) > 10*time.Second {
			t.Errorf("nutmeg-tray.exe processes %v still run 10 s after they were killed", pids)
			return
		}
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// sharedPrefix is the cached WINEPREFIX that wine() runs programs in
// (.ci/wine-env.sh).
func sharedPrefix() string {
	if p := os.Getenv("NUTMEG_WINEPREFIX"); p != "" {
		return p
	}
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		cache = filepath.Join(os.Getenv("HOME"), ".cache")
	}
	return filepath.Join(cache, "nutmeg", "wine")
}

// winePids are the processes that Wine runs in the prefix dir whose
// command line (its arguments joined by spaces) matches. A process that Wine started from a Windows program
// has the Windows environment: WINEPREFIX there, or NUTMEG_WINEPREFIX
// (wine-exec.sh), so either counts.
func winePids(dir string, match func(cmdline []byte) bool) []int {
	var pids []int
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, proc := range procs {
		cmdline, _ := os.ReadFile(filepath.Join(proc, "cmdline"))
		if !match(bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '})) {
			continue
		}
		env, _ := os.ReadFile(filepath.Join(proc, "environ"))
		if !bytes.Contains(append(env, 0), []byte("WINEPREFIX="+dir+"\x00")) {
			continue
		}
		if pid, err := strconv.Atoi(filepath.Base(proc)); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// The status window under Wine: it comes up (a real GLFW window on the
// test's X display, found by its title), a second start brings it forward,
// and Alt+F4 closes it through Windows' own WM_CLOSE: nutmeg.exe ends with
// status 0, its idle loop stopped before GLFW went.
//
// On one 2-core VM about one run in seven failed in Wine or Fyne, not in
// Nutmeg's code, each time around the first frame or the close:
//   - Wine stopped at "Unhandled page fault on execute access" to heap
//     memory (llvmpipe's JIT code, run through Wine);
//   - Fyne 2.7's own poll handled a mouse move after the window was gone
//     (a nil GLFW window in processMouseMoved);
//   - the synthetic Alt+F4 (there is no window manager to give the
//     window the focus) had no effect: it is sent once more first.
//
// Such a round is logged and run once more; a fault twice fails.
//
// The window's exit watch (gui/exitwatch) ends a process that outlives its
// window by 5 s. Its trace showed what had kept nutmeg.exe running after the
// close, twice in about 60 rounds before it: Fyne 2.7.1's own shutdown race,
// which the watch now recognises and ends with status 0 (logged here). Any
// other hang ends with status 3 and every goroutine's stack, and is treated
// as a fault of unknown owner: logged, and run once more.
func TestWindowUnderWine(t *testing.T) {
	bin := winBin(t)
	testneed.Display(t)
	xdotool := testneed.Tool(t, "xdotool")
	for try := 1; ; try++ {
		fault := windowRound(t, bin, xdotool)
		if fault == "" {
			return
		}
		if try == 2 {
			t.Fatalf("again: %s", fault)
		}
		t.Logf("this round failed as Wine or Fyne fail here (or, for an end that never came, as not yet traced); once more: %s", fault)
		// The next round must not find the last one's window.
		for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
			if err := exec.Command(xdotool, "search", "--name", "^Nutmeg: UPS status$").Run(); err != nil {
				break // xdotool search exits 1 when it finds none
			}
		}
	}
}

// windowRound runs one round of TestWindowUnderWine. It fails the test on
// a fault of Nutmeg's, and returns a description of a fault of Wine's or
// Fyne's (see TestWindowUnderWine), "" when the round passed.
func windowRound(t *testing.T, bin, xdotool string) (fault string) {
	t.Helper()
	dir := t.TempDir()
	args := []string{filepath.Join(bin, "nutmeg.exe"), "window",
		"--socket", winPath(filepath.Join(dir, "nutmeg.sock")), "--settings", winPath(filepath.Join(dir, "settings.json"))}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out := &nutlab.SyncBuffer{}
	exited := startWine(t, func() *exec.Cmd { return wine(t, ctx, args...) }, out, out.String)
	defer func() {
		cancel()
		<-exited
	}()
	theirs := func() bool {
		o := out.String()
		return strings.Contains(o, "Unhandled page fault") || strings.Contains(o, "(*window).processMouseMoved")
	}

	search, stop := context.WithTimeout(ctx, time.Minute)
	defer stop()
	ids, err := exec.CommandContext(search, xdotool, "search", "--sync", "--name", "^Nutmeg: UPS status$").Output()
	if err != nil || len(strings.Fields(string(ids))) == 0 {
		if theirs() {
			return "the window did not appear:\n" + out.String()
		}
		t.Fatalf("the status window did not appear: %v, %q\n%s", err, ids, out.String())
	}
	id := strings.Fields(string(ids))[0]

	second, err := output(t, wine(t, ctx, args...))
	if err != nil || !strings.Contains(second, "already open") {
		if theirs() {
			return "the first window failed before the second start:\n" + out.String()
		}
		t.Fatalf("second start: %v: %s", err, second)
	}

	altF4 := func() error {
		if b, err := exec.Command(xdotool, "key", "--window", id, "alt+F4").CombinedOutput(); err != nil {
			return fmt.Errorf("xdotool key alt+F4: %v: %s", err, b)
		}
		return nil
	}
	if err := altF4(); err != nil {
		t.Fatal(err)
	}
	var end error
	select {
	case end = <-exited:
	case <-time.After(10 * time.Second):
		if err := exec.Command(xdotool, "search", "--name", "^Nutmeg: UPS status$").Run(); err != nil {
			// Seen twice in about 60 rounds on one VM, not yet traced:
			// Wine, Fyne or Nutmeg's own exit path. Logged, so that it
			// is not lost in the retry.
			t.Logf("the window closed on Alt+F4, but nutmeg.exe had not ended 10 s later; waiting 20 s more")
		} else {
			t.Log("Alt+F4 had no effect in 10 s: sent again")
			if err := altF4(); err != nil {
				t.Fatal(err)
			}
		}
		select {
		case end = <-exited:
		case <-time.After(20 * time.Second):
			return "nutmeg.exe window did not end within 30 s of Alt+F4:\n" + out.String()
		}
	}
	exited <- end // for the deferred wait
	switch {
	case end != nil && theirs():
		return fmt.Sprintf("nutmeg.exe window ended with %v:\n%s", end, out.String())
	case end != nil && strings.Contains(out.String(), "but the process has not ended"):
		// gui/exitwatch ended it, with every goroutine's stack: where the
		// exit hung (see TestWindowUnderWine).
		return fmt.Sprintf("nutmeg.exe's exit hung after the window closed, and its exit watch ended it (%v):\n%s", end, out.String())
	case end != nil:
		t.Fatalf("nutmeg.exe window ended with %v:\n%s", end, out.String())
	case strings.Contains(out.String(), "panic"):
		t.Fatalf("nutmeg.exe window panicked:\n%s", out.String())
	case strings.Contains(out.String(), "Fyne's shutdown stalled"):
		t.Logf("Fyne's shutdown stalled after the close, and the exit watch ended the process:\n%s", out.String())
	}
	return ""
}
