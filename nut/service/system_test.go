package service

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
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
	if !strings.Contains(string(mon), `SHUTDOWNCMD "'`+SystemShutdownWrapper+`'"`) {
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

// The system service's socket belongs to the group nutmeg (mode 0660) and
// its directory lets group members through without listing it, so the
// trays of users in that group follow the system service.
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
	if dst, _ := os.Stat(state); dst.Mode().Perm() != 0o711 {
		t.Errorf("state dir mode %v, want 0711", dst.Mode().Perm())
	}
}
