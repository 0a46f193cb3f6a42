//go:build !windows

package secret

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/testneed"
)

// Test helpers: private dbus-daemons and a child process that runs one
// keyring call against a chosen bus. The child is needed because godbus keeps
// one shared session connection per process: the bus address is read once.

// privateBus starts a dbus-daemon with no activatable services (so nothing
// gets auto-started, gnome-keyring included) and returns its address.
func privateBus(t *testing.T) string {
	t.Helper()
	daemon := testneed.Tool(t, "dbus-daemon")
	dir := t.TempDir()
	cfg := filepath.Join(dir, "bus.conf")
	conf := `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=` + filepath.Join(dir, "bus") + `</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(daemon, "--config-file="+cfg, "--nofork", "--print-address=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder // as root it complains about fd limits: noise
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		_ = cmd.Wait()
		t.Fatalf("dbus-daemon gave no address: %v\n%s", err, stderr.String())
	}
	return strings.TrimSpace(line)
}

// childResult is what the helper child reports about one call.
type childResult struct {
	Op      string        `json:"op"`
	Kind    string        `json:"kind"` // notfound, unavailable, locked, timeout, other, ok
	Msg     string        `json:"msg"`
	Value   string        `json:"value"`
	Elapsed time.Duration `json:"elapsed"`
}

func kindOf(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, ErrNotFound):
		return "notfound"
	case errors.Is(err, ErrUnavailable):
		return "unavailable"
	case errors.Is(err, ErrLocked):
		return "locked"
	case errors.Is(err, ErrTimeout):
		return "timeout"
	}
	return "other"
}

// TestMain doubles as the helper child: NUTMEG_SECRET_CHILD=op:key[:timeout]
// runs one call, with the value (for set) in NUTMEG_SECRET_CHILD_VALUE (the
// environment, not argv: it is a secret), prints a childResult and exits.
func TestMain(m *testing.M) {
	if spec := os.Getenv("NUTMEG_SECRET_CHILD"); spec != "" {
		os.Exit(runChild(spec))
	}
	os.Exit(m.Run())
}

func runChild(spec string) int {
	parts := strings.Split(spec, ":")
	if len(parts) != 3 {
		fmt.Fprintln(os.Stderr, "bad child spec")
		return 3
	}
	timeout, err := time.ParseDuration(parts[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	st := Keyring(timeout)
	enc := json.NewEncoder(os.Stdout)
	for _, op := range strings.Split(parts[0], ",") {
		start := time.Now()
		var r childResult
		switch op {
		case "get":
			r.Value, err = st.Get(parts[1])
		case "set":
			err = st.Set(parts[1], os.Getenv("NUTMEG_SECRET_CHILD_VALUE"))
		case "delete":
			err = st.Delete(parts[1])
		default:
			err = errors.New("unknown op " + op)
		}
		r.Op, r.Elapsed, r.Kind = op, time.Since(start), kindOf(err)
		if err != nil {
			r.Msg = err.Error()
		}
		_ = enc.Encode(r)
	}
	return 0 // lingering go-keyring goroutines must not keep us alive
}

// runChildCalls runs the helper child with env (added to a minimal
// environment); it does the comma-separated ops in turn on one Store and
// reports each. The child is killed if it outlives limit: a hang is
// exactly the failure these tests look for.
func runChildCalls(t *testing.T, ops, key, value string, timeout, limit time.Duration, env ...string) []childResult {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + t.TempDir(),
		"XDG_RUNTIME_DIR=" + t.TempDir(), // no $XDG_RUNTIME_DIR/bus to discover
		"NUTMEG_SECRET_CHILD=" + ops + ":" + key + ":" + timeout.String(),
		"NUTMEG_SECRET_CHILD_VALUE=" + value,
	}, env...)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var out strings.Builder
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("child failed: %v", err)
		}
	case <-time.After(limit):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		t.Fatalf("keyring %s did not return within %v (timeout was %v): it hangs", ops, limit, timeout)
	}
	var rs []childResult
	dec := json.NewDecoder(strings.NewReader(out.String()))
	for dec.More() {
		var r childResult
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("child output is not JSON results (not shown: it may hold the secret read back): %v", err)
		}
		// Logging the messages shows what a user would read. The callers
		// check them for the secret; the log masks it all the same, as it
		// comes before those checks.
		msg := r.Msg
		if value != "" {
			msg = strings.ReplaceAll(msg, value, "****")
		}
		t.Logf("%s → %s: %s", r.Op, r.Kind, msg)
		rs = append(rs, r)
	}
	if n := len(strings.Split(ops, ",")); len(rs) != n {
		t.Fatalf("child reported %d results for %d ops", len(rs), n)
	}
	return rs
}
