package windows

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/testneed"
)

// A tray whose icon cannot be added to the notification area does not go
// on without it: it says so, starts itself again and ends. Two ways, in a
// prefix of the test's own:
//   - The shell answers late (Wine's explorer.exe, which keeps the
//     notification area, is stopped for 15 s): the tray gives up waiting
//     after 5 s, and its successor, 3 s later, has the icon and shows the
//     power failure as its balloon.
//   - There is no notification area (explorer.exe disabled; systray logs
//     "unable to init instance", as on Windows before the shell is up):
//     each start tries again, 3 s, then 6 s later.
func TestTrayIconRetryUnderWine(t *testing.T) {
	bin := winBin(t)
	// Not parallel, as TestTrayUnderWine.
	testneed.Display(t)
	xdotool := testneed.Tool(t, "xdotool")
	p := newPrefix(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	lab := upsdLab(t)
	tray := func(name string) (readLog func() string, exited chan error) {
		log := filepath.Join(t.TempDir(), name)
		return readFile(log), p.startTray(ctx, log, nil, bin, "--server", lab.Addr(), "--ups", "ups")
	}

	// The shell answers late. The prefix is made first (wineboot runs an
	// explorer.exe of its own) and its server ended; then Notepad keeps
	// the desktop, and with it explorer.exe, up while no tray runs.
	if out, err := p.run(ctx, nil, "reg", "query", `HKCU\Software\Wine`); err != nil {
		t.Fatalf("make the prefix: %v\n%s", err, out)
	}
	p.server(ctx, "-w")
	keeper := p.cmd(ctx, nil, "notepad.exe")
	if err := keeper.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = keeper.Wait() }()
	// Notepad's window on the X display means the desktop is up: an
	// explorer.exe stopped before that leaves every later program without
	// a notification area.
	for start := time.Now(); exec.Command(xdotool, "search", "--name", "Notepad").Run() != nil; time.Sleep(200 * time.Millisecond) {
		if time.Since(start) > time.Minute {
			t.Fatal("no Notepad window within a minute")
		}
	}
	explorer := explorerOf(t, p.dir)
	if err := syscall.Kill(explorer, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	defer syscall.Kill(explorer, syscall.SIGCONT)
	start := time.Now()
	readLog, exited := tray("late.log")
	// The tray's Shell_NotifyIcon waits on the stopped explorer.exe; it
	// is answered only after the tray's 5 s wait for its icon is over
	// (which starts after the tray's own start-up: a second or two, more
	// under load).
	time.Sleep(15 * time.Second)
	if err := syscall.Kill(explorer, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	waitLog(t, readLog, "word of the missing icon", `could not be added to the notification area \(start 1\); trying again in 3s`, 30*time.Second)
	trayEnded(t, readLog, exited, "after starting its successor")
	waitLog(t, readLog, "icon from the successor", `the icon is in the notification area \(start 2\)`, 60*time.Second)
	t.Logf("late shell: the successor's icon was up %v after the first start", time.Since(start).Round(time.Millisecond))
	lab.WriteDev("ups.dev", map[string]string{"ups.status": "OB DISCHRG", "battery.charge": "90", "battery.runtime": "1500"})
	waitLog(t, readLog, "balloon from the successor", `tray: balloon shown: UPS on battery`, 60*time.Second)
	log := readLog()
	for _, bad := range []string{"already running", "Shell_NotifyIcon", "giving up", "(start 2);"} {
		if strings.Contains(log, bad) {
			t.Errorf("the tray's log says %q:\n%s", bad, log)
		}
	}
	t.Logf("late shell:\n%s", log)

	// No notification area at all.
	disableExplorer(t, ctx, p)
	readLog, exited = tray("none.log")
	waitLog(t, readLog, "word of the missing icon", `unable to init instance(.|\n)*could not be added to the notification area \(start 1\); trying again in 3s`, 60*time.Second)
	trayEnded(t, readLog, exited, "after starting its successor")
	waitLog(t, readLog, "second word of the missing icon", `could not be added to the notification area \(start 2\); trying again in 6s`, 60*time.Second)
	t.Logf("no notification area:\n%s", readLog())
}

// A tray that has given up its icon (its last start, with no notification
// area) still watches the user's service, which nothing else restarts on
// Windows: it started the service at login, and starts it again when it
// dies. A tray started later takes over, and the iconless one ends.
func TestTrayWithoutIconWatchesServiceUnderWine(t *testing.T) {
	bin := winBin(t)
	testneed.Display(t)
	t.Parallel() // a prefix of its own, and no timing of its own that load could upset
	p := newPrefix(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	disableExplorer(t, ctx, p)
	lab := upsdLab(t)
	settings := map[string]any{"version": 1, "identifier": "ups", "mode": "secondary", "remotehost": "127.0.0.1",
		"remoteport": lab.Port, "monuser": monUser, "shutdown": "batt", "shutdowntimer": 300,
		"shutdowncmd": "echo down", "hostsync": 15, "nocommwarntime": 300, "runtimelow": 0}
	b, _ := json.Marshal(settings)
	sf := p.home(t, "AppData", "Roaming", "Nutmeg", "settings.json")
	if err := os.MkdirAll(filepath.Dir(sf), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sf, b, 0o600); err != nil {
		t.Fatal(err)
	}
	trayEnv := []string{"NUTMEG_MONITOR_PASSWORD=" + monPass}
	log := filepath.Join(t.TempDir(), "tray.log")
	readLog := readFile(log)
	// A start long past the last try (about ten minutes of them) gives up
	// at once.
	exited := p.startTray(ctx, log, append(trayEnv, "NUTMEG_TRAY_TRY=100"), bin)

	lab.WaitLogins("ups", 1, 2*time.Minute) // the service the tray started at login
	waitLog(t, readLog, "word that the tray gave up its icon", "watchdog goes on without the icon", time.Minute)
	// Wine shows the Windows command line: `…\nutmeg service --settings …`.
	isService := func(cmdline []byte) bool { return bytes.Contains(cmdline, []byte("nutmeg service --settings")) }
	svc := winePids(p.dir, isService)
	if len(svc) != 1 {
		t.Fatalf("%d service processes (%v), want 1:\n%s", len(svc), svc, readLog())
	}
	if err := syscall.Kill(svc[0], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	lab.WaitLogins("ups", 0, 30*time.Second)
	lab.WaitLogins("ups", 1, 2*time.Minute)
	t.Logf("the service, killed, was started again and logged in %v later", time.Since(killed).Round(time.Millisecond))
	if !strings.Contains(readLog(), "starting it again") {
		t.Errorf("the tray's log does not say it started the service again:\n%s", readLog())
	}
	select {
	case err := <-exited:
		t.Fatalf("the iconless tray ended (%v) with no other tray:\n%s", err, readLog())
	default:
	}

	second := p.startTray(ctx, log, trayEnv, bin)
	defer func() { cancel(); <-second }()
	trayEnded(t, readLog, exited, "once another tray started")
	if strings.Contains(readLog(), "already running") {
		t.Errorf("the later tray was refused:\n%s", readLog())
	}
}

// disableExplorer disables Wine's explorer.exe, which keeps the desktop's
// notification area, in the prefix: the prefix's server ends (and all it
// runs); reg, started with explorer.exe still enabled, starts it once
// more, and it goes with reg; the next program finds it disabled.
func disableExplorer(t *testing.T, ctx context.Context, p *winePrefix) {
	t.Helper()
	p.server(ctx, "-k")
	p.server(ctx, "-w")
	if out, err := p.run(ctx, nil, "reg", "add", `HKCU\Software\Wine\DllOverrides`, "/v", "explorer.exe", "/d", "", "/f"); err != nil {
		t.Fatalf("disable explorer.exe: %v\n%s", err, out)
	}
	p.server(ctx, "-w")
}

// startTray starts nutmeg-tray.exe from bin in the prefix, with env added
// and args, and returns a channel that gets its exit. Its output, and that
// of the trays it starts in its place, goes to the file log (appended):
// a pipe would keep the first process's Wait waiting for its successor.
func (p *winePrefix) startTray(ctx context.Context, log string, env []string, bin string, args ...string) chan error {
	p.t.Helper()
	f, err := os.OpenFile(log, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		p.t.Fatal(err)
	}
	p.t.Cleanup(func() { f.Close() })
	cmd := p.cmd(ctx, env, append([]string{filepath.Join(bin, "nutmeg-tray.exe")}, args...)...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	return exited
}

// readFile reads the file at path, as often as it is called.
func readFile(path string) func() string {
	return func() string { b, _ := os.ReadFile(path); return string(b) }
}

// waitLog waits until readLog matches re (a regular expression), failing
// after within with what was not seen.
func waitLog(t *testing.T, readLog func() string, what, re string, within time.Duration) {
	t.Helper()
	rx := regexp.MustCompile(re)
	for start := time.Now(); !rx.MatchString(readLog()); time.Sleep(100 * time.Millisecond) {
		if time.Since(start) > within {
			t.Fatalf("no %s within %v:\n%s", what, within, readLog())
		}
	}
}

// trayEnded checks that a tray without its icon ends, with status 0,
// within 30 s; when says after what.
func trayEnded(t *testing.T, readLog func() string, exited chan error, when string) {
	t.Helper()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("the tray without its icon ended with %v:\n%s", err, readLog())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("the tray without its icon did not end %s:\n%s", when, readLog())
	}
}

// explorerOf is the pid of the explorer.exe that Wine runs for the desktop
// of the prefix dir.
func explorerOf(t *testing.T, dir string) int {
	t.Helper()
	found := winePids(dir, func(cmdline []byte) bool {
		return bytes.Contains(cmdline, []byte("explorer.exe")) && bytes.Contains(cmdline, []byte("/desktop"))
	})
	if len(found) != 1 {
		t.Fatalf("%d explorer.exe processes for %s (%v); want one", len(found), dir, found)
	}
	return found[0]
}
