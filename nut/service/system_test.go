package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/api"
	"github.com/nutmeg-ups/nutmeg/nut/client"
	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
	"github.com/nutmeg-ups/nutmeg/nut/pidfile"
	"github.com/nutmeg-ups/nutmeg/nut/secret"
)

// fakeSystemctl stands in for the service manager (there is no systemd in
// CI): on "restart nut.target" it restarts the real dummy-ups and upsd on
// root/etc/nut, as Debian's units would; every call is logged. upsmon is
// left out: only one may run per machine and the apply does not need it.
const fakeSystemctl = `#!/bin/bash
root=%q
echo "$*" >> "$root/systemctl.log"
[ "$2" = nut.target ] || exit 0
if [ -f "$root/pids" ]; then kill $(cat "$root/pids") 2>/dev/null; sleep 0.3; fi
export NUT_CONFPATH="$root/etc/nut" NUT_STATEPATH="$root/run/nut"
mkdir -p "$NUT_STATEPATH"
ups=$(sed -n 's/^\[\(.*\)\]$/\1/p' "$NUT_CONFPATH/ups.conf" | head -n1)
setsid /lib/nut/dummy-ups -a "$ups" -F -u root >>"$root/nut.log" 2>&1 < /dev/null &
echo $! > "$root/pids"
for i in $(seq 50); do ls "$NUT_STATEPATH"/dummy-ups-* >/dev/null 2>&1 && break; sleep 0.1; done
setsid /lib/nut/upsd -F -u root >>"$root/nut.log" 2>&1 < /dev/null &
echo $! >> "$root/pids"
`

