package wizard

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/nutmeg-ups/nutmeg/nut/secret"
	"github.com/nutmeg-ups/nutmeg/wizard/flow"
)

// pkexecStandIn puts a pkexec on PATH that records its arguments and
// stdin's length, then refuses (exit 126, as when the polkit dialog is
// dismissed) while dir/refuse exists, else runs the command. The command
// is a stand-in nutmeg that records its arguments and stdin and answers as
// `nutmeg apply --system` does (the real one would write /etc/nut).
func pkexecStandIn(t *testing.T) (dir, exe string) {
	t.Helper()
	dir = t.TempDir()
	pk := `#!/bin/sh
printf '%s\n' "$@" > "` + dir + `/pkexec.args"
[ -e "` + dir + `/refuse" ] && { echo "Error executing command as another user: Request dismissed" >&2; exit 126; }
exec "$@"
`
	exe = filepath.Join(dir, "nutmeg")
	nm := `#!/bin/sh
printf '%s\n' "$@" > "` + dir + `/nutmeg.args"
cat > "` + dir + `/nutmeg.stdin"
echo "applied: /etc/nut written, NUT's units restarted, ups.status: OL"
echo "the watcher nutmeg.service is enabled and running: it comes back at boot, with nobody logged in"
`
	if err := os.WriteFile(filepath.Join(dir, "pkexec"), []byte(pk), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(exe, []byte(nm), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return dir, exe
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func (w *Wizard) reviewText() (s string) {
	w.Locked(func() { s = w.review.summary.Text })
	return s
}

// On Linux the wizard sets up system mode: the Review says so, and Apply
// runs `nutmeg apply --system` through pkexec with the password on stdin.
func TestSystemModeByDefault(t *testing.T) {
	db := driverDB(t)
	e := newEnv(t)
	dir, exe := pkexecStandIn(t)
	user := &filesApplier{dir: e.confDir}
	d := e.deps(t, db, user)
	var before, undo int
	d.SystemApplier = SystemApplier{Exe: exe, SettingsPath: e.settingsPath,
		Before: func(context.Context) error { before++; return nil }, Undo: func(context.Context) error { undo++; return nil }}
	w := open(t, d, light())
	f := w.Flow()
	if f.Run != flow.RunSystem {
		t.Fatalf("run mode %v, want system", f.Run)
	}
	test.Tap(w.nextBtn)
	if f.Page != flow.Review {
		t.Fatalf("page %v, want review", f.Page)
	}
	if got := w.reviewText(); !strings.Contains(got, flow.RunSentence(flow.RunSystem)) || !strings.Contains(got, "even when nobody is logged in") {
		t.Fatalf("Review does not say system mode:\n%s", got)
	}
	test.Tap(w.nextBtn)
	w.Wait()
	var pr flow.Progress
	w.Locked(func() { pr = *w.apply.progress })
	if !pr.Done || pr.Err != "" {
		t.Fatalf("apply: %+v", pr)
	}
	if user.calls != 0 {
		t.Fatal("the user-mode applier ran in system mode")
	}
	if before != 1 || undo != 0 {
		t.Fatalf("the user's service was stopped %d times and put back %d times, want 1 and 0", before, undo)
	}
	for _, r := range pr.Rows {
		if r.State != flow.StateDone {
			t.Errorf("step %s is %s", r.Step, r.State)
		}
	}

	pw, err := e.store.Get(secret.MonitorPassword)
	if err != nil || pw == "" {
		t.Fatalf("monitor password not in the keyring: %v", err)
	}
	pkArgs := readLines(t, filepath.Join(dir, "pkexec.args"))
	want := []string{exe, "apply", "--system", "--settings", e.settingsPath, "--secrets-stdin"}
	if _, err := os.Stat(SystemHelper); err == nil {
		want = []string{SystemHelper, "--settings", e.settingsPath, "--secrets-stdin"}
	}
	if !slices.Equal(pkArgs, want) {
		t.Fatalf("pkexec ran %q, want %q", pkArgs, want)
	}
	for _, a := range pkArgs {
		if strings.Contains(a, pw) {
			t.Fatal("the monitor password is in pkexec's argv")
		}
	}
	stdin, _ := os.ReadFile(filepath.Join(dir, "nutmeg.stdin"))
	if !strings.Contains(string(stdin), "NUTMEG_MONITOR_PASSWORD="+pw+"\n") {
		t.Fatal("the privileged apply did not get the monitor password on stdin")
	}
}

// A user who cannot give the administrator's password is offered the user
// mode; choosing it applies through the user-mode applier, and the Review
// then says what that means.
func TestSystemModeRefusedOffersUserMode(t *testing.T) {
	db := driverDB(t)
	e := newEnv(t)
	dir, exe := pkexecStandIn(t)
	os.WriteFile(filepath.Join(dir, "refuse"), nil, 0o644)
	user := &filesApplier{dir: e.confDir}
	d := e.deps(t, db, user)
	var before, undo int
	d.SystemApplier = SystemApplier{Exe: exe, SettingsPath: e.settingsPath,
		Before: func(context.Context) error { before++; return nil }, Undo: func(context.Context) error { undo++; return nil }}
	w := open(t, d, light())
	f := w.Flow()
	test.Tap(w.nextBtn) // Review
	test.Tap(w.nextBtn) // Apply
	w.Wait()
	var pr flow.Progress
	var offered bool
	w.Locked(func() { pr, offered = *w.apply.progress, w.apply.userBox.Visible() })
	if pr.Err == "" || pr.Failed != flow.StepAuth || !offered {
		t.Fatalf("refusal: failed %q err %q, user mode offered %v", pr.Failed, pr.Err, offered)
	}
	if _, err := os.Stat(filepath.Join(dir, "nutmeg.args")); err == nil {
		t.Fatal("the privileged command ran although pkexec refused")
	}
	if _, err := os.Stat(e.settingsPath); err == nil {
		t.Fatal("the settings file was kept after the refusal")
	}
	if user.calls != 0 {
		t.Fatal("user mode applied before it was chosen")
	}
	if before != 1 || undo != 1 {
		t.Fatalf("the user's service was stopped %d times and put back %d times, want 1 and 1", before, undo)
	}

	test.Tap(w.apply.userBtn)
	w.Wait()
	w.Locked(func() { pr, offered = *w.apply.progress, w.apply.userBox.Visible() })
	if f.Run != flow.RunUser || user.calls != 1 || !pr.Done || pr.Err != "" || offered {
		t.Fatalf("user mode: run %v, applier calls %d, progress %+v, offer shown %v", f.Run, user.calls, pr, offered)
	}
	if _, err := os.Stat(e.settingsPath); err != nil {
		t.Fatalf("settings not saved in user mode: %v", err)
	}
	w.Locked(func() { w.review.load() })
	if got := w.reviewText(); !strings.Contains(got, flow.RunSentence(flow.RunUser)) || !strings.Contains(got, "only while you are logged in") {
		t.Fatalf("Review does not say user mode:\n%s", got)
	}
}

// The privileged apply's failure message (nut/service's StepError, as
// `nutmeg apply` prints it) names the Apply page's step.
func TestSystemStep(t *testing.T) {
	for _, tc := range []struct{ msg, step string }{
		{"nutmeg apply: check /etc/nut: /etc/nut holds hand-written NUT files (ups.conf)", flow.StepWrite},
		{"nutmeg apply: save secrets: permission denied", flow.StepWrite},
		{"nutmeg apply: restart NUT: systemctl restart nut.target: exit status 1: Job failed", flow.StepUnits},
		{"nutmeg apply: read ups.status: after 30s: connection refused (the previous files were restored)", flow.StepStatus},
		{"nutmeg apply: log in: the monitor user and password do not log in to upsd: ACCESS-DENIED", flow.StepStatus},
		{"nutmeg apply: start nutmeg.service: systemctl enable nutmeg.service: exit status 1: Unit file nutmeg.service does not exist.", flow.StepService},
	} {
		if got := systemStep(tc.msg); got != tc.step {
			t.Errorf("%q: step %q, want %q", tc.msg, got, tc.step)
		}
	}
}