func systemRoot(t *testing.T) (string, SystemOptions) {
	t.Helper()
	nutlab.Require(t)
	if os.Geteuid() != 0 {
		t.Skip("system mode runs the daemons as root (-u root)")
	}
	root := shortDir(t)
	script := filepath.Join(root, "systemctl")
	if err := os.WriteFile(script, []byte(fmt.Sprintf(fakeSystemctl, root)), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		b, _ := os.ReadFile(filepath.Join(root, "pids"))
		for _, f := range strings.Fields(string(b)) {
			var pid int
			fmt.Sscan(f, &pid)
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	return root, SystemOptions{Root: root, Systemctl: []string{script}, Wait: 8 * time.Second}
}

func TestApplySystem(t *testing.T) {
	root, o := systemRoot(t)
	etcNut := filepath.Join(root, "etc", "nut")
	if err := os.MkdirAll(etcNut, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(etcNut, "ups.dev"), []byte("ups.status: OL\nbattery.charge: 90\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := nut.Defaults()
	s.Driver, s.Port, s.RemotePort = "dummy-ups", "ups.dev", nutlab.FreePort(t)
	s.EmailNotify, s.ToEmail, s.SMTP.Host, s.SMTP.From, s.SMTP.Username, s.SMTP.Password =
		true, []string{"admin@example.com"}, "mail.example.com", "ups@example.com", "ups", "smtp-Secret-42"
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	res, err := ApplySystem(ctx, s, o)
	if err != nil {
		b, _ := os.ReadFile(filepath.Join(root, "nut.log"))
		t.Fatalf("apply: %v\n%s", err, b)
	}
	if res.Via != "system" || res.Status != "OL" {
		t.Fatalf("result %+v", res)
	}
	calls, _ := os.ReadFile(filepath.Join(root, "systemctl.log"))
	if string(calls) != "restart nut-driver-enumerator.service\nrestart nut.target\nenable nutmeg.service\nrestart nutmeg.service\n" {
		t.Fatalf("systemctl calls:\n%s", calls)
	}
	for _, name := range []string{"nut.conf", "ups.conf", "upsd.conf", "upsd.users", "upsmon.conf"} {
		st, err := os.Stat(filepath.Join(etcNut, name))
		if err != nil || st.Mode().Perm() != 0o640 {
			t.Fatalf("%s: %v %v, want 0640", name, err, st)
		}
	}
	saved, err := os.ReadFile(filepath.Join(root, "etc", "nutmeg", "settings.json"))
	if err != nil || strings.Contains(string(saved), s.MonPwd) || strings.Contains(string(saved), s.SMTP.Password) {
		t.Fatalf("settings file missing or holding a secret (%v)", err)
	}
	secrets, err := secret.ReadFile(filepath.Join(root, "etc", "nutmeg", "secrets"))
	if err != nil || secrets[secret.MonitorPassword] != s.MonPwd || secrets[secret.SMTPPassword] != s.SMTP.Password {
		t.Fatalf("secrets file: %v (keys %d)", err, len(secrets))
	}
	good, _ := os.ReadFile(filepath.Join(etcNut, "ups.conf"))
	// SHUTDOWNCMD runs the wrapper in /etc/nutmeg, which runs the command
	// and leaves its record where the system service looks.
	mon, _ := os.ReadFile(filepath.Join(etcNut, "upsmon.conf"))
	if !strings.Contains(string(mon), `SHUTDOWNCMD "'`+filepath.Join(root, SystemShutdownWrapper)+`'"`) {
		t.Errorf("upsmon.conf does not run the wrapper:\n%s", mon)
	}
	wrapper, err := os.ReadFile(filepath.Join(root, SystemShutdownWrapper))
	if err != nil || !strings.Contains(string(wrapper), s.EffectiveShutdownCmd()) || !strings.Contains(string(wrapper), SystemShutdownResult) {
		t.Errorf("wrapper %v:\n%s", err, wrapper)
	}
	goodSettings, _ := os.ReadFile(filepath.Join(root, "etc", "nutmeg", "settings.json"))
	goodSecrets, _ := os.ReadFile(filepath.Join(root, "etc", "nutmeg", "secrets"))

	// A driver that cannot start: the step is named, the files come back
	// and NUT is restarted on them.
	bad := s
	bad.Port = "missing.dev"
	_, err = ApplySystem(ctx, bad, o)
	var se *StepError
	if !errors.As(err, &se) || se.Step != "read ups.status" || !se.Restored {
		t.Fatalf("failing apply: %v", err)
	}
	now, _ := os.ReadFile(filepath.Join(etcNut, "ups.conf"))
	if string(now) != string(good) {
		t.Fatalf("previous ups.conf not restored:\n%s", now)
	}
	// Nutmeg's own files come back too: the system service must not read
	// settings that NUT never ran on.
	if now, _ := os.ReadFile(filepath.Join(root, "etc", "nutmeg", "settings.json")); string(now) != string(goodSettings) {
		t.Errorf("settings.json not restored after the failed apply:\n%s", now)
	}
	if now, _ := os.ReadFile(filepath.Join(root, "etc", "nutmeg", "secrets")); string(now) != string(goodSecrets) {
		t.Error("secrets file not restored after the failed apply")
	}
	if st, err := os.Stat(filepath.Join(root, "etc", "nutmeg", "secrets")); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("restored secrets file: %v %v, want 0600", err, st)
	}
	calls, _ = os.ReadFile(filepath.Join(root, "systemctl.log"))
	if strings.Count(string(calls), "restart nut.target") != 3 {
		t.Fatalf("NUT not restarted on the restored files:\n%s", calls)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := readStatus(ctx, s)
		if err == nil && st == "OL" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("NUT not serving after the restore: %q, %v", st, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Hand-written NUT files stop a system apply; nothing is written.
func TestApplySystemRefusesHandWrittenConfig(t *testing.T) {
	root, o := systemRoot(t)
	etcNut := filepath.Join(root, "etc", "nut")
	os.MkdirAll(etcNut, 0o755)
	hand := "[myups]\n\tdriver = usbhid-ups\n\tport = auto\n"
	os.WriteFile(filepath.Join(etcNut, "ups.conf"), []byte(hand), 0o640)
	s := nut.Defaults()
	s.Driver, s.Port = "dummy-ups", "ups.dev"
	_, err := ApplySystem(context.Background(), s, o)
	var se *StepError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "hand-written") || !strings.Contains(err.Error(), "nutmeg import --from") {
		t.Fatalf("apply over hand-written files: %v", err)
	}
	now, _ := os.ReadFile(filepath.Join(etcNut, "ups.conf"))
	if string(now) != hand {
		t.Fatal("hand-written ups.conf changed")
	}
	if _, err := os.Stat(filepath.Join(root, "systemctl.log")); err == nil {
		t.Fatal("NUT restarted although nothing was applied")
	}
	if _, err := os.Stat(filepath.Join(root, "etc", "nutmeg")); err == nil {
		t.Fatal("settings written although nothing was applied")
	}
}

// The system service's socket belongs to the group nutmeg (mode 0660), in
// a directory only root and that group enter, so the trays of users in the
// group follow the system service.
func TestSystemSocketGroup(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to own a socket by another group")
	}
	created := false
	if _, err := user.LookupGroup(SocketGroup); err != nil {
		if out, err := exec.Command("groupadd", "--system", SocketGroup).CombinedOutput(); err != nil {
			t.Fatalf("groupadd: %v: %s", err, out)
		}
		created = true
	}
	t.Cleanup(func() {
		if created {
			exec.Command("groupdel", SocketGroup).Run()
		}
	})
	g, err := user.LookupGroup(SocketGroup)
	if err != nil {
		t.Fatal(err)
	}
	state := shortDir(t)
	s := nut.Defaults()
	s.Driver, s.Port, s.RemotePort = "dummy-ups", "ups.dev", nutlab.FreePort(t)
	svc, err := New(Config{Settings: s, StateDir: state, System: true})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Watcher().Close()
	st, err := os.Stat(filepath.Join(state, "nutmeg.sock"))
	if err != nil {
		t.Fatal(err)
	}
	if gid := strconv.Itoa(int(st.Sys().(*syscall.Stat_t).Gid)); gid != g.Gid || st.Mode().Perm() != 0o660 {
		t.Errorf("socket group %s mode %v, want group %s (nutmeg) mode 0660", gid, st.Mode().Perm(), g.Gid)
	}
	if dst, _ := os.Stat(state); dst.Mode().Perm() != 0o750 || strconv.Itoa(int(dst.Sys().(*syscall.Stat_t).Gid)) != g.Gid {
		t.Errorf("state dir mode %v, want 0750 and group nutmeg", dst.Mode().Perm())
	}
}

// fakeSystemctlWithUpsmon is fakeSystemctl that also runs upsmon, as
// Debian's nut-monitor.service would: for the system service's own tests,
// which hold the machine's upsmon lock.
const fakeSystemctlWithUpsmon = `#!/bin/bash
root=%q
echo "$*" >> "$root/systemctl.log"
export NUT_CONFPATH="$root/etc/nut" NUT_STATEPATH="$root/run/nut"
start_upsmon() {
	if [ -f "$root/upsmon.pgid" ]; then kill -- -$(cat "$root/upsmon.pgid") 2>/dev/null; sleep 0.5; fi
	# A killed upsmon that nobody reaped yet (a zombie) still holds the pid
	# file, and a new upsmon would refuse to start; systemd reaps, we clear.
	pid=$(cat /run/nut/upsmon.pid 2>/dev/null)
	if [ -n "$pid" ] && ! grep -qs '^State:[[:space:]]*[RSDTI]' "/proc/$pid/status"; then rm -f /run/nut/upsmon.pid; fi
	setsid /lib/nut/upsmon -F >>"$root/nut.log" 2>&1 < /dev/null &
	echo $! > "$root/upsmon.pgid"
}
case "$2" in
nut.target)
	if [ -f "$root/pids" ]; then kill $(cat "$root/pids") 2>/dev/null; sleep 0.3; fi
	mkdir -p "$NUT_STATEPATH"
	ups=$(sed -n 's/^\[\(.*\)\]$/\1/p' "$NUT_CONFPATH/ups.conf" | head -n1)
	setsid /lib/nut/dummy-ups -a "$ups" -F -u root >>"$root/nut.log" 2>&1 < /dev/null &
	echo $! > "$root/pids"
	for i in $(seq 50); do ls "$NUT_STATEPATH"/dummy-ups-* >/dev/null 2>&1 && break; sleep 0.1; done
	setsid /lib/nut/upsd -F -u root >>"$root/nut.log" 2>&1 < /dev/null &
	echo $! >> "$root/pids"
	start_upsmon;;
nut-monitor.service) start_upsmon;;
esac
`

// systemService applies s in system mode under a test root whose systemd
// stand-in also runs upsmon, then runs the system service on it; the
// returned start function starts a (new) service on the same state.
type systemLab struct {
	root, state, etcNut string
	s                   nut.Settings
	o                   SystemOptions
	log                 *nutlab.SyncBuffer // what the service logged (also on stderr)
}

func newSystemLab(t *testing.T, mutate func(*nut.Settings)) *systemLab {
	t.Helper()
	root, o := systemRoot(t)
	script := filepath.Join(root, "systemctl")
	if err := os.WriteFile(script, []byte(fmt.Sprintf(fakeSystemctlWithUpsmon, root)), 0o755); err != nil {
		t.Fatal(err)
	}
	lock := nutlab.LockUpsmon(t)
	t.Cleanup(func() {
		if b, err := os.ReadFile(filepath.Join(root, "upsmon.pgid")); err == nil {
			var pgid int
			fmt.Sscan(string(b), &pgid)
			syscall.Kill(-pgid, syscall.SIGKILL)
		}
		lock.Close()
	})
	l := &systemLab{root: root, o: o, etcNut: filepath.Join(root, "etc", "nut"), state: filepath.Join(root, "var", "lib", "nutmeg")}
	os.MkdirAll(l.etcNut, 0o755)
	os.MkdirAll(l.state, 0o755)
	l.writeDev(t, "OL")
	l.s = nut.Defaults()
	l.s.Driver, l.s.Port, l.s.RemotePort = "dummy-ups", "ups.dev", nutlab.FreePort(t)
	l.s.Shutdown, l.s.HostSync = nut.ShutdownBatt, 0
	mutate(&l.s)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := ApplySystem(ctx, l.s, o); err != nil {
		b, _ := os.ReadFile(filepath.Join(root, "nut.log"))
		t.Fatalf("apply: %v\n%s", err, b)
	}
	// `upsmon -c fsd` reads the platform's config: here, the test's root.
	t.Setenv("NUT_CONFPATH", l.etcNut)
	t.Setenv("NUT_STATEPATH", filepath.Join(root, "run", "nut"))
	// upsmon must be up before the outage (it logs in to upsd).
	for deadline := time.Now().Add(20 * time.Second); ; {
		c, err := client.Dial(ctx, Addr(l.s), client.Options{Timeout: time.Second})
		n := 0
		if err == nil {
			n, _ = c.NumLogins(l.s.Identifier)
			c.Close()
		}
		if n >= 1 {
			break
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(root, "nut.log"))
			t.Fatalf("the platform's upsmon did not log in:\n%s", b)
		}
		time.Sleep(200 * time.Millisecond)
	}
	return l
}

// writeDev sets the simulated UPS's status (mtime a second ahead, so
// dummy-ups sees every change).
func (l *systemLab) writeDev(t *testing.T, status string) {
	t.Helper()
	p := filepath.Join(l.etcNut, "ups.dev")
	if err := os.WriteFile(p, []byte("ups.status: "+status+"\nbattery.charge: 80\nbattery.runtime: 1800\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	now := time.Now().Add(time.Second)
	os.Chtimes(p, now, now)
}

// start runs a system service on the lab and follows its socket; stop
// ends it (as a unit restart would).
func (l *systemLab) start(t *testing.T) (col *collector, stop func()) {
	t.Helper()
	stored := l.s
	stored.MonPwd = ""
	l.log = &nutlab.SyncBuffer{}
	svc, err := New(Config{Settings: stored, StateDir: l.state, System: true, Systemctl: l.o.Systemctl, RetryEvery: testRetryEvery,
		Log: slog.New(slog.NewTextHandler(io.MultiWriter(os.Stderr, l.log), nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	stop = sync.OnceFunc(func() { cancel(); <-done })
	t.Cleanup(stop)
	col = collect(t, filepath.Join(l.state, "nutmeg.sock"))
	col.wait(t, 0, 30*time.Second, "connected state", func(m api.Message) bool { return m.Type == "state" && m.State.Connected })
	return col, stop
}

// markerLab is a system lab whose shutdown command, after the shutdown
// timer (seconds), appends the time to marker and then runs tail, shell
// commands to end it with.
func markerLab(t *testing.T, timer int, tail string) (l *systemLab, marker string) {
	t.Helper()
	marker = filepath.Join(t.TempDir(), "marker")
	l = newSystemLab(t, func(s *nut.Settings) {
		s.ShutdownTimer = timer
		s.ShutdownCmd = "/bin/sh -c 'date +%s.%N >> " + marker + tail + "'"
	})
	return l, marker
}

// strangerWithUpsmonsPid starts a program (sleep) and writes its pid into
// upsmon's pid file, as when the kernel gives an exited upsmon's pid to
// another program.
func strangerWithUpsmonsPid(t *testing.T) *exec.Cmd {
	t.Helper()
	other := exec.Command("sleep", "120")
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Process.Kill(); other.Wait() })
	if err := os.WriteFile(UpsmonPidFile, []byte(strconv.Itoa(other.Process.Pid)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return other
}

// System mode: a restart of nutmeg.service in the middle of an outage
// resumes the countdown with the deadline shown before.
func TestSystemModeRestartKeepsTheDeadline(t *testing.T) {
	l, marker := markerLab(t, 8, "")
	col, stop := l.start(t)
	l.writeDev(t, "OB DISCHRG")
	st, _ := col.wait(t, 0, 10*time.Second, "countdown", func(m api.Message) bool { return m.Type == "state" && m.State.Countdown != nil })
	shown := st.m.State.Countdown.ShutdownAt
	time.Sleep(time.Until(st.m.State.Countdown.Started.Add(3 * time.Second)))
	stop()
	col2, _ := l.start(t)
	st2, _ := col2.wait(t, 0, 10*time.Second, "resumed countdown", func(m api.Message) bool { return m.Type == "state" && m.State.Countdown != nil })
	if !st2.m.State.Countdown.ShutdownAt.Equal(shown) {
		t.Errorf("after the restart the countdown ends at %s, before %s", st2.m.State.Countdown.ShutdownAt, shown)
	}
	mark := waitMarker(t, marker, 20*time.Second)
	if d := mark.Sub(shown); d < -1500*time.Millisecond || d > 1500*time.Millisecond {
		t.Errorf("marker %v from the deadline shown before the restart, want within 1.5 s", d)
	}
	if n := strings.Count(strings.Join(col2.eventNames(), " "), EvOnBatt); n != 0 {
		t.Errorf("the restarted service announced ONBATT again (%d)", n)
	}
}

// failedSystemShutdown runs a system service whose shutdown command fails
// (it appends the time to marker, says why on stderr and exits 3) into an
// outage, and returns once the command first ran, at first.
func failedSystemShutdown(t *testing.T) (l *systemLab, col *collector, marker string, first time.Time) {
	t.Helper()
	l, marker = markerLab(t, 3, `; echo "poweroff: refused by policy" >&2; exit 3`)
	col, _ = l.start(t)
	l.writeDev(t, "OB DISCHRG")
	return l, col, marker, waitMarker(t, marker, 20*time.Second)
}

// System mode, end to end with the stand-in for systemd: the system
// service counts down, FSD reaches the platform's upsmon, a failing
// shutdown command is reported (SHUTDOWN_FAILED, with its words) and tried
// again by restarting nut-monitor.service.
func TestSystemModeFailedShutdownRetried(t *testing.T) {
	l, col, marker, first := failedSystemShutdown(t)
	ev, i := col.event(t, 0, EvShutdownFailed, 10*time.Second)
	if !strings.Contains(ev.m.Event.Message, "exit status 3") || !strings.Contains(ev.m.Event.Message, "poweroff: refused by policy") {
		t.Errorf("SHUTDOWN_FAILED says %q", ev.m.Event.Message)
	}
	tries := waitMarkers(t, marker, 2, testRetryEvery+15*time.Second)
	if len(tries) < 2 {
		calls, _ := os.ReadFile(filepath.Join(l.root, "systemctl.log"))
		nutLog, _ := os.ReadFile(filepath.Join(l.root, "nut.log"))
		t.Fatalf("no second try within %v; systemctl calls:\n%s\nevents %v\nthe stand-in's NUT log:\n%s", testRetryEvery+15*time.Second, calls, col.eventNames(), nutLog)
	}
	t.Logf("system mode: second try %.1f s after the first (RetryEvery %v)", tries[1].Sub(first).Seconds(), testRetryEvery)
	if d := tries[1].Sub(first); d < testRetryEvery*9/10 {
		t.Errorf("second try only %v after the first, want about %v", d, testRetryEvery)
	}
	col.event(t, i+1, EvShutdownFailed, 10*time.Second)
	if calls, _ := os.ReadFile(filepath.Join(l.root, "systemctl.log")); !strings.Contains(string(calls), "restart nut-monitor.service") {
		t.Errorf("the retry did not restart nut-monitor.service:\n%s", calls)
	}
}

// System mode's FSD goes to the platform's upsmon through its pid file. With
// that upsmon gone and its pid another program's, the FSD is not sent (the
// program keeps running; SIGUSR1 would end it) but retried every second,
// and it reaches the upsmon that nut-monitor.service starts again.
func TestSystemModeFSDOnlyToAnUpsmon(t *testing.T) {
	l, marker := markerLab(t, 3, "")
	col, _ := l.start(t)
	b, err := os.ReadFile(filepath.Join(l.root, "upsmon.pgid"))
	if err != nil {
		t.Fatal(err)
	}
	pgid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if err := syscall.Kill(-pgid, syscall.SIGKILL); err != nil {
		t.Fatalf("stopping the platform's upsmon: %v", err)
	}
	other := strangerWithUpsmonsPid(t)
	l.writeDev(t, "OB DISCHRG")
	ev, _ := col.event(t, 0, EvShutdown, 20*time.Second)
	if !strings.Contains(ev.m.Event.Message, "upsmon is not running") {
		t.Errorf("SHUTDOWN says %q, want that upsmon is not running", ev.m.Event.Message)
	}
	time.Sleep(2 * time.Second) // FSD retried every second meanwhile
	if !pidfile.Running(other.Process.Pid) {
		t.Fatal("the program holding upsmon's old pid was ended (the FSD signal went to it)")
	}
	// The program ends and nut-monitor.service starts upsmon again: the
	// retried FSD reaches it and the shutdown command runs.
	other.Process.Kill()
	other.Wait()
	argv := append(append([]string{}, l.o.Systemctl[1:]...), "restart", "nut-monitor.service")
	if out, err := exec.Command(l.o.Systemctl[0], argv...).CombinedOutput(); err != nil {
		t.Fatalf("restarting nut-monitor.service: %v: %s", err, out)
	}
	waitMarker(t, marker, 20*time.Second)
}

// The upsmon that ran the failing shutdown command leaves its pid file.
// When the kernel gives that pid to another program before the retry (as on
// a busy machine, where this test's sibling once failed), the retry still
// starts upsmon, and the program gets no FSD signal (SIGUSR1 would end it).
func TestSystemModeRetryPastAReusedPid(t *testing.T) {
	l, col, marker, _ := failedSystemShutdown(t)
	col.event(t, 0, EvShutdownFailed, 10*time.Second)
	// The upsmon that ran the command ends; its pid file stays.
	old := readPid(UpsmonPidFile)
	for deadline := time.Now().Add(10 * time.Second); old != 0 && pidfile.Running(old); {
		if time.Now().After(deadline) {
			t.Fatalf("upsmon %d still runs after its shutdown command", old)
		}
		time.Sleep(50 * time.Millisecond)
	}
	other := strangerWithUpsmonsPid(t)
	tries := waitMarkers(t, marker, 2, testRetryEvery+15*time.Second)
	if len(tries) < 2 {
		nutLog, _ := os.ReadFile(filepath.Join(l.root, "nut.log"))
		t.Fatalf("no second try past a pid file naming another program; events %v; the stand-in's NUT log:\n%s", col.eventNames(), nutLog)
	}
	if !pidfile.Running(other.Process.Pid) {
		t.Fatal("the program that had upsmon's old pid was ended (the FSD signal went to it)")
	}
}
